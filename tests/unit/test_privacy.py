"""Small-cell suppression on hand-worked tables, and the person-identifier guard.

Each expected mask below was worked out by hand from the rule in
helpers/privacy.py: primary = 1..min_cell-1; then, in every line that adds up
to a shown total, a single hidden cell gets a partner (the smallest non-zero
inner cell of that line), until no line has exactly one hidden cell. The
property test at the end checks the point of it all by brute force: no hidden
cell can be worked out from what is shown.
"""
from __future__ import annotations

import doctest
import itertools

import pandas as pd
import pytest

from helpers import privacy
from helpers.privacy import PRIMARY as P
from helpers.privacy import SECONDARY as S

_ = privacy.SHOWN


def frame(rows, index=None, columns=None) -> pd.DataFrame:
    return pd.DataFrame(rows, index=index, columns=columns)


def test_doctests():
    assert doctest.testmod(privacy).failed == 0


# --- primary ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count, small", [(0, False), (1, True), (4, True), (5, False), (120, False)])
def test_small_counts_are_one_to_min_cell_minus_one(count, small):
    assert privacy.is_small(count, 5) is small


def test_primary_only_without_totals():
    counts = frame([[0, 3], [7, 12]])
    mask = privacy.suppression_mask(counts, 5, margins=None)
    assert mask.values.tolist() == [[_, P], [_, _]]


def test_zero_is_shown_as_zero():
    shown = privacy.suppress(frame({"n": [0, 12]}, index=["a", "b"]), 5, margins=None, lang="en")
    assert shown["n"].tolist() == ["0", "12"]


def test_other_thresholds():
    shown = privacy.suppress(frame({"n": [9, 10, 30]}, index=list("abc")), 10, margins=None, lang="en")
    assert shown["n"].tolist() == ["<10", "10", "30"]
    assert privacy.primary_mark(10) == "<10"


@pytest.mark.parametrize("bad", [0, -1, 2.5, "5", True, None])
def test_min_cell_must_be_a_whole_number_of_people(bad):
    with pytest.raises(ValueError, match="min_cell"):
        privacy.check_min_cell(bad)


# --- secondary -------------------------------------------------------------------------------


def test_one_column_with_its_total():
    # 40 + 3 + 12 = 55: the 3 alone could be read as 55 − 40 − 12, so the 12 goes too.
    counts = frame({"served": [40, 3, 12]}, index=["Mường", "Thái", "Kinh"])
    shown = privacy.suppress(counts, 5, margins="column", lang="en", total_label="Total")
    assert shown["served"].tolist() == ["40", "<5", "x", "55"]
    assert shown.index.tolist() == ["Mường", "Thái", "Kinh", "Total"]


def test_partner_is_the_smallest_non_zero_inner_cell():
    # Column: 0, 3, 50, 9 → 62. Hiding the 0 would not protect the 3 (0 + 3 = 3 and "<5" means 1..4,
    # so a reader could still narrow it down); the 9 is the smallest non-zero partner.
    counts = frame({"n": [0, 3, 50, 9]})
    mask = privacy.suppression_mask(privacy.with_margins(counts, "column"), 5, "column")
    assert mask["n"].tolist() == [_, P, _, S, _]


def test_total_is_hidden_only_when_no_inner_cell_can_be():
    # 1200, 3, 0: the only other non-zero inner cell is 1200; it is hidden rather than the total.
    counts = frame({"n": [1200, 3, 0]}, index=["Nữ", "Nam", "Không ghi"])
    shown = privacy.suppress(counts, 5, margins="column", lang="vi")
    assert shown["n"].tolist() == ["x", "<5", "0", "1.203"]


def test_two_way_table_with_both_totals():
    #        f    m  | total
    # A      3   10  |  13
    # B     20   30  |  50
    # total 23   40  |  63
    # The 3 needs a partner in row A (10) and in column f (20); then column m has one hidden
    # cell (10), so 30 goes too, which also gives row B its second hidden cell.
    counts = frame({"f": [3, 20], "m": [10, 30]}, index=["A", "B"])
    mask = privacy.suppression_mask(privacy.with_margins(counts, "both"), 5, "both")
    assert mask.values.tolist() == [[P, S, _], [S, S, _], [_, _, _]]


def test_small_total_is_hidden_with_its_parts():
    #        a   b | total
    # X      2   1 |   3    ← all small
    # Y     10  20 |  30
    # total 12  21 |  33
    counts = frame({"a": [2, 10], "b": [1, 20]}, index=["X", "Y"])
    mask = privacy.suppression_mask(privacy.with_margins(counts, "both"), 5, "both")
    assert mask.loc["X"].tolist() == [P, P, P]
    # Columns a and b each have one hidden cell → 10 and 20 go. The total column too:
    # 3 = 33 − 30, so the 30 goes (no inner cell is left in that line).
    assert mask.loc["Y"].tolist() == [S, S, S]
    assert mask.loc["Total"].tolist() == [_, _, _]


def test_rows_only_margins_check_rows_not_columns():
    counts = frame({"a": [3, 7], "b": [8, 2]}, index=["X", "Y"])
    mask = privacy.suppression_mask(privacy.with_margins(counts, "row"), 5, "row")
    assert mask.values.tolist() == [[P, S, _], [S, P, _]]


def test_no_secondary_without_totals():
    counts = frame({"a": [3, 7], "b": [8, 20]})
    mask = privacy.suppression_mask(counts, 5, None)
    assert mask.values.tolist() == [[P, _], [_, _]]


