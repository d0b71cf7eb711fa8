"""Side-by-side benchmarks: autodiff against micrograd 0.1.0 (and PyTorch 0-d tensors if installed).

    python benchmarks/run.py            # full run, about five minutes
    python benchmarks/run.py --quick    # fewer repetitions, for a smoke check
    python benchmarks/run.py --compiled # only the compiled steps against the hand-written one

Every engine runs the same program in the same process, in alternating rounds, so machine noise
hits them alike; the table shows medians and ratios to micrograd. The one exception is the
training step "as users run it": each engine runs it in fresh processes with default settings,
because micrograd's cost there is its garbage collector, which depends on the process's history.
These are scripts, not tests: nothing here asserts on time.

The training step is the same work for every row: MLP(2, [16, 16, 1]) (relu hidden layers,
linear output) on 100 two-moons points, one full batch, mean hinge loss, backward, SGD. Beside
micrograd and PyTorch it is run by `nn` eagerly, by `nn.fit(compile=True)`'s compiled step, by
micrograd's own program on autodiff's `Value`, and by hand on lists of floats
(`handwritten.py`), the physical limit.

A second table sets `autodiff.compile` against that limit, with the time of the first call,
which records the function and generates its code. A third gives what the engine's guarantees
cost (modes per thread and task, room for a program's attributes) and how large graphs fare
with Python's cyclic collector.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parent))  # handwritten.py

SIZES = [16, 16, 1]
POINTS = 100
GRAPH_NODES = 100_000
LR = 0.1
LADDER = [10**k * m for k in range(2, 6) for m in (1, 2, 5)] + [10**6]


# --- the engines, behind one small interface ----------------------------------------------


class ScalarMLP:
    """micrograd's MLP (relu hidden layers, linear output) written against any scalar type."""

    def __init__(self, scalar, nin: int, nouts: list[int], seed: int) -> None:
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            [([scalar(rng.uniform(-1, 1)) for _ in range(n_in)], scalar(0.0)) for _ in range(n_out)]
            for n_in, n_out in itertools.pairwise(sizes)
        ]

    def __call__(self, x):
        for i, layer in enumerate(self.layers):
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            if i < len(self.layers) - 1:
                x = [a.relu() for a in x]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for w, b in layer for p in [*w, b]]


class Autodiff:
    """As its users run it: nn.MLP, nn.losses.hinge and nn.SGD."""

    name = "autodiff"
    model_name = "nn.MLP, hinge, SGD"

    def __init__(self) -> None:
        from autodiff import Value, no_grad
        from nn import MLP, SGD
        from nn.losses import hinge

        self.Value, self.no_grad = Value, no_grad
        self.model = MLP(2, SIZES, activation="relu", output_activation="linear", seed=0)
        self.sample_loss = lambda x, yi: hinge(self.model(x), yi)
        self.params = self.model.parameters()
        optimizer = SGD(self.params, lr=LR)
        self.zero_grad, self.update = optimizer.zero_grad, optimizer.step


