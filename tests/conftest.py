"""Shared fixtures: write tiny data packages into a temporary folder."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Union

import pandas as pd
import pytest

from packages import MINIMAL_PROJECT_YML, FileContent, write_package  # noqa: F401


@pytest.fixture
def minimal_project_yml() -> str:
    return MINIMAL_PROJECT_YML


@pytest.fixture
def make_package() -> Callable[..., Path]:
    """The factory :func:`write_package`:
    ``make_package(tmp_path, files, project_yml=MINIMAL_PROJECT_YML, folder="proj")`` → package folder."""
    return write_package
