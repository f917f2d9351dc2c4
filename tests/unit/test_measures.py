"""Each measure of the contract on tiny hand-made frames, results worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import load_project
from helpers import measures as m
from helpers.measures import MEASURES, compute
from helpers.project import Project

META = {"id": "proj", "communes": ["Thung Nai", "Bình Thanh"],
        "period": {"start": pd.Timestamp("2021-01-01").date(), "end": pd.Timestamp("2021-12-31").date()}}


def project(**tables) -> Project:
    meta = {**META, **tables.pop("meta", {})}
    return Project(meta=meta, **tables)


def events_frame(participants: list[int]) -> pd.DataFrame:
    n = len(participants)
    return pd.DataFrame({
        "_row": range(2, n + 2),
        "event_id": [f"E{i}" for i in range(n)],
        "date": pd.to_datetime(["2021-03-15"] * n),
        "commune": ["Thung Nai"] * n,
        "activity": ["meeting"] * n,
        "participants": pd.array(participants, dtype="Int64"),
    })


def services_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows of (person_id, service, sex, ethnicity, household)."""
    frame = pd.DataFrame(rows, columns=["person_id", "service", "sex", "ethnicity", "household"])
    frame.insert(0, "_row", range(2, len(rows) + 2))
    frame["date"] = pd.Timestamp("2021-03-15")
    frame["commune"] = "Thung Nai"
    return frame


