"""Every value form of the data-package contract, one test each.

Expected values are worked out by hand from the contract
(docs/data-package.md, "Values as evaluators type them").
"""
from __future__ import annotations

import datetime as dt
import unicodedata

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers.load import read_package
from helpers.schema import TABLES, header_lookup
from helpers.values import (
    clean_text, commune_key, fold_key, strip_commune_prefix, parse_date, parse_integer, parse_money, parse_rate,
)

EVENTS_HEADER = "event_id,date,commune,activity,participants\n"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def load_ok(package):
    project, problems = read_package(package)
    assert project is not None, [str(p) for p in problems]
    return project, problems


# --- file encoding and separators (loader level) ------------------------------------


def test_csv_with_bom_reads_first_header(tmp_path, make_package):
    body = EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,12\n"
    package = make_package(tmp_path, {"events.csv": b"\xef\xbb\xbf" + body.encode("utf-8")})
    project, _ = load_ok(package)
    assert project.events["event_id"].tolist() == ["E1"]  # not '\ufeffevent_id' unknown
    assert project.events["participants"].tolist() == [12]


def test_csv_without_bom(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,12\n"})
    project, _ = load_ok(package)
    assert project.events["participants"].tolist() == [12]


def test_csv_semicolon_separator(tmp_path, make_package):
    text = "event_id;date;commune;activity;participants\nE1;15/03/2021;Thung Nai;meeting;1.000\nE2;16/03/2021;Bình Thanh;training;1,5\n"
    package = make_package(tmp_path, {"events.csv": text})
    project, problems = read_package(package)
    # '1,5' is not a whole number; the separator ';' left the comma inside the cell
    assert project is None
    assert [str(p).split(": ")[0] for p in problems if p.is_error] == ["events.csv:3:participants"]
    package2 = make_package(tmp_path, {"events.csv": text.replace("1,5", "7")}, folder="proj")
    project, _ = load_ok(package2)
    assert project.events["participants"].tolist() == [1000, 7]
    assert project.events["commune"].tolist() == ["Thung Nai", "Bình Thanh"]


# --- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2021-03-15", "15/03/2021", "15-03-2021", " 15/03/2021 "])
def test_date_forms(text):
    parsed = parse_date(text)
    assert parsed.error is None
    assert parsed.value == dt.date(2021, 3, 15)


def test_date_single_digit_day_and_month():
    assert parse_date("5/3/2021").value == dt.date(2021, 3, 5)  # 5 March, never 3 May


def test_month_first_is_rejected_with_a_clear_message():
    parsed = parse_date("03/15/2021")
    assert parsed.value is None
    assert "day-first" in parsed.error
    assert "month 15" in parsed.error


def test_ambiguous_date_is_read_day_first():
    assert parse_date("04/05/2021").value == dt.date(2021, 5, 4)


def test_impossible_day_is_an_error():
    parsed = parse_date("31/02/2021")
    assert parsed.value is None and "31" in parsed.error


def test_excel_date_cell():
    assert parse_date(dt.datetime(2021, 3, 15)).value == dt.date(2021, 3, 15)


def test_excel_serial_only_in_xlsx():
    # 1900 date system: serial 1 = 1900-01-01 with the fake 29/02/1900, so the
    # epoch is 1899-12-30; 2021-03-15 is 44270 days after it.
    assert (dt.date(2021, 3, 15) - dt.date(1899, 12, 30)).days == 44270
    assert parse_date(44270, excel_serials=True).value == dt.date(2021, 3, 15)
    assert parse_date(44270).value is None  # a number in a CSV date column is not a date
    assert parse_date(44270).error


def test_xlsx_date_cells_and_serials_load(tmp_path, make_package):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["event_id", "date", "commune", "activity", "participants"])
    sheet.append(["E1", dt.datetime(2021, 3, 15), "Thung Nai", "meeting", 10])
    sheet.append(["E2", 44271, "Thung Nai", "meeting", 20])  # a serial in a General cell: 16/03/2021
    sheet.append(["E3", "17/03/2021", "Thung Nai", "meeting", 30])
    package = make_package(tmp_path, {})
    workbook.save(package / "events.xlsx")
    project, _ = load_ok(package)
    dates = [d.date() for d in project.events["date"]]
    assert dates == [dt.date(2021, 3, 15), dt.date(2021, 3, 16), dt.date(2021, 3, 17)]


