"""End to end: the five sample packages reproduce every figure their articles published.

Every expected value in this file is typed from the articles themselves (the shared
sources 000-004, summarised in docs/samples.md), never copied from the generator or
from its output: if a package or the generator drifts, these tests say so.

Counts must equal exactly; shares and rates must equal the published figure when
rounded to the precision it was published with ("over 65%" and "over 99%" must also
be strictly above). Per-commune checks cover Hải Hậu and Bắc Giang. The last test
re-runs the generator into a temporary folder and compares every file byte for byte.
"""
from __future__ import annotations

import datetime as dt
import functools
import subprocess
import sys
import unicodedata
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from helpers import load_project
from helpers.measures import compute

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "projects"
GENERATOR = REPO / "data" / "generate_samples.py"

CAO_PHONG = "cao-phong-2021"
THANH_HOA = "thanh-hoa-near-poor-2015"
SONG_HINH = "song-hinh-clan-2024"
BAC_GIANG = "bac-giang-peak-month-2022"
HAI_HAU = "hai-hau-2023"
SAMPLES = [CAO_PHONG, THANH_HOA, SONG_HINH, BAC_GIANG, HAI_HAU]

# --- the published figures, as the articles print them -------------------------------------------

#: project.yml `reported`, exactly as published (rounded as published; never "fixed").
ARTICLE_REPORTED = {
    # 000: "10 sự kiện truyền thông với 666 người ...; tư vấn, trợ giúp pháp lý ... cho 334 người;
    #       tư vấn, khám miễn phí cho 521 người, trong đó, hơn 65% là phụ nữ và 98% là người dân tộc Mường"
    CAO_PHONG: {
        "events_held": 10, "people_reached": 666, "people_counselled": 334, "people_examined": 521,
        "female_share_examined": 0.65, "minority_share_examined": 0.98,
    },
    # 001: "hộ cận nghèo tham gia BHYT ... mới đạt 44,19%"
    THANH_HOA: {"coverage_rate": 0.4419},
    # 002: "BHXH huyện chọn ra 08 xã, thị trấn để thí điểm mô hình"
    SONG_HINH: {"communes_reached": 8},
    # 003: "toàn tỉnh có 1.741.540 người tham gia BHYT, đạt 100,1% kế hoạch"; "đạt trên 99% dân số"
    BAC_GIANG: {"cards_issued_total": 1741540, "plan_achievement": 1.001, "coverage_rate": 0.99},
    # 004: the BHYT and poverty-programme figures of 15/11/2023
    HAI_HAU: {
        "cards_issued_total": 250512, "plan_achievement": 0.9913,
        "revenue_total": 178622000000, "revenue_achievement": 0.6857,
        "coverage_rate": 0.9238, "population_total": 277518,
        "coverage_gap": 8948, "renewals_due": 2904, "people_to_mobilise": 11852,
        "budget_planned_total": 17246000000, "budget_disbursed_total": 492100000,
        "budget_execution": 0.0284,
    },
}
ARTICLE_TARGETS = {
    THANH_HOA: {"coverage_rate": 1.0, "communes_reached": 37},  # 100%; every ward/commune holds a session
    HAI_HAU: {"coverage_rate": 0.956},  # "Để đạt tỷ lệ bao phủ 95.6% theo chỉ tiêu giao"
}

