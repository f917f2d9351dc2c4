"""The report's sections on a tiny hand-made package; every expected figure worked out by hand.

The package (written by the ``package`` fixture, loaded by the real loader):

events   E1 2021-03-01 Thung Nai  meeting        20 people, 12 women
         E2 2021-04-10 Thung Nai  training       17 people, 15 women   (2 men: a give-away)
         E3 2021-04-20 Bình Thanh communication   3 people,  1 woman
services 7 people: P-0001 counselled and examined; P-0002, P-0005, P-0006 counselled;
         P-0003, P-0004, P-0007 examined. Women: P-0001, -0003, -0004, -0005, -0007 (5 of 7).
coverage Thung Nai 800/1000 → 900/1000, Bình Thanh 3000/4000 → 3700/4000 (target 95 %,
         30 and 20 cards expiring), comparison Đồng Tâm 1500/2000 → 1600/2000.
budget   Tập huấn 60/50 million, Truyền thông 40/45 million (more disbursed than planned).
"""
from __future__ import annotations

import doctest
import html
import re

import pandas as pd
import pytest

from helpers import compute, load_project, report
from helpers.privacy import PrivacyError
from helpers.project import Project

YML = """\
id: proj
title: {vi: Dự án thử nghiệm, en: Test project}
donor: Quỹ Thử
implementer: Hội Chữ thập đỏ
province: Hòa Bình
communes: [Thung Nai, Bình Thanh, Hải Hòa]
period: {start: 2021-01-01, end: 2021-12-31}
budget: 100000000
targets: {people_served: 10, coverage_rate: 0.95}
reported: {events_held: 3, people_reached: 40, female_share_served: 0.5, people_examined: 9}
"""
EVENTS = """\
event_id,date,commune,activity,participants,female
E1,2021-03-01,Thung Nai,meeting,20,12
E2,2021-04-10,Thung Nai,training,17,15
E3,2021-04-20,Bình Thanh,communication,3,1
"""
SERVICES = """\
person_id,date,commune,service,sex,birth_year,ethnicity,household
P-0001,2021-03-01,Thung Nai,counselling,female,1990,Mường,poor
P-0001,2021-03-02,Thung Nai,health_check,female,1990,Mường,poor
P-0002,2021-03-03,Thung Nai,counselling,male,1985,Kinh,other
P-0003,2021-03-04,Bình Thanh,health_check,female,1950,Mường,near_poor
P-0004,2021-03-05,Bình Thanh,health_check,female,2010,Thái,other
P-0005,2021-03-06,Thung Nai,counselling,female,1970,Mường,other
P-0006,2021-03-07,Thung Nai,counselling,male,1965,Mường,
P-0007,2021-03-08,Bình Thanh,health_check,female,,Mường,other
"""
COVERAGE = """\
as_of,commune,population,insured,target_rate,expiring
2021-01-01,Thung Nai,1000,800,0.95,
2021-12-31,Thung Nai,1000,900,0.95,30
2021-01-01,Bình Thanh,4000,3000,0.95,
2021-12-31,Bình Thanh,4000,3700,0.95,20
2021-01-01,Đồng Tâm,2000,1500,,
2021-12-31,Đồng Tâm,2000,1600,,
"""
BUDGET = """\
line,planned,disbursed
Tập huấn,60000000,50000000
Truyền thông,40000000,45000000
"""


@pytest.fixture
def project(tmp_path, make_package):
    folder = make_package(tmp_path, {"events.csv": EVENTS, "services.csv": SERVICES, "coverage.csv": COVERAGE,
                                     "budget.csv": BUDGET}, project_yml=YML)
    return load_project(folder)


@pytest.fixture
def values(project):
    return compute(project)


