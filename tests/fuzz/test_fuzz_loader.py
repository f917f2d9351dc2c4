"""Corrupted real files: loaded as a valid project, or reported as
``file:row:column: message``; never a traceback, a hang, or a row dropped silently.

The first test runs a fixed set of corruption cases (tests/fuzz/fuzz_cases.py:
every kind once per form of file, on the sample packages), each in a child
process with a time limit; benchmarks/stress_fuzz.py runs the same with many
seeds. The tests after it pin down what the loader says for each kind.
"""
from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fuzz_cases
from helpers import load
from helpers.encoding import encode_cp1258, encode_tcvn3, encode_vni
from helpers.load import read_package

#: A case is killed after this many seconds, and must take less than MAX_SECONDS
#: (the sample files are small; a loaded machine is slower, hence the margin).
CASE_TIMEOUT = 30
MAX_SECONDS = 10

CASES = fuzz_cases.default_cases()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    return {r.case.id: r for r in fuzz_cases.run_cases(CASES, work, timeout=CASE_TIMEOUT, jobs=2)}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corrupted_file_is_loaded_or_reported(results, case):
    result = results[case.id]
    assert result.outcome in ("valid", "errors"), result.violations
    assert not result.violations, "\n".join(result.violations)
    assert result.seconds < MAX_SECONDS


def test_every_corruption_kind_is_in_the_default_run():
    assert {c.kind for c in CASES} == set(fuzz_cases.ALL_KINDS)


# --- what the loader says, kind by kind ------------------------------------------------------

EVENTS = ("event_id,date,commune,activity,participants\n"
          "E1,15/03/2021,Thung Nai,meeting,12\n"
          "E2,16/03/2021,Bình Thanh,training,30\n")


def events_frame() -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["E1", "E2"], "date": ["15/03/2021", "16/03/2021"],
                         "commune": ["Thung Nai", "Bình Thanh"], "activity": ["meeting", "training"],
                         "participants": [12, 30]})


def errors(problems) -> list[str]:
    return [str(p) for p in problems if p.is_error]


def warnings(problems) -> list[str]:
    return [str(p) for p in problems if not p.is_error]


def check(package) -> dict:
    """fuzz_cases.check_package, asserting it found nothing broken."""
    result = fuzz_cases.check_package(package)
    assert not result["violations"], result["violations"]
    return result


@pytest.mark.parametrize("name", ["events.csv", "events.xlsx", "events.parquet"])
@pytest.mark.parametrize("content", ["zeros", "table then zeros"])
def test_one_gigabyte_sparse_file_is_refused_at_once(tmp_path, make_package, limit, name, content):
    package = make_package(tmp_path, {name: events_frame() if content != "zeros" else b""})
    with (package / name).open("r+b") as handle:
        handle.truncate(fuzz_cases.GIB)
    started = time.perf_counter()
    with limit(10):
        project, problems = read_package(package)
    assert time.perf_counter() - started < 2
    assert project is None
    (error,) = errors(problems)
    assert error.startswith(f"{name}: error: ")


def test_csv_with_zeros_at_its_end_is_refused_by_its_tail(tmp_path, make_package):
    # Zeros after 200 KB of good rows: seen at the end before the file is read
    # (the message of a NUL found by reading it all would name a row).
    rows = "E3,17/03/2021,Thung Nai,meeting,1\n" * 6000
    package = make_package(tmp_path, {"events.csv": (EVENTS + rows).encode() + b"\x00" * 200_000})
    _, problems = read_package(package)
    assert errors(problems) == ["events.csv: error: is not a CSV text file (it is a binary file, not CSV text)"]


@pytest.mark.parametrize("name", ["events.csv", "events.xlsx", "events.parquet", "data.xlsx", "project.yml"])
def test_zero_byte_file_is_an_error_naming_it(tmp_path, make_package, name):
    package = make_package(tmp_path, {name: b""}, project_yml=None if name == "project.yml" else
                           "id: proj\ntitle: T\ncommunes: [Thung Nai]\nperiod: {start: 2021-01-01, end: 2021-12-31}\n")
    if name == "project.yml":
        (package / name).write_bytes(b"")
    project, problems = read_package(package)
    assert project is None
    assert errors(problems) and all(e.startswith(name) for e in errors(problems))
    check(package)