def test_csv_number_in_date_column_is_an_error(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": EVENTS_HEADER + "E1,44270,Thung Nai,meeting,12\n"})
    project, problems = read_package(package)
    assert project is None
    assert str(problems[0]).startswith("events.csv:2:date:")


def test_month_first_in_a_file_names_the_cell(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": EVENTS_HEADER + "E1,03/15/2021,Thung Nai,meeting,12\n"})
    project, problems = read_package(package)
    assert project is None
    errors = [str(p) for p in problems if p.is_error]
    assert len(errors) == 1
    assert errors[0].startswith("events.csv:2:date:")
    assert "day-first" in errors[0]


# --- integers and money -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["1741540", "1.741.540", "1,741,540", "1 741 540", "1\u00a0741\u00a0540"])
def test_integer_forms(text):
    parsed = parse_integer(text)
    assert parsed.error is None
    assert parsed.value == 1741540
    assert isinstance(parsed.value, int)


@pytest.mark.parametrize("text", ["12,5", "12.5", "abc", "1.74.540", "5%"])
def test_not_whole_numbers(text):
    parsed = parse_integer(text)
    assert parsed.value is None
    assert parsed.error


def test_integer_from_excel_float_cell():
    assert parse_integer(1000.0).value == 1000


@pytest.mark.parametrize("text, expected", [
    ("1741540", 1741540),
    ("1.741.540", 1741540),
    ("1,741,540", 1741540),
    ("1 741 540", 1741540),
    ("1.741.540 đ", 1741540),
    ("1.741.540đ", 1741540),
    ("1.741.540 VNĐ", 1741540),
    ("1,741,540 VND", 1741540),
    ("1741540 vnd", 1741540),
    ("5 triệu", 5_000_000),
    ("492,1 triệu", 492_100_000),
    ("2 tỷ", 2_000_000_000),
    ("1,7 tỷ", 1_700_000_000),
    ("1,7 tỷ đồng", 1_700_000_000),
    ("1.7 tỷ", 1_700_000_000),
])
def test_money_forms(text, expected):
    parsed = parse_money(text)
    assert parsed.error is None, parsed.error
    assert parsed.value == expected  # exact, no floating-point noise


@pytest.mark.parametrize("text, expected", [
    ("1.500 triệu", 1_500_000_000),  # one thousand five hundred million: '.' groups thousands
    ("1.500 triệu đồng", 1_500_000_000),
    ("2.500 tỷ", 2_500_000_000_000),
])
def test_dot_grouped_thousands_with_a_unit_word(text, expected):
    assert parse_money(text).value == expected


def test_one_comma_seven_ty_is_exactly_1_7_billion():
    assert parse_money("1,7 tỷ").value == 1700000000
    assert int(parse_money("1,7 tỷ").value) == 1700000000


def test_not_money():
    parsed = parse_money("một triệu")
    assert parsed.value is None
    assert "not an amount" in parsed.error


# --- rates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["95,6%", "95.6%", "95,6 %", "0.956", "0,956"])
def test_rate_forms(text):
    parsed = parse_rate(text)
    assert parsed.error is None
    assert parsed.warning is None
    assert parsed.value == pytest.approx(0.956, abs=1e-12)


def test_fraction_from_excel_cell():
    assert parse_rate(0.956).value == pytest.approx(0.956, abs=1e-12)
    assert parse_rate(0.956).warning is None


@pytest.mark.parametrize("value", ["95.6", "95,6", 95.6])
def test_bare_number_above_one_is_a_percent_with_a_warning(value):
    parsed = parse_rate(value)
    assert parsed.error is None
    assert parsed.value == pytest.approx(0.956, abs=1e-12)
    assert parsed.warning and "percent" in parsed.warning


def test_rate_of_exactly_one_is_a_fraction():
    parsed = parse_rate("1")
    assert parsed.value == 1.0 and parsed.warning is None


def test_bare_rate_above_one_in_a_file_is_a_warning_not_an_error(tmp_path, make_package):
    text = "as_of,commune,population,insured,target_rate\n31/12/2021,Thung Nai,1000,900,95\n"
    project, problems = load_ok(make_package(tmp_path, {"coverage.csv": text}))
    assert project.coverage["target_rate"].tolist() == [pytest.approx(0.95)]
    warnings = [str(p) for p in problems if not p.is_error]
    assert any(w.startswith("coverage.csv:2:target_rate: warning:") for w in warnings), warnings


# --- text -----------------------------------------------------------------------------------


def test_text_is_trimmed_and_nfc():
    decomposed = nfd("  Mường  ")
    assert decomposed != "  Mường  "
    assert clean_text(decomposed) == unicodedata.normalize("NFC", "Mường")


def test_nfd_text_in_a_file_is_nfc_after_loading(tmp_path, make_package):
    text = ("person_id,date,commune,service,ethnicity\n"
            f"P1,15/03/2021,{nfd('Hải Hòa')},counselling,{nfd('Mường')}\n")
    project, _ = load_ok(make_package(tmp_path, {"services.csv": text}))
    assert project.services["ethnicity"].tolist() == ["Mường"]
    assert unicodedata.is_normalized("NFC", project.services["ethnicity"][0])
    assert project.services["commune"].tolist() == ["Hải Hòa"]


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Ngày", "NGAY", "ngày", "NGÀY", " Ngày ", nfd("Ngày")])
def test_header_alias_ignores_case_spacing_diacritics(header):
    assert header_lookup(TABLES["events"])[fold_key(header)] == "date"


@pytest.mark.parametrize("header, column", [
    ("Mã hoạt động", "event_id"), ("Xã", "commune"), ("Phường", "commune"), ("Xã/Phường", "commune"),
    ("Loại hoạt động", "activity"), ("Tên hoạt động", "title"), ("Số người tham dự", "participants"),
    ("Nữ", "female"), ("Dân tộc thiểu số", "ethnic_minority"), ("Kinh phí", "cost"), ("Chi phí", "cost"),
])
def test_event_header_aliases(header, column):
    assert header_lookup(TABLES["events"])[fold_key(header)] == column


@pytest.mark.parametrize("header, column", [
    ("Mã người", "person_id"), ("Dịch vụ", "service"), ("Giới tính", "sex"), ("Năm sinh", "birth_year"),
    ("Dân tộc", "ethnicity"), ("Hộ", "household"), ("Loại hộ", "household"),
])
def test_service_header_aliases(header, column):
    assert header_lookup(TABLES["services"])[fold_key(header)] == column


@pytest.mark.parametrize("header, column", [
    ("Ngày số liệu", "as_of"), ("Dân số", "population"), ("Số người có thẻ BHYT", "insured"),
    ("Số người tham gia BHYT", "insured"), ("Số thẻ", "cards_issued"), ("Số thẻ cấp", "cards_issued"),
    ("Chỉ tiêu", "target_rate"), ("Tỷ lệ chỉ tiêu", "target_rate"), ("Kế hoạch", "plan"),
    ("Thẻ hết hạn", "expiring"), ("Số thu", "revenue"), ("Kế hoạch thu", "revenue_plan"), ("Nhóm", "group"),
])
def test_coverage_header_aliases(header, column):
    assert header_lookup(TABLES["coverage"])[fold_key(header)] == column


@pytest.mark.parametrize("header, column", [
    ("Hạng mục", "line"), ("Loại", "category"), ("Dự toán", "planned"), ("Giải ngân", "disbursed"),
])
def test_budget_header_aliases(header, column):
    assert header_lookup(TABLES["budget"])[fold_key(header)] == column


def test_vietnamese_headers_in_a_file(tmp_path, make_package):
    text = ("MÃ HOẠT ĐỘNG,ngay,Xã / Phường,loai hoat dong,Số  người tham dự\n"
            "E1,15/03/2021,Thung Nai,meeting,12\n")
    project, problems = load_ok(make_package(tmp_path, {"events.csv": text}))
    assert problems == []
    assert project.events.loc[0, "event_id"] == "E1"
    assert project.events.loc[0, "participants"] == 12


# --- communes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["xã Thung Nai", "Xã Thung Nai", "THUNG NAI", "Thung Nai", "  thung  nai "])
def test_commune_prefix_and_case(spelling):
    assert commune_key(spelling) == commune_key("Thung Nai")


@pytest.mark.parametrize("spelling", ["TT Cồn", "thị trấn Cồn", "Thị trấn Cồn", "TT. Cồn", "Cồn"])
def test_town_prefixes(spelling):
    assert commune_key(spelling) == commune_key("Cồn")


def test_ward_prefix():
    assert commune_key("phường Tân Thịnh") == commune_key("Tân Thịnh")


@pytest.mark.parametrize("old, new", [("Hoà", "Hòa"), ("Thanh Hoá", "Thanh Hóa"), ("Thuỷ", "Thủy"),
                                      ("xã Hải Hoà", "HẢI HÒA")])
def test_old_and_new_tone_placement_are_one_commune(old, new):
    assert unicodedata.normalize("NFC", old) != unicodedata.normalize("NFC", new)  # NFC alone does not do it
    assert commune_key(old) == commune_key(new)


@pytest.mark.parametrize("one, other", [("Hải Hà", "Hải Hạ"), ("Hòa", "Hóa"), ("Thanh Hà", "Thanh Hải"),
                                        ("Thủy", "Thùy")])
def test_different_communes_stay_different(one, other):
    assert commune_key(one) != commune_key(other)


def test_commune_spellings_in_a_file_map_to_project_yml(tmp_path, make_package):
    text = (EVENTS_HEADER
            + "E1,15/03/2021,xã Thung Nai,meeting,1\n"
            + "E2,15/03/2021,THUNG NAI,meeting,1\n"
            + "E3,15/03/2021,xã Hải Hoà,meeting,1\n"
            + f"E4,15/03/2021,{nfd('Hải Hòa')},meeting,1\n")
    project, problems = load_ok(make_package(tmp_path, {"events.csv": text}))
    assert project.events["commune"].tolist() == ["Thung Nai", "Thung Nai", "Hải Hòa", "Hải Hòa"]


# --- properties ---------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**15))
def test_dot_grouped_integer_parses_back(n):
    text = f"{n:,}".replace(",", ".")
    assert parse_integer(text).value == n
    assert parse_money(text).value == n


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from([",", " ", ""]))
def test_grouped_integer_parses_back(n, separator):
    assert parse_integer(f"{n:,}".replace(",", separator)).value == n


# Vietnamese letters (with every tone) and spaces.
VIETNAMESE = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxy AĂÂĐÊÔƠƯ")
                             + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]),
    min_size=1, max_size=20,
)


@settings(max_examples=300)
@given(VIETNAMESE)
def test_commune_key_same_under_nfd_and_nfc(name):
    assert commune_key(unicodedata.normalize("NFD", name)) == commune_key(unicodedata.normalize("NFC", name))


@settings(max_examples=300)
@given(VIETNAMESE)
def test_commune_key_ignores_case_and_xa_prefix(name):
    assume(commune_key(name) is not None)
    cleaned = clean_text(name)
    assume(strip_commune_prefix(cleaned) == cleaned)  # not itself 'xã ...'
    assert commune_key(name.upper()) == commune_key(name.lower())
    assert commune_key("xã " + name) == commune_key(name)