def text_of(section) -> str:
    """The visible text of a section's HTML, one space between pieces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.html)).strip()


def cells(section, after: str | None = None) -> list[list[str]]:
    """The rows (th and td texts) of the first table after the text ``after`` (or of the first table)."""
    part = section.html.split(after, 1)[1] if after else section.html
    table = part.split("<table", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)]


def test_doctests():
    assert doctest.testmod(report).failed == 0


def test_sections_without_data_are_left_out():
    empty = Project(meta={"id": "empty", "title": {"vi": "Trống", "en": "Empty"}})
    values = compute(empty)
    assert report.key_results(empty, values, "vi") is None
    assert report.activities(empty, "vi") is None
    assert report.people_served(empty, "vi") is None
    assert report.coverage(empty, values, "vi") is None
    assert report.money(empty, values, "vi") is None
    assert report.published_figures(empty, values, "vi") is None
    for always in (report.cover(empty, "vi"), report.data_quality(empty, "vi"), report.method(empty, values, "vi"),
                   report.reproducibility(empty, "vi")):
        assert "None" not in always.html and "nan" not in always.html


def test_cover(project):
    vi = text_of(report.cover(project, "vi"))
    assert "Dự án thử nghiệm" in vi and "Quỹ Thử" in vi and "Hội Chữ thập đỏ" in vi
    assert "3 địa bàn: Thung Nai, Bình Thanh, Hải Hòa" in vi and "01/01/2021–31/12/2021" in vi
    en = text_of(report.cover(project, "en"))
    assert "Test project" in en and "1 Jan 2021–31 Dec 2021" in en


def test_key_results_and_targets(project, values):
    vi = report.key_results(project, values, "vi")
    assert "Chỉ tiêu: 10" in text_of(vi)
    rows = {row[0]: row[1:] for row in cells(vi, "Kết quả so với chỉ tiêu")}
    # people_served 7 of a target of 10 → 70.0%, not achieved; coverage 92% of 95% → 96.8%, nearly.
    assert rows["Số người được phục vụ"] == ["—", "10", "7", "70,0%", "Chưa đạt"]
    assert rows["Tỷ lệ bao phủ BHYT"] == ["—", "95,00%", "92,00%", "96,8%", "Gần đạt"]


def test_activities_hide_small_counts_and_their_give_aways(project):
    section = report.activities(project, "vi", min_cell=5)
    assert "3 hoạt động tại 2 địa bàn" in text_of(section) and "40 lượt" in text_of(section)
    by_area = cells(section, "Theo địa bàn")
    # participants 37, 3 | 40: the 3 is small, so the 37 goes too; women 27, 1 | 28 likewise.
    assert by_area == [["Thung Nai", "2", "x", "x"], ["Bình Thanh", "1", "<5", "<5"], ["Tổng", "3", "40", "28"]]
    by_type = cells(section, "Theo loại hoạt động")
    # meeting 20/12, training 17/15 (2 men: 15 is hidden as "x"), communication 3/1.
    assert by_type == [["Hội nghị, họp", "1", "20", "12"], ["Tập huấn", "1", "x", "x"],
                       ["Truyền thông", "1", "<5", "<5"], ["Tổng", "3", "40", "28"]]


def test_people_served_tables(project):
    section = report.people_served(project, "en", min_cell=2)
    text = text_of(section)
    assert "7 different people" in text and "4 counselled or given legal aid; 4 given a health check" in text
    # counselled only P2, P5, P6; examined only P3, P4, P7; both P1 (1 < min_cell 2: hidden; its partner
    # is the smallest non-zero cell, the first of the two 3s).
    assert cells(section, "People who received several services") == [
        ["Counselled", "x", "—"], ["Examined", "3", "42.9%"], ["Counselled + Examined", "<2", "—"],
        ["Total", "7", "100.0%"]]
    sex = cells(section, "By sex")
    # served: 5 women, 2 men; counselled: P1, P5 women, P2, P6 men; examined: 4 women.
    assert sex == [["Women", "5", "71.4%", "2", "50.0%", "4", "100.0%"],
                   ["Men", "2", "28.6%", "2", "50.0%", "0", "0.0%"],
                   ["Total", "7", "—", "4", "—", "4", "—"]]
    household = cells(section, "By household")
    # served: poor 1 and near-poor 1 are small (each other's partner); counselled: poor 1 is small and
    # the "not recorded" 1 is its only partner (never hidden for being small, but it can be a partner).
    assert household[-2] == ["Not recorded", "1", "—", "x", "—", "0", "—"]


def test_people_served_suppression_at_five(project):
    sex = cells(report.people_served(project, "vi", min_cell=5), "Theo giới tính")
    # served: women 5 | men 2 → the 2 is small and the 5 its only partner.
    assert sex[0][:3] == ["Nữ", "x", "—"] and sex[1][:3] == ["Nam", "<5", "—"]
    assert sex[-1][:2] == ["Tổng", "7"]


def test_profile_counts_by_hand():
    persons = pd.DataFrame({
        "ethnicity": ["Mường"] * 6 + ["Thái", "Kinh", None],
        "birth_year": [1990, 2016, 1950, None, 1980, 1985, 2000, 1960, 1970],
        "served": [True] * 9, "examined": [True, False] * 4 + [True],
    })
    ethnicity = report.profile_counts(persons, "ethnicity", 2021, min_cell=5)
    assert ethnicity.to_dict("index") == {"Mường": {"served": 6, "examined": 3},
                                          "other_minority": {"served": 1, "examined": 1},
                                          "Kinh": {"served": 1, "examined": 0},
                                          "unknown": {"served": 1, "examined": 1}}
    ages = report.profile_counts(persons, "age", 2021)
    assert ages["served"].to_dict() == {"0-5": 1, "18-39": 3, "40-59": 2, "60+": 2, "unknown": 1}


def test_overlaps_and_age_bands():
    assert report.age_band(0) == "0-5" and report.age_band(17) == "6-17" and report.age_band(61) == "60+"


def test_coverage(project, values):
    section = report.coverage(project, values, "vi")
    text = text_of(section)
    assert "92,00%" in text and "4.600 trên 5.000" in text
    assert "cần vận động 200 người: 150 người tham gia mới và 50 thẻ cần gia hạn" in text
    assert "+16,00 điểm phần trăm" in text and "chênh lệch kép là +11,00 điểm phần trăm" in text
    rows = {row[0]: row[1:] for row in cells(section, "Tỷ lệ bao phủ theo địa bàn")}
    assert rows["Thung Nai"] == ["Địa bàn can thiệp", "1.000", "900", "90,00%", "50", "30", "80"]
    assert rows["Bình Thanh"] == ["Địa bàn can thiệp", "4.000", "3.700", "92,50%", "100", "20", "120"]
    assert rows["Tổng địa bàn can thiệp"][1:] == ["5.000", "4.600", "92,00%", "150", "50", "200"]
    assert rows["Đồng Tâm"][:4] == ["Địa bàn đối chứng", "2.000", "1.600", "80,00%"]
    assert "Chỉ tiêu tỷ lệ bao phủ của mọi địa bàn là 95,00%" in text


def test_money(project, values):
    section = report.money(project, values, "en")
    rows = cells(section, "Budget lines")
    assert rows == [["Tập huấn", "60,000,000", "50,000,000", "83.3%"],
                    ["Truyền thông", "40,000,000", "45,000,000", "112.5%"],
                    ["Total", "100,000,000", "95,000,000", "95.0%"]]
    assert "Cost per person reached: 2,500,000" in text_of(section)  # 100 million / 40


def test_published_figures(project, values):
    vi = report.published_figures(project, values, "vi", min_cell=5)
    rows = {row[0]: row[1:] for row in cells(vi)}  # first table of the section
    assert rows["Số hoạt động đã tổ chức"] == ["3", "3", "0", "✓ Khớp"]
    assert rows["Tỷ lệ nữ (người được phục vụ)"][:2] == ["50%", "71,43%"]
    assert rows["Tỷ lệ nữ (người được phục vụ)"][3] == "✗ Không khớp"
    text = text_of(vi)
    assert "“Số người được khám sức khỏe”: công bố 9, nhưng dữ liệu cho 4" in text
    # With a higher minimum, a share computed on 7 people is not shown.
    hidden = report.published_figures(project, values, "en", min_cell=10)
    rows = {row[0]: row[1:] for row in cells(hidden)}
    assert rows["Share women (people served)"][1:3] == ["<10", "—"]


def test_data_quality_in_plain_words(project):
    vi = text_of(report.data_quality(project, "vi"))
    assert "Tệp budget.csv, dòng 3" in vi and "số giải ngân lớn hơn dự toán" in vi
    assert "more than planned" not in vi


def test_method_lists_definitions_from_the_measures(project, values):
    from helpers.measures import MEASURES

    vi = text_of(report.method(project, values, "vi"))
    assert MEASURES["people_served"].definition["vi"] in vi
    assert MEASURES["coverage_did"].label["vi"] in vi


def test_reproducibility_fingerprints_every_file(project):
    import hashlib

    section = report.reproducibility(project, "en", parameters={"project": "proj", "lang": "en", "data_dir": None,
                                                                 "min_cell": 5})
    for path in project.files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in section.html
    assert "default (data/projects)" in text_of(section)
    assert "workbook report proj --lang en" in text_of(section)


def test_no_section_shows_a_person(project, values):
    sections = [report.cover(project, "vi"), report.key_results(project, values, "vi"),
                report.activities(project, "vi", 1), report.people_served(project, "vi", 1),
                report.coverage(project, values, "vi"), report.money(project, values, "vi"),
                report.published_figures(project, values, "vi", 1), report.data_quality(project, "vi"),
                report.method(project, values, "vi"), report.reproducibility(project, "vi")]
    for section in sections:
        assert "P-000" not in section.html


def test_a_section_that_would_show_a_person_is_refused(project):
    with pytest.raises(PrivacyError, match="P-0003"):
        report.section(project, "x", "Tiêu đề", ["<p>P-0003</p>"], "vi")


def test_record_carries_the_values_as_computed(project, values):
    record = report.record(project, values, "vi").data
    assert record["values"] == values
    assert record["title"] == {"vi": "Dự án thử nghiệm", "en": "Test project"}
    assert "people_served" in record["headline"]
    assert report.RECORD_MIME in report.record(project, values, "vi")._repr_mimebundle_()
