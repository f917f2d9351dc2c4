"""Did coverage rise more where the project worked? Coverage before and after,
project areas against comparison areas, and how sure we can be.

The unit of analysis is the **area** (a commune or ward; a district in a
provincial campaign): the coverage table gives each area's population and
insured residents at each date. What is weighted how:

- An area's coverage at a date is ``insured / population``.
- A group's coverage (the project areas, or the comparison areas) is
  weighted by population: ``sum(insured) / sum(population)`` over its areas,
  exactly as ``coverage_rate`` of the data-package contract. A commune of
  12,000 people counts four times as much as one of 3,000.
- The two dates are the earliest and the latest ``as_of`` of the project
  (intervention) areas; both groups are compared over these same dates.
- A group's change is its coverage at the last date minus its coverage at the
  first, over its areas measured at both: this is ``coverage_change`` of the
  contract (areas missing at either date are left out, and listed in
  :attr:`CoverageEvaluation.dropped`).
- The difference in differences (DiD) is the project areas' change minus the
  comparison areas' change: ``coverage_did`` of the contract.
  :func:`evaluate_coverage` reports exactly the values of
  :func:`helpers.measures.coverage_change` and
  :func:`helpers.measures.coverage_did` (the tests check it).

How sure are we? With a handful of communes, large-sample formulas (standard
errors, t-tests) are not honest, so two methods that make no such assumption:

**Permutation (randomization) test.** If the project made no difference,
which communes carry the "project" label would not matter: any other choice
of the same number of communes among those in the table would be as likely
to show a gap as large. The test recomputes the *same* statistic as the
reported DiD (population-weighted, as above) for every way of choosing which
``k`` of the ``n`` areas are "project" areas, and counts how many give a DiD at
least as far from zero as the observed one (two-sided; the observed
assignment is one of them). The p-value is that count divided by the number
of assignments. When there are at most :data:`MAX_EXACT` assignments
(``C(n, k)``), all of them are enumerated and the p-value is exact; otherwise
``n_permutations`` assignments are drawn at random with a fixed ``seed``, and
the p-value is ``(1 + count) / (1 + n_permutations)`` (Monte Carlo). The
result says which (:attr:`CoverageEvaluation.p_method`). With few areas the
smallest possible p-value is large (2 project and 2 comparison communes: 6
assignments, never below 2 in 6); :attr:`CoverageEvaluation.smallest_p_value`
says so, and :func:`describe` warns when it is above 5 in 100.

**Bootstrap interval over areas.** Areas are resampled with replacement
within each group (as many project areas as there are, as many comparison
areas), the DiD is recomputed on each resample with the same weighting, and
the interval is the central ``confidence`` share of those DiDs (percentile
method). With few areas it is rough and tends to be too narrow; it shows the
spread due to *which* communes happened to be in each group, not every source
of uncertainty.

When the design cannot support a claim (one date only, no comparison areas,
comparison areas not measured at the project areas' two dates, fewer than 2
areas per group) the result is not ``feasible``, ``reason`` says why, and
:func:`describe` says so instead of printing a p-value or an interval.

>>> import pandas as pd
>>> from helpers.project import Project
>>> rows = [("2020-01-01", "A", 100, 80), ("2021-01-01", "A", 100, 90),
...         ("2020-01-01", "B", 100, 80), ("2021-01-01", "B", 100, 88),
...         ("2020-01-01", "C", 100, 80), ("2021-01-01", "C", 100, 81),
...         ("2020-01-01", "D", 100, 80), ("2021-01-01", "D", 100, 82)]
>>> coverage = pd.DataFrame(rows, columns=["as_of", "commune", "population", "insured"])
>>> coverage["as_of"] = pd.to_datetime(coverage["as_of"])
>>> coverage["group"] = ["intervention"] * 4 + ["comparison"] * 4
>>> result = evaluate_coverage(Project(meta={"id": "demo"}, coverage=coverage))
>>> round(result.did, 4), result.p_value, result.p_method, result.n_assignments
(0.075, 0.3333333333333333, 'exact', 6)
>>> print(describe(result, "en"))   # doctest: +ELLIPSIS
Coverage rose 9.0 percentage points in the project communes ...
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from . import fmt, plots
from .measures import coverage_table
from .project import Project

#: Enumerate every assignment when there are at most this many; draw at random above.
MAX_EXACT = 20_000
#: Default number of random assignments for the Monte Carlo permutation test.
N_PERMUTATIONS = 10_000
#: Default number of bootstrap resamples.
N_BOOTSTRAP = 5_000
#: Default seed: results are reproducible run to run.
SEED = 20240601
#: Fewer areas than this in either group and no test is done.
MIN_AREAS_PER_GROUP = 2
#: The p-value above which "even the most extreme result" is called weak evidence.
WEAK_DESIGN_P = 0.05

GROUPS = ("intervention", "comparison")
_SUMS = ("insured_first", "population_first", "insured_last", "population_last")
_RELATIVE_TOLERANCE = 1e-9  # ties in the permutation distribution are ties, whatever the float rounding


# --- the result -------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageEvaluation:
    """The result of :func:`evaluate_coverage`. Changes are fractions (0.05 = 5 points).

    Attributes
    ----------
    project : str
        The project id.
    feasible : bool
        True when the design supports a test: at least
        :data:`MIN_AREAS_PER_GROUP` areas of each group measured at both dates.
    reason : str or None
        Why not, as a code of :data:`REASONS` (``"one_date"``,
        ``"no_comparison"``, ...); None when feasible.
    areas : pandas.DataFrame
        :func:`coverage_by_area` of the project.
    dates : tuple
        ``(first, last)``: the earliest and latest ``as_of`` of the project
        areas (``first`` is None when they were measured at one date only;
        both None without project areas).
    n_intervention, n_comparison : int
        Areas of each group measured at both dates.
    dropped : list of str
        Areas missing at one of the two dates (not used).
    change_intervention, change_comparison, did : float or None
        ``coverage_change`` of each group and ``coverage_did``, as in the contract
        (also when the design supports no test: they are facts of the data, but
        :func:`describe` then makes no claim from them).
    p_value : float or None
        Two-sided permutation p-value of ``did``.
    p_method : str or None
        ``"exact"`` (every assignment enumerated) or ``"monte_carlo"``.
    n_assignments : int or None
        ``C(n, k)``: how many ways there are to choose the project areas.
    n_draws : int or None
        Assignments actually evaluated (``n_assignments`` when exact).
    n_as_extreme : int or None
        Of those, how many gave a DiD at least as far from zero as observed.
    smallest_p_value : float or None
        The smallest p-value this design could give at all (exact only).
    null_distribution : numpy.ndarray or None
        The DiD of every evaluated assignment (for a histogram).
    interval : tuple of float or None
        Bootstrap percentile interval of ``did``.
    confidence, n_bootstrap, seed : float, int, int
        The settings used, so that the output states them.
    """

    project: str
    feasible: bool
    reason: str | None
    areas: pd.DataFrame = field(repr=False)
    dates: tuple = (None, None)
    n_intervention: int = 0
    n_comparison: int = 0
    dropped: list = field(default_factory=list)
    change_intervention: float | None = None
    change_comparison: float | None = None
    did: float | None = None
    p_value: float | None = None
    p_method: str | None = None
    n_assignments: int | None = None
    n_draws: int | None = None
    n_as_extreme: int | None = None
    smallest_p_value: float | None = None
    null_distribution: np.ndarray | None = field(default=None, repr=False)
    interval: tuple[float, float] | None = None
    confidence: float = 0.95
    n_bootstrap: int = N_BOOTSTRAP
    seed: int = SEED

    def __str__(self) -> str:
        return describe(self, "en")

    def _repr_markdown_(self) -> str:  # JupyterLab shows the sentence, not the fields
        return describe(self, "en")

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The numbers and settings as a table (``quantity, value``), for CSV or a look.

        With ``lang``, for reading: the columns are headed in that language, a
        middle column says what each quantity is, and the values are text
        written as that language writes numbers.
        """
        rows = [
            ("change_intervention", self.change_intervention),
            ("change_comparison", self.change_comparison),
            ("did", self.did),
            ("p_value", self.p_value),
            ("p_method", self.p_method),
            ("n_assignments", self.n_assignments),
            ("n_draws", self.n_draws),
            ("n_as_extreme", self.n_as_extreme),
            ("smallest_p_value", self.smallest_p_value),
            ("interval_low", None if self.interval is None else self.interval[0]),
            ("interval_high", None if self.interval is None else self.interval[1]),
            ("confidence", self.confidence),
            ("n_bootstrap", self.n_bootstrap if self.interval is not None else None),
            ("seed", self.seed),
            ("n_intervention", self.n_intervention),
            ("n_comparison", self.n_comparison),
            ("feasible", self.feasible),
            ("reason", self.reason),
        ]
        frame = pd.DataFrame(rows, columns=["quantity", "value"])
        if lang is not None:
            frame.insert(1, "label", [_QUANTITY_LABELS[q][lang] for q in frame["quantity"]])
            frame["value"] = [_shown_value(q, v, lang) for q, v in rows]
            frame.columns = _TO_FRAME_HEADERS[lang]
        return frame


