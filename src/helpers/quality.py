"""Reconciliation: the figures an implementer published against the data.

Counts must match exactly. Shares and rates match within 0.5 percentage
points, because published shares are rounded; money within 0.5 %. Each
``reported`` figure gets one of four verdicts:

``match``             equal at the precision it was published with
                      (0.65 published, 0.6526 computed → match)
``within_tolerance``  not equal at that precision, but within the tolerance:
                      a rounding slip in the publication (Hải Hậu's 2.84 % for
                      492.1 / 17,246 = 2.853 %)
``mismatch``          further apart than the tolerance
``not_computed``      the data has no inputs for this measure

A mismatch is shown, never hidden, and never stops a report.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .measures import MEASURES, Number
from .project import Project

RATE_TOLERANCE = 0.005  # 0.5 percentage points
MONEY_TOLERANCE = 0.005  # 0.5 % of the published amount
VERDICTS = ("match", "within_tolerance", "mismatch", "not_computed")


def published_decimals(value: Number) -> int:
    """Decimal places a published figure was written with (0.0284 → 4).

    >>> published_decimals(0.65), published_decimals(1741540), published_decimals(0.9238)
    (2, 0, 4)
    """
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _round_half_up(value: Number, digits: int) -> Decimal:
    """Round as publications do: 12.5 % → 13 %, on the decimal value (not binary)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def verdict(kind: str, reported: Number, computed: Number | None) -> str:
    """The verdict for one published figure (see the module docstring).

    >>> verdict("count", 666, 666), verdict("count", 666, 665)
    ('match', 'mismatch')
    >>> verdict("rate", 0.0284, 492.1 / 17246)
    'within_tolerance'
    >>> verdict("share", 0.65, 340 / 521)
    'match'
    """
    if computed is None:
        return "not_computed"
    if kind == "count":
        return "match" if int(round(computed)) == reported and float(computed).is_integer() else "mismatch"
    digits = published_decimals(reported)
    if _round_half_up(computed, digits) == _round_half_up(reported, digits):
        return "match"
    if kind == "money":
        tolerance = abs(float(reported)) * MONEY_TOLERANCE
    else:
        tolerance = RATE_TOLERANCE
    return "within_tolerance" if abs(float(computed) - float(reported)) <= tolerance + 1e-12 else "mismatch"


def reconcile(project: Project, values: dict[str, Number]) -> pd.DataFrame:
    """One row per ``reported`` figure of project.yml.

    Columns: ``measure, kind, reported, computed, difference, verdict``
    (``difference`` = computed − reported; empty when not computed).
    """
    rows = []
    for name, reported in (project.meta.get("reported") or {}).items():
        measure = MEASURES[name]
        computed = values.get(name)
        rows.append({
            "measure": name,
            "kind": measure.kind,
            "reported": reported,
            "computed": computed,
            "difference": None if computed is None else computed - reported,
            "verdict": verdict(measure.kind, reported, computed),
        })
    return pd.DataFrame(rows, columns=["measure", "kind", "reported", "computed", "difference", "verdict"])


def targets_table(project: Project, values: dict[str, Number]) -> pd.DataFrame:
    """Results against targets: ``measure, baseline, target, actual, achieved``
    (``achieved`` = actual / target, or, with a baseline, the share of the
    distance from baseline to target that was covered)."""
    baselines = project.meta.get("baselines") or {}
    rows = []
    for name, target in (project.meta.get("targets") or {}).items():
        actual = values.get(name)
        baseline = baselines.get(name)
        achieved = None
        if actual is not None:
            if baseline is not None and target != baseline:
                achieved = (actual - baseline) / (target - baseline)
            elif target:
                achieved = actual / target
        rows.append({"measure": name, "baseline": baseline, "target": target, "actual": actual, "achieved": achieved})
    return pd.DataFrame(rows, columns=["measure", "baseline", "target", "actual", "achieved"])
