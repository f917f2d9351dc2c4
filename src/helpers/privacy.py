"""Small-cell suppression and guards against person-level data in reports.

A report shows counts of people broken down by sex, ethnicity, age,
household, service or commune. A count of one to four people can point at a
person in a village, so:

**Primary suppression.** A count ``n`` with ``0 < n < min_cell`` is shown as
``<5`` (for ``min_cell = 5``). Zero is shown: it says nobody, and hides nobody.

**Secondary suppression.** When a table also shows totals, one hidden cell in
a row (or column) could be worked out as the total minus the other cells. So
in every line of the table that adds up to a shown total (the total itself
included), if exactly one cell is hidden, a second one is hidden too: the
smallest non-zero count of that line, preferring inner cells to totals. This
is repeated until no line has a single hidden cell. A cell hidden this way is
shown as ``x``.

**Shares.** A share whose count is hidden is hidden too (share × base would
give the count back), and a share computed on fewer than ``min_cell`` people
is not shown.

What this does not do: protect against differencing *between* tables (a
count shown in one table minus counts shown in another). The report keeps
such overlaps few (one breakdown per table, subtotals never next to their
parts), and the method section says so.

>>> import pandas as pd
>>> counts = pd.DataFrame({"served": [40, 3, 12]}, index=["Mường", "Thái", "Kinh"])
>>> suppress(counts, min_cell=5, margins="column", lang="en")["served"].tolist()
['40', '<5', 'x', '55']
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import fmt

SHOWN, PRIMARY, SECONDARY = "", "primary", "secondary"
#: How a hidden cell is written (the same in both languages).
SECONDARY_MARK = "x"
#: Margins a table can show: totals of each row (a last column), of each column (a last row), or both.
MARGINS = (None, "row", "column", "both")


class PrivacyError(Exception):
    """A report output would contain person-level data; nothing was written."""


def primary_mark(min_cell: int) -> str:
    """``<5`` for ``min_cell = 5``.

    >>> primary_mark(5), primary_mark(10)
    ('<5', '<10')
    """
    return f"<{int(min_cell)}"


def check_min_cell(min_cell) -> int:
    """``min_cell`` as an int ≥ 1, or a ValueError that says what is allowed."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of people, at least 1 (got {min_cell!r})")
    return int(min_cell)


def is_small(count, min_cell: int) -> bool:
    """True for a count of people that must not be shown: ``0 < count < min_cell``.

    >>> is_small(0, 5), is_small(1, 5), is_small(4, 5), is_small(5, 5)
    (False, True, True, False)
    """
    return not fmt.is_missing(count) and 0 < count < min_cell


def with_margins(counts: pd.DataFrame, margins: str | None = "both", total_label: str = "Total") -> pd.DataFrame:
    """``counts`` with a total column (``"row"``), a total row (``"column"``), or both.

    >>> t = with_margins(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), "both")
    >>> t.values.tolist()
    [[1, 3, 4], [2, 4, 6], [3, 7, 10]]
    """
    if margins not in MARGINS:
        raise ValueError(f"margins must be one of {MARGINS}, not {margins!r}")
    table = counts.copy()
    if margins in ("row", "both"):
        table[total_label] = counts.sum(axis=1)
    if margins in ("column", "both"):
        table.loc[total_label] = table.sum(axis=0)
    return table


def _lines(shape: tuple[int, int], margins: str | None) -> list[list[tuple[int, int]]]:
    """The cell positions of every line of a table with margins that adds up to a shown total."""
    n_rows, n_cols = shape
    lines = []
    if margins in ("row", "both"):  # each row adds up to its last cell
        for i in range(n_rows):
            lines.append([(i, j) for j in range(n_cols)])
    if margins in ("column", "both"):  # each column adds up to its last cell
        for j in range(n_cols):
            lines.append([(i, j) for i in range(n_rows)])
    return lines


