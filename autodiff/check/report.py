"""The report that `gradcheck` and `check_partials` return: one row per input, as text or HTML.

A report is meant to be read: `print(report)` gives an aligned plain-text table, Jupyter
shows `_repr_html_` with the failing rows marked, and `GradcheckError` carries the report so
a failed check explains itself.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One checked derivative: its name, its numbers by column, whether it passed, and why not."""

    name: str
    values: dict[str, float]
    ok: bool
    note: str = ""

    def __getitem__(self, column: str) -> float:
        return self.values[column]


@dataclass(frozen=True, repr=False)
class Report:
    """Rows under a title; `.ok` when every row passed. At the prompt it shows its table."""

    title: str
    rows: tuple[Row, ...]
    label: str = "input"  # the heading of the name column

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.ok)

    def __getitem__(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows: {[row.name for row in self.rows]}")

    def _table(self) -> tuple[list[str], list[list[str]]]:
        """The heading and the cells, as strings: name, numbers, ok/FAIL, note when any."""
        columns = list(self.rows[0].values) if self.rows else []
        notes = any(row.note for row in self.rows)
        heading = [self.label, *columns, ""] + (["note"] if notes else [])
        cells = [
            [row.name, *(_cell(c, row.values[c]) for c in columns), "ok" if row.ok else "FAIL"]
            + ([row.note] if notes else [])
            for row in self.rows
        ]
        return heading, cells

    def _summary(self) -> str:
        failed = len(self.failures)
        verdict = "passed" if not failed else f"FAILED ({failed} of {len(self.rows)} rows)"
        return f"{self.title}: {verdict}"

    def __str__(self) -> str:
        heading, cells = self._table()
        widths = [max(len(line[i]) for line in [heading, *cells]) for i in range(len(heading))]

        def line(texts: list[str]) -> str:
            return "  ".join(t.ljust(w) for t, w in zip(texts, widths)).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([self._summary(), line(heading), rule, *map(line, cells)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        heading, cells = self._table()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in heading)
        body = "".join(
            f'<tr class="{"ok" if row.ok else "fail"}"'
            + ("" if row.ok else ' style="background:#fdd"')
            + ">"
            + "".join(f"<td>{html.escape(c)}</td>" for c in texts)
            + "</tr>"
            for row, texts in zip(self.rows, cells)
        )
        return (
            f"<table><caption>{html.escape(self._summary())}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def _cell(column: str, x: float) -> str:
    """Two significant digits say how large an error is; six show where two numbers differ."""
    return f"{x:.2g}" if column.endswith("error") else f"{x:.6g}"


class GradcheckError(AssertionError):
    """A failed check; `.report` holds the whole report, which is also the message."""

    def __init__(self, report: Report) -> None:
        super().__init__(str(report))
        self.report = report