def test_table_over_the_size_limit_is_refused(tmp_path, make_package, monkeypatch):
    monkeypatch.setattr(load, "MAX_TABLE_BYTES", 100)
    package = make_package(tmp_path, {"events.csv": EVENTS + "E3,17/03/2021,Thung Nai,meeting,1\n" * 5})
    _, problems = read_package(package)
    (error,) = errors(problems)
    assert error.startswith("events.csv: error: is 0 MB: tables of more than 0 MB are not read")


def test_workbook_that_unpacks_too_large_is_refused(tmp_path, make_package, monkeypatch):
    frame = events_frame().assign(title="Họp dân " * 4000)  # unpacks to many times its size
    package = make_package(tmp_path, {"events.xlsx": frame})
    monkeypatch.setattr(load, "MAX_TABLE_BYTES", (package / "events.xlsx").stat().st_size + 1)
    _, problems = read_package(package)
    (error,) = errors(problems)
    assert "unpacks to" in error and error.startswith("events.xlsx: error:")


def test_parquet_with_too_many_rows_is_refused_before_being_read(tmp_path, make_package, monkeypatch):
    monkeypatch.setattr(load, "MAX_TABLE_ROWS", 1)
    _, problems = read_package(make_package(tmp_path, {"events.parquet": events_frame()}))
    assert errors(problems) == ["events.parquet: error: has 2 rows: tables of more than 1 rows are not read "
                                "(split it, e.g. one file per year)"]


# --- encodings --------------------------------------------------------------------------------

VIETNAMESE_EVENTS = ("Mã hoạt động;Ngày;Xã;Loại hoạt động;Số người tham dự\n"
                     "E1;15/03/2021;Thung Nai;truyền thông;12\n"
                     "E2;16/03/2021;Bình Thanh;tập huấn;30\n")


@pytest.mark.parametrize("encode, name, example", [
    (encode_cp1258, "Windows-1258", "'MaÞ' is 'Mã'"),
    (encode_tcvn3, "TCVN3 (ABC)", "'M·' is 'Mã'"),
    (encode_vni, "VNI-Windows", "'Maõ' is 'Mã'"),
], ids=["windows-1258", "tcvn3", "vni"])
def test_csv_in_a_legacy_encoding_is_named_with_what_to_do(tmp_path, make_package, encode, name, example):
    package = make_package(tmp_path, {"events.csv": encode(VIETNAMESE_EVENTS)})
    project, problems = read_package(package)
    assert project is None
    (error,) = errors(problems)
    assert error.startswith(f"events.csv: error: is not UTF-8 text: it looks like {name} ({example})")
    assert "UTF-8" in error and ("UniKey" in error or "Save as" in error)
    check(package)


@pytest.mark.parametrize("encode, name", [(encode_tcvn3, "TCVN3 (ABC)"), (encode_vni, "VNI-Windows"),
                                          (encode_cp1258, "Windows-1258")], ids=["tcvn3", "vni", "windows-1258"])
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_unicode_file_with_text_typed_in_a_legacy_font_is_reported(tmp_path, make_package, encode, name, form):
    # What an old spreadsheet typed in .VnTime (or VNI-Times) becomes once saved as
    # Unicode: the right bytes, shown as the wrong letters ('Th¾ng' for 'Thắng').
    grid = [[cell for cell in line.split(";")] for line in VIETNAMESE_EVENTS.strip().split("\n")]
    typed = [[encode(c).decode("latin-1") for c in row] for row in grid]
    if form == "csv":
        package = make_package(tmp_path, {"events.csv": "\n".join(";".join(r) for r in typed) + "\n"})
    else:
        package = make_package(tmp_path, {"events.xlsx": pd.DataFrame(typed[1:], columns=typed[0])})
    project, problems = read_package(package)
    assert project is None
    (error,) = errors(problems)
    assert error.startswith(f"events.{form}: error: holds text in the old {name} encoding, not Unicode: ")
    assert "Unicode" in error.split("(", 1)[1]


