"""Reconciliation verdicts: published figures against computed ones."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.project import Project
from helpers.quality import published_decimals, reconcile, targets_table, verdict


# --- counts: exact -----------------------------------------------------------------------------


def test_count_equal_is_a_match():
    assert verdict("count", 666, 666) == "match"


def test_count_off_by_one_is_a_mismatch():
    assert verdict("count", 666, 665) == "mismatch"
    assert verdict("count", 666, 667) == "mismatch"


def test_count_as_float_equal_is_a_match():
    assert verdict("count", 521, 521.0) == "match"


def test_count_never_within_tolerance():
    # counts have no tolerance: even 1 in 100,000 is a mismatch
    assert verdict("count", 100_000, 100_001) == "mismatch"


# --- shares and rates: 0.5 percentage points ----------------------------------------------------------


def test_published_decimals():
    assert published_decimals(0.65) == 2
    assert published_decimals(0.0284) == 4
    assert published_decimals(0.9) == 1
    assert published_decimals(666) == 0


def test_share_equal_at_published_precision_is_a_match():
    # 340 / 521 = 0.65259... → 0.65 at two decimals
    assert verdict("share", 0.65, 340 / 521) == "match"
    # 0.6549 → 0.65
    assert verdict("share", 0.65, 0.6549) == "match"


def test_rounding_slip_within_half_a_point():
    # 492.1 / 17,246 = 0.028534... → 0.0285 at four decimals, not 0.0284; 0.013 points apart
    assert round(492.1 / 17246, 4) == 0.0285
    assert verdict("rate", 0.0284, 492.1 / 17246) == "within_tolerance"


def test_within_tolerance_up_to_half_a_point():
    assert verdict("share", 0.650, 0.6540) == "match"
    assert verdict("rate", 0.0284, 0.0330) == "within_tolerance"  # 0.46 points
    assert verdict("rate", 0.0284, 0.0240) == "within_tolerance"  # 0.44 points below


def test_more_than_half_a_point_is_a_mismatch():
    assert verdict("share", 0.65, 0.66) == "mismatch"  # 1 point
    assert verdict("rate", 0.0284, 0.0340) == "mismatch"  # 0.56 points
    assert verdict("rate", 0.0284, 0.0228) == "mismatch"  # 0.56 points below
    assert verdict("share", 0.98, 0.90) == "mismatch"


def test_change_uses_the_rate_tolerance():
    assert verdict("change", 0.053, 0.056) == "within_tolerance"  # 0.3 points
    assert verdict("change", 0.053, 0.060) == "mismatch"  # 0.7 points


@pytest.mark.parametrize("reported, computed", [
    (0.13, 1 / 8),  # 12.5 % is published as 13 %
    (0.29, 57 / 200),  # 28.5 % is published as 29 % (0.285 is 0.28499999... in binary)
    (0.7, 0.65),  # 65 % published as 70 %
])
def test_half_up_rounding_of_the_publication_is_a_match(reported, computed):
    # Offices round halves up, as people do; the figure is equal at its published precision.
    assert verdict("share", reported, computed) == "match"


def test_money_within_half_a_percent():
    assert verdict("money", 1_700_000_000, 1_700_000_000.0) == "match"
    assert verdict("money", 1_700_000_000, 1_705_000_000.0) == "within_tolerance"  # 0.29 %
    assert verdict("money", 1_700_000_000, 1_710_000_000.0) == "mismatch"  # 0.59 %


# --- nothing to compare ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, reported", [("count", 10), ("share", 0.65), ("rate", 0.9), ("money", 1e9)])
def test_measure_without_data_is_not_computed(kind, reported):
    assert verdict(kind, reported, None) == "not_computed"


# --- the table ------------------------------------------------------------------------------------------------


def test_reconcile_table():
    project = Project(meta={"id": "proj", "reported": {
        "events_held": 10, "people_reached": 666, "female_share_examined": 0.65, "coverage_rate": 0.0284,
        "people_examined": 521, "coverage_did": 0.02,
    }})
    values = {"events_held": 10, "people_reached": 660, "female_share_examined": 340 / 521,
              "coverage_rate": 492.1 / 17246, "people_examined": 521}
    table = reconcile(project, values)
    assert list(table.columns) == ["measure", "kind", "reported", "computed", "difference", "verdict"]
    rows = table.set_index("measure")
    assert rows.loc["events_held", "verdict"] == "match"
    assert rows.loc["people_reached", "verdict"] == "mismatch"
    assert rows.loc["people_reached", "difference"] == -6  # computed − reported
    assert rows.loc["female_share_examined", "verdict"] == "match"
    assert rows.loc["coverage_rate", "verdict"] == "within_tolerance"
    assert rows.loc["people_examined", "verdict"] == "match"
    assert rows.loc["coverage_did", "verdict"] == "not_computed"
    assert pd.isna(rows.loc["coverage_did", "computed"]) and pd.isna(rows.loc["coverage_did", "difference"])
    assert list(table["measure"]) == ["events_held", "people_reached", "female_share_examined", "coverage_rate",
                                      "people_examined", "coverage_did"]  # project.yml order


def test_reconcile_without_reported_is_empty():
    table = reconcile(Project(meta={"id": "proj"}), {"events_held": 3})
    assert table.empty
    assert list(table.columns) == ["measure", "kind", "reported", "computed", "difference", "verdict"]


def test_targets_table():
    project = Project(meta={"id": "proj", "targets": {"people_counselled": 300, "coverage_rate": 0.956},
                            "baselines": {"coverage_rate": 0.90}})
    table = targets_table(project, {"people_counselled": 334, "coverage_rate": 0.928}).set_index("measure")
    assert table.loc["people_counselled", "achieved"] == pytest.approx(334 / 300)
    # with a baseline: (0.928 − 0.90) / (0.956 − 0.90) = 0.028 / 0.056 = 0.5
    assert table.loc["coverage_rate", "achieved"] == pytest.approx(0.5)


def test_targets_table_without_actual():
    project = Project(meta={"id": "proj", "targets": {"people_counselled": 300}})
    table = targets_table(project, {})
    assert table.loc[0, "actual"] is None or math.isnan(table.loc[0, "actual"])
    assert table.loc[0, "achieved"] is None or math.isnan(table.loc[0, "achieved"])
