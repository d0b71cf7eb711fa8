"""The compiler: `compile` records a function's graph once and replays it as generated Python."""
