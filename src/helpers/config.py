"""Paths in one place. Override with environment variables where noted."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _repo_root() -> Path:
    # src/helpers/config.py → the repository; when installed elsewhere, the working directory.
    candidate = PACKAGE_DIR.parents[1]
    if (candidate / "data" / "projects").is_dir():
        return candidate
    return Path.cwd()


REPO_ROOT = _repo_root()
#: Where project data packages live (``WORKBOOK_DATA_DIR`` overrides).
DATA_DIR = Path(os.environ.get("WORKBOOK_DATA_DIR", REPO_ROOT / "data" / "projects"))
#: Where reports are written (``WORKBOOK_REPORTS_DIR`` overrides).
REPORTS_DIR = Path(os.environ.get("WORKBOOK_REPORTS_DIR", REPO_ROOT / "reports"))
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
