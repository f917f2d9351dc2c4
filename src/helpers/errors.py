"""One exception hierarchy, and the Problem record every check reports.

Problems are for people: each names the file, the spreadsheet row (header =
row 1), the column as the user typed it, what is wrong and, where it helps,
what to do.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of validation.

    Sorted by file, then row, then column, so a list of problems reads in the
    order a person would fix them.
    """

    file: str
    row: int  # spreadsheet row; 0 = the file as a whole (or project.yml key)
    column: str
    message: str
    severity: str = field(default="error", compare=False)  # "error" | "warning"
    hint: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.row:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}" if self.row else f"::{self.column}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class WorkbookError(Exception):
    """Base class of every error the workbook raises on purpose."""


class ProjectNotFound(WorkbookError):
    """No data package at the given id or path."""


class ValidationFailed(WorkbookError):
    """A data package has errors; ``problems`` lists all of them, sorted."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.is_error]
        head = f"{source}: " if source else ""
        super().__init__(
            f"{head}{len(errors)} error(s) in the data package; fix them and run again:\n"
            + "\n".join(str(p) for p in errors)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]
