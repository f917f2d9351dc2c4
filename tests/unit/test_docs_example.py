"""The worked example of docs/data-package.md, checked against the numbers the
doc works out by hand, so the doc stays true."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import compute, load_project
from helpers.measures import MEASURES
from helpers.quality import reconcile

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tests" / "fixtures" / "packages" / "demo"
DOC = ROOT / "docs" / "data-package.md"


@pytest.fixture(scope="module")
def demo():
    project = load_project(PACKAGE)
    return project, compute(project)


def test_doc_example_files_are_the_fixture():
    """The CSV blocks in the doc are the fixture files, byte for byte (but the BOM)."""
    text = DOC.read_text(encoding="utf-8")
    for name in ("events.csv", "services.csv", "coverage.csv"):
        block = re.search(rf"`{re.escape(name)}`[^\n]*:\n\n```\n(.*?)```", text, re.S).group(1)
        assert PACKAGE.joinpath(name).read_text(encoding="utf-8-sig") == block


def test_doc_example_values(demo):
    project, values = demo
    assert values["events_held"] == 2
    assert values["people_reached"] == 1020
    assert values["people_served"] == 3
    assert values["people_counselled"] == 3
    assert values["people_examined"] == 1
    assert values["female_share_served"] == pytest.approx(2 / 3)
    assert values["coverage_rate"] == pytest.approx(2750 / 3000)
    assert values["coverage_gap"] == (956 - 950) + (1912 - 1800)
    assert values["renewals_due"] == 15
    assert values["people_to_mobilise"] == 133
    assert values["coverage_change"] == pytest.approx(0.05)
    assert "coverage_did" not in values
    assert values["cost_per_person_reached"] == pytest.approx(1_700_000_000 / 1020)
    assert set(project.coverage.loc[project.coverage["group"] == "comparison", "commune"]) == {"Xóm Khác"}
    assert set(project.events["commune"]) == {"Thung Nai", "Hải Hòa"}


def test_doc_example_verdicts(demo):
    project, values = demo
    verdicts = reconcile(project, values).set_index("measure")["verdict"].to_dict()
    assert verdicts == {"events_held": "match", "people_reached": "mismatch", "female_share_served": "match"}


def test_every_measure_is_documented():
    text = DOC.read_text(encoding="utf-8")
    families = {"female_share_", "minority_share_", "near_poor_share_"}
    for name in MEASURES:
        family = next((f for f in families if name.startswith(f)), None)
        needle = f"{family}&lt;group&gt;" if family else name
        assert needle in text, f"{name} is not in docs/data-package.md"