def test_forced_cells_are_hidden_and_get_partners():
    # 70 ethnic-minority people out of 72 gives away 2 Kinh: the 70 is hidden as if small.
    counts = frame({"minority": [70, 40]}, index=["X", "Y"])
    full = privacy.with_margins(counts, "column")
    forced = pd.DataFrame({"minority": [True, False, False]}, index=full.index)
    mask = privacy.suppression_mask(full, 5, "column", forced=forced)
    assert mask["minority"].tolist() == [S, S, _]  # "x", not "<5": 70 is not small
    assert privacy.complement_is_small(70, 72, 5)
    assert not privacy.complement_is_small(60, 72, 5)
    assert not privacy.complement_is_small(72, 72, 5)  # nobody else: nothing to give away


def test_exempt_cells_are_never_primary_but_can_be_partners():
    # "Not recorded: 3" says nothing about anyone; it stays, and needs no partner.
    counts = frame({"n": [449, 266, 3]}, index=["female", "male", "unknown"])
    full = privacy.with_margins(counts, "column")
    exempt = pd.DataFrame({"n": [False, False, True, False]}, index=full.index)
    assert privacy.suppression_mask(full, 5, "column", exempt=exempt)["n"].tolist() == [_, _, _, _]
    # With a small male count, the exempt 3 is the smallest non-zero partner.
    counts = frame({"n": [449, 2, 3]}, index=["female", "male", "unknown"])
    full = privacy.with_margins(counts, "column")
    assert privacy.suppression_mask(full, 5, "column", exempt=exempt)["n"].tolist() == [_, P, S, _]


def test_display_formats_numbers_in_the_language():
    counts = frame({"n": [1741540, 12]}, index=["a", "b"])
    assert privacy.suppress(counts, 5, None, lang="vi")["n"].tolist() == ["1.741.540", "12"]
    assert privacy.suppress(counts, 5, None, lang="en")["n"].tolist() == ["1,741,540", "12"]


def test_input_is_not_changed():
    counts = frame({"n": [3, 40]})
    before = counts.copy()
    privacy.suppress(counts, 5, "column", lang="en")
    pd.testing.assert_frame_equal(counts, before)


# --- property: nothing hidden can be worked out ----------------------------------------------


def _hidden_values_are_not_determined(counts: pd.DataFrame, margins: str, min_cell: int = 5) -> bool:
    """Brute force: every assignment of the hidden inner cells that is consistent with the shown
    cells and the shown totals; each hidden cell must have more than one possible value."""
    full = privacy.with_margins(counts, margins)
    mask = privacy.suppression_mask(full, min_cell, margins)
    n_rows, n_cols = counts.shape
    inner_hidden = [(i, j) for i in range(n_rows) for j in range(n_cols) if mask.iat[i, j] != privacy.SHOWN]
    if not inner_hidden:
        return True
    limit = int(counts.to_numpy().sum())
    row_totals = counts.sum(axis=1).to_numpy()
    col_totals = counts.sum(axis=0).to_numpy()
    rows_shown = margins in ("row", "both")
    cols_shown = margins in ("column", "both")
    possible = {cell: set() for cell in inner_hidden}
    # A hidden cell is at most the shown totals it is part of (bounds a reader knows too).
    ranges = [range(min(row_totals[i] if rows_shown else limit, col_totals[j] if cols_shown else limit) + 1)
              for i, j in inner_hidden]
    for guess in itertools.product(*ranges):
        table = counts.to_numpy().copy()
        for (i, j), value in zip(inner_hidden, guess):
            table[i, j] = value
        ok = True
        for i in range(n_rows):  # a shown row total must hold
            if rows_shown and mask.iat[i, n_cols] == privacy.SHOWN and table[i].sum() != row_totals[i]:
                ok = False
        for j in range(n_cols):
            if cols_shown and mask.iat[n_rows, j] == privacy.SHOWN and table[:, j].sum() != col_totals[j]:
                ok = False
        for (i, j), value in zip(inner_hidden, guess):  # what the marks say
            if mask.iat[i, j] == privacy.PRIMARY and not (1 <= value < min_cell):
                ok = False
        if ok:
            for cell, value in zip(inner_hidden, guess):
                possible[cell].add(value)
    return all(len(values) > 1 for values in possible.values())


@pytest.mark.parametrize("rows, margins", [
    ([[3], [12], [40]], "column"),
    ([[1], [2], [9]], "column"),
    ([[3, 6], [7, 2]], "both"),
    ([[3, 8], [9, 12]], "both"),
    ([[0, 4, 6], [5, 0, 7]], "row"),
    ([[2, 1], [6, 8]], "both"),
])
def test_no_hidden_cell_can_be_worked_out(rows, margins):
    assert _hidden_values_are_not_determined(frame(rows), margins)


# --- shares ----------------------------------------------------------------------------------


def test_shares_follow_their_counts():
    assert not privacy.share_shown(3, 100, hidden=True, min_cell=5)  # hidden count → hidden share
    assert not privacy.share_shown(3, 4, hidden=False, min_cell=5)  # base under min_cell
    assert privacy.share_shown(50, 100, hidden=False, min_cell=5)


# --- the person-identifier guard -------------------------------------------------------------


def test_guard_finds_identifiers_as_whole_tokens():
    ids = privacy.guarded_ids(["CP-000123", "SH-00017"])
    privacy.check_no_person_ids("<td>718</td><td>CP-0001234</td>", ids)  # another token: fine
    for text in ("<td>CP-000123</td>", "id CP-000123, and", "(SH-00017)"):
        with pytest.raises(privacy.PrivacyError, match="person identifier"):
            privacy.check_no_person_ids(text, ids)


def test_guard_skips_identifiers_that_look_like_numbers():
    # A pseudonym "17" cannot be told apart from the number 17 in a table.
    assert privacy.guarded_ids(["17", "1234", "AB", "P-01"]) == frozenset({"P-01"})
    privacy.check_no_person_ids("<td>17</td>", privacy.guarded_ids(["17"]))
