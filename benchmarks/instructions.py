"""Instructions per training step, counted by valgrind: a measure that machine noise cannot move.

    python benchmarks/instructions.py           # nn, micrograd's program on Value, micrograd

Timings on a shared machine vary 20–50% from run to run; the number of instructions a step
executes does not (valgrind's callgrind counts them, for the same interpreter and inputs). Each
engine runs the training step of `run.py` in a process under callgrind, once with one step and
once with three after a warm-up, and the difference over two gives one step's instructions.
It is how the eager engine's tricks were measured (see README.md). Needs valgrind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ENGINES = ["autodiff", "autodiff-ops", "micrograd"]


def count(engine: str, steps: int) -> int:
    """Instructions of a whole process that makes `engine` and runs `steps` training steps."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--child", engine, str(steps)],
        capture_output=True, text=True, check=True,
        # nn imports NumPy, whose BLAS threads would add a count of their own that varies
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def child(engine: str, steps: int) -> None:
    import gc

    sys.path.insert(0, str(Path(__file__).parent))
    import run

    gc.disable()  # the collector's work depends on the process's history, not on the engine
    sys.setrecursionlimit(100_000)  # micrograd's recursive sort
    chosen = run.ENGINES[engine]()
    X, y = run.moons()
    run.train_step(chosen, X, y)  # warm-up: imports, first calls
    for _ in range(steps):
        run.train_step(chosen, X, y)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("instructions.py needs valgrind (apt-get install valgrind)")
    for engine in ENGINES:
        per_step = (count(engine, 3) - count(engine, 1)) / 2
        print(f"{engine:14} {per_step / 1e6:8.1f} M instructions per training step")


if __name__ == "__main__":
    main()
