"""helpers.evaluation on hand-made coverage tables whose answers were worked out by hand.

Every table here is tiny: a few communes of round populations, so that each
p-value can be counted on paper. The comments show the counting.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import load_project
from helpers.evaluation import (
    MAX_EXACT,
    REASONS,
    CoverageEvaluation,
    bootstrap_interval,
    coverage_by_area,
    describe,
    evaluate_coverage,
    permutation_test,
    plot_coverage_by_area,
    plot_permutation,
)
from helpers.measures import coverage_change, coverage_did
from helpers.project import Project

ROOT = Path(__file__).resolve().parents[2]
BEFORE, AFTER = "2023-01-01", "2024-01-01"


def project_from(areas: list[tuple], dates: tuple[str, str] = (BEFORE, AFTER)) -> Project:
    """A project from ``(commune, group, population, insured before, insured after)`` rows.

    ``insured before`` None means the commune was not measured at the first date.
    """
    rows = []
    for commune, group, population, before, after in areas:
        if before is not None:
            rows.append((dates[0], commune, population, before, group))
        if after is not None:
            rows.append((dates[1], commune, population, after, group))
    coverage = pd.DataFrame(rows, columns=["as_of", "commune", "population", "insured", "group"])
    coverage["as_of"] = pd.to_datetime(coverage["as_of"])
    return Project(meta={"id": "hand"}, coverage=coverage)


def hundred(commune: str, group: str, gain: int) -> tuple:
    """A commune of 100 people, 50 insured before, 50 + gain after: it gains ``gain`` points."""
    return (commune, group, 100, 50, 50 + gain)


# --- the statistic equals the measures ---------------------------------------------


def test_population_weighting_is_the_measures_one():
    # A: 1,000 people, 500 → 600 insured (+10 points); B: 100 people, 50 → 40 (−10 points).
    # Weighted, the project communes go from 550/1,100 to 640/1,100: +90/1,100 = +8.18 points
    # (unweighted they would average 0). Comparison: two of 100 people, 50 → 51: +1 point.
    project = project_from([("A", "intervention", 1000, 500, 600), ("B", "intervention", 100, 50, 40),
                            ("C", "comparison", 100, 50, 51), ("D", "comparison", 100, 50, 51)])
    result = evaluate_coverage(project)
    assert result.change_intervention == pytest.approx(90 / 1100, abs=1e-15)
    assert result.change_comparison == pytest.approx(0.01, abs=1e-15)
    assert result.did == pytest.approx(90 / 1100 - 0.01, abs=1e-15)
    assert result.change_intervention == coverage_change(project)
    assert result.did == coverage_did(project)
    # Every commune starts at 50%, so a group's change is its last coverage minus 0.5.
    # {A,B}: +.0818 − .01 = +.0718 (observed); {C,D}: −.0718;
    # {A,C} and {A,D}: 101/1,100 − (−.045) = +.1368; {B,C} and {B,D}: −.1368.
    # All six are at least as far from zero as the observed: p = 6/6.
    assert (result.n_as_extreme, result.n_assignments, result.p_value) == (6, 6, 1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(0, 100), st.integers(0, 100)), min_size=2, max_size=6),
       st.lists(st.tuples(st.integers(1, 5000), st.integers(0, 100), st.integers(0, 100)), min_size=2, max_size=6))
def test_changes_and_p_value_agree_with_measures_and_a_naive_count(treated, control):
    """Random designs: the changes are the measures' ones, and the exact p-value is the
    count of a plain-Python enumeration in exact fractions."""
    areas = [(f"T{i}", "intervention", pop, pop * a // 100, pop * b // 100) for i, (pop, a, b) in enumerate(treated)]
    areas += [(f"C{i}", "comparison", pop, pop * a // 100, pop * b // 100) for i, (pop, a, b) in enumerate(control)]
    project = project_from(areas)
    result = evaluate_coverage(project, n_bootstrap=50)
    assert result.change_intervention == coverage_change(project)
    assert result.did == coverage_did(project)

    def did(chosen) -> Fraction:
        def change(group):
            return (Fraction(sum(a[4] for a in group), sum(a[2] for a in group))
                    - Fraction(sum(a[3] for a in group), sum(a[2] for a in group)))
        return change([areas[i] for i in chosen]) - change([areas[i] for i in range(len(areas)) if i not in chosen])

    observed = abs(did(range(len(treated))))
    assignments = list(itertools.combinations(range(len(areas)), len(treated)))
    as_extreme = sum(abs(did(c)) >= observed for c in assignments)
    assert result.p_method == "exact"
    assert result.n_assignments == len(assignments)
    assert result.n_as_extreme == as_extreme
    assert result.p_value == pytest.approx(as_extreme / len(assignments), abs=1e-15)


@pytest.mark.parametrize("sample", sorted(p.name for p in (ROOT / "data" / "projects").iterdir() if p.is_dir()))
def test_every_sample_agrees_with_the_measures(sample):
    project = load_project(ROOT / "data" / "projects" / sample)
    result = evaluate_coverage(project, n_bootstrap=100)
    assert result.change_intervention == coverage_change(project)
    assert result.did == coverage_did(project)
    assert describe(result, "vi") and describe(result, "en")


def test_sample_project_with_comparison_communes_matches_the_measures():
    project = load_project(ROOT / "data" / "projects" / "song-hinh-clan-2024")
    result = evaluate_coverage(project)
    assert result.feasible
    assert result.change_intervention == coverage_change(project)
    assert result.did == coverage_did(project)
    assert (result.n_intervention, result.n_comparison) == (8, 3)
    assert result.n_assignments == math.comb(11, 3) == 165
    assert result.p_method == "exact"


# --- permutation test ------------------------------------------------------------------


def test_two_by_two_p_value_counted_by_hand():
    # Gains: project 10 and 8 points, comparison 1 and 2 (all communes of 100 people).
    # Observed DiD = 9 − 1.5 = 7.5. The 6 ways to pick two "project" communes:
    # {10,8} +7.5, {1,2} −7.5, {10,1} +0.5, {8,2} −0.5, {10,2} +1.5, {8,1} −1.5.
    # As far from zero as 7.5: 2 of 6.
    project = project_from([hundred("A", "intervention", 10), hundred("B", "intervention", 8),
                            hundred("C", "comparison", 1), hundred("D", "comparison", 2)])
    result = evaluate_coverage(project)
    assert result.did == pytest.approx(0.075, abs=1e-15)
    assert result.p_method == "exact"
    assert (result.n_as_extreme, result.n_assignments) == (2, 6)
    assert result.p_value == pytest.approx(1 / 3)
    assert sorted(np.round(result.null_distribution * 1000).astype(int)) == [-75, -15, -5, 5, 15, 75]
    # The most extreme possible result (±7.5) also has 2 of 6: this design can never do better.
    assert result.smallest_p_value == pytest.approx(1 / 3)


def test_three_by_three_p_value_counted_by_hand():
    # Gains 10, 9, 8 (project) and 1, 2, 3 (comparison), 100 people each; the 6 sum to 33.
    # For a chosen set S of three, DiD = (2·sum(S) − 33) / 3 points; |DiD| ≥ 7 needs
    # sum(S) ≥ 27 or ≤ 6: only {10,9,8} and {1,2,3}. p = 2 / C(6,3) = 2/20.
    areas = [hundred(f"T{g}", "intervention", g) for g in (10, 9, 8)]
    areas += [hundred(f"C{g}", "comparison", g) for g in (1, 2, 3)]
    result = evaluate_coverage(project_from(areas))
    assert result.did == pytest.approx(0.07, abs=1e-15)
    assert (result.n_as_extreme, result.n_assignments) == (2, 20)
    assert result.p_value == pytest.approx(0.1)


def test_unbalanced_design_counts_both_tails():
    # Three project communes gaining 4 points each, two comparison communes gaining 0:
    # 5 communes, C(5,3) = 10 assignments. A set with j of the three "4"s has mean 4j/3 and
    # the other two have mean 4(3−j)/2: DiD = 4j/3 − 2(3−j) → j=3: +4, j=2: 0.67, j=1: −2.67.
    # (j=0 is impossible: only two zeros.) As far from zero as 4: only j=3, 1 of 10.
    areas = [hundred(f"T{i}", "intervention", 4) for i in range(3)]
    areas += [hundred(f"C{i}", "comparison", 0) for i in range(2)]
    result = evaluate_coverage(project_from(areas))
    assert result.did == pytest.approx(0.04, abs=1e-15)
    assert (result.n_as_extreme, result.n_assignments, result.p_value) == (1, 10, pytest.approx(0.1))


def test_permutation_test_function_directly():
    sums = np.array([[50, 100, 60, 100], [50, 100, 58, 100], [50, 100, 51, 100], [50, 100, 52, 100]])
    test = permutation_test(sums, np.array([True, True, False, False]))
    assert test["observed"] == pytest.approx(0.075)
    assert (test["n_as_extreme"], test["n_assignments"], test["method"]) == (2, 6, "exact")


def test_many_communes_switch_to_monte_carlo_with_a_fixed_seed():
    # 10 project communes gaining 10 points, 10 comparison communes gaining 0: C(20,10) = 184,756
    # assignments, more than MAX_EXACT. A set with j project communes has DiD = 2j − 10 points;
    # only j = 10 and j = 0 reach ±10: exactly 2 of 184,756.
    areas = [hundred(f"T{i}", "intervention", 10) for i in range(10)]
    areas += [hundred(f"C{i}", "comparison", 0) for i in range(10)]
    project = project_from(areas)
    assert math.comb(20, 10) > MAX_EXACT
    first = evaluate_coverage(project, n_permutations=2000, n_bootstrap=100, seed=7)
    again = evaluate_coverage(project, n_permutations=2000, n_bootstrap=100, seed=7)
    assert first.p_method == "monte_carlo"
    assert first.n_draws == 2000 and first.n_assignments == 184_756
    assert first.p_value == (1 + first.n_as_extreme) / 2001
    assert (first.p_value, first.interval) == (again.p_value, again.interval)
    assert first.smallest_p_value is None
    exact = evaluate_coverage(project, n_bootstrap=10, max_exact=200_000)
    assert exact.p_method == "exact"
    assert exact.n_as_extreme == 2
    assert exact.p_value == pytest.approx(2 / 184_756)


# --- bootstrap ---------------------------------------------------------------------------


def test_bootstrap_interval_by_hand():
    # Project gains 10 and 8 (100 people each); comparison gains 1 and 1. Resampling two project
    # communes gives a mean gain of 10 (1/4), 9 (1/2) or 8 (1/4); the comparison is always 1.
    # So the DiD is 9, 8 or 7 points, with 7 and 9 a quarter of the draws each: the central 95%
    # runs from exactly 7 to exactly 9.
    project = project_from([hundred("A", "intervention", 10), hundred("B", "intervention", 8),
                            hundred("C", "comparison", 1), hundred("D", "comparison", 1)])
    result = evaluate_coverage(project, n_bootstrap=4000)
    low, high = result.interval
    assert low == pytest.approx(0.07, abs=1e-12)
    assert high == pytest.approx(0.09, abs=1e-12)


def test_bootstrap_interval_is_a_point_when_every_commune_moved_alike():
    treated = np.array([[50, 100, 55, 100], [100, 200, 110, 200], [10, 20, 11, 20]])
    control = np.array([[50, 100, 51, 100], [100, 200, 102, 200]])
    low, high = bootstrap_interval(treated, control, n_bootstrap=500)
    assert low == pytest.approx(0.04, abs=1e-12) and high == pytest.approx(0.04, abs=1e-12)


# --- designs that cannot support a claim ------------------------------------------------------


def test_no_coverage_table():
    result = evaluate_coverage(Project(meta={"id": "x"}))
    assert not result.feasible and result.reason == "no_coverage"
    assert result.p_value is None and result.did is None
    assert describe(result, "en") == REASONS["no_coverage"]["en"]


def test_one_date_only_says_so_without_a_number():
    project = project_from([("A", "intervention", 100, None, 90), ("B", "comparison", 100, None, 80)])
    result = evaluate_coverage(project)
    assert (result.feasible, result.reason) == (False, "one_date")
    assert result.change_intervention is None and result.p_value is None
    text = describe(result, "en")
    assert "one date only (1 Jan 2024)" in text
    assert "01/01/2024" in describe(result, "vi")
    assert "of 100" not in text and "%" not in text


def test_no_comparison_areas_gives_the_change_but_no_claim():
    project = project_from([hundred("A", "intervention", 5), hundred("B", "intervention", 7)])
    result = evaluate_coverage(project)
    assert (result.feasible, result.reason) == (False, "no_comparison")
    assert result.change_intervention == pytest.approx(0.06)
    assert result.did is None and result.p_value is None and result.interval is None
    text = describe(result, "en")
    assert text.startswith("Coverage rose 6.0 percentage points in the project communes (2 communes,")
    assert "There are no comparison communes" in text
    assert "of 100" not in text
    assert "tăng 6,0 điểm phần trăm" in describe(result, "vi")


def test_two_communes_are_too_few():
    project = project_from([hundred("A", "intervention", 5), hundred("B", "comparison", 1)])
    result = evaluate_coverage(project)
    assert (result.feasible, result.reason) == (False, "too_few_areas")
    assert result.p_value is None and result.interval is None
    text = describe(result, "en")
    assert "Only 1 project and 1 comparison commune(s)" in text
    assert "no test is done" in text
    assert "difference of" not in text and "of 100" not in text


def test_one_project_commune_against_many_is_too_few():
    areas = [hundred("A", "intervention", 5)] + [hundred(f"C{i}", "comparison", 1) for i in range(5)]
    assert evaluate_coverage(project_from(areas)).reason == "too_few_areas"


def test_comparison_measured_once():
    project = project_from([hundred("A", "intervention", 5), hundred("B", "intervention", 4),
                            ("C", "comparison", 100, None, 60), ("D", "comparison", 100, None, 60)])
    result = evaluate_coverage(project)
    assert result.reason == "comparison_not_measured"
    assert result.did is None and coverage_did(project) is None
    assert result.dropped == ["C", "D"]
    text = describe(result, "en")
    assert "No comparison commune was measured at both dates of the project communes (1 Jan 2023 and 1 Jan 2024)" in text


def test_comparison_measured_at_other_dates_is_not_compared():
    # Both groups are compared over the project communes' dates; comparison communes measured
    # on 1 June 2023 instead of 1 January 2023 have no value at the first date.
    treated = project_from([hundred("A", "intervention", 5), hundred("B", "intervention", 4)])
    control = project_from([hundred("C", "comparison", 1), hundred("D", "comparison", 1)],
                           dates=("2023-06-01", "2024-01-01"))
    project = Project(meta={"id": "x"}, coverage=pd.concat([treated.coverage, control.coverage], ignore_index=True))
    result = evaluate_coverage(project)
    assert result.reason == "comparison_not_measured"
    assert result.did is None and coverage_did(project) is None
    assert result.change_intervention == coverage_change(project) == pytest.approx(0.045)
    text = describe(result, "en")
    assert "difference of" not in text and "of 100" not in text


def test_too_few_areas_keeps_the_measure_but_makes_no_claim():
    project = project_from([hundred("A", "intervention", 5), hundred("B", "intervention", 4),
                            hundred("C", "comparison", 1)])
    result = evaluate_coverage(project)
    assert result.reason == "too_few_areas"
    assert result.did == coverage_did(project) == pytest.approx(0.035)
    assert "difference of" not in describe(result, "en")


def test_a_commune_measured_once_is_dropped_and_named():
    project = project_from([hundred("A", "intervention", 5), hundred("B", "intervention", 4),
                            ("E", "intervention", 100, None, 99),
                            hundred("C", "comparison", 1), hundred("D", "comparison", 1)])
    result = evaluate_coverage(project)
    assert result.dropped == ["E"]
    assert result.n_intervention == 2
    assert result.change_intervention == coverage_change(project) == pytest.approx(0.045)


# --- per area -----------------------------------------------------------------------------


def test_coverage_by_area_by_hand():
    project = project_from([("A", "intervention", 200, 150, 180), ("E", "intervention", 100, None, 99),
                            ("C", "comparison", 400, 300, 304)])
    areas = coverage_by_area(project)
    assert list(areas["commune"]) == ["A", "E", "C"]
    assert list(areas["group"]) == ["intervention", "intervention", "comparison"]
    a = areas.iloc[0]
    assert (a["population_first"], a["insured_first"], a["insured_last"]) == (200, 150, 180)
    assert a["coverage_first"] == 0.75 and a["coverage_last"] == 0.9
    assert a["change"] == pytest.approx(0.15)
    assert pd.isna(areas.iloc[1]["coverage_first"]) and pd.isna(areas.iloc[1]["change"])
    assert areas.iloc[1]["coverage_last"] == 0.99
    assert areas.iloc[2]["change"] == pytest.approx(0.01)
    assert str(areas.iloc[0]["first_as_of"].date()) == BEFORE


def test_coverage_by_area_without_coverage_is_empty():
    assert coverage_by_area(Project(meta={"id": "x"})).empty


# --- words ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worded() -> CoverageEvaluation:
    # Project communes: 1,000 people each, 800 → 867 insured: +6.7 points.
    # Comparison: 800 → 813: +1.3 points. DiD +5.4. All project communes alike and all
    # comparison communes alike: of the 6 assignments, {T1,T2} gives +5.4, {C1,C2} −5.4 and the
    # 4 mixed ones 0: p = 2/6, "about 33 of 100".
    return evaluate_coverage(project_from([
        ("T1", "intervention", 1000, 800, 867), ("T2", "intervention", 1000, 800, 867),
        ("C1", "comparison", 1000, 800, 813), ("C2", "comparison", 1000, 800, 813)]))


def test_describe_in_english(worded):
    text = describe(worded, "en")
    assert text.startswith("Coverage rose 6.7 percentage points in the project communes (2 communes, "
                           "1 Jan 2023 to 1 Jan 2024) and rose 1.3 points in the comparison communes "
                           "(2 communes), a difference of +5.4 points.")
    assert "would arise by chance in about 33 of 100 random assignments" in text
    assert "counted exactly over all 6 assignments" in text
    assert "between +5.4 and +5.4 points in 95 of 100 samples" in text
    assert "cannot give strong evidence" in text  # 2 of 6 is the best this design can do
    assert str(worded) == text


def test_describe_in_vietnamese_uses_decimal_commas(worded):
    text = describe(worded, "vi")
    assert text.startswith("Tỷ lệ bao phủ BHYT ở các xã dự án tăng 6,7 điểm phần trăm (2 xã, từ 01/01/2023 "
                           "đến 01/01/2024) và tăng 1,3 điểm phần trăm ở các xã đối chứng (2 xã); chênh lệch "
                           "là +5,4 điểm phần trăm.")
    assert "khoảng 33 trên 100 lần" in text
    assert "đếm chính xác trên toàn bộ 6 cách gán" in text
    assert "không thể cho bằng chứng mạnh" in text


def test_describe_falls_and_large_counts():
    # Coverage fell 2 points in the project communes and rose 1 elsewhere; 3 + 3 communes.
    areas = [("T%d" % i, "intervention", 1000, 800, 780) for i in range(3)]
    areas += [("C%d" % i, "comparison", 1000, 800, 810) for i in range(3)]
    result = evaluate_coverage(project_from(areas))
    text = describe(result, "en")
    assert "Coverage fell 2.0 percentage points" in text
    assert "a difference of −3.0 points" in text
    assert "about 10 of 100" in text
    assert "giảm 2,0 điểm phần trăm" in describe(result, "vi")


def test_describe_monte_carlo_states_it():
    areas = [hundred(f"T{i}", "intervention", 10 + i % 3) for i in range(10)]
    areas += [hundred(f"C{i}", "comparison", i % 2) for i in range(10)]
    result = evaluate_coverage(project_from(areas), n_permutations=1000, n_bootstrap=100, seed=3)
    text = describe(result, "en")
    assert "estimated from 1,000 random assignments of the 184,756 possible, seed 3" in text
    assert "fewer than 1 in 100" in text
    assert "ước tính từ 1.000 lần gán ngẫu nhiên trong 184.756 cách gán có thể" in describe(result, "vi")


def test_describe_rejects_unknown_language(worded):
    with pytest.raises(ValueError, match="lang"):
        describe(worded, "fr")


def test_to_frame_lists_the_numbers(worded):
    frame = worded.to_frame().set_index("quantity")["value"]
    assert frame["p_method"] == "exact" and frame["n_assignments"] == 6


# --- charts ------------------------------------------------------------------------------------


def test_charts_return_figures_in_the_language(worded):
    from matplotlib.figure import Figure

    figure = plot_coverage_by_area(worded, "vi")
    assert isinstance(figure, Figure)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert "Xã dự án: cả nhóm (theo dân số)" in labels and "T1" in labels
    figure = plot_permutation(worded, "en")
    assert "at random" in figure.axes[0].get_title(loc="left")
    infeasible = evaluate_coverage(Project(meta={"id": "x"}))
    assert "no coverage table" in plot_permutation(infeasible, "en").axes[0].texts[0].get_text()


def test_to_frame_labels_in_the_language(worded):
    frame = worded.to_frame("vi").set_index("Mã")
    assert frame.loc["did", "Đại lượng"] == "Chênh lệch kép"
    assert frame.loc["n_as_extreme", "Giá trị"] == "2"
    assert frame.loc["did", "Giá trị"] == "+5,40\u00a0điểm phần trăm"
    assert frame.loc["p_value", "Giá trị"] == "0,3333"
    assert frame.loc["p_method", "Giá trị"] == "chính xác (đếm mọi cách gán)"
    assert worded.to_frame().set_index("quantity").loc["did", "value"] == pytest.approx(0.054)


def test_groups_default_to_project_yml_communes():
    """A coverage table without a group column: project.yml communes are the project areas."""
    project = project_from([hundred("A", "intervention", 10), hundred("B", "intervention", 8),
                            hundred("C", "comparison", 1), hundred("D", "comparison", 2)])
    coverage = project.coverage.drop(columns="group")
    bare = Project(meta={"id": "x", "communes": ["A", "B"]}, coverage=coverage)
    result = evaluate_coverage(bare)
    assert (result.n_intervention, result.n_comparison) == (2, 2)
    assert result.did == pytest.approx(0.075, abs=1e-15) and result.p_value == pytest.approx(1 / 3)