def test_vietnamese_unicode_text_is_not_mistaken_for_a_legacy_encoding(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": VIETNAMESE_EVENTS})
    project, problems = read_package(package)
    assert project is not None, errors(problems)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_csv_is_an_error_that_says_utf8(tmp_path, make_package, encoding):
    package = make_package(tmp_path, {"events.csv": VIETNAMESE_EVENTS.encode(encoding)})
    (error,) = errors(read_package(package)[1])
    assert error.startswith("events.csv: error: is not a CSV text file")


# --- csv structure ----------------------------------------------------------------------------


def test_extra_cell_on_the_first_record_is_an_error_at_that_row(tmp_path, make_package):
    text = EVENTS.replace("meeting,12\n", "meeting,12,\n")
    (error,) = errors(read_package(make_package(tmp_path, {"events.csv": text}))[1])
    assert error == "events.csv:2: error: has 6 cells but the header has 5 (check for a stray ',' or an unclosed quote)"


def test_short_record_is_kept_and_its_missing_cells_are_errors(tmp_path, make_package):
    text = EVENTS.replace("E2,16/03/2021,Bình Thanh,training,30", "E2,16/03/2021")
    problems = read_package(make_package(tmp_path, {"events.csv": text}))[1]
    assert {p.row for p in problems if p.is_error} == {3}


def test_nul_byte_in_the_middle_is_an_error_at_its_line(tmp_path, make_package):
    # Far from both ends, where only reading the whole file finds it.
    rows = [f"E{i},17/03/2021,Thung Nai,meeting,1\n" for i in range(3, 10003)]
    rows[5000] = rows[5000].replace("meeting", "meet\x00ing")  # on row 5004
    package = make_package(tmp_path, {"events.csv": EVENTS + "".join(rows)})
    (error,) = errors(read_package(package)[1])
    assert error.startswith("events.csv:5004: error: holds a NUL byte")


def test_unclosed_quote_is_an_error_at_its_row(tmp_path, make_package):
    text = EVENTS.replace("E2,", '"E2,')
    (error,) = errors(read_package(make_package(tmp_path, {"events.csv": text}))[1])
    assert error.startswith('events.csv:3: error: has a quote (") that is never closed')


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_old_mac_and_windows_line_endings(tmp_path, make_package, newline):
    project, problems = read_package(make_package(tmp_path, {"events.csv": EVENTS.replace("\n", newline)}))
    assert project is not None, errors(problems)
    assert project.events["_row"].tolist() == [2, 3]


def test_duplicated_header_is_an_error(tmp_path, make_package):
    text = EVENTS.replace("activity,participants", "activity,Số người tham dự,participants").replace(
        "meeting,12", "meeting,12,12").replace("training,30", "training,30,30")
    (error,) = errors(read_package(make_package(tmp_path, {"events.csv": text}))[1])
    assert error.startswith("events.csv:1:participants: error: is a second 'participants' column")


# --- xlsx ---------------------------------------------------------------------------------------


def workbook_package(tmp_path, make_package, build) -> Path:
    workbook = openpyxl.Workbook()
    build(workbook.active)
    package = make_package(tmp_path, {})
    workbook.save(package / "events.xlsx")
    return package


def two_events(sheet) -> None:
    sheet.append(["event_id", "date", "commune", "activity", "participants"])
    sheet.append(["E1", dt.datetime(2021, 3, 15), "Thung Nai", "meeting", 12])
    sheet.append(["E2", dt.datetime(2021, 3, 16), "Bình Thanh", "training", 30])


def test_formula_without_a_saved_result_is_an_error_at_its_cell(tmp_path, make_package):
    def build(sheet):
        two_events(sheet)
        sheet["E3"] = "=20+10"  # openpyxl, like many programs, saves no result
    package = workbook_package(tmp_path, make_package, build)
    project, problems = read_package(package)
    assert project is None
    assert "events.xlsx:3:participants: error: holds a formula whose result is not saved in the file" in \
        "\n".join(errors(problems))
    check(package)


def test_formula_with_its_saved_result_reads_the_result(tmp_path, make_package):
    def build(sheet):
        two_events(sheet)
        sheet["E3"] = "=20+10"
    package = workbook_package(tmp_path, make_package, build)
    path = package / "events.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    sheet_xml = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = re.sub(rb"<f>20\+10</f>(<v\s*/>|<v></v>)?", b"<f>20+10</f><v>30</v>",
                                                 sheet_xml)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    project, problems = read_package(package)
    assert project is not None, errors(problems)
    assert project.events["participants"].tolist() == [12, 30]


