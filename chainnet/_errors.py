"""Exceptions and warnings raised by chainnet.

Every error a user can cause derives from :class:`ChainnetError` (and from
:class:`ValueError`, so generic handlers keep working). Validation collects every
problem it finds and raises once, so a user fixes a file in one pass instead of
one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How many rows of one kind of problem are listed before the rest are counted.
MAX_ROWS_LISTED = 20


class ChainnetError(ValueError):
    """Base class of every error chainnet raises for bad input or bad arguments."""


class TemplateError(ChainnetError):
    """A chain template is malformed or cannot be found."""


class DatasetError(ChainnetError):
    """A bundled dataset id is unknown."""


class DataWarning(UserWarning):
    """Input was accepted but changed or looks suspicious (e.g. merged duplicate links)."""


@dataclass(frozen=True)
class Problem:
    """One problem in the input.

    Attributes
    ----------
    file : name of the file or table (``firms.csv``, ``links`` sheet, ...)
    message : what is wrong and what to do about it
    rows : 1-based row numbers (header = row 1); empty when the problem is file-wide
    column : the offending column, or ``None``
    """

    file: str
    message: str
    rows: tuple[int, ...] = ()
    column: str | None = None

    def render(self) -> str:
        where = [self.file]
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_LISTED])
            more = len(self.rows) - MAX_ROWS_LISTED
            label = "row" if len(self.rows) == 1 else "rows"
            where.append(f"{label} {shown}" + (f" and {more:,} more" if more > 0 else ""))
        if self.column:
            where.append(f"column '{self.column}'")
        return ", ".join(where) + ": " + self.message


class ValidationError(ChainnetError):
    """Input data break the chainnet data contract; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], *, subject: str | None = None):
        self.problems = list(problems)
        self.subject = subject
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        if subject:
            head += f" in {subject}"
        lines = [head + ":"] + [f"  - {p.render()}" for p in self.problems]
        super().__init__("\n".join(lines))
