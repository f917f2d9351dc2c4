"""Fixtures of the fuzz tests: a time limit, and the sample packages."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # fuzz_cases, also for forked cases

import fuzz_cases  # noqa: E402


from fuzz_cases import time_limit  # noqa: E402


@pytest.fixture
def limit():
    """``with limit(5): ...`` fails the test when the block takes more than 5 s."""
    return time_limit


@pytest.fixture(scope="session")
def sample_packages() -> list[Path]:
    packages = fuzz_cases.sample_packages()
    assert packages, "no sample package found in data/projects or tests/fixtures/packages"
    return packages