def test_title_row_above_the_header_says_where_the_header_is(tmp_path, make_package):
    def build(sheet):
        sheet.append(["BÁO CÁO HOẠT ĐỘNG NĂM 2021"])
        sheet.merge_cells("A1:E1")
        sheet.append([None])
        for row in (["event_id", "date", "commune", "activity", "participants"],
                    ["E1", dt.datetime(2021, 3, 15), "Thung Nai", "meeting", 12]):
            sheet.append(row)
    package = workbook_package(tmp_path, make_package, build)
    (error,) = errors(read_package(package)[1])
    assert error.startswith("events.xlsx:1: error: row 1 is not a header row")
    assert "the column names seem to be in row 3: delete the rows above it" in error
    check(package)


def test_wrong_sheet_dimension_is_read_quickly(tmp_path, make_package, limit):
    package = workbook_package(tmp_path, make_package, two_events)
    path = package / "events.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    members["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"',
                                                 members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with limit(10):
        project, problems = read_package(package)
    assert project is not None, errors(problems)
    assert len(project.events) == 2


def test_values_right_of_the_last_header_are_a_warning_not_lost(tmp_path, make_package):
    def build(sheet):
        two_events(sheet)
        sheet["H3"] = "ghi chú"
    project, problems = read_package(workbook_package(tmp_path, make_package, build))
    assert project is not None
    assert warnings(problems) == ["events.xlsx:1:column 8: warning: has values but no header; it is ignored"]


def test_merged_header_cells_leave_a_column_without_a_name(tmp_path, make_package):
    def build(sheet):
        two_events(sheet)
        sheet.merge_cells("D1:E1")  # "participants" disappears under "activity"
    package = workbook_package(tmp_path, make_package, build)
    problems = read_package(package)[1]
    assert "events.xlsx:1:participants: error: the required column 'participants'" in "\n".join(errors(problems))
    assert "events.xlsx:1:column 5: warning: has values but no header; it is ignored" in warnings(problems)


def test_shared_string_out_of_range_is_an_error_not_a_traceback(tmp_path, make_package):
    package = workbook_package(tmp_path, make_package, two_events)
    path = package / "events.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    members["xl/worksheets/sheet1.xml"] = re.sub(rb't="inlineStr"><is><t>event_id</t></is>', b't="s"><v>999</v>',
                                                 members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    (error,) = errors(read_package(package)[1])
    assert error.startswith("events.xlsx: error: cannot be read (IndexError")
    check(package)


# --- parquet ----------------------------------------------------------------------------------


def test_parquet_list_column_is_an_error_per_row(tmp_path, make_package):
    package = make_package(tmp_path, {})
    table = pa.table({"event_id": ["E1", "E2"], "date": ["15/03/2021", "16/03/2021"],
                      "commune": pa.array([["Thung Nai"], ["Bình Thanh"]]), "activity": ["meeting", "training"],
                      "participants": [12, 30]})
    pq.write_table(table, package / "events.parquet")
    problems = read_package(package)[1]
    listed = [e for e in errors(problems) if "not a single value" in e]
    assert [e.split(": ")[0] for e in listed] == ["events.parquet:2:commune", "events.parquet:3:commune"]
    check(package)


def test_parquet_utf8_bytes_are_text(tmp_path, make_package):
    package = make_package(tmp_path, {})
    table = pa.table({"event_id": pa.array([b"E1", b"E2"]), "date": ["15/03/2021", "16/03/2021"],
                      "commune": pa.array(["Thung Nai".encode(), "Bình Thanh".encode()]),
                      "activity": ["meeting", "training"], "participants": [12, 30]})
    pq.write_table(table, package / "events.parquet")
    project, problems = read_package(package)
    assert project is not None, errors(problems)
    assert project.events["commune"].tolist() == ["Thung Nai", "Bình Thanh"]
