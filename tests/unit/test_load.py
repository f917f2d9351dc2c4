"""Reading a package: file forms, files that are not tables, row numbers, headers."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile

import openpyxl
import pandas as pd
import pytest

from helpers import load_project
from helpers.errors import ProjectNotFound, ValidationFailed
from helpers.load import read_package

EVENTS_HEADER = "event_id,date,commune,activity,participants\n"
EVENTS_ROWS = "E1,15/03/2021,Thung Nai,meeting,12\nE2,16/03/2021,Bình Thanh,training,30\n"


def errors_of(problems) -> list[str]:
    return [str(p) for p in problems if p.is_error]


def warnings_of(problems) -> list[str]:
    return [str(p) for p in problems if not p.is_error]


def events_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": ["E1", "E2"],
        "date": ["15/03/2021", "2021-03-16"],
        "commune": ["Thung Nai", "xã Bình Thanh"],
        "activity": ["meeting", "tập huấn"],
        "participants": [12, 30],
    })


def assert_two_events(project) -> None:
    events = project.events
    assert events["event_id"].tolist() == ["E1", "E2"]
    assert [d.date() for d in events["date"]] == [dt.date(2021, 3, 15), dt.date(2021, 3, 16)]
    assert events["commune"].tolist() == ["Thung Nai", "Bình Thanh"]
    assert events["activity"].tolist() == ["meeting", "training"]
    assert events["participants"].tolist() == [12, 30]
    assert events["_row"].tolist() == [2, 3]


# --- file forms ---------------------------------------------------------------------------


def test_csv(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": events_frame()})
    assert_two_events(load_project(package))


def test_xlsx(tmp_path, make_package):
    package = make_package(tmp_path, {"events.xlsx": events_frame()})
    assert_two_events(load_project(package))


def test_xlsx_with_real_date_cells(tmp_path, make_package):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã hoạt động", "Ngày", "Xã", "Loại hoạt động", "Số người tham dự"])
    sheet.append(["E1", dt.date(2021, 3, 15), "Thung Nai", "meeting", 12])
    sheet.append(["E2", dt.datetime(2021, 3, 16), "xã Bình Thanh", "tập huấn", 30])
    sheet["B2"].number_format = "dd/mm/yyyy"
    package = make_package(tmp_path, {})
    workbook.save(package / "events.xlsx")
    assert_two_events(load_project(package))


def test_xlsx_with_a_wrong_dimension_record(tmp_path, make_package):
    # Many tools other than Excel write <dimension ref="A1"/> whatever the sheet
    # holds; the cells are all there and Excel shows them all.
    package = make_package(tmp_path, {})
    events_frame().to_excel(tmp_path / "written.xlsx", index=False)
    with zipfile.ZipFile(tmp_path / "written.xlsx") as source, \
            zipfile.ZipFile(package / "events.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            target.writestr(item, data)
    assert_two_events(load_project(package))


def test_parquet(tmp_path, make_package):
    package = make_package(tmp_path, {"events.parquet": events_frame()})
    assert_two_events(load_project(package))


def test_parquet_with_typed_columns(tmp_path, make_package):
    frame = events_frame().assign(date=pd.to_datetime(["2021-03-15", "2021-03-16"]))
    package = make_package(tmp_path, {"events.parquet": frame})
    assert_two_events(load_project(package))


def test_single_data_xlsx_with_four_sheets(tmp_path, make_package):
    sheets = {
        "events": events_frame(),
        "services": pd.DataFrame({"person_id": ["P1", "P1", "P2"], "date": ["15/03/2021"] * 3,
                                  "commune": ["Thung Nai"] * 3, "service": ["counselling", "health_check", "renewal"]}),
        "coverage": pd.DataFrame({"as_of": ["31/12/2021"], "commune": ["Thung Nai"],
                                  "population": [1000], "insured": [900]}),
        "budget": pd.DataFrame({"line": ["Training"], "planned": ["10 triệu"], "disbursed": [8_000_000]}),
    }
    project = load_project(make_package(tmp_path, {"data.xlsx": sheets}))
    assert_two_events(project)
    assert project.services["person_id"].tolist() == ["P1", "P1", "P2"]
    assert project.coverage["insured"].tolist() == [900]
    assert project.budget["planned"].tolist() == [10_000_000]
    assert project.budget["disbursed"].tolist() == [8_000_000]


def test_data_xlsx_problems_name_the_sheet(tmp_path, make_package):
    sheets = {"events": events_frame().assign(participants=[12, -1])}
    project, problems = read_package(make_package(tmp_path, {"data.xlsx": sheets}))
    assert project is None
    assert errors_of(problems)[0].startswith("data.xlsx[events]:3:participants:")


def test_two_files_for_one_table_is_an_error_naming_both(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": events_frame(), "events.xlsx": events_frame()})
    project, problems = read_package(package)
    assert project is None
    errors = errors_of(problems)
    assert errors
    assert all("events.csv" in e and "events.xlsx" in e for e in errors)


def test_csv_and_data_xlsx_sheet_for_one_table_is_an_error(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": events_frame(), "data.xlsx": {"events": events_frame()}})
    project, problems = read_package(package)
    assert project is None
    assert any("events.csv" in e and "data.xlsx[events]" in e for e in errors_of(problems))


def test_tables_are_optional(tmp_path, make_package):
    project = load_project(make_package(tmp_path, {}))
    assert project.events is None and project.services is None
    assert project.coverage is None and project.budget is None


# --- inputs that are not tables: an error naming the file, never an exception ---------------


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes: base letters precomposed where the code page has them,
    tone marks as separate combining bytes (how Vietnamese Windows writes it)."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out += base.encode("cp1258") + "".join(c for c in decomposed if c in tones).encode("cp1258")
    return out


NOT_TABLES = {
    "binary junk in a csv": ("events.csv", bytes(range(256)) * 4),
    "windows-1258 csv": ("events.csv", cp1258("Mã hoạt động,Ngày,Xã,Loại hoạt động,Số người tham dự\n"
                                              "E1,15/03/2021,Hải Hòa,họp,12\n")),
    "empty csv": ("events.csv", b""),
    "csv of blank lines": ("events.csv", b"\n\n\n"),
    "xlsx that is text": ("events.xlsx", b"event_id,date\nE1,15/03/2021\n"),
    "parquet that is text": ("events.parquet", b"event_id,date\nE1,15/03/2021\n"),
    "data.xlsx that is text": ("data.xlsx", b"not a workbook"),
    "utf-16 csv": ("events.csv", (EVENTS_HEADER + EVENTS_ROWS).encode("utf-16")),
}


@pytest.mark.parametrize("name, content", list(NOT_TABLES.values()), ids=list(NOT_TABLES))
def test_not_a_table_is_an_error_naming_the_file(tmp_path, make_package, name, content):
    project, problems = read_package(make_package(tmp_path, {name: content}))  # must not raise
    assert project is None
    errors = errors_of(problems)
    assert errors
    assert all(e.startswith(name) for e in errors), errors


def test_windows_1258_error_says_what_to_do(tmp_path, make_package):
    name, content = NOT_TABLES["windows-1258 csv"]
    _, problems = read_package(make_package(tmp_path, {name: content}))
    (error,) = errors_of(problems)
    assert "UTF-8" in error


def test_header_row_missing(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": EVENTS_ROWS})
    project, problems = read_package(package)
    assert project is None
    errors = errors_of(problems)
    assert errors[0].startswith("events.csv:1:")
    assert "header" in errors[0]


def test_xlsx_with_empty_first_row(tmp_path, make_package):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A2"] = "event_id"
    package = make_package(tmp_path, {})
    workbook.save(package / "events.xlsx")
    project, problems = read_package(package)
    assert project is None
    assert errors_of(problems)[0].startswith("events.xlsx:1:")


def test_empty_xlsx(tmp_path, make_package):
    package = make_package(tmp_path, {})
    openpyxl.Workbook().save(package / "events.xlsx")
    project, problems = read_package(package)
    assert project is None
    assert errors_of(problems) and errors_of(problems)[0].startswith("events.xlsx")


def test_missing_project_folder_raises_project_not_found(tmp_path):
    with pytest.raises(ProjectNotFound):
        load_project("no-such-project", data_dir=tmp_path)


def test_load_project_raises_validation_failed_with_every_problem(tmp_path, make_package):
    package = make_package(tmp_path, {"events.csv": EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,-1\n"})
    with pytest.raises(ValidationFailed) as caught:
        load_project(package)
    assert [str(p).split(": ")[0] for p in caught.value.errors] == ["events.csv:2:participants"]


# --- row numbers --------------------------------------------------------------------------------


def test_rows_are_numbered_as_in_the_spreadsheet(tmp_path, make_package):
    text = EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,12\nE2,15/03/2021,Thung Nai,meeting,-3\n"
    _, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert [str(p).split(": ")[0] for p in problems] == ["events.csv:3:participants"]


def test_blank_row_in_the_middle_does_not_shift_later_rows(tmp_path, make_package):
    text = (EVENTS_HEADER
            + "E1,15/03/2021,Thung Nai,meeting,12\n"  # row 2
            + "\n"  # row 3, blank
            + ",,,,\n"  # row 4, only separators
            + "E2,15/03/2021,Thung Nai,meeting,-3\n")  # row 5
    project, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert [str(p).split(": ")[0] for p in problems] == ["events.csv:5:participants"]
    package = make_package(tmp_path, {"events.csv": text.replace("-3", "3")})
    project = load_project(package)
    assert project.events["_row"].tolist() == [2, 5]
    assert project.events["event_id"].tolist() == ["E1", "E2"]


def test_blank_row_in_xlsx_does_not_shift_later_rows(tmp_path, make_package):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["event_id", "date", "commune", "activity", "participants"])
    sheet.append(["E1", dt.datetime(2021, 3, 15), "Thung Nai", "meeting", 12])  # row 2
    sheet.append(["E2", dt.datetime(2021, 3, 15), "Thung Nai", "meeting", 5])  # row 3
    sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"], sheet["E5"] = "E3", "15/03/2021", "Thung Nai", "meeting", -1
    sheet["A4"] = "   "  # row 4 holds only spaces
    package = make_package(tmp_path, {})
    workbook.save(package / "events.xlsx")
    _, problems = read_package(package)
    assert [str(p).split(": ")[0] for p in problems] == ["events.xlsx:5:participants"]


def test_quoted_multiline_cell_counts_as_one_record(tmp_path, make_package):
    # A cell with a line break inside quotes is one spreadsheet row.
    text = ("event_id,date,commune,activity,title,participants\n"
            'E1,15/03/2021,Thung Nai,meeting,"Họp dân\nthôn 1",12\n'
            "E2,15/03/2021,Thung Nai,meeting,Họp,-1\n")
    _, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert [str(p).split(": ")[0] for p in problems] == ["events.csv:3:participants"]


def test_row_with_an_extra_cell_is_reported_at_that_row(tmp_path, make_package):
    # A trailing separator on the first record: one cell more than the header.
    text = EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,12,\nE2,16/03/2021,Bình Thanh,training,30\n"
    _, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    errors = errors_of(problems)
    assert errors, "a row wider than the header must not pass silently"
    assert errors[0].startswith("events.csv:2")
    assert "6 cells" in errors[0]
    assert not any(e.startswith("events.csv:3") for e in errors), errors  # row 3 is fine


def test_row_with_extra_cells_later_in_the_file(tmp_path, make_package):
    text = EVENTS_HEADER + "E1,15/03/2021,Thung Nai,meeting,12\nE2,16/03/2021,Bình Thanh,training,30,5,6\n"
    _, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    (error,) = errors_of(problems)
    assert error.startswith("events.csv:3")
    assert "7 cells" in error


# --- headers ------------------------------------------------------------------------------------------


def test_duplicated_header_is_an_error(tmp_path, make_package):
    text = "event_id,date,commune,activity,participants,Số người tham dự\nE1,15/03/2021,Thung Nai,meeting,12,12\n"
    project, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert project is None
    (error,) = errors_of(problems)
    assert error.startswith("events.csv:1:Số người tham dự:")
    assert "participants" in error


def test_same_header_twice_is_an_error(tmp_path, make_package):
    text = "event_id,event_id,date,commune,activity,participants\nE1,E1,15/03/2021,Thung Nai,meeting,12\n"
    project, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert project is None
    (error,) = errors_of(problems)
    assert error.startswith("events.csv:1:event_id:")


def test_unknown_column_is_a_warning(tmp_path, make_package):
    text = "event_id,date,commune,activity,participants,Ghi chú\nE1,15/03/2021,Thung Nai,meeting,12,ok\n"
    project, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert project is not None
    assert errors_of(problems) == []
    (warning,) = warnings_of(problems)
    assert warning.startswith("events.csv:1:Ghi chú: warning:")
    assert "Ghi chú" not in project.events.columns
    assert project.warnings == [p for p in problems if not p.is_error]


def test_missing_required_column_is_an_error_at_row_1_naming_it(tmp_path, make_package):
    text = "event_id,date,commune,participants\nE1,15/03/2021,Thung Nai,12\n"
    project, problems = read_package(make_package(tmp_path, {"events.csv": text}))
    assert project is None
    (error,) = errors_of(problems)
    assert error.startswith("events.csv:1:activity:")
    assert "activity" in error.split(":", 3)[3]


def test_missing_optional_column_is_fine(tmp_path, make_package):
    project = load_project(make_package(tmp_path, {"events.csv": EVENTS_HEADER + EVENTS_ROWS}))
    assert "female" not in project.events.columns