def suppression_mask(table: pd.DataFrame, min_cell: int = 5, margins: str | None = "both",
                     forced: pd.DataFrame | None = None, exempt: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which cells of a table of counts to hide, and why.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts of people, *including* the margins named by ``margins`` as the
        last row and/or column (see :func:`with_margins`). NA cells are left as they are.
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are hidden.
    margins : {None, "row", "column", "both"}
        Which totals the table shows; they define the lines checked for
        secondary suppression. ``None``: every cell stands alone.
    forced : pandas.DataFrame of bool, optional
        Cells to hide whatever their value, shown as ``x`` (e.g. a count
        whose complement is small: see :func:`complement_is_small`).
    exempt : pandas.DataFrame of bool, optional
        Cells that are never hidden as primary, however small: counts that
        say nothing about a person's characteristics, such as the people
        whose sex was *not recorded*. They still count as cells of their
        lines, and may be hidden as secondary.

    Returns
    -------
    pandas.DataFrame
        Same shape: ``""`` (shown), ``"primary"`` or ``"secondary"``.

    Examples
    --------
    >>> t = with_margins(pd.DataFrame({"f": [3, 20], "m": [10, 30]}, index=["A", "B"]), "both")
    >>> suppression_mask(t, 5, "both").values.tolist()
    [['primary', 'secondary', ''], ['secondary', 'secondary', ''], ['', '', '']]
    """
    min_cell = check_min_cell(min_cell)
    values = table.to_numpy(dtype=object)
    n_rows, n_cols = values.shape
    status = np.full(values.shape, SHOWN, dtype=object)
    numbers = np.zeros(values.shape, dtype=float)
    present = np.zeros(values.shape, dtype=bool)
    for i in range(n_rows):
        for j in range(n_cols):
            if not fmt.is_missing(values[i, j]):
                present[i, j] = True
                numbers[i, j] = float(values[i, j])
                if is_small(values[i, j], min_cell):
                    status[i, j] = PRIMARY
    if exempt is not None:
        status[exempt.reindex(index=table.index, columns=table.columns, fill_value=False)
               .to_numpy(dtype=bool)] = SHOWN
    if forced is not None:  # not small themselves: hidden as complements, shown as "x"
        status[forced.reindex(index=table.index, columns=table.columns, fill_value=False)
               .to_numpy(dtype=bool) & present & (status == SHOWN)] = SECONDARY
    is_margin = np.zeros(values.shape, dtype=bool)
    if margins in ("row", "both"):
        is_margin[:, -1] = True
    if margins in ("column", "both"):
        is_margin[-1, :] = True
    lines = _lines(values.shape, margins)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if status[cell] != SHOWN]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if status[cell] == SHOWN and present[cell]]
            if not candidates:
                continue
            # Smallest non-zero inner cell first: it loses the least information and,
            # unlike a zero, is not known to be zero by a reader who knows the rule.
            candidates.sort(key=lambda cell: (bool(is_margin[cell]), numbers[cell] == 0, numbers[cell]))
            status[candidates[0]] = SECONDARY
            changed = True
    return pd.DataFrame(status, index=table.index, columns=table.columns)


def suppress(counts: pd.DataFrame, min_cell: int = 5, margins: str | None = "both", lang: str = "vi",
             total_label: str | None = None) -> pd.DataFrame:
    """A table of counts of people, ready to show: totals added, small counts hidden, numbers formatted.

    Parameters
    ----------
    counts : pandas.DataFrame
        Whole numbers of people, without totals.
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are shown as ``<min_cell``; the
        complementary cells that would give them away as ``x``.
    margins : {None, "row", "column", "both"}
        Totals to add (``"row"``: a total column; ``"column"``: a total row).
    lang : {"vi", "en"}
        Number format and the label of the totals.
    total_label : str, optional
        Label of the total row/column; default "Tổng" / "Total".

    Returns
    -------
    pandas.DataFrame
        Text cells.

    Examples
    --------
    >>> counts = pd.DataFrame({"n": [1200, 3, 0]}, index=["Nữ", "Nam", "Không ghi"])
    >>> suppress(counts, 5, "column", "vi")["n"].tolist()
    ['x', '<5', '0', '1.203']
    """
    from .i18n import t

    label = total_label if total_label is not None else t("total", lang)
    table = with_margins(counts, margins, label) if margins else counts.copy()
    mask = suppression_mask(table, min_cell, margins)
    return display(table, mask, min_cell, lang)


def display(table: pd.DataFrame, mask: pd.DataFrame, min_cell: int, lang: str) -> pd.DataFrame:
    """Counts as text, with the marks of :func:`suppression_mask` in place of hidden cells."""
    marks = {PRIMARY: primary_mark(min_cell), SECONDARY: SECONDARY_MARK}
    shown = pd.DataFrame(index=table.index, columns=table.columns, dtype=object)
    for column in table.columns:
        shown[column] = [marks.get(status) or fmt.number(value, lang)
                         for value, status in zip(table[column], mask[column])]
    return shown


def share_shown(count, base, hidden: bool, min_cell: int) -> bool:
    """Whether ``count / base`` may be shown: its count is not hidden and the base is at least ``min_cell``.

    >>> share_shown(3, 100, True, 5), share_shown(3, 4, False, 5), share_shown(50, 100, False, 5)
    (False, False, True)
    """
    return not hidden and not fmt.is_missing(base) and base >= min_cell and not fmt.is_missing(count)


def complement_is_small(count, whole, min_cell: int) -> bool:
    """True when ``whole - count`` is a small count: 70 minority people out of 72 gives away 2 Kinh.

    >>> complement_is_small(70, 72, 5), complement_is_small(60, 72, 5)
    (True, False)
    """
    if fmt.is_missing(count) or fmt.is_missing(whole):
        return False
    return is_small(whole - count, min_cell)


# --- guards ---------------------------------------------------------------------------------

#: Person identifiers this short, or made only of digits, cannot be looked for in a
#: report's text without matching ordinary numbers; the guard skips them.
MIN_GUARDED_ID_LENGTH = 4
_TOKEN = re.compile(r"[\w\-./:#]+")


def guarded_ids(ids) -> frozenset[str]:
    """The person identifiers that :func:`check_no_person_ids` can recognise in text.

    >>> sorted(guarded_ids(["CP-000123", "17", "AB"]))
    ['CP-000123']
    """
    return frozenset(str(i) for i in ids
                     if len(str(i)) >= MIN_GUARDED_ID_LENGTH and not str(i).isdigit())


def check_no_person_ids(text: str, ids: frozenset[str], where: str = "the report") -> None:
    """Raise :class:`PrivacyError` if a person identifier appears in ``text``.

    ``ids`` comes from :func:`guarded_ids`. Identifiers are matched as whole
    tokens, and as the start of a token (``CP-000123,``).

    Examples
    --------
    >>> check_no_person_ids("<td>718</td>", frozenset({"CP-000123"}))
    >>> check_no_person_ids("<td>CP-000123</td>", frozenset({"CP-000123"}))
    Traceback (most recent call last):
    ...
    helpers.privacy.PrivacyError: the report would show a person identifier (CP-000123); person-level data is never shown
    """
    if not ids:
        return
    for token in _TOKEN.findall(text):
        if token in ids or token.rstrip(".:/-#") in ids:
            raise PrivacyError(f"{where} would show a person identifier ({token}); "
                               "person-level data is never shown")