_TO_FRAME_HEADERS = {"vi": ["Mã", "Đại lượng", "Giá trị"], "en": ["Code", "Quantity", "Value"]}
_METHODS = {
    "exact": {"vi": "chính xác (đếm mọi cách gán)", "en": "exact (every assignment counted)"},
    "monte_carlo": {"vi": "Monte Carlo (gán ngẫu nhiên, hạt giống cố định)",
                    "en": "Monte Carlo (random assignments, fixed seed)"},
}


def _shown_value(quantity: str, value, lang: str) -> str:
    """A quantity of :meth:`CoverageEvaluation.to_frame` as text in ``lang``."""
    if value is None:
        return ""
    if quantity in ("change_intervention", "change_comparison", "did", "interval_low", "interval_high"):
        return fmt.points(value, lang, 2)
    if quantity in ("p_value", "smallest_p_value"):
        return fmt.decimal(value, lang, 4)
    if quantity == "confidence":
        return fmt.percent(value, lang, 0)
    if quantity == "p_method":
        return _METHODS[value][lang]
    if quantity == "feasible":
        return ("có" if value else "không") if lang == "vi" else ("yes" if value else "no")
    if isinstance(value, int):
        return str(value) if quantity == "seed" else fmt.number(value, lang)
    return str(value)


