"""The loaded project: metadata and clean tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import Problem


@dataclass
class Project:
    """A validated data package.

    Attributes
    ----------
    meta : dict
        project.yml, with dates as ``datetime.date`` and money as float.
    events, services, coverage, budget : pandas.DataFrame or None
        Clean tables with the contract's English column names; ``None`` when
        the package has no such table. Each has a ``_row`` column: the
        spreadsheet row the record came from (header = row 1).
    warnings : list of Problem
        What validation found that does not stop a report.
    files : list of Path
        Every input file read, for fingerprints.

    Examples
    --------
    >>> from helpers import load_project
    >>> p = load_project("cao-phong-2021")       # doctest: +SKIP
    >>> p.id, len(p.events)                      # doctest: +SKIP
    ('cao-phong-2021', 10)
    """

    meta: dict[str, Any]
    events: pd.DataFrame | None = None
    services: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    path: Path | None = None
    files: list[Path] = field(default_factory=list)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.meta["id"]

    def title(self, lang: str = "vi") -> str:
        title = self.meta.get("title")
        if isinstance(title, dict):
            return title.get(lang) or next(iter(title.values()))
        return str(title)

    @property
    def communes(self) -> list[str]:
        return list(self.meta.get("communes") or [])

    def table(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name)

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{name}={len(df)}" for name in ("events", "services", "coverage", "budget")
            if (df := getattr(self, name)) is not None
        )
        return f"<Project {self.meta.get('id')!r}: {sizes or 'no tables'}; {len(self.warnings)} warning(s)>"
