"""Every measure of the data-package contract: one pure function each.

Each function takes a :class:`~helpers.project.Project` and returns a number,
or ``None`` when its inputs are missing (absent: not zero, not an error).
:data:`MEASURES` is the single place where each measure is named, labelled and
defined, in Vietnamese and English; the report, the CSV export, the docs and
the tests all read it.

>>> from helpers.project import Project
>>> import pandas as pd
>>> p = Project(meta={"id": "x"}, events=pd.DataFrame({"participants": [10, 5]}))
>>> events_held(p), people_reached(p)
(2, 15)
>>> compute(p)
{'events_held': 2, 'people_reached': 15}
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Callable

import numpy as np
import pandas as pd

from .project import Project

Number = float | int

COUNSELLING = ("counselling", "legal_aid")
EXAMINATION = ("health_check",)
ENROLMENT = ("enrollment", "renewal")
PERSON_GROUPS = {
    "served": None,  # any service
    "counselled": COUNSELLING,
    "examined": EXAMINATION,
    "enrolled": ENROLMENT,
}


@dataclass(frozen=True)
class Measure:
    """A measure: its name, kind, labels and definition in both languages."""

    name: str
    kind: str  # count | share | rate | money | change
    label: dict[str, str]
    definition: dict[str, str]
    function: Callable[[Project], Number | None]
    headline: bool = False

    def __call__(self, project: Project) -> Number | None:
        return self.function(project)


# --- people -----------------------------------------------------------------


def people(project: Project) -> pd.DataFrame | None:
    """One row per person in services.

    Columns: the first known ``sex``, ``ethnicity``, ``household`` and
    ``birth_year`` of each person (first by row order); ``female``,
    ``minority`` and ``near_poor`` as nullable booleans (NA where unknown);
    and one boolean column per group of services (``served``, ``counselled``,
    ``examined``, ``enrolled``). Computed once per project and cached:
    services can have millions of rows.
    """
    services = project.services
    if services is None:
        return None
    if "people" in project._cache:
        return project._cache["people"]
    codes, ids = pd.factorize(services["person_id"])
    n = len(ids)
    frame = pd.DataFrame(index=pd.Index(ids, name="person_id"))
    for column in ("sex", "ethnicity", "household", "birth_year"):
        if column in services:
            first = services[column].groupby(codes, sort=True).first()  # first non-missing per person
            frame[column] = first.reindex(range(n)).to_numpy()
    for flag, column, test in (("female", "sex", _is_female), ("minority", "ethnicity", _is_minority),
                               ("near_poor", "household", _is_near_poor)):
        if column in frame:
            value_codes, uniques = pd.factorize(frame[column])
            answers = np.array([bool(test(u)) for u in uniques] + [False])
            known = value_codes >= 0
            frame[flag] = pd.array(np.where(known, answers[value_codes], False), dtype="boolean")
            frame.loc[~known, flag] = pd.NA
    service_codes, kinds_present = pd.factorize(services["service"])
    for group, kinds in PERSON_GROUPS.items():
        wanted = [i for i, kind in enumerate(kinds_present) if kinds is None or kind in kinds]
        flag = np.zeros(n, bool)
        flag[codes[np.isin(service_codes, wanted)]] = True
        frame[group] = flag
    project._cache["people"] = frame
    return frame


def _count_people(project: Project, group: str) -> int | None:
    frame = people(project)
    if frame is None:
        return None
    return int(frame[group].sum())


def events_held(project: Project) -> int | None:
    """Number of rows in events."""
    return None if project.events is None else int(len(project.events))


def people_reached(project: Project) -> int | None:
    """Sum of events.participants."""
    return None if project.events is None else int(project.events["participants"].sum())


def communes_reached(project: Project) -> int | None:
    """Number of distinct communes where at least one event was held."""
    return None if project.events is None else int(project.events["commune"].nunique())


def people_served(project: Project) -> int | None:
    """Distinct person_id in services."""
    return _count_people(project, "served")


def people_counselled(project: Project) -> int | None:
    """Distinct person_id with service counselling or legal_aid."""
    return _count_people(project, "counselled")


def people_examined(project: Project) -> int | None:
    """Distinct person_id with service health_check."""
    return _count_people(project, "examined")


def people_enrolled(project: Project) -> int | None:
    """Distinct person_id with service enrollment or renewal."""
    return _count_people(project, "enrolled")


def _share(project: Project, group: str, flag: str) -> float | None:
    frame = people(project)
    if frame is None or flag not in frame:
        return None
    known = frame.loc[frame[group], flag].dropna()
    return None if known.empty else float(known.astype(bool).mean())


def _is_female(value) -> bool:
    return value == "female"


def _is_minority(value) -> bool:
    return str(value).casefold() != "kinh"


def _is_near_poor(value) -> bool:
    return value == "near_poor"


def _share_function(attribute: str, group: str) -> Callable[[Project], float | None]:
    column = {"female": "sex", "minority": "ethnicity", "near_poor": "household"}[attribute]

    def share(project: Project) -> float | None:
        return _share(project, group, attribute)

    share.__name__ = f"{attribute}_share_{group}"
    share.__doc__ = (f"Among people {group} with a known {column}, the share "
                     f"{attribute.replace('_', '-')} (per person, not per row).")
    return share


female_share_served = _share_function("female", "served")
female_share_counselled = _share_function("female", "counselled")
female_share_examined = _share_function("female", "examined")
female_share_enrolled = _share_function("female", "enrolled")
minority_share_served = _share_function("minority", "served")
minority_share_counselled = _share_function("minority", "counselled")
minority_share_examined = _share_function("minority", "examined")
minority_share_enrolled = _share_function("minority", "enrolled")
near_poor_share_served = _share_function("near_poor", "served")
near_poor_share_counselled = _share_function("near_poor", "counselled")
near_poor_share_examined = _share_function("near_poor", "examined")
near_poor_share_enrolled = _share_function("near_poor", "enrolled")


# --- coverage ---------------------------------------------------------------


def with_coverage_defaults(coverage: pd.DataFrame, communes: list[str]) -> pd.DataFrame:
    """The contract's defaults, filled in where a value is absent: ``group``
    (intervention for a commune of project.yml, else comparison) and
    ``cards_issued`` (= insured). Returns a new frame; the loader and the
    measures both use this one rule."""
    from .values import commune_key

    keys = {commune_key(c) for c in communes}
    default = pd.Series(["intervention" if commune_key(c) in keys else "comparison" for c in coverage["commune"]],
                        index=coverage.index, dtype="str")
    group = coverage["group"].fillna(default).astype("str") if "group" in coverage else default
    changes = {"group": group}
    if "insured" in coverage:
        changes["cards_issued"] = (coverage["cards_issued"].fillna(coverage["insured"]) if "cards_issued" in coverage
                                   else coverage["insured"])
    return coverage.assign(**changes)


def coverage_table(project: Project) -> pd.DataFrame | None:
    """project.coverage with :func:`with_coverage_defaults` applied where needed
    (the loader applies them already; a Project built by hand may not)."""
    coverage = project.coverage
    if coverage is None or ({"group", "cards_issued"} <= set(coverage) and coverage["group"].notna().all()):
        return coverage
    return with_coverage_defaults(coverage, project.communes)


def _areas(project: Project, group: str = "intervention", when: str = "latest") -> pd.DataFrame | None:
    coverage = coverage_table(project)
    if coverage is None:
        return None
    rows = coverage[coverage["group"] == group]
    if rows.empty:
        return None
    date = rows["as_of"].max() if when == "latest" else rows["as_of"].min()
    return rows[rows["as_of"] == date]


def _ratio(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _sum_if_present(frame: pd.DataFrame | None, column: str) -> Number | None:
    if frame is None or column not in frame or frame[column].isna().all():
        return None
    value = frame[column].sum()
    return int(value) if column not in ("revenue", "revenue_plan") else float(value)


def coverage_rate(project: Project) -> float | None:
    """At the latest as_of: sum(insured) / sum(population) over intervention areas."""
    areas = _areas(project)
    return None if areas is None else _ratio(areas["insured"].sum(), areas["population"].sum())


def exact_target(rate: float, population: int) -> int:
    """ceil(rate × population), exact in decimal: 95% of 4,000 is 3,800, never 3,801.

    >>> exact_target(0.95, 4000)
    3800
    >>> exact_target(0.956, 1001)
    957
    """
    product = Decimal(repr(float(rate))) * Decimal(int(population))
    return int(product.to_integral_value(rounding=ROUND_CEILING))


def coverage_gap(project: Project) -> int | None:
    """At the latest as_of, over intervention areas with a target:
    sum of max(0, ceil(target_rate × population) − insured)."""
    areas = _areas(project)
    if areas is None or "target_rate" not in areas:
        return None
    areas = areas[areas["target_rate"].notna()]
    if areas.empty:
        return None
    gaps = [
        max(0, exact_target(rate, population) - int(insured))
        for rate, population, insured in zip(areas["target_rate"], areas["population"], areas["insured"])
    ]
    return int(sum(gaps))


def renewals_due(project: Project) -> int | None:
    """At the latest as_of, over intervention areas: sum(expiring)."""
    return _sum_if_present(_areas(project), "expiring")


def plan_achievement(project: Project) -> float | None:
    """At the latest as_of: sum(cards_issued) / sum(plan), intervention areas with a plan."""
    areas = _areas(project)
    if areas is None or "plan" not in areas:
        return None
    areas = areas[areas["plan"].notna()]
    if areas.empty:
        return None
    return _ratio(areas["cards_issued"].sum(), areas["plan"].sum())


def people_to_mobilise(project: Project) -> int | None:
    """coverage_gap + renewals_due (Hải Hậu: 8,948 new + 2,904 renewals = 11,852)."""
    gap, due = coverage_gap(project), renewals_due(project)
    if gap is None and due is None:
        return None
    return int((gap or 0) + (due or 0))


def revenue_achievement(project: Project) -> float | None:
    """At the latest as_of, intervention areas with a revenue_plan: sum(revenue) / sum(revenue_plan)."""
    areas = _areas(project)
    if areas is None or "revenue_plan" not in areas:
        return None
    areas = areas[areas["revenue_plan"].notna()]
    if areas.empty or "revenue" not in areas:
        return None
    return _ratio(areas["revenue"].fillna(0).sum(), areas["revenue_plan"].sum())


def population_total(project: Project) -> int | None:
    """At the latest as_of: sum(population) over intervention areas."""
    return _sum_if_present(_areas(project), "population")


def insured_total(project: Project) -> int | None:
    """At the latest as_of: sum(insured) over intervention areas."""
    return _sum_if_present(_areas(project), "insured")


def cards_issued_total(project: Project) -> int | None:
    """At the latest as_of: sum(cards_issued) over intervention areas."""
    return _sum_if_present(_areas(project), "cards_issued")


def revenue_total(project: Project) -> float | None:
    """At the latest as_of: sum(revenue) over intervention areas."""
    return _sum_if_present(_areas(project), "revenue")


def _intervention_dates(project: Project) -> tuple | None:
    """The earliest and latest as_of of the intervention areas, if they differ."""
    coverage = coverage_table(project)
    if coverage is None:
        return None
    dates = coverage.loc[coverage["group"] == "intervention", "as_of"].dropna()
    return (dates.min(), dates.max()) if dates.nunique() >= 2 else None


def _coverage_change_of(project: Project, group: str) -> float | None:
    """Coverage change of ``group``'s areas between the intervention areas'
    earliest and latest dates (both groups are compared over the same dates)."""
    dates = _intervention_dates(project)
    if dates is None:
        return None
    coverage = coverage_table(project)
    rows = coverage[coverage["group"] == group]
    first, last = rows[rows["as_of"] == dates[0]], rows[rows["as_of"] == dates[1]]
    both = set(first["commune"]) & set(last["commune"])
    if not both:
        return None
    first, last = first[first["commune"].isin(both)], last[last["commune"].isin(both)]
    return last["insured"].sum() / last["population"].sum() - first["insured"].sum() / first["population"].sum()


def coverage_change(project: Project) -> float | None:
    """Over intervention areas present at both the earliest and the latest as_of:
    coverage at the latest minus coverage at the earliest (0.05 = 5 points)."""
    change = _coverage_change_of(project, "intervention")
    return None if change is None else float(change)


def coverage_did(project: Project) -> float | None:
    """Difference in differences: coverage_change of intervention areas minus the
    same change over comparison areas; needs both groups at both dates."""
    treated = _coverage_change_of(project, "intervention")
    control = _coverage_change_of(project, "comparison")
    if treated is None or control is None:
        return None
    return float(treated - control)


# --- money ------------------------------------------------------------------


def budget_planned_total(project: Project) -> float | None:
    """Sum of budget.planned."""
    return None if project.budget is None else float(project.budget["planned"].sum())


def budget_disbursed_total(project: Project) -> float | None:
    """Sum of budget.disbursed."""
    return None if project.budget is None else float(project.budget["disbursed"].sum())


def budget_execution(project: Project) -> float | None:
    """sum(budget.disbursed) / sum(budget.planned)."""
    if project.budget is None:
        return None
    return _ratio(project.budget["disbursed"].sum(), project.budget["planned"].sum())


def _budget(project: Project) -> float | None:
    value = project.meta.get("budget")
    return None if value is None else float(value)


def cost_per_person_reached(project: Project) -> float | None:
    """project.yml budget / people_reached."""
    budget, reached = _budget(project), people_reached(project)
    return None if budget is None or not reached else budget / reached


def cost_per_person_served(project: Project) -> float | None:
    """project.yml budget / people_served."""
    budget, served = _budget(project), people_served(project)
    return None if budget is None or not served else budget / served


# --- the registry ------------------------------------------------------------

_GROUP_WORDS = {
    "served": ("người được phục vụ", "people served"),
    "counselled": ("người được tư vấn", "people counselled"),
    "examined": ("người được khám", "people examined"),
    "enrolled": ("người tham gia/gia hạn BHYT", "people enrolled"),
}
_ATTRIBUTE_WORDS = {
    "female": ("Tỷ lệ nữ", "Share women", "giới tính", "sex", "nữ", "female"),
    "minority": ("Tỷ lệ người dân tộc thiểu số", "Share ethnic minority", "dân tộc", "ethnicity",
                 "là dân tộc thiểu số (không phải Kinh)", "of an ethnic minority (not Kinh)"),
    "near_poor": ("Tỷ lệ hộ cận nghèo", "Share near-poor households", "loại hộ", "household",
                  "thuộc hộ cận nghèo", "from a near-poor household"),
}


def _m(name, kind, vi, en, def_vi, def_en, headline=False) -> Measure:
    return Measure(name, kind, {"vi": vi, "en": en}, {"vi": def_vi, "en": def_en}, globals()[name], headline)


def _registry() -> dict[str, Measure]:
    items = [
        _m("events_held", "count", "Số hoạt động đã tổ chức", "Events held",
           "Số dòng trong bảng hoạt động (events).", "Number of rows in the events table.", True),
        _m("people_reached", "count", "Số lượt người được tiếp cận", "People reached",
           "Tổng số người tham dự các hoạt động (cột participants).", "Sum of event participants.", True),
        _m("communes_reached", "count", "Số xã có hoạt động", "Communes with events",
           "Số xã/phường khác nhau có ít nhất một hoạt động.", "Number of distinct communes with at least one event."),
        _m("people_served", "count", "Số người được phục vụ", "People served",
           "Số người khác nhau (person_id) nhận ít nhất một dịch vụ.", "Distinct people (person_id) who received any service.", True),
        _m("people_counselled", "count", "Số người được tư vấn, trợ giúp pháp lý", "People counselled",
           "Số người khác nhau được tư vấn hoặc trợ giúp pháp lý.", "Distinct people who received counselling or legal aid.", True),
        _m("people_examined", "count", "Số người được khám sức khỏe", "People examined",
           "Số người khác nhau được khám sức khỏe.", "Distinct people who received a health check.", True),
        _m("people_enrolled", "count", "Số người tham gia hoặc gia hạn BHYT", "People enrolled or renewed",
           "Số người khác nhau được hỗ trợ tham gia mới hoặc gia hạn thẻ BHYT.", "Distinct people helped to enrol in or renew health insurance.", True),
    ]
    for attribute, (vi, en, col_vi, col_en, yes_vi, yes_en) in _ATTRIBUTE_WORDS.items():
        for group, (group_vi, group_en) in _GROUP_WORDS.items():
            items.append(_m(
                f"{attribute}_share_{group}", "share", f"{vi} ({group_vi})", f"{en} ({group_en})",
                f"Trong số {group_vi} có thông tin {col_vi}, tỷ lệ người {yes_vi} (tính theo người, không theo lượt).",
                f"Among {group_en} whose {col_en} is known, the share {yes_en} (per person, not per row).",
            ))
    items += [
        _m("coverage_rate", "rate", "Tỷ lệ bao phủ BHYT", "Health-insurance coverage",
           "Tại ngày số liệu mới nhất: tổng số người có thẻ BHYT chia tổng dân số, trên các địa bàn can thiệp.",
           "At the latest date: insured people divided by population, over intervention areas.", True),
        _m("coverage_gap", "count", "Số người cần tham gia mới để đạt chỉ tiêu", "People to enrol to reach the target",
           "Tại ngày mới nhất, trên các địa bàn can thiệp có chỉ tiêu: tổng của max(0, ⌈chỉ tiêu × dân số⌉ − số người có thẻ).",
           "At the latest date, over intervention areas with a target: sum of max(0, ⌈target × population⌉ − insured)."),
        _m("renewals_due", "count", "Số thẻ hết hạn cần gia hạn", "Cards due for renewal",
           "Tại ngày mới nhất: tổng số thẻ hết hạn trước cuối năm trên các địa bàn can thiệp.",
           "At the latest date: cards expiring before year end, over intervention areas."),
        _m("people_to_mobilise", "count", "Số người cần vận động", "People still to mobilise",
           "Số người cần tham gia mới cộng số thẻ cần gia hạn.", "People to enrol to reach the target plus cards due for renewal.", True),
        _m("plan_achievement", "rate", "Tỷ lệ hoàn thành kế hoạch phát triển", "Enrolment plan achieved",
           "Tại ngày mới nhất: số thẻ do cơ quan cấp chia số người theo kế hoạch, trên các địa bàn có kế hoạch.",
           "At the latest date: cards issued divided by the planned number, over areas with a plan."),
        _m("revenue_achievement", "rate", "Tỷ lệ hoàn thành kế hoạch thu", "Revenue plan achieved",
           "Tại ngày mới nhất: số thu chia kế hoạch thu, trên các địa bàn có kế hoạch thu.",
           "At the latest date: contributions collected divided by the revenue plan, over areas with one."),
        _m("population_total", "count", "Dân số địa bàn can thiệp", "Population of intervention areas",
           "Tại ngày mới nhất: tổng dân số các địa bàn can thiệp.", "At the latest date: population of the intervention areas."),
        _m("insured_total", "count", "Số người có thẻ BHYT", "Insured people",
           "Tại ngày mới nhất: tổng số người có thẻ BHYT ở các địa bàn can thiệp.", "At the latest date: insured residents of the intervention areas."),
        _m("cards_issued_total", "count", "Số người tham gia BHYT (theo số thẻ cấp)", "Participants (cards issued)",
           "Tại ngày mới nhất: tổng số thẻ do cơ quan cấp ở các địa bàn can thiệp.", "At the latest date: cards issued by this office in the intervention areas."),
        _m("revenue_total", "money", "Số thu BHYT", "Contributions collected",
           "Tại ngày mới nhất: tổng số thu ở các địa bàn can thiệp.", "At the latest date: contributions collected in the intervention areas."),
        _m("coverage_change", "change", "Thay đổi tỷ lệ bao phủ", "Change in coverage",
           "Tỷ lệ bao phủ tại ngày mới nhất trừ tỷ lệ tại ngày đầu tiên, trên các địa bàn can thiệp có số liệu ở cả hai ngày.",
           "Coverage at the latest date minus coverage at the earliest, over intervention areas present at both.", True),
        _m("coverage_did", "change", "Chênh lệch kép (can thiệp so với đối chứng)", "Difference in differences (intervention vs comparison)",
           "Thay đổi tỷ lệ bao phủ ở địa bàn can thiệp trừ thay đổi ở địa bàn đối chứng.",
           "Change in coverage of intervention areas minus the same change in comparison areas."),
        _m("budget_planned_total", "money", "Tổng dự toán", "Budget planned",
           "Tổng cột dự toán của bảng ngân sách.", "Sum of planned amounts in the budget table."),
        _m("budget_disbursed_total", "money", "Tổng giải ngân", "Budget disbursed",
           "Tổng cột giải ngân của bảng ngân sách.", "Sum of disbursed amounts in the budget table."),
        _m("budget_execution", "rate", "Tỷ lệ giải ngân", "Budget execution",
           "Tổng giải ngân chia tổng dự toán.", "Total disbursed divided by total planned.", True),
        _m("cost_per_person_reached", "money", "Chi phí trên mỗi người được tiếp cận", "Cost per person reached",
           "Tổng kinh phí dự án (project.yml) chia số người được tiếp cận.", "Project budget (project.yml) divided by people reached."),
        _m("cost_per_person_served", "money", "Chi phí trên mỗi người được phục vụ", "Cost per person served",
           "Tổng kinh phí dự án (project.yml) chia số người được phục vụ.", "Project budget (project.yml) divided by people served."),
    ]
    return {m.name: m for m in items}


MEASURES: dict[str, Measure] = _registry()


def compute(project: Project) -> dict[str, Number]:
    """Every measure whose inputs exist, in the registry's order.

    Returns ``{name: value}``; counts are ``int``, the rest ``float``.
    """
    values: dict[str, Number] = {}
    for name, measure in MEASURES.items():
        value = measure(project)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            values[name] = value
    return values


def as_frame(values: dict[str, Number]) -> pd.DataFrame:
    """``measure, value`` rows, for CSV export."""
    return pd.DataFrame({"measure": list(values), "value": list(values.values())})