_QUANTITY_LABELS = {
    "change_intervention": {"vi": "Thay đổi tỷ lệ bao phủ, xã dự án", "en": "Change in coverage, project communes"},
    "change_comparison": {"vi": "Thay đổi tỷ lệ bao phủ, xã đối chứng",
                          "en": "Change in coverage, comparison communes"},
    "did": {"vi": "Chênh lệch kép", "en": "Difference in differences"},
    "p_value": {"vi": "Giá trị p (hai phía, hoán vị)", "en": "p-value (two-sided, permutation)"},
    "p_method": {"vi": "Cách tính giá trị p", "en": "How the p-value was computed"},
    "n_assignments": {"vi": "Số cách gán có thể", "en": "Possible assignments"},
    "n_draws": {"vi": "Số cách gán đã tính", "en": "Assignments evaluated"},
    "n_as_extreme": {"vi": "Số cách gán cho chênh lệch lớn bằng hoặc hơn", "en": "Assignments as extreme"},
    "smallest_p_value": {"vi": "Giá trị p nhỏ nhất có thể", "en": "Smallest possible p-value"},
    "interval_low": {"vi": "Cận dưới khoảng bootstrap", "en": "Bootstrap interval, low"},
    "interval_high": {"vi": "Cận trên khoảng bootstrap", "en": "Bootstrap interval, high"},
    "confidence": {"vi": "Mức tin cậy", "en": "Confidence"},
    "n_bootstrap": {"vi": "Số mẫu bootstrap", "en": "Bootstrap samples"},
    "seed": {"vi": "Hạt giống ngẫu nhiên", "en": "Random seed"},
    "n_intervention": {"vi": "Số xã dự án (có số liệu hai thời điểm)", "en": "Project communes (both dates)"},
    "n_comparison": {"vi": "Số xã đối chứng (có số liệu hai thời điểm)", "en": "Comparison communes (both dates)"},
    "feasible": {"vi": "Thiết kế cho phép kiểm định", "en": "Design supports a test"},
    "reason": {"vi": "Lý do không kiểm định", "en": "Why no test"},
}


# --- areas ------------------------------------------------------------------------