#: (project, measure, published value, how to compare): "exact" for counts and money;
#: an int n for "equal when rounded to n decimals"; ("over", n) for "strictly above, and equal
#: when rounded to n decimals".
PUBLISHED = [
    (CAO_PHONG, "events_held", 10, "exact"),
    (CAO_PHONG, "people_reached", 666, "exact"),
    (CAO_PHONG, "people_counselled", 334, "exact"),
    (CAO_PHONG, "people_examined", 521, "exact"),
    (CAO_PHONG, "female_share_examined", 0.65, ("over", 2)),  # "hơn 65%"
    (CAO_PHONG, "minority_share_examined", 0.98, 2),
    (CAO_PHONG, "communes_reached", 2, "exact"),  # "tại 2 xã Thung Nai và Bình Thanh"
    (THANH_HOA, "coverage_rate", 0.4419, 4),
    (THANH_HOA, "communes_reached", 37, "exact"),  # "mỗi xã, phường tổ chức ít nhất một cuộc"
    (SONG_HINH, "communes_reached", 8, "exact"),
    (BAC_GIANG, "cards_issued_total", 1741540, "exact"),
    (BAC_GIANG, "plan_achievement", 1.001, 3),
    (BAC_GIANG, "coverage_rate", 0.99, ("over", 2)),  # "trên 99%"
    (HAI_HAU, "cards_issued_total", 250512, "exact"),
    (HAI_HAU, "plan_achievement", 0.9913, 4),
    (HAI_HAU, "revenue_total", 178622000000, "exact"),  # "178,622 triệu đồng"
    (HAI_HAU, "revenue_achievement", 0.6857, 4),
    (HAI_HAU, "coverage_rate", 0.9238, 4),
    (HAI_HAU, "population_total", 277518, "exact"),
    (HAI_HAU, "coverage_gap", 8948, "exact"),
    (HAI_HAU, "renewals_due", 2904, "exact"),
    (HAI_HAU, "people_to_mobilise", 11852, "exact"),
    (HAI_HAU, "budget_planned_total", 17246000000, "exact"),
    (HAI_HAU, "budget_disbursed_total", 492100000, "exact"),
]

# Hải Hậu, per commune (004)
HH_TARGET = Decimal("0.956")
HH_ABOVE_TARGET = ["Hải Đường", "Hải Bắc", "Hải Vân"]  # "3 xã đạt tỷ lệ trên 95.6%"
HH_ABOVE_93 = ["Hải Chính", "Hải Hưng", "Hải Phúc", "Hải Phong", "Hải Tân", "Hải Triều", "Hải Trung",
               "Hải Xuân"]  # "08 xã đạt tỷ lệ bao phủ trên 93%"
HH_BELOW_91 = ["Hải An", "Hải Châu", "Hải Hòa", "Hải Lý", "Hải Long", "Hải Nam", "Hải Phương", "TT Cồn",
               "TT Thịnh Long"]  # "9 xã tỷ lệ bao phủ còn thấp dưới 91%"
HH_EXPIRING = {"TT Thịnh Long": 378, "xã Hải Hòa": 171, "xã Hải Lý": 215, "xã Hải Triều": 149}
HH_TO_MOBILISE = {"TT Thịnh Long": 1034, "Hải An": 696, "Hải Phú": 761, "Hải Lý": 731, "Hải Long": 681,
                  "Hải Anh": 644, "Hải Minh": 642}
HH_COMMUNES = 35  # 32 xã and 3 thị trấn

# Bắc Giang, per district (003): "Sơn Động (99.9%); Lục Nam (99.7%)"
BG_DISTRICT_COVERAGE = {"Sơn Động": 0.999, "Lục Nam": 0.997}
BG_DISTRICTS = ["TP Bắc Giang", "Hiệp Hòa", "Lạng Giang", "Lục Nam", "Lục Ngạn", "Sơn Động", "Tân Yên",
                "Việt Yên", "Yên Dũng", "Yên Thế"]


# --- helpers -------------------------------------------------------------------------------------


@functools.cache
def project(project_id: str):
    return load_project(DATA / project_id)


@functools.cache
def measures(project_id: str) -> dict:
    return compute(project(project_id))