class AutodiffOps:
    """micrograd's own program (ScalarMLP, demo loop) unchanged on autodiff.Value: the engine's
    binary operations alone, without nn's one-node neuron. Training rows only."""

    name = "autodiff-ops"
    model_name = "ScalarMLP, demo loop"
    training_only = True

    def __init__(self) -> None:
        from autodiff import Value, no_grad

        self.Value, self.no_grad = Value, no_grad
        self.model = ScalarMLP(Value, 2, SIZES, seed=0)
        self.sample_loss = lambda x, yi: (1 + -yi * self.model(x)).relu()
        self.params = self.model.parameters()
        self.update = sgd(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0


class Micrograd:
    """As its users run it: micrograd.nn.MLP and the loop of micrograd's demo notebook."""

    name = "micrograd"
    model_name = "micrograd.nn.MLP, demo loop"

    def __init__(self) -> None:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        random.seed(0)
        self.Value, self.model = Value, MLP(2, SIZES)
        self.sample_loss = lambda x, yi: (1 + -yi * self.model(x)).relu()
        self.params = self.model.parameters()
        self.zero_grad, self.update = self.model.zero_grad, sgd(self.params)


class Torch:
    """PyTorch on 0-d float64 tensors, one thread: ScalarMLP and micrograd's loop."""

    name = "torch"
    model_name = "ScalarMLP, demo loop"

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        self.Value = lambda x: torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        self.no_grad = torch.no_grad
        self.model = ScalarMLP(self.Value, 2, SIZES, seed=0)
        self.sample_loss = lambda x, yi: (1 + -yi * self.model(x)).relu()
        self.params = self.model.parameters()
        self.update = sgd(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


def sgd(params, lr: float = LR):
    """micrograd's update, for the engines that bring no optimizer."""

    def update() -> None:
        for p in params:
            p.data -= lr * p.grad

    return update


class AutodiffCompiled:
    """`nn.fit(compile=True)`'s step: the model's batch pass replayed by `autodiff.compile`.
    Its first call, which records and compiles, is made here and timed in the second table."""

    name = "autodiff compiled"
    model_name = "nn.MLP, fit(compile=True)'s step"
    training_only = True

    def __init__(self) -> None:
        self.step = FitStep("fit(compile=True)", *moons()).run
        self.step()


class HandWritten:
    """The same step by hand on lists of floats (`handwritten.py`): no graph at all."""

    name = "hand-written"
    model_name = "lists of floats"
    training_only = True

    def __init__(self) -> None:
        self.step = FitStep("hand-written", *moons()).run


ENGINES = {
    e.name: e for e in (Autodiff, AutodiffCompiled, AutodiffOps, Micrograd, Torch, HandWritten)
}


def available() -> list:
    engines = []
    for cls in ENGINES.values():
        try:
            engines.append(cls())
        except ImportError:
            print(f"({cls.name} is not installed: skipped)")
    return engines


# --- the work -------------------------------------------------------------------------------


def moons(n: int = POINTS, noise: float = 0.1, seed: int = 0):
    """scikit-learn's make_moons, without scikit-learn: two interleaved half circles, labels ±1."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2 - 1)
        outer = i % 2 == 0
        x0, x1 = (math.cos(t), math.sin(t)) if outer else (1 - math.cos(t), 0.5 - math.sin(t))
        X.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        y.append(1.0 if outer else -1.0)
    return X, y


def train_step(engine, X, y):
    """One full-batch step: forward, mean hinge loss, backward, SGD. (micrograd's demo adds a
    1e-4 L2 term; it is left out so that every row does the same work as `nn.fit`'s step.)

    Returns the loss, and with it the graph, so that a caller timing the step frees the graph
    after the clock stops: with the collector off, micrograd's graphs (cycles, through its
    closures) are never freed, so autodiff's are not counted either.
    """
    if hasattr(engine, "step"):  # a step of its own, on the same points
        return engine.step()
    losses = [engine.sample_loss(x, yi) for x, yi in zip(X, y)]
    loss = sum(losses) * (1.0 / len(losses))
    engine.zero_grad()
    loss.backward()
    engine.update()
    return loss


def wide(Value, nodes: int):
    """Σ x_i·y_i summed as a balanced tree: four nodes per term, depth log n."""
    rng = random.Random(1)
    level = [Value(rng.random()) * Value(rng.random()) for _ in range(nodes // 4)]
    while len(level) > 1:
        level = [a + b for a, b in zip(level[::2], level[1::2])] + level[len(level) & ~1 :]
    return level[0]


def chain(Value, nodes: int):
    """v ← v·0.5 + 0.5, repeated: four nodes per step (two constants), as deep as it is long."""
    v = Value(0.3)
    for _ in range(nodes // 4):
        v = v * 0.5 + 0.5
    return v


def count_nodes(root) -> int:
    """Distinct nodes reachable from root (via micrograd's `_prev`, which autodiff also has)."""
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


# --- measuring ------------------------------------------------------------------------------


def timed(f, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = f(*args)
    return time.perf_counter() - start, result


def rounds(engines, n: int, measure) -> dict[str, list[float]]:
    """`measure(engine)` n times per engine, alternating engines, collector off while timing."""
    samples = {e.name: [] for e in engines}
    for _ in range(n):
        for engine in engines:
            gc.collect()
            gc.disable()
            try:
                samples[engine.name].append(measure(engine))
            finally:
                gc.enable()
    gc.collect()
    return samples


def child_train(name: str, steps: int) -> None:
    """In a fresh process with default settings: seconds per training step, averaged over steps
    so that collections triggered in one step and paid in another are all counted."""
    engine = ENGINES[name]()
    X, y = moons()
    def run() -> None:
        for _ in range(steps):
            train_step(engine, X, y)  # each graph freed inside the clock, as users run it

    seconds, _ = timed(run)
    print(json.dumps(seconds / steps))


def child_deepest(name: str) -> None:
    """Differentiate relu chains of growing depth, printing each depth that works."""
    engine = ENGINES[name]()
    for depth in LADDER:
        x = v = engine.Value(1.0)
        for _ in range(depth):
            v = v.relu()
        try:
            v.backward()
        except RecursionError:
            return
        assert float(x.grad) == 1.0
        del x, v
        print(depth, flush=True)


def child_ladder(nodes: int, collector: str) -> None:
    """In a fresh process: build and differentiate a chain of `nodes` nodes, with Python's
    cyclic collector on or off; ns per node each way and the share of time it collected."""
    from autodiff import Value

    if collector == "off":
        gc.disable()
    spent, started = [0.0], [0.0]

    def clock(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(clock)
    build, root = timed(chain, Value, nodes)
    back, _ = timed(root.backward)
    print(json.dumps([build / nodes, back / nodes, spent[0] / (build + back)]))


def child(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, timeout=600
    )


def fresh_process_steps(engines, n: int, steps: int) -> dict[str, list[float]]:
    samples = {e.name: [] for e in engines}
    for _ in range(n):
        for engine in engines:
            done = child("train", engine.name, str(steps))
            samples[engine.name].append(json.loads(done.stdout))
    return samples


def deepest(engine) -> int:
    done = child("deepest", engine.name)
    return max(map(int, done.stdout.split()), default=0)


def bytes_per_node(engine) -> float:
    """Memory held by a differentiated 10^5-node graph, per node (tracemalloc: Python heap only)."""
    gc.collect()
    tracemalloc.start()
    root = wide(engine.Value, GRAPH_NODES)
    root.backward()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return held / GRAPH_NODES


# --- compiled training against the hand-written step ----------------------------------------


class FitStep:
    """`nn.fit`'s step on the whole batch: forward, mean hinge loss, backward, SGD; `run` in
    one of four ways, each on its own copy of the same model."""

    def __init__(self, name: str, X, y) -> None:
        import handwritten

        from autodiff import compile as compile_function
        from nn import MLP, SGD, batch_loss, functional_call
        from nn.compiled import ArrayTraining, Batched
        from nn.losses import hinge

        self.name = name
        self.model = MLP(2, SIZES, activation="relu", output_activation="linear", seed=0)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=LR)
        loss = partial(batch_loss, loss=hinge)
        zero_grad, update = self.optimizer.zero_grad, self.optimizer.step
        if name == "hand-written":
            self.layers = handwritten.from_model(self.model)
            self.run = lambda: handwritten.train_step(self.layers, X, y, LR)
        elif name == "autodiff eager":

            def run() -> float:
                mean = loss([self.model(x) for x in X], y)
                zero_grad()
                mean.backward()
                update()
                return mean.data

        elif name == "fit(compile=True)":  # the parameters in arrays, as fit keeps them
            arrays = ArrayTraining(self.model, hinge, loss, self.optimizer)
            self.write_back = arrays.write_back

            def run() -> float:
                return arrays.step(X, y)[1]

        else:  # the whole loss, model and targets, as one function of the parameters
            batched = Batched(self.model)
            whole = compile_function(lambda ps: loss(functional_call(batched, ps, X), y))

            def run() -> float:
                value, grads = whole.value_and_grad([p.data for p in self.params])
                for p, g in zip(self.params, grads):
                    p.grad = g
                update()
                return value

        if name != "hand-written":
            self.run = run

    def weights(self) -> list[float]:
        if hasattr(self, "write_back"):
            self.write_back()
        if self.name == "hand-written":
            return [v for W, b in self.layers for row, bj in zip(W, b) for v in (*row, bj)]
        return [p.data for p in self.params]


def compiled_steps(repeats: int) -> Table:
    X, y = moons()
    names = ["autodiff eager", "fit(compile=True)", "autodiff.compile, whole loss", "hand-written"]
    steps = [FitStep(name, X, y) for name in names]
    first = {s.name: timed(s.run)[0] for s in steps}  # the compiled ones record here
    losses = {s.name: [] for s in steps}

    def measure(step: FitStep) -> float:
        seconds, loss = timed(step.run)
        losses[step.name].append(loss)
        return seconds

    samples = rounds(steps, repeats, measure)
    table = Table(base="hand-written")
    table.add("full-batch fit step, collector off", samples, "ms")
    for name in names[1:3]:
        row = ("first call: record, generate, compile", name, show(first[name], "ms"), "")
        table.rows.append(row)
    agree = max(abs(a - b) for s in steps for a, b in zip(losses[s.name], losses[names[0]]))
    apart = max(abs(a - b) for s in steps for a, b in zip(s.weights(), steps[0].weights()))
    print(f"losses agree to {agree:.1e}, weights after {repeats + 1} steps to {apart:.1e}")
    return table


# --- what the guarantees cost, and large graphs ------------------------------------------------


def guarantees(repeats: int) -> list[tuple[str, str]]:
    """What modes per thread and task, and room for a program's attributes, cost a node."""
    import timeit

    from autodiff import Value
    from autodiff.mode import current

    n = 1_000_000

    class Switches:  # the modes as they were: one shared object's slots
        __slots__ = ("grad_enabled",)

    before = Switches()
    before.grad_enabled = True
    scope = {"current": current, "before": before, "a": Value(1.5), "b": Value(2.0)}

    def best(statement: str) -> float:  # timeit's own loop: no call around the statement
        return min(timeit.repeat(statement, globals=scope, number=n, repeat=repeats)) / n

    per_read = best("current().grad_enabled") - best("before.grad_enabled")
    per_op = best("a * b")

    class Slotted:  # a node's fields without the room for attributes
        __slots__ = tuple(slot for slot in Value.__slots__ if slot != "__dict__")

    def held(make) -> float:
        gc.collect()
        tracemalloc.start()
        nodes = [make() for _ in range(GRAPH_NODES)]
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        del nodes
        return size / GRAPH_NODES

    room = held(lambda: Value(1.0)) - held(Slotted)
    return [
        ("modes in a context variable, per recorded operation",
         f"{per_read * 1e9:+.0f} ns ({per_read / per_op:.0%} of a recorded a * b)"),
        ("room for a program's own attributes, per node (none set)", f"{room:+.0f} B"),
    ]


def ladder(processes: int) -> list[tuple[str, ...]]:
    """A chain of 10^4 … 10^6 nodes in fresh processes, collector on and off: ns per node."""
    rows = []
    for nodes in (10**4, 10**5, 10**6):
        for collector in ("on", "off"):
            runs = [json.loads(child("ladder", str(nodes), collector).stdout)
                    for _ in range(processes)]
            build, back, share = (statistics.median(run[i] for run in runs) for i in range(3))
            rows.append((f"{nodes:,}", collector, f"{build * 1e9:.0f}", f"{back * 1e9:.0f}",
                         f"{share:.0%}"))
    return rows


def print_rows(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [*rows, header]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


# --- the table ------------------------------------------------------------------------------


class Table:
    def __init__(self, base: str = "micrograd") -> None:
        self.base = base
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, metric: str, samples: dict, unit: str) -> None:
        """One row per engine: the median, and how it compares with the base engine's median."""
        medians = {name: statistics.median(s) for name, s in samples.items()}
        base = medians.get(self.base)
        for name, m in medians.items():
            if name == self.base or base is None:
                ratio = ""
            elif unit == "B":
                ratio = f"{m / base:.2f}× the bytes"
            elif unit == "":
                ratio = f"{m / base:.0f}× deeper"
            else:
                speedup = base / m if unit == "ms" else m / base
                ratio = f"{speedup:.1f}× faster" if speedup >= 1 else f"{1 / speedup:.1f}× slower"
            self.rows.append((metric, name, show(m, unit), ratio))

    def print(self) -> None:
        print_rows(("benchmark", "engine", "median", f"vs {self.base}"), self.rows)


def show(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value * 1e3:.1f} ms"
    if unit == "nodes/s":
        return f"{value / 1e6:.2f} M nodes/s"
    if unit == "B":
        return f"{value:.0f} B/node"
    return f"{value:,.0f}"


def graph_rows(table: Table, engines: list, ours, build, repeats: int) -> None:
    """Forward and backward throughput on the graph `build` makes, for every engine."""
    nodes = count_nodes(build(ours.Value, GRAPH_NODES))
    backward = {e.name: [] for e in engines}

    def measure(engine) -> float:
        seconds, root = timed(build, engine.Value, GRAPH_NODES)
        backward[engine.name].append(nodes / timed(root.backward)[0])
        return nodes / seconds

    forward = rounds(engines, repeats, measure)
    table.add(f"{build.__name__} graph forward ({nodes:,} nodes)", forward, "nodes/s")
    table.add(f"{build.__name__} graph backward", backward, "nodes/s")
    ratio = statistics.median(forward[ours.name]) / statistics.median(backward[ours.name])
    row = (f"{build.__name__} graph: backward time ÷ forward time", ours.name, f"{ratio:.2f}", "")
    table.rows.append(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--compiled", action="store_true", help="only the compiled steps")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, name, *rest = args.child
        if kind == "train":
            child_train(name, int(rest[0]))
        elif kind == "ladder":
            child_ladder(int(name), rest[0])
        else:
            child_deepest(name)
        return

    repeats, processes, steps = (3, 3, 2) if args.quick else (7, 7, 3)
    if args.compiled:
        compiled_steps(3 * repeats).print()
        return
    engines = available()
    ours = engines[0]
    names = "; ".join(f"{e.name}: {e.model_name}" for e in engines)
    print(f"Python {sys.version.split()[0]}; {names}")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), GRAPH_NODES))  # micrograd's recursive sort
    table = Table()
    X, y = moons()

    fresh = fresh_process_steps(engines, processes, steps)
    table.add("training step, fresh process (as users run it)", fresh, "ms")

    def step(engine) -> float:
        return timed(train_step, engine, X, y)[0]

    rounds(engines, 1, step)  # warm up
    table.add("training step, collector off", rounds(engines, repeats, step), "ms")

    engines = [e for e in engines if not getattr(e, "training_only", False)]
    for build in (wide, chain):
        graph_rows(table, engines, ours, build, repeats)

    light = [e for e in engines if e.name != "torch"]  # tracemalloc sees only Python's heap
    table.add("bytes per node, 10^5-node graph", {e.name: [bytes_per_node(e)] for e in light}, "B")
    table.add("deepest relu chain differentiated", {e.name: [deepest(e)] for e in engines}, "")

    # the forward pass recording and under no_grad, in alternating rounds like the engines
    modes = [SimpleNamespace(name="recording", context=nullcontext),
             SimpleNamespace(name="no_grad", context=ours.no_grad)]

    def forward(mode) -> float:
        with mode.context():
            return timed(lambda: [ours.model(x) for x in X])[0]

    times = rounds(modes, repeats, forward)
    recording, inference = (statistics.median(times[mode.name]) for mode in modes)
    faster = f"{recording / inference:.1f}× faster than recording"
    table.rows.append(("MLP forward on 100 points under no_grad", ours.name,
                       show(inference, "ms"), faster))
    table.print()
    print()
    compiled_steps(3 * repeats).print()
    print()
    print_rows(("what it costs", "measured"), guarantees(repeats))
    print()
    print_rows(("chain of nodes", "collector", "forward ns/node", "backward ns/node",
                "in the collector"), ladder(processes))


if __name__ == "__main__":
    main()
