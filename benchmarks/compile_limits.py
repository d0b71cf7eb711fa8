"""Where `autodiff.compile` could cost more than it saves, measured side by side with eager.

- **guards that rarely repeat**: a function with fourteen comparisons, called on random inputs
  (almost every call takes a path not seen before), `value_and_grad` 1,500 and 3,000 times,
  eagerly and through `compile` (a new compiled function per round, so that every round pays
  for its recordings and for finding out that they do not pay), in alternating rounds;
- **the first call on a long chain**: `v ← v·0.5 + 0.5` (two operations a step) and
  `v ← tanh(v·w + 0.5)` (three, w an argument), each in a fresh process: one eager
  `value_and_grad`, then the first compiled call (record, write and compile the code, replay),
  then a second; with the process's peak resident memory.

A script, not a test: nothing asserts on time.

    python benchmarks/compile_limits.py            # about a minute
    python benchmarks/compile_limits.py --quick
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
import warnings

import autodiff
from autodiff import value_and_grad


def fourteen_guards(xs):
    total = xs[0] * 0.0
    for x in xs:
        total = total + (x * x if x > 0 else (x * 0.5).tanh())
    return total


def guard_rounds(calls: int, rounds: int) -> tuple[list[float], list[float]]:
    """CPU seconds for `calls` random calls, eagerly and compiled, in alternating rounds (the
    process's own CPU time: other processes on a shared machine move it far less than the
    wall clock)."""
    rng = random.Random(1)
    inputs = [[rng.uniform(-1, 1) for _ in range(14)] for _ in range(calls)]
    eager, compiled = [], []
    warnings.simplefilter("ignore", autodiff.CompileWarning)
    for _ in range(rounds):
        start = time.process_time()
        f = value_and_grad(fourteen_guards)
        for xs in inputs:
            f(xs)
        eager.append(time.process_time() - start)
        start = time.process_time()
        f = autodiff.compile(fourteen_guards).value_and_grad
        for xs in inputs:
            f(xs)
        compiled.append(time.process_time() - start)
    return eager, compiled


def halving(x, steps):
    v = x
    for _ in range(steps):
        v = v * 0.5 + 0.5
    return v


def tanh_chain(x, w, steps):
    v = x
    for _ in range(steps):
        v = (v * w + 0.5).tanh()
    return v


CHAINS = {  # name: (function, argnums, arguments, operations a step)
    "halving": (halving, 0, (0.3,), 2),
    "tanh": (tanh_chain, (0, 1), (0.3, 0.9), 3),
}


def child_chain(name: str, operations: int) -> None:
    """In a fresh process: one eager value_and_grad, the first and a second compiled call (CPU
    time, as in `guard_rounds`)."""
    f, argnums, args, per_step = CHAINS[name]
    steps = operations // per_step
    start = time.process_time()
    expected = value_and_grad(f, argnums)(*args, steps)
    eager = time.process_time() - start
    compiled = autodiff.compile(f, argnums)
    start = time.process_time()
    first = compiled.value_and_grad(*args, steps)
    first_time = time.process_time() - start
    start = time.process_time()
    compiled.value_and_grad(*args, steps)
    second = time.process_time() - start
    print(json.dumps({
        "eager": eager, "first": first_time, "second": second, "same": first == expected,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "source_kb": len(compiled.recordings[0].source) / 1024,
    }))


def chain_row(name: str, operations: int, processes: int) -> tuple[str, ...]:
    runs = []
    for _ in range(processes):
        out = subprocess.run([sys.executable, __file__, "--child", name, str(operations)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    median = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    ratios = [r["first"] / r["eager"] for r in runs]
    return (f"{name} chain, {operations:,} operations", f"{median('eager'):.2f} s",
            f"{median('first'):.2f} s", f"{min(ratios):.1f}-{max(ratios):.1f}x",
            f"{median('second') * 1e3:.1f} ms", f"{max(r['peak_mb'] for r in runs):.0f} MB",
            f"{median('source_kb'):.1f} KB", str(all(r["same"] for r in runs)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and processes")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child_chain(options.child[0], int(options.child[1]))
        return
    rounds, processes = (3, 1) if options.quick else (11, 3)
    print("| calls | eager (median CPU) | compiled (median CPU) | compiled / eager, per round |")
    print("|---|---|---|---|")
    for calls in (1_500, 3_000):
        eager, compiled = guard_rounds(calls, rounds)
        ratios = sorted(c / e for c, e in zip(compiled, eager))
        print(f"| {calls:,} | {statistics.median(eager):.3f} s | "
              f"{statistics.median(compiled):.3f} s | "
              f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) |")
    print()
    print("| chain | eager value_and_grad | first compiled call | first / eager | second call "
          "| peak memory | generated code | same numbers |")
    print("|---|---|---|---|---|---|---|---|")
    for name, operations in [("halving", 100_000), ("tanh", 100_000), ("halving", 200_000)]:
        print("| " + " | ".join(chain_row(name, operations, processes)) + " |")


if __name__ == "__main__":
    main()