def rounded(value: float, places: int) -> float:
    """As a report prints it: half up, from the shortest decimal form of the float."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_PREFIXES = ("thị trấn ", "thành phố ", "thị xã ", "phường ", "huyện ", "xã ", "tt. ", "tt ", "tp. ", "tp ")


def key(name: str) -> str:
    """How the contract matches commune names: NFC, no case, no leading xã/phường/thị trấn/TT
    (huyện/thành phố/TP for districts), old and new tone placement equal."""
    text = " ".join(unicodedata.normalize("NFC", str(name)).split()).casefold()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    syllables = []
    for syllable in unicodedata.normalize("NFD", text).split(" "):
        syllables.append("".join(c for c in syllable if c not in _TONES) + "".join(c for c in syllable if c in _TONES))
    return " ".join(syllables)


def latest(frame):
    return frame[frame["as_of"] == frame["as_of"].max()]


def by_commune(frame) -> dict:
    """``{commune key: row}`` of a coverage table at one date."""
    rows = {key(r["commune"]): r for _, r in frame.iterrows()}
    assert len(rows) == len(frame), "two rows for one commune"
    return rows


def as_date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


# --- every package, every published figure --------------------------------------------------------


@pytest.mark.parametrize("project_id", SAMPLES)
def test_package_loads(project_id):
    p = project(project_id)
    assert p.id == project_id


@pytest.mark.parametrize("project_id", SAMPLES)
def test_reported_figures_are_the_articles(project_id):
    """project.yml keeps the published figures exactly as printed (guards against 'fixing' one)."""
    raw = yaml.safe_load((DATA / project_id / "project.yml").read_text(encoding="utf-8"))
    assert raw["reported"] == ARTICLE_REPORTED[project_id]
    assert raw.get("targets") == ARTICLE_TARGETS.get(project_id)
    assert any(str(s.get("file", "")).startswith(("000_", "001_", "002_", "003_", "004_")) for s in raw["sources"])
    assert any(s.get("synthesized") is True and s.get("generator") == "data/generate_samples.py"
               for s in raw["sources"])


@pytest.mark.parametrize("project_id, measure, published, how", PUBLISHED,
                         ids=[f"{p}-{m}" for p, m, _, _ in PUBLISHED])
def test_published_figure_is_reproduced(project_id, measure, published, how):
    computed = measures(project_id).get(measure)
    assert computed is not None, f"{measure} is not computed for {project_id}"
    if how == "exact":
        assert computed == published
    elif isinstance(how, tuple) and how[0] == "over":
        assert computed > published and rounded(computed, how[1]) == published
    else:
        assert rounded(computed, how) == published


@pytest.mark.parametrize("project_id", SAMPLES)
def test_reconciliation_passes(project_id):
    """The report's rule: counts match exactly, shares and rates within 0.5 percentage points,
    comparing the loader's reading of project.yml `reported` with the computed measures."""
    p, computed = project(project_id), measures(project_id)
    reported = p.meta["reported"]
    assert set(reported) == set(ARTICLE_REPORTED[project_id])
    for measure, figure in reported.items():
        assert measure in computed, measure
        published = ARTICLE_REPORTED[project_id][measure]
        assert figure == pytest.approx(published), f"{measure}: project.yml says {published}, loader read {figure}"
        if isinstance(published, int):
            assert computed[measure] == figure, measure
        else:
            assert abs(computed[measure] - figure) <= 0.005, measure


def test_hai_hau_budget_execution_does_not_add_up_as_published():
    """The article prints 2.84% for 492.1 / 17,246 (= 2.853%): kept as published, shown as a
    difference within the reconciliation tolerance, never edited."""
    computed = measures(HAI_HAU)["budget_execution"]
    assert rounded(computed, 4) == 0.0285
    assert ARTICLE_REPORTED[HAI_HAU]["budget_execution"] == 0.0284
    assert abs(computed - 0.0284) <= 0.005
    # the article's forecast, by contrast, adds up: 1.92 / 17.246 = 11.13%
    assert rounded(1.92 / 17.246, 4) == 0.1113


# --- Cao Phong ------------------------------------------------------------------------------------


def test_cao_phong_people_examined():
    p = project(CAO_PHONG)
    services = p.services
    examined = services[services["service"] == "health_check"].drop_duplicates("person_id")
    assert len(examined) == 521
    assert examined["sex"].notna().all()
    assert (examined["sex"] == "female").mean() > 0.65
    assert rounded((examined["ethnicity"] == "Mường").mean(), 2) == 0.98  # "98% là người dân tộc Mường"
    counselled = services[services["service"].isin(["counselling", "legal_aid"])]["person_id"].nunique()
    assert counselled == 334
    assert services["person_id"].duplicated().any()  # people appear on several rows


