"""Write tiny data packages into a folder (used by tests/conftest.py fixtures and tests that need a package)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Union

import pandas as pd

#: A valid project.yml with nothing optional. The folder must be named ``proj``.
MINIMAL_PROJECT_YML = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai, Bình Thanh, Hải Hòa]
period: {start: 2021-01-01, end: 2021-12-31}
"""

FileContent = Union[str, bytes, pd.DataFrame, Mapping[str, pd.DataFrame]]


def write_package(tmp_path: Path, files: Mapping[str, FileContent], project_yml: str | None = MINIMAL_PROJECT_YML,
                  folder: str = "proj") -> Path:
    """Write a package folder ``tmp_path/folder`` and return its path.

    ``files`` maps a file name to its content: ``str`` is written as UTF-8
    (no BOM), ``bytes`` as is, a DataFrame by the file's extension (csv,
    xlsx, parquet), and a ``{sheet: DataFrame}`` mapping as an xlsx with
    those sheets. ``project_yml=None`` writes no project.yml.
    """
    package = tmp_path / folder
    package.mkdir(parents=True, exist_ok=True)
    if project_yml is not None:
        (package / "project.yml").write_text(project_yml, encoding="utf-8")
    for name, content in files.items():
        path = package / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif isinstance(content, pd.DataFrame):
            if name.endswith(".parquet"):
                content.to_parquet(path, index=False)
            elif name.endswith(".xlsx"):
                content.to_excel(path, index=False)
            else:
                content.to_csv(path, index=False)
        else:  # {sheet: frame}
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                for sheet, frame in content.items():
                    frame.to_excel(writer, sheet_name=sheet, index=False)
    return package