def coverage_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows with as_of (text), commune, group and numbers; missing values are NA."""
    frame = pd.DataFrame(rows)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    for column in ("population", "insured", "cards_issued", "plan", "expiring"):
        if column in frame:
            frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    if "cards_issued" not in frame:
        frame["cards_issued"] = frame["insured"]  # as the loader does
    frame.insert(0, "_row", range(2, len(rows) + 2))
    return frame


# --- events ---------------------------------------------------------------------------------------


def test_events_held_and_people_reached():
    p = project(events=events_frame([10, 0, 25]))
    assert m.events_held(p) == 3
    assert m.people_reached(p) == 35  # 10 + 0 + 25


# --- people in services -------------------------------------------------------------------------------

# P1: 2 rows (counselling, health_check), female, Kinh, near-poor
# P2: 1 row legal_aid, male, Mường, poor
# P3: 1 row health_check, sex unknown, Thái, household unknown
# P4: 2 rows enrollment (sex blank) + renewal (female), ethnicity unknown, near_poor
# P5: 1 row renewal, male, "kinh" in lower case, other
SERVICES = [
    ("P1", "counselling", "female", "Kinh", "near_poor"),
    ("P1", "health_check", "female", "Kinh", "near_poor"),
    ("P2", "legal_aid", "male", "Mường", "poor"),
    ("P3", "health_check", None, "Thái", None),
    ("P4", "enrollment", None, None, "near_poor"),
    ("P4", "renewal", "female", None, "near_poor"),
    ("P5", "renewal", "male", "kinh", "other"),
]


@pytest.fixture
def served() -> Project:
    return project(services=services_frame(SERVICES))


def test_people_are_distinct_persons_not_rows(served):
    assert len(served.services) == 7
    assert m.people_served(served) == 5  # P1..P5


def test_people_by_service_group(served):
    assert m.people_counselled(served) == 2  # P1 (counselling), P2 (legal_aid)
    assert m.people_examined(served) == 2  # P1, P3
    assert m.people_enrolled(served) == 2  # P4 (enrollment and renewal, once), P5


def test_person_on_several_rows_counted_once():
    p = project(services=services_frame([("P1", "counselling", None, None, None)] * 4))
    assert m.people_served(p) == 1
    assert m.people_counselled(p) == 1
    assert m.people_examined(p) == 0


def test_female_share_is_per_person_with_unknown_sex_excluded(served):
    # known sex: P1 F, P2 M, P4 F (known on one of its rows), P5 M; P3 unknown → 2 / 4
    assert m.female_share_served(served) == pytest.approx(2 / 4)
    # examined: P1 F, P3 unknown → 1 / 1
    assert m.female_share_examined(served) == pytest.approx(1.0)
    # counselled: P1 F, P2 M → 1 / 2
    assert m.female_share_counselled(served) == pytest.approx(1 / 2)
    # enrolled: P4 F, P5 M → 1 / 2
    assert m.female_share_enrolled(served) == pytest.approx(1 / 2)


def test_female_share_counts_a_person_once_not_each_row():
    rows = [("P1", "counselling", "female", None, None)] * 3 + [("P2", "counselling", "male", None, None)]
    p = project(services=services_frame(rows))
    assert m.female_share_served(p) == pytest.approx(1 / 2)  # per row it would be 3 / 4


def test_minority_share_is_any_ethnicity_but_kinh_case_insensitive(served):
    # known ethnicity: P1 Kinh, P2 Mường, P3 Thái, P5 kinh; P4 unknown → minorities P2, P3 → 2 / 4
    assert m.minority_share_served(served) == pytest.approx(2 / 4)
    assert m.minority_share_examined(served) == pytest.approx(1 / 2)  # P1 Kinh, P3 Thái
    assert m.minority_share_enrolled(served) == pytest.approx(0.0)  # P5 kinh; P4 unknown


def test_near_poor_share(served):
    # known household: P1 near_poor, P2 poor, P4 near_poor, P5 other → 2 / 4
    assert m.near_poor_share_served(served) == pytest.approx(2 / 4)
    assert m.near_poor_share_counselled(served) == pytest.approx(1 / 2)


def test_share_with_nobody_of_known_sex_is_absent():
    p = project(services=services_frame([("P1", "counselling", None, None, None)]))
    assert m.female_share_served(p) is None
    assert "female_share_served" not in compute(p)


def test_share_of_an_empty_group_is_absent():
    rows = [("P1", "counselling", "female", "Kinh", "poor")]
    p = project(services=services_frame(rows))
    assert m.people_examined(p) == 0
    assert m.female_share_examined(p) is None


# --- coverage -----------------------------------------------------------------------------------------


def two_dates() -> list[dict]:
    return [
        {"as_of": "2020-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1000, "insured": 800},
        {"as_of": "2020-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 2000, "insured": 1500},
        {"as_of": "2020-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 100},
        {"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1000, "insured": 900},
        {"as_of": "2021-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 2000, "insured": 1700},
        {"as_of": "2021-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 500},
    ]


def test_coverage_rate_at_latest_date_over_intervention_areas():
    p = project(coverage=coverage_frame(two_dates()))
    # 2021-12-31, Thung Nai + Bình Thanh: (900 + 1700) / (1000 + 2000); Xóm Khác excluded
    assert m.coverage_rate(p) == pytest.approx(2600 / 3000)


def test_coverage_rate_is_not_an_average_of_rates():
    rows = [
        {"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 100, "insured": 100},
        {"as_of": "2021-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 900, "insured": 0},
    ]
    assert m.coverage_rate(project(coverage=coverage_frame(rows))) == pytest.approx(0.1)  # not (1 + 0) / 2


def test_coverage_change_and_did():
    p = project(coverage=coverage_frame(two_dates()))
    # intervention: 2600/3000 − 2300/3000 = 0.1; comparison: 500/1000 − 100/1000 = 0.4
    assert m.coverage_change(p) == pytest.approx(0.1)
    assert m.coverage_did(p) == pytest.approx(0.1 - 0.4)


def test_coverage_change_over_areas_present_at_both_dates_only():
    rows = two_dates() + [
        {"as_of": "2021-12-31", "commune": "Hải Hòa", "group": "intervention", "population": 1000, "insured": 0},
    ]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_rate(p) == pytest.approx(2600 / 4000)  # the new area counts for the rate
    assert m.coverage_change(p) == pytest.approx(0.1)  # but not for the change


def test_coverage_change_needs_two_dates():
    rows = [r for r in two_dates() if r["as_of"] == "2021-12-31"]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_change(p) is None
    assert m.coverage_did(p) is None


def test_coverage_did_needs_comparison_at_both_dates():
    rows = [r for r in two_dates() if not (r["group"] == "comparison" and r["as_of"] == "2020-12-31")]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_change(p) == pytest.approx(0.1)
    assert m.coverage_did(p) is None
    assert "coverage_did" not in compute(p)


def test_coverage_did_compares_the_same_two_dates():
    # Comparison areas measured at 2019-12-31 and 2021-12-31, intervention areas at
    # 2020-12-31 and 2021-12-31: the comparison has no figure at the intervention's
    # first date, so there is no difference in differences over one period.
    rows = [r for r in two_dates() if r["group"] == "intervention"] + [
        {"as_of": "2019-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 100},
        {"as_of": "2021-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 500},
    ]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_change(p) == pytest.approx(0.1)
    assert m.coverage_did(p) is None


def test_coverage_did_needs_comparison_areas():
    rows = [r for r in two_dates() if r["group"] == "intervention"]
    assert m.coverage_did(project(coverage=coverage_frame(rows))) is None


def gap_rows() -> list[dict]:
    latest = "2021-12-31"
    return [
        # ceil(0.95 × 4000) = 3800 → 3800 − 3700 = 100
        {"as_of": latest, "commune": "Thung Nai", "group": "intervention", "population": 4000, "insured": 3700,
         "target_rate": 0.95, "expiring": 30},
        # ceil(0.9 × 1000) = 900 < 950 insured → max(0, −50) = 0
        {"as_of": latest, "commune": "Bình Thanh", "group": "intervention", "population": 1000, "insured": 950,
         "target_rate": 0.9, "expiring": 20},
        # no target: skipped for the gap
        {"as_of": latest, "commune": "Hải Hòa", "group": "intervention", "population": 1000, "insured": 0,
         "target_rate": None, "expiring": None},
        # comparison: excluded
        {"as_of": latest, "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 0,
         "target_rate": 0.95, "expiring": 100},
        # an earlier date: excluded
        {"as_of": "2020-12-31", "commune": "Thung Nai", "group": "intervention", "population": 4000, "insured": 0,
         "target_rate": 0.95, "expiring": 999},
    ]


def test_coverage_gap():
    assert m.coverage_gap(project(coverage=coverage_frame(gap_rows()))) == 100 + 0


def test_coverage_gap_ceiling_is_exact():
    rows = [
        # 95 % of 4,000 is 3,800 (not 3,801): gap 0
        {"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 4000, "insured": 3800,
         "target_rate": 0.95},
        # 7 % of 100 is 7 (0.07 × 100 = 7.000000000000001 in floating point): gap 7
        {"as_of": "2021-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 100, "insured": 0,
         "target_rate": 0.07},
        # 95.6 % of 1,001 = 956.956 → 957 people: gap 957 − 900 = 57
        {"as_of": "2021-12-31", "commune": "Hải Hòa", "group": "intervention", "population": 1001, "insured": 900,
         "target_rate": 0.956},
    ]
    assert m.coverage_gap(project(coverage=coverage_frame(rows))) == 0 + 7 + 57


def test_exact_target():
    assert m.exact_target(0.95, 4000) == 3800
    assert m.exact_target(0.07, 100) == 7
    assert m.exact_target(0.956, 1001) == 957


def test_coverage_gap_absent_without_targets():
    rows = [{**r, "target_rate": None} for r in gap_rows()]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_gap(p) is None


def test_renewals_due():
    assert m.renewals_due(project(coverage=coverage_frame(gap_rows()))) == 30 + 20


def test_renewals_due_absent_without_expiring():
    rows = [{k: v for k, v in r.items() if k != "expiring"} for r in gap_rows()]
    assert m.renewals_due(project(coverage=coverage_frame(rows))) is None


def test_people_to_mobilise():
    assert m.people_to_mobilise(project(coverage=coverage_frame(gap_rows()))) == (100 + 0) + (30 + 20)


def test_people_to_mobilise_hai_hau():
    # 8,948 new (ceil(0.9 × 10,000) − 52) + 2,904 renewals = 11,852
    rows = [{"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 10000,
             "insured": 52, "target_rate": 0.9, "expiring": 2904}]
    p = project(coverage=coverage_frame(rows))
    assert m.coverage_gap(p) == 8948
    assert m.people_to_mobilise(p) == 11852


def test_plan_achievement_over_areas_with_a_plan():
    rows = [
        {"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1200, "insured": 1000,
         "cards_issued": 950, "plan": 1000},
        {"as_of": "2021-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 6000, "insured": 5000,
         "cards_issued": 5000, "plan": None},  # no plan: left out
        {"as_of": "2021-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 10,
         "cards_issued": 10, "plan": 1000},  # comparison: left out
        {"as_of": "2020-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1200, "insured": 1,
         "cards_issued": 1, "plan": 1000},  # earlier: left out
    ]
    assert m.plan_achievement(project(coverage=coverage_frame(rows))) == pytest.approx(950 / 1000)


def test_plan_achievement_absent_without_plan():
    assert m.plan_achievement(project(coverage=coverage_frame(two_dates()))) is None


def test_plan_achievement_cards_issued_defaults_to_insured(tmp_path, make_package):
    text = ("as_of,commune,population,insured,cards_issued,plan\n"
            "31/12/2021,Thung Nai,1000,900,,1000\n"  # no cards_issued: 900 insured
            "31/12/2021,Bình Thanh,600,400,450,500\n")
    p = load_project(make_package(tmp_path, {"coverage.csv": text}))
    assert m.plan_achievement(p) == pytest.approx((900 + 450) / (1000 + 500))


def test_plan_achievement_without_cards_issued_column(tmp_path, make_package):
    text = "as_of,commune,population,insured,plan\n31/12/2021,Thung Nai,1000,900,1000\n31/12/2021,Bình Thanh,600,400,500\n"
    p = load_project(make_package(tmp_path, {"coverage.csv": text}))
    assert m.plan_achievement(p) == pytest.approx((900 + 400) / (1000 + 500))


def test_plan_achievement_on_a_hand_built_project_without_cards_issued():
    # cards_issued is optional in the contract and defaults to insured.
    rows = [{"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1000,
             "insured": 900, "plan": 1000}]
    frame = coverage_frame(rows).drop(columns="cards_issued")
    assert m.plan_achievement(project(coverage=frame)) == pytest.approx(0.9)


def test_revenue_achievement():
    rows = [
        {"as_of": "2021-12-31", "commune": "Thung Nai", "group": "intervention", "population": 1000, "insured": 900,
         "revenue": 1_500_000.0, "revenue_plan": 2_000_000.0},
        {"as_of": "2021-12-31", "commune": "Bình Thanh", "group": "intervention", "population": 1000, "insured": 900,
         "revenue": 9_000_000.0, "revenue_plan": None},  # no plan: left out
        {"as_of": "2021-12-31", "commune": "Xóm Khác", "group": "comparison", "population": 1000, "insured": 900,
         "revenue": 0.0, "revenue_plan": 5_000_000.0},  # comparison: left out
    ]
    assert m.revenue_achievement(project(coverage=coverage_frame(rows))) == pytest.approx(0.75)


def test_groups_default_from_project_yml_communes(tmp_path, make_package):
    text = ("as_of,commune,population,insured\n"
            "31/12/2021,xã Thung Nai,1000,900\n"
            "31/12/2021,Xóm Khác,1000,100\n")
    p = load_project(make_package(tmp_path, {"coverage.csv": text}))
    assert p.coverage["group"].tolist() == ["intervention", "comparison"]
    assert m.coverage_rate(p) == pytest.approx(0.9)


def test_explicit_group_overrides_the_default(tmp_path, make_package):
    text = ("as_of,commune,population,insured,group\n"
            "31/12/2021,Thung Nai,1000,900,\n"
            "31/12/2021,Bình Thanh,1000,100,comparison\n"
            "31/12/2021,Xóm Khác,1000,500,can thiệp\n")
    p = load_project(make_package(tmp_path, {"coverage.csv": text}))
    assert p.coverage["group"].tolist() == ["intervention", "comparison", "intervention"]
    assert m.coverage_rate(p) == pytest.approx((900 + 500) / 2000)


# --- money -----------------------------------------------------------------------------------------------


def test_budget_execution():
    budget = pd.DataFrame({"_row": [2, 3], "line": ["Training", "Printing"],
                           "planned": [10_000_000.0, 5_000_000.0], "disbursed": [8_000_000.0, 6_000_000.0]})
    assert m.budget_execution(project(budget=budget)) == pytest.approx(14 / 15)


def test_cost_per_person():
    p = project(meta={"budget": 1_700_000_000.0}, events=events_frame([600, 400]),
                services=services_frame(SERVICES))
    assert m.cost_per_person_reached(p) == pytest.approx(1_700_000_000 / 1000)
    assert m.cost_per_person_served(p) == pytest.approx(1_700_000_000 / 5)


def test_cost_per_person_absent_without_budget():
    p = project(events=events_frame([600, 400]), services=services_frame(SERVICES))
    assert m.cost_per_person_reached(p) is None
    assert m.cost_per_person_served(p) is None


# --- absent, not zero -----------------------------------------------------------------------------------


def test_no_tables_no_measures():
    assert compute(project()) == {}


def test_measures_of_missing_tables_are_absent():
    values = compute(project(events=events_frame([10])))
    assert values["events_held"] == 1 and values["people_reached"] == 10
    for name in ("people_served", "people_counselled", "coverage_rate", "coverage_gap", "renewals_due",
                 "budget_execution", "cost_per_person_reached", "coverage_change"):
        assert name not in values


def test_compute_returns_python_numbers_counts_as_int():
    values = compute(project(events=events_frame([10, 5]), services=services_frame(SERVICES),
                             coverage=coverage_frame(gap_rows())))
    for name in ("events_held", "people_reached", "people_served", "coverage_gap", "renewals_due"):
        assert type(values[name]) is int, name
    assert type(values["coverage_rate"]) is float


def test_measures_do_not_change_their_inputs():
    events, services, coverage = events_frame([10, 5]), services_frame(SERVICES), coverage_frame(gap_rows())
    copies = events.copy(), services.copy(), coverage.copy()
    compute(project(events=events, services=services, coverage=coverage))
    for frame, copy in zip((events, services, coverage), copies):
        pd.testing.assert_frame_equal(frame, copy)


SPEC_MEASURES = [
    "events_held", "people_reached", "people_served", "people_counselled", "people_examined", "people_enrolled",
    *[f"{a}_share_{g}" for a in ("female", "minority", "near_poor")
      for g in ("served", "counselled", "examined", "enrolled")],
    "coverage_rate", "coverage_gap", "renewals_due", "plan_achievement", "people_to_mobilise",
    "revenue_achievement", "budget_execution", "cost_per_person_reached", "cost_per_person_served",
    "coverage_change", "coverage_did",
]


@pytest.mark.parametrize("name", SPEC_MEASURES)
def test_every_measure_of_the_contract_is_registered(name):
    assert name in MEASURES
    assert getattr(m, name) is MEASURES[name].function