def test_cao_phong_project_facts():
    p = project(CAO_PHONG)
    assert {key(c) for c in p.communes} == {key("Thung Nai"), key("Bình Thanh")}
    assert {key(c) for c in p.events["commune"]} == {key("Thung Nai"), key("Bình Thanh")}
    assert set(p.events["activity"]) == {"communication"}  # "10 sự kiện truyền thông"
    assert p.meta["period"] == {"start": dt.date(2020, 9, 1), "end": dt.date(2021, 8, 31)}
    assert p.meta["budget"] == 1_700_000_000  # "trên 1,7 tỷ đồng" (a lower bound)
    assert p.budget["planned"].sum() == 1_700_000_000
    assert p.meta["extra"]["published"]["individuals_recognised"] == 4


# --- Thanh Hóa --------------------------------------------------------------------------------------


def test_thanh_hoa_near_poor_coverage_and_outreach():
    p = project(THANH_HOA)
    assert len(p.communes) == 37
    coverage = latest(p.coverage)
    assert len(coverage) == 37 and (coverage["group"] == "intervention").all()
    assert (coverage["target_rate"] == 1.0).all()  # "tỉ lệ 100% người cận nghèo tham gia BHYT"
    assert rounded(coverage["insured"].sum() / coverage["population"].sum(), 4) == 0.4419
    events = p.events
    training = events[(events["activity"] == "training")]
    assert [as_date(d) for d in training["date"]] == [dt.date(2015, 7, 29)]  # "Ngày 29/7/2015"
    sessions = events[(events["activity"] == "communication") & (events["date"] > "2015-07-29")]
    assert {key(c) for c in sessions["commune"]} == {key(c) for c in p.communes}  # every ward and commune
    assert p.meta["extra"]["published"]["solution_groups"] == 6


# --- Sông Hinh --------------------------------------------------------------------------------------


def test_song_hinh_pilot_and_radio():
    p = project(SONG_HINH)
    assert len(p.communes) == 8  # "08 xã, thị trấn"
    assert key("Ea Bia") in {key(c) for c in p.communes}  # the commune the article names
    start, end = p.meta["period"]["start"], p.meta["period"]["end"]
    assert (start.month, end.month, start.year) == (6, 11, 2024)  # "từ tháng 6-11/2024"
    broadcasts = p.events[p.events["activity"] == "broadcast"]
    mondays = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    full_weeks = [d for d in mondays if d.weekday() == 0 and d + dt.timedelta(days=6) <= end]
    assert full_weeks
    for commune in p.communes:
        days = [as_date(d) for d in broadcasts.loc[broadcasts["commune"].map(key) == key(commune), "date"]]
        for monday in full_weeks:  # "truyền thanh (3 lượt/tuần)"
            assert sum(monday <= d <= monday + dt.timedelta(days=6) for d in days) == 3, (commune, monday)
    assert p.meta["extra"]["published"]["radio_per_week"] == 3


def test_song_hinh_supports_difference_in_differences():
    p = project(SONG_HINH)
    coverage = p.coverage
    assert set(coverage["group"]) == {"intervention", "comparison"}
    for _, rows in coverage.groupby("group"):
        assert rows["as_of"].nunique() == 2
    assert "coverage_did" in measures(SONG_HINH)


# --- Bắc Giang --------------------------------------------------------------------------------------


def test_bac_giang_districts():
    p = project(BAC_GIANG)
    assert {key(c) for c in p.communes} == {key(d) for d in BG_DISTRICTS}
    coverage = latest(p.coverage)
    assert as_date(coverage["as_of"].iloc[0]) == dt.date(2022, 9, 30)  # "tính đến hết ngày 30/09/2022"
    rows = by_commune(coverage)
    assert set(rows) == {key(d) for d in BG_DISTRICTS}
    for district, published in BG_DISTRICT_COVERAGE.items():
        row = rows[key(district)]
        assert rounded(row["insured"] / row["population"], 3) == published, district
    assert coverage["cards_issued"].sum() == 1741540
    assert rounded(coverage["cards_issued"].sum() / coverage["plan"].sum(), 3) == 1.001
    total = coverage["insured"].sum() / coverage["population"].sum()
    assert total > 0.99 and rounded(total, 2) == 0.99