def coverage_by_area(project: Project) -> pd.DataFrame:
    """Each area's coverage at the first and the last date, and the change.

    Parameters
    ----------
    project : Project
        A loaded project (see :func:`helpers.load_project`).

    Returns
    -------
    pandas.DataFrame
        One row per area of the coverage table, project areas first, in the
        table's order, with the columns ``commune, group, first_as_of,
        last_as_of, population_first, insured_first, coverage_first,
        population_last, insured_last, coverage_last, change``. The dates are
        the earliest and latest ``as_of`` of the project (intervention) areas,
        the same for every row (as in ``coverage_change``). An area not
        measured at one of them has blanks there and no ``change``; when the
        project areas were measured at one date only, the ``first`` columns are
        blank. Coverage is ``insured / population`` (a fraction). Empty when
        the project has no coverage table.

    Examples
    --------
    >>> from helpers import load_project
    >>> coverage_by_area(load_project("song-hinh-clan-2024")).head(2)   # doctest: +SKIP
    """
    columns = ["commune", "group", "first_as_of", "last_as_of", "population_first", "insured_first",
               "coverage_first", "population_last", "insured_last", "coverage_last", "change"]
    coverage = coverage_table(project)
    if coverage is None or coverage.empty:
        return pd.DataFrame(columns=columns)
    first, last = _dates(coverage)
    frames = []
    for group in GROUPS:
        rows = coverage[coverage["group"] == group]
        if rows.empty:
            continue
        communes = list(dict.fromkeys(rows["commune"]))
        frame = pd.DataFrame({"commune": communes, "group": group})
        frame["first_as_of"] = pd.Timestamp(first) if first is not None else pd.NaT
        frame["last_as_of"] = pd.Timestamp(last) if last is not None else pd.NaT
        for suffix, date in (("first", first), ("last", last)):
            at = rows[rows["as_of"] == date] if date is not None else rows.iloc[0:0]
            aligned = at.drop_duplicates("commune").set_index("commune").reindex(communes)
            frame[f"population_{suffix}"] = pd.array(aligned["population"].to_numpy(), dtype="Int64")
            frame[f"insured_{suffix}"] = pd.array(aligned["insured"].to_numpy(), dtype="Int64")
            frame[f"coverage_{suffix}"] = (frame[f"insured_{suffix}"].astype("Float64")
                                           / frame[f"population_{suffix}"].astype("Float64"))
        frame["change"] = frame["coverage_last"] - frame["coverage_first"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[columns]


def _dates(coverage: pd.DataFrame) -> tuple:
    """(first, last) as_of of the intervention areas; first None when they have one date only."""
    dates = coverage.loc[coverage["group"] == "intervention", "as_of"].dropna()
    if dates.empty:
        return None, None
    first, last = dates.min(), dates.max()
    return (None if first == last else first), last


# --- the statistic ----------------------------------------------------------------


def _did_from_sums(treated: np.ndarray, control: np.ndarray) -> np.ndarray:
    """DiD from group sums; each array's last axis is (insured_first, population_first,
    insured_last, population_last). The same arithmetic as measures.coverage_did."""
    def change(sums: np.ndarray) -> np.ndarray:
        return sums[..., 2] / sums[..., 3] - sums[..., 0] / sums[..., 1]

    return change(treated) - change(control)


def _as_extreme(values: np.ndarray, observed: float) -> np.ndarray:
    threshold = abs(observed) * (1 - _RELATIVE_TOLERANCE) - 1e-15
    return np.abs(values) >= threshold


def permutation_test(area_sums: np.ndarray, treated: np.ndarray, n_permutations: int = N_PERMUTATIONS,
                     seed: int = SEED, max_exact: int = MAX_EXACT, rng: np.random.Generator | None = None) -> dict:
    """Two-sided permutation test of the population-weighted DiD over area labels.

    Parameters
    ----------
    area_sums : numpy.ndarray of int, shape (n, 4)
        Per area: insured and population at the first date, insured and
        population at the last date.
    treated : numpy.ndarray of bool, shape (n,)
        Which areas are project areas.
    n_permutations : int
        Random assignments when ``C(n, k) > max_exact``.
    seed : int
        Seed of the random assignments (ignored when exact).
    max_exact : int
        Enumerate all ``C(n, k)`` assignments up to this many.

    Returns
    -------
    dict
        ``observed, p_value, method ("exact"|"monte_carlo"), n_assignments, n_draws,
        n_as_extreme, smallest_p_value, distribution``.

    Examples
    --------
    Two project areas that gained 10 and 8 points, two comparison areas that
    gained 1 and 2, all of 100 people: of the 6 ways to pick two "project"
    areas, 2 give a gap as large as the observed 7.5 points (itself and its
    mirror image), so p = 2/6.

    >>> sums = np.array([[80, 100, 90, 100], [80, 100, 88, 100], [80, 100, 81, 100], [80, 100, 82, 100]])
    >>> test = permutation_test(sums, np.array([True, True, False, False]))
    >>> test["n_as_extreme"], test["n_assignments"], test["method"]
    (2, 6, 'exact')
    """
    area_sums = np.asarray(area_sums, dtype=np.int64)
    treated = np.asarray(treated, dtype=bool)
    n, k = len(treated), int(treated.sum())
    total = area_sums.sum(axis=0)
    observed_treated = area_sums[treated].sum(axis=0)
    observed = float(_did_from_sums(observed_treated, total - observed_treated))
    n_assignments = math.comb(n, k)
    if n_assignments <= max_exact:
        chosen = np.array(list(combinations(range(n), k)), dtype=np.intp).reshape(n_assignments, k)
        membership = np.zeros((n_assignments, n), dtype=np.int64)
        np.put_along_axis(membership, chosen, 1, axis=1)
        method = "exact"
    else:
        rng = rng if rng is not None else np.random.default_rng(seed)
        base = np.zeros(n, dtype=np.int64)
        base[:k] = 1
        membership = rng.permuted(np.tile(base, (n_permutations, 1)), axis=1)
        method = "monte_carlo"
    treated_sums = membership @ area_sums  # exact integer sums
    distribution = _did_from_sums(treated_sums, total - treated_sums)
    extreme = _as_extreme(distribution, observed)
    count = int(extreme.sum())
    if method == "exact":
        p_value = count / n_assignments
        most = float(np.max(np.abs(distribution)))
        smallest = int(_as_extreme(distribution, most).sum()) / n_assignments
        n_draws = n_assignments
    else:
        p_value = (1 + count) / (1 + n_permutations)
        smallest = None
        n_draws = n_permutations
    return {"observed": observed, "p_value": p_value, "method": method, "n_assignments": n_assignments,
            "n_draws": n_draws, "n_as_extreme": count, "smallest_p_value": smallest,
            "distribution": distribution}


def bootstrap_interval(treated_sums: np.ndarray, control_sums: np.ndarray, n_bootstrap: int = N_BOOTSTRAP,
                       confidence: float = 0.95, seed: int = SEED,
                       rng: np.random.Generator | None = None) -> tuple[float, float]:
    """Percentile interval of the population-weighted DiD, resampling areas within each group.

    Parameters
    ----------
    treated_sums, control_sums : numpy.ndarray of int, shape (n_group, 4)
        Per area of each group: insured and population at the first date,
        insured and population at the last date.
    n_bootstrap : int
        Number of resamples.
    confidence : float
        Central share of the resampled DiDs the interval holds (0.95).
    seed : int
        Seed of the resampling.

    Returns
    -------
    (float, float)
        The lower and upper ends.

    Examples
    --------
    Every project area gained 5 points and every comparison area 1: whichever
    areas are drawn, the DiD is 4 points.

    >>> t = np.array([[50, 100, 55, 100], [100, 200, 110, 200]])
    >>> c = np.array([[50, 100, 51, 100], [50, 100, 51, 100]])
    >>> [round(x, 6) for x in bootstrap_interval(t, c)]
    [0.04, 0.04]
    """
    rng = rng if rng is not None else np.random.default_rng(seed)
    draws = []
    for sums in (np.asarray(treated_sums, dtype=np.int64), np.asarray(control_sums, dtype=np.int64)):
        picks = rng.integers(0, len(sums), size=(n_bootstrap, len(sums)))
        draws.append(sums[picks].sum(axis=1))
    values = _did_from_sums(draws[0], draws[1])
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


# --- the evaluation ---------------------------------------------------------------


def _change(sums: np.ndarray) -> float:
    total = sums.sum(axis=0)
    return float(total[2] / total[3] - total[0] / total[1])


def evaluate_coverage(project: Project, n_permutations: int = N_PERMUTATIONS, n_bootstrap: int = N_BOOTSTRAP,
                      seed: int = SEED, confidence: float = 0.95, max_exact: int = MAX_EXACT) -> CoverageEvaluation:
    """Coverage change in project and comparison areas, their difference, and how sure we are.

    See the module docstring for what is weighted how and how the p-value
    and the interval are computed.

    Parameters
    ----------
    project : Project
        A loaded project with a coverage table.
    n_permutations : int, default 10,000
        Random assignments when there are more than ``max_exact`` possible.
    n_bootstrap : int, default 5,000
        Bootstrap resamples of areas.
    seed : int
        One seed for both random parts: the same inputs give the same result.
    confidence : float, default 0.95
        Share of the bootstrap distribution inside the interval.
    max_exact : int, default 20,000
        Enumerate every assignment up to this many (exact p-value).

    Returns
    -------
    CoverageEvaluation
        ``change_intervention``, ``change_comparison`` and ``did`` equal the
        measures ``coverage_change`` and ``coverage_did``; ``p_value`` and
        ``interval`` when ``feasible``; otherwise ``reason``.

    Examples
    --------
    >>> from helpers import load_project
    >>> result = evaluate_coverage(load_project("song-hinh-clan-2024"))   # doctest: +SKIP
    >>> print(describe(result, "vi"))                                    # doctest: +SKIP
    """
    areas = coverage_by_area(project)
    base = dict(project=project.id, areas=areas, confidence=confidence, n_bootstrap=n_bootstrap, seed=seed)
    if areas.empty:
        return CoverageEvaluation(feasible=False, reason="no_coverage", **base)
    first, last = areas["first_as_of"].iloc[0], areas["last_as_of"].iloc[0]
    dates = (None if pd.isna(first) else first, None if pd.isna(last) else last)
    complete = areas[areas["change"].notna()]
    dropped = list(areas.loc[areas["change"].isna(), "commune"]) if dates[0] is not None else []
    sums = {g: complete.loc[complete["group"] == g, list(_SUMS)].to_numpy(dtype=np.int64) for g in GROUPS}
    n_treated, n_control = len(sums["intervention"]), len(sums["comparison"])
    change_t = _change(sums["intervention"]) if n_treated else None
    change_c = _change(sums["comparison"]) if n_control else None
    did = None if change_t is None or change_c is None else float(change_t - change_c)
    base.update(dates=dates, dropped=dropped, n_intervention=n_treated, n_comparison=n_control,
                change_intervention=change_t, change_comparison=change_c, did=did)

    groups = set(areas["group"])
    reason = None
    if "intervention" not in groups:
        reason = "no_intervention_areas"
    elif dates[0] is None:
        reason = "one_date"
    elif n_treated == 0:
        reason = "no_overlap"
    elif "comparison" not in groups:
        reason = "no_comparison"
    elif n_control == 0:
        reason = "comparison_not_measured"
    elif min(n_treated, n_control) < MIN_AREAS_PER_GROUP:
        reason = "too_few_areas"
    if reason is not None:
        # did stays the measure's value (a fact of the data); describe() makes no claim from it.
        return CoverageEvaluation(feasible=False, reason=reason, **base)

    rng = np.random.default_rng(seed)
    all_sums = np.vstack([sums["intervention"], sums["comparison"]])
    treated = np.r_[np.ones(n_treated, bool), np.zeros(n_control, bool)]
    test = permutation_test(all_sums, treated, n_permutations=n_permutations, max_exact=max_exact, rng=rng)
    interval = bootstrap_interval(sums["intervention"], sums["comparison"], n_bootstrap=n_bootstrap,
                                  confidence=confidence, rng=rng)
    return CoverageEvaluation(
        feasible=True, reason=None, p_value=test["p_value"], p_method=test["method"],
        n_assignments=test["n_assignments"], n_draws=test["n_draws"], n_as_extreme=test["n_as_extreme"],
        smallest_p_value=test["smallest_p_value"], null_distribution=test["distribution"],
        interval=interval, **base,
    )


# --- words --------------------------------------------------------------------------

#: Why a design cannot support a claim, in both languages.
REASONS = {
    "no_coverage": {
        "vi": "Dự án không có bảng số liệu bao phủ (coverage), nên không đánh giá được thay đổi tỷ lệ bao phủ.",
        "en": "The project has no coverage table, so the change in coverage cannot be evaluated.",
    },
    "no_intervention_areas": {
        "vi": "Bảng số liệu bao phủ không có xã dự án nào, nên không đánh giá được thay đổi tỷ lệ bao phủ.",
        "en": "The coverage table has no project commune, so the change in coverage cannot be evaluated.",
    },
    "one_date": {
        "vi": "Tỷ lệ bao phủ của các xã dự án chỉ có số liệu tại một thời điểm ({last}): không có số liệu trước "
              "và sau để so sánh, nên không thể nói dự án đã làm thay đổi tỷ lệ bao phủ hay không.",
        "en": "Coverage of the project communes was measured at one date only ({last}): there is no before and "
              "after to compare, so nothing can be said about a change.",
    },
    "no_overlap": {
        "vi": "Không có xã dự án nào có số liệu ở cả ngày đầu ({first}) và ngày cuối ({last}).",
        "en": "No project commune was measured at both the first ({first}) and the last date ({last}).",
    },
    "no_comparison": {
        "vi": "Không có xã đối chứng, nên không thể tách thay đổi này khỏi những gì diễn ra ở mọi nơi "
              "(ví dụ tỷ lệ bao phủ tăng chung cả nước): con số này không cho biết tác động của dự án.",
        "en": "There are no comparison communes, so this change cannot be told apart from what happened "
              "everywhere (coverage rising nationwide, say): it does not show the project's effect.",
    },
    "comparison_not_measured": {
        "vi": "Không có xã đối chứng nào có số liệu ở cả hai thời điểm của các xã dự án ({first} và {last}), "
              "nên không tính được chênh lệch kép và không thể nói thay đổi này là do dự án.",
        "en": "No comparison commune was measured at both dates of the project communes ({first} and {last}), "
              "so there is no difference in differences and the change cannot be attributed to the project.",
    },
    "too_few_areas": {
        "vi": "Chỉ có {n_t} xã dự án và {n_c} xã đối chứng có số liệu ở cả hai thời điểm: với số xã ít như vậy "
              "không thể phân biệt tác động của dự án với ngẫu nhiên (cần ít nhất {min} xã mỗi nhóm), nên không "
              "kiểm định.",
        "en": "Only {n_t} project and {n_c} comparison commune(s) were measured at both dates: with so few, "
              "the project's effect cannot be told apart from chance (at least {min} of each are needed), so "
              "no test is done.",
    },
}


def _points(change: float, lang: str, sign: bool = True) -> str:
    """A change (a fraction) as percentage points, one decimal, no unit: 0.0529 → '+5.3' / '+5,3'."""
    return fmt.decimal(change * 100, lang, 1, sign=sign)


def _moved(change: float, lang: str) -> str:
    """'rose 6.7 percentage points' / 'tăng 6,7 điểm phần trăm'."""
    size = _points(abs(change), lang, sign=False)
    if size == _points(0.0, lang, sign=False):
        return "không đổi" if lang == "vi" else "did not change"
    if lang == "vi":
        return f"{'tăng' if change > 0 else 'giảm'} {size} điểm phần trăm"
    return f"{'rose' if change > 0 else 'fell'} {size} percentage points"


def _in_100(p: float, lang: str) -> str:
    """'about 3 of 100' / 'khoảng 3 trên 100'."""
    per_100 = p * 100
    if per_100 < 0.5:
        return "dưới 1 trên 100" if lang == "vi" else "fewer than 1 in 100"
    if per_100 >= 99.5:
        return "gần như mọi" if lang == "vi" else "nearly 100 of 100"
    n = int(math.floor(per_100 + 0.5))
    return f"khoảng {n} trên 100" if lang == "vi" else f"about {n} of 100"


def _change_sentence(result: CoverageEvaluation, lang: str) -> str:
    first, last = result.dates
    t = _moved(result.change_intervention, lang)
    n_t = result.n_intervention
    if lang == "vi":
        text = (f"Tỷ lệ bao phủ BHYT ở các xã dự án {t} ({n_t} xã, từ {fmt.date(first, lang)} "
                f"đến {fmt.date(last, lang)})")
    else:
        text = (f"Coverage {t} in the project communes ({n_t} commune{'s' if n_t != 1 else ''}, "
                f"{fmt.date(first, lang)} to {fmt.date(last, lang)})")
    if result.change_comparison is None:
        return text + "."
    c = _moved(result.change_comparison, lang).replace(" percentage points", " points")
    n_c = result.n_comparison
    if lang == "vi":
        text += f" và {c} ở các xã đối chứng ({n_c} xã)"
    else:
        text += f" and {c} in the comparison communes ({n_c} commune{'s' if n_c != 1 else ''})"
    if result.did is None or not result.feasible:  # no claim without a design that supports one
        return text + "."
    gap = _points(result.did, lang)
    return text + (f"; chênh lệch là {gap} điểm phần trăm." if lang == "vi" else f", a difference of {gap} points.")


def describe(result: CoverageEvaluation, lang: str = "en") -> str:
    """The result in plain words, in Vietnamese (``"vi"``) or English (``"en"``).

    Numbers follow the language: ``6,7 điểm phần trăm`` / ``6.7 percentage
    points``. When the design cannot support a claim the text says why
    instead of giving a p-value or an interval.

    Parameters
    ----------
    result : CoverageEvaluation
        From :func:`evaluate_coverage`.
    lang : {"vi", "en"}

    Returns
    -------
    str
        One paragraph.

    Examples
    --------
    >>> from helpers import load_project
    >>> print(describe(evaluate_coverage(load_project("song-hinh-clan-2024")), "en"))   # doctest: +SKIP
    Coverage rose 5.3 percentage points in the project communes (8 communes, 1 Jun 2024 to 30 Nov 2024) and
    1.1 points in the comparison communes (3 communes), a difference of +4.2 points. ...
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    if not result.feasible:
        first, last = result.dates
        why = REASONS[result.reason][lang].format(
            first=fmt.date(first, lang), last=fmt.date(last, lang), n_t=result.n_intervention,
            n_c=result.n_comparison, min=MIN_AREAS_PER_GROUP)
        if result.change_intervention is None:
            return why
        return f"{_change_sentence(result, lang)} {why}"

    n = result.n_intervention + result.n_comparison
    k = result.n_intervention
    chance = _in_100(result.p_value, lang)
    if result.p_method == "exact":
        how = (f"đếm chính xác trên toàn bộ {fmt.number(result.n_assignments, lang)} cách gán" if lang == "vi"
               else f"counted exactly over all {fmt.number(result.n_assignments, lang)} assignments")
    else:
        how = (f"ước tính từ {fmt.number(result.n_draws, lang)} lần gán ngẫu nhiên trong "
               f"{fmt.number(result.n_assignments, lang)} cách gán có thể, hạt giống {result.seed}" if lang == "vi"
               else f"estimated from {fmt.number(result.n_draws, lang)} random assignments of the "
                    f"{fmt.number(result.n_assignments, lang)} possible, seed {result.seed}")
    low, high = (_points(x, lang) for x in result.interval)
    share = int(round(result.confidence * 100))
    if lang == "vi":
        test = (f"Nếu gán ngẫu nhiên nhãn “xã dự án” cho {k} trong {n} xã này, một chênh lệch lớn như vậy "
                f"(theo cả hai chiều) sẽ xuất hiện do ngẫu nhiên {chance} lần ({how}).")
        spread = (f"Lấy mẫu lại các xã trong từng nhóm (bootstrap, {fmt.number(result.n_bootstrap, lang)} lần), "
                  f"chênh lệch nằm trong khoảng từ {low} đến {high} điểm phần trăm ở {share} trên 100 mẫu.")
    else:
        test = (f"A difference this large (either way) would arise by chance in {chance} random assignments "
                f"of the project label to {k} of these {n} communes ({how}).")
        spread = (f"Resampling communes within each group ({fmt.number(result.n_bootstrap, lang)} bootstrap "
                  f"samples), the difference lies between {low} and {high} points in {share} of 100 samples.")
    parts = [_change_sentence(result, lang), test, spread]
    if result.smallest_p_value is not None and result.smallest_p_value > WEAK_DESIGN_P:
        smallest = _in_100(result.smallest_p_value, lang)
        parts.append(
            f"Với số xã ít như vậy, ngay cả chênh lệch lớn nhất có thể cũng xuất hiện {smallest} lần gán, nên "
            "thiết kế này không thể cho bằng chứng mạnh theo chiều nào." if lang == "vi" else
            f"With so few communes even the largest possible difference would arise in {smallest} "
            "assignments, so this design cannot give strong evidence either way."
        )
    return " ".join(parts)


# --- tables -------------------------------------------------------------------------

_TABLE_WORDS = {
    "commune": {"vi": "Xã", "en": "Commune"},
    "group": {"vi": "Nhóm", "en": "Group"},
    "intervention": {"vi": "dự án", "en": "project"},
    "comparison": {"vi": "đối chứng", "en": "comparison"},
    "population": {"vi": "Dân số", "en": "Population"},
    "first": {"vi": "Bao phủ lúc đầu", "en": "Coverage before"},
    "last": {"vi": "Bao phủ lúc sau", "en": "Coverage after"},
    "change": {"vi": "Thay đổi (điểm %)", "en": "Change (points)"},
}


def area_table(result: CoverageEvaluation, lang: str = "en") -> pd.DataFrame:
    """:attr:`CoverageEvaluation.areas` for reading: labels and numbers in ``lang``, blanks where unmeasured.

    Examples
    --------
    >>> from helpers import load_project
    >>> area_table(evaluate_coverage(load_project("song-hinh-clan-2024")), "vi")   # doctest: +SKIP
    """
    words = {key: value[lang] for key, value in _TABLE_WORDS.items()}

    areas = result.areas
    return pd.DataFrame({
        words["commune"]: areas["commune"],
        words["group"]: [words[g] for g in areas["group"]],
        words["population"]: [fmt.number(v, lang) for v in areas["population_last"]],
        words["first"]: [fmt.percent(v, lang, 1) for v in areas["coverage_first"]],
        words["last"]: [fmt.percent(v, lang, 1) for v in areas["coverage_last"]],
        words["change"]: [fmt.points(v, lang, 1, unit=False) for v in areas["change"]],
    })


# --- charts -------------------------------------------------------------------------

_COLOURS = {"intervention": plots.DARK, "comparison": "#777777"}  # as plots.coverage_change
_CHART_WORDS = {
    "intervention": {"vi": "Xã dự án", "en": "Project communes"},
    "comparison": {"vi": "Xã đối chứng", "en": "Comparison communes"},
    "all": {"vi": "cả nhóm (theo dân số)", "en": "whole group (population-weighted)"},
    "coverage": {"vi": "Tỷ lệ bao phủ BHYT", "en": "Health-insurance coverage"},
    "before_after": {"vi": "Tỷ lệ bao phủ trước (○) và sau (●), theo xã",
                     "en": "Coverage before (○) and after (●), by commune"},
    "null_title": {"vi": "Chênh lệch kép nếu nhãn “xã dự án” được gán ngẫu nhiên",
                   "en": "Difference in differences if the project label were assigned at random"},
    "null_x": {"vi": "Chênh lệch kép (điểm phần trăm)", "en": "Difference in differences (percentage points)"},
    "null_y": {"vi": "Số cách gán", "en": "Assignments"},
    "observed": {"vi": "thực tế", "en": "observed"},
    "as_extreme": {"vi": "lớn như thực tế hoặc hơn", "en": "as large as observed, or larger"},
    "no_test": {"vi": "Không kiểm định", "en": "No test"},
}


def _percent_formatter(lang: str, digits: int = 0):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: fmt.percent(value, lang, digits))


def plot_coverage_by_area(result: CoverageEvaluation, lang: str = "en"):
    """Each commune's coverage at the first (○) and last (●) date, project and comparison communes apart.

    The top row of each group is the group as a whole (population-weighted),
    the figure :func:`evaluate_coverage` compares.

    Parameters
    ----------
    result : CoverageEvaluation
        From :func:`evaluate_coverage` (its ``areas`` are drawn).
    lang : {"vi", "en"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from helpers import load_project
    >>> plot_coverage_by_area(evaluate_coverage(load_project("song-hinh-clan-2024")), "vi")   # doctest: +SKIP
    """
    from matplotlib.ticker import MaxNLocator

    areas = result.areas
    rows = []  # (label, group, first, last, bold)
    for group in GROUPS:
        part = areas[areas["group"] == group]
        if part.empty:
            continue
        complete = part[part["change"].notna()]
        if len(complete):
            first = complete["insured_first"].sum() / complete["population_first"].sum()
            last = complete["insured_last"].sum() / complete["population_last"].sum()
            rows.append((f"{_CHART_WORDS[group][lang]}: {_CHART_WORDS['all'][lang]}", group, float(first),
                         float(last), True))
        for area in part.itertuples():
            first = None if pd.isna(area.coverage_first) else float(area.coverage_first)
            last = None if pd.isna(area.coverage_last) else float(area.coverage_last)
            rows.append((area.commune, group, first, last, False))
    figure = plots.new_figure(height=0.24 * len(rows) + 1.3)
    with plots.style():
        ax = figure.add_subplot()
        for y, (label, group, first, last, bold) in enumerate(reversed(rows)):
            colour = _COLOURS[group]
            if first is not None and last is not None:
                ax.annotate("", xy=(last, y), xytext=(first, y),
                            arrowprops=dict(arrowstyle="-", color=colour, linewidth=2.5 if bold else 1.2))
            if first is not None:
                ax.plot(first, y, "o", markerfacecolor="white", markeredgecolor=colour, markersize=6)
            if last is not None:
                ax.plot(last, y, "o", color=colour, markersize=7 if bold else 6)
        labels = [label for label, *_ in reversed(rows)]
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        for tick, (_label, group, _f, _l, bold) in zip(ax.get_yticklabels(), reversed(rows)):
            tick.set_color(_COLOURS[group])
            tick.set_fontweight("bold" if bold else "normal")
        ax.xaxis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))  # whole percents
        ax.xaxis.set_major_formatter(_percent_formatter(lang))
        ax.set_xlabel(_CHART_WORDS["coverage"][lang])
        first, last = result.dates
        subtitle = f"\n{fmt.date(first, lang)} → {fmt.date(last, lang)}" if first is not None else ""
        ax.set_title(_CHART_WORDS["before_after"][lang] + subtitle)
        ax.grid(True, axis="x")
        ax.set_axisbelow(True)
    return figure


def plot_permutation(result: CoverageEvaluation, lang: str = "en"):
    """The permutation distribution of the DiD, the observed DiD, and the assignments as extreme.

    When the design supports no test, the figure says why instead.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from helpers import load_project
    >>> plot_permutation(evaluate_coverage(load_project("song-hinh-clan-2024")), "en")   # doctest: +SKIP
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    testable = result.feasible and result.null_distribution is not None
    figure = plots.new_figure(height=3.2 if testable else 1.4)
    if not testable:
        with plots.style():
            ax = figure.add_subplot()
            ax.set_axis_off()
            ax.set_title(_CHART_WORDS["no_test"][lang])
            ax.text(0, 0.9, describe(result, lang), wrap=True, va="top", fontsize=9, transform=ax.transAxes)
        return figure
    with plots.style():
        ax = figure.add_subplot()
        points = result.null_distribution * 100
        observed = result.did * 100
        extreme = _as_extreme(result.null_distribution, result.did)
        bins = np.histogram_bin_edges(points, bins=min(40, max(10, len(points) // 5)))
        ax.hist(points[~extreme], bins=bins, color=plots.LIGHT, label=None)
        ax.hist(points[extreme], bins=bins, color=_COLOURS["intervention"],
                label=f"{_CHART_WORDS['as_extreme'][lang]}: {fmt.number(int(extreme.sum()), lang)} / "
                      f"{fmt.number(len(points), lang)}")
        ax.axvline(observed, color=plots.INK, linestyle="--", linewidth=1.5,
                   label=f"{_CHART_WORDS['observed'][lang]}: {_points(result.did, lang)}")
        ax.set_xlabel(_CHART_WORDS["null_x"][lang])
        ax.set_ylabel(_CHART_WORDS["null_y"][lang])
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda value, _position: fmt.decimal(value, lang, 0 if float(value).is_integer() else 1)))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(_CHART_WORDS["null_title"][lang])
        ax.legend(loc="upper left")
    return figure
