"""What `fit`'s finiteness check costs: a training step with it and with a bare
`optimizer.step()`, in alternating rounds in one process, medians and ratios.

The step is `fit`'s: MLP(2, [16, 16, 1]) (337 parameters) on a batch of 10 moons points,
binary cross-entropy, eagerly and through `fit(compile=True)`'s compiled step, with SGD
(momentum 0.9) and Adam. The learning rates are tiny so that the weights, and so the work,
stay the same over the rounds.

    python benchmarks/fit_check.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import nn
from nn.compiled import CompiledBatch
from nn.train import _finite_step

STEPS = 50


def steps(model, optimizer, X, y, compiled, checked: bool) -> float:
    """Seconds per step over `STEPS` steps of `fit`'s loop body."""
    named = model.named_parameters()
    loss = partial(nn.batch_loss, loss=nn.losses.binary_cross_entropy_with_logits)
    start = time.perf_counter()
    for _ in range(STEPS):
        if compiled is None:
            mean = loss([model(x) for x in X], y)
            optimizer.zero_grad()
            mean.backward()
        else:
            optimizer.zero_grad()
            mean = compiled(X, y)[1]
        if checked:
            _finite_step(optimizer, named, mean.data, "benchmark")
        else:
            optimizer.step()
    return (time.perf_counter() - start) / STEPS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    X, y = nn.data.make_moons(10)
    print(f"{'step':<10} {'optimizer':<9} {'bare step':>10} {'checked':>10} {'ratio':>6}")
    for mode in ("eager", "compiled"):
        for name, make in (("SGD", lambda ps: nn.SGD(ps, lr=1e-12, momentum=0.9)),
                           ("Adam", lambda ps: nn.Adam(ps, lr=1e-12))):
            model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
            optimizer = make(model.parameters())
            compiled = None
            if mode == "compiled":
                compiled = CompiledBatch(model, partial(
                    nn.batch_loss, loss=nn.losses.binary_cross_entropy_with_logits))
                compiled(X, y)  # records, before any clock
            times: dict[bool, list[float]] = {False: [], True: []}
            for r in range(rounds):
                for checked in ((False, True) if r % 2 else (True, False)):
                    times[checked].append(steps(model, optimizer, X, y, compiled, checked))
            bare, checked = (statistics.median(times[c]) for c in (False, True))
            print(f"{mode:<10} {name:<9} {bare * 1e3:>7.3f} ms {checked * 1e3:>7.3f} ms "
                  f"{checked / bare:>5.2f}x")


if __name__ == "__main__":
    main()