def test_bac_giang_launch_ceremonies():
    p = project(BAC_GIANG)
    assert p.meta["period"] == {"start": dt.date(2022, 11, 1), "end": dt.date(2022, 11, 30)}  # "từ 1/11 - 30/11/2022"
    events = p.events
    launches = events[events["activity"] == "campaign"]
    assert sorted(launches["commune"].map(key)) == sorted(key(d) for d in BG_DISTRICTS)  # one per district
    assert all(dt.date(2022, 11, 1) <= as_date(d) < dt.date(2022, 11, 5) for d in launches["date"])  # "trước 05/11"
    conference = events[events["activity"] == "meeting"]
    assert [as_date(d) for d in conference["date"]] == [dt.date(2022, 10, 24)]  # "Ngày 24/10"


# --- Hải Hậu ----------------------------------------------------------------------------------------


def test_hai_hau_per_commune():
    p = project(HAI_HAU)
    coverage = latest(p.coverage)
    assert as_date(coverage["as_of"].iloc[0]) == dt.date(2023, 11, 15)  # "Tính đến ngày 15/11/2023"
    assert len(coverage) == HH_COMMUNES and (coverage["group"] == "intervention").all()
    assert (coverage["target_rate"] == 0.956).all()
    rows = by_commune(coverage)

    def share(name):
        row = rows[key(name)]
        return Decimal(int(row["insured"])) / Decimal(int(row["population"]))

    def gap(name):
        row = rows[key(name)]
        needed = (HH_TARGET * int(row["population"])).to_integral_value(rounding=ROUND_CEILING)
        return max(0, int(needed) - int(row["insured"]))

    for name in HH_ABOVE_TARGET:
        assert share(name) > Decimal("0.956"), name
    for name in HH_ABOVE_93:
        assert Decimal("0.93") < share(name) <= Decimal("0.956"), name
    for name in HH_BELOW_91:
        assert share(name) < Decimal("0.91"), name
    listed = {key(n) for n in HH_ABOVE_TARGET + HH_ABOVE_93 + HH_BELOW_91}
    others = [name for name in rows if name not in listed]
    assert len(others) == HH_COMMUNES - 3 - 8 - 9
    for name in others:  # the article's three lists are complete: every other commune is in 91-93%
        assert Decimal("0.91") <= share(name) <= Decimal("0.93"), name

    for name, cards in HH_EXPIRING.items():
        assert rows[key(name)]["expiring"] == cards, name
    for name, people in HH_TO_MOBILISE.items():
        assert gap(name) + int(rows[key(name)]["expiring"]) == people, name

    assert sum(gap(name) for name in rows) == 8948  # "Số người tham gia mới là 8,948 người"
    assert coverage["expiring"].sum() == 2904  # "Số người hết hạn thẻ BHYT cần mua nối tiếp 2,904 người"
    assert coverage["population"].sum() == 277518
    assert rounded(coverage["insured"].sum() / coverage["population"].sum(), 4) == 0.9238


def test_hai_hau_budget():
    p = project(HAI_HAU)
    budget = p.budget
    assert budget["planned"].sum() == 17_246_000_000  # "Tổng số nguồn vốn phải giải ngân là 17,246 tỷ đồng"
    assert budget["disbursed"].sum() == 492_100_000  # "492,1 triệu đồng"
    new_2023 = budget[budget["category"].fillna("").str.contains("2023")]
    assert new_2023["planned"].sum() == 12_460_000_000  # "phân bổ mới cho năm 2023 là 12,46 tỷ đồng"
    assert new_2023["line"].nunique() == 9  # "9 nhiệm vụ"
    # the programme's money is not an outreach budget: no cost per person from it
    assert "budget" not in p.meta
    assert "cost_per_person_reached" not in measures(HAI_HAU)


# --- the generator ------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_generator_reproduces_the_committed_packages(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, capture_output=True,
                   cwd=tmp_path)
    for project_id in SAMPLES:
        generated, committed = _files(tmp_path / project_id), _files(DATA / project_id)
        assert sorted(generated) == sorted(committed), project_id
        different = [name for name in generated if generated[name] != committed[name]]
        assert not different, f"{project_id}: regenerated files differ: {different}"
