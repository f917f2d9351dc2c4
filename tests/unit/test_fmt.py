"""Number, money, percent and date formats of each language; expected strings typed by hand
(Vietnamese groups thousands with "." and writes decimals with ","; English the other way)."""
from __future__ import annotations

import datetime as dt
import doctest

import pandas as pd
import pytest

from helpers import fmt

NBSP = "\u00a0"


def test_doctests():
    assert doctest.testmod(fmt).failed == 0


@pytest.mark.parametrize("value, vi, en", [
    (1741540, "1.741.540", "1,741,540"),
    (0, "0", "0"),
    (999, "999", "999"),
    (1700000000, "1.700.000.000", "1,700,000,000"),
])
def test_whole_numbers(value, vi, en):
    assert fmt.number(value, "vi") == vi
    assert fmt.number(value, "en") == en


@pytest.mark.parametrize("value, digits, vi, en", [
    (0.9238, 2, "92,38%", "92.38%"),
    (0.65, 0, "65%", "65%"),
    (1.001, 1, "100,1%", "100.1%"),
    (0.0285, 2, "2,85%", "2.85%"),  # half up on the decimal value, not on the float 0.028499999...
    (0.12345, 3, "12,345%", "12.345%"),
])
def test_percents(value, digits, vi, en):
    assert fmt.percent(value, "vi", digits) == vi
    assert fmt.percent(value, "en", digits) == en


def test_rounding_is_half_up_as_publications_round():
    assert fmt.number(2.5, "en") == "3" and fmt.number(3.5, "en") == "4"
    assert fmt.percent(0.125, "en", 0) == "13%"


def test_negative_numbers_use_a_true_minus():
    assert fmt.number(-1234.5, "en", 1) == "−1,234.5"
    assert fmt.points(-0.0529, "vi", 2, short=True) == f"−5,29{NBSP}điểm %"
    assert fmt.points(0.0529, "en", 2) == f"+5.29{NBSP}percentage points"


def test_money_in_vnd():
    assert fmt.money(1_700_000_000, "vi") == f"1.700.000.000{NBSP}VND"
    assert fmt.money(1_700_000_000, "en") == f"1,700,000,000{NBSP}VND"
    assert fmt.money(17_246_000_000, "vi", compact=True) == f"17,25{NBSP}tỷ{NBSP}VND"
    assert fmt.money(492_100_000, "en", compact=True) == f"492.1{NBSP}million{NBSP}VND"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_are_a_dash_never_none_or_nan(missing):
    for text in (fmt.number(missing, "vi"), fmt.percent(missing, "en"), fmt.money(missing, "vi"),
                 fmt.value(missing, "count", "en"), fmt.date(missing, "vi")):
        assert text == fmt.MISSING


def test_dates():
    assert fmt.date(dt.date(2021, 8, 31), "vi") == "31/08/2021"
    assert fmt.date(pd.Timestamp("2021-08-31"), "en") == "31 Aug 2021"
    assert fmt.month("2021-03-15", "vi") == "03/2021"


@pytest.mark.parametrize("kind, value, vi, en", [
    ("count", 8948, "8.948", "8,948"),
    ("share", 0.6526, "65,26%", "65.26%"),
    ("rate", 0.9913, "99,13%", "99.13%"),
    ("money", 178_622_000_000, f"178.622.000.000{NBSP}VND", f"178,622,000,000{NBSP}VND"),
])
def test_value_by_kind(kind, value, vi, en):
    assert fmt.value(value, kind, "vi") == vi
    assert fmt.value(value, kind, "en") == en


def test_published_figures_keep_their_precision():
    assert fmt.published(0.65, "share", "vi") == "65%"
    assert fmt.published(0.0284, "rate", "vi") == "2,84%"
    assert fmt.published(250512, "count", "en") == "250,512"


def test_unknown_language_or_kind():
    with pytest.raises(ValueError, match="lang"):
        fmt.number(1, "fr")
    with pytest.raises(ValueError, match="kind"):
        fmt.value(1, "ratio", "en")
