"""``workbook import-kobo``: a KoBoToolbox export → package tables, checked against rows counted by hand.

The fixture (tests/fixtures/kobo/, written by make_export.py) has 7 submissions
of the activity form: 3 approved (HD01, HD02, HD05), 1 on hold (HD03), 1 not
validated (HD06) and 2 not approved (HD04, HD07), and 14 people in the repeat
group ``nguoi``: 3 at HD01, 4 at HD03, 2 at HD04, 5 at HD05. Counting by hand:

- events: the 5 submissions not marked not approved; participants 60+25+40+55+18 = 198.
- services: one row per chosen service: HD01 2+1+1, HD03 1+2+1+1, HD05 1+2+1+2+1 = 16 rows
  (HD04's 2 people are left out with their submission).
- distinct people 11 (P-TN-001..006, P-BT-003..007); counselled (tu_van or tro_giup_phap_ly)
  5: TN-001, TN-002, TN-003, TN-004, BT-004; examined (kham_sk) 6: TN-001, BT-003..007;
  enrolled (cap_the, gia_han) 3: TN-005, TN-006, BT-006; women among the 11: 6.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from helpers import compute, load_project
from helpers import kobo
from helpers.cli import COMMANDS
from helpers.kobo import import_export, read_export, status_of, write_tables

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kobo"
EXPORT_XLSX = FIXTURES / "export.xlsx"
EXPORT_CSV = FIXTURES / "export.csv"
MAPPING = FIXTURES / "mapping.yml"
MAIN_SHEET = "Phiếu hoạt động BHYT"
COMMUNES = ["Thung Nai", "Bình Thanh"]
PROJECT_YML = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai, Bình Thanh]
period: {start: 2020-09-01, end: 2021-08-31}
"""

EXPECTED_EVENTS = [
    {"event_id": "HD01", "date": "2020-10-05", "commune": "Thung Nai", "activity": "communication",
     "title": "Truyền thông về BHYT tại nhà văn hóa xóm Bưng", "participants": 60, "female": 35,
     "ethnic_minority": 58, "cost": 4500000},
    {"event_id": "HD02", "date": "2020-11-12", "commune": "Bình Thanh", "activity": "training",
     "title": "Tập huấn chính sách BHYT cho cán bộ xã", "participants": 25, "female": 12, "ethnic_minority": 20,
     "cost": 8000000},
    {"event_id": "HD03", "date": "2021-01-20", "commune": "Thung Nai", "activity": "counselling",
     "title": "Tư vấn, trợ giúp pháp lý lưu động", "participants": 40, "female": 22, "ethnic_minority": 39,
     "cost": 3200000},
    {"event_id": "HD05", "date": "2021-04-15", "commune": "Bình Thanh", "activity": "health_check",
     "title": "Khám sức khỏe miễn phí", "participants": 55, "female": 36, "ethnic_minority": 54, "cost": 12500000},
    {"event_id": "HD06", "date": "2021-05-20", "commune": "Thung Nai", "activity": "meeting",
     "title": "Họp đánh giá giữa kỳ", "participants": 18, "female": 7, "ethnic_minority": 15, "cost": None},
]
# (person, service, event): one services row each, counted by hand from make_export.PEOPLE.
EXPECTED_SERVICES = Counter([
    ("P-TN-001", "counselling", "HD01"), ("P-TN-001", "health_check", "HD01"), ("P-TN-002", "legal_aid", "HD01"),
    ("P-TN-003", "counselling", "HD01"),
    ("P-TN-001", "counselling", "HD03"), ("P-TN-004", "counselling", "HD03"), ("P-TN-004", "legal_aid", "HD03"),
    ("P-TN-005", "enrollment", "HD03"), ("P-TN-006", "renewal", "HD03"),
    ("P-BT-003", "health_check", "HD05"), ("P-BT-004", "health_check", "HD05"), ("P-BT-004", "counselling", "HD05"),
    ("P-BT-005", "health_check", "HD05"), ("P-BT-006", "health_check", "HD05"), ("P-BT-006", "renewal", "HD05"),
    ("P-BT-007", "health_check", "HD05"),
])


def run_command(*argv: str) -> int:
    """Parse and run ``workbook import-kobo ...`` through the module's hooks, as helpers.cli does."""
    parser = argparse.ArgumentParser(prog="workbook import-kobo")
    kobo.add_arguments(parser)
    return kobo.run(parser.parse_args(list(argv)))


def package(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "project.yml").write_text(PROJECT_YML, encoding="utf-8")
    return folder


def edited_export(tmp_path: Path, edit) -> Path:
    """A copy of the fixture export with ``edit(workbook)`` applied."""
    workbook = openpyxl.load_workbook(EXPORT_XLSX)
    edit(workbook)
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    return path


def edited_mapping(tmp_path: Path, old: str, new: str) -> Path:
    text = MAPPING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mapping.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


# --- reading the export -----------------------------------------------------------------------------


def test_command_is_registered():
    assert COMMANDS["import-kobo"][0] == "helpers.kobo"


def test_fixture_has_a_main_sheet_and_a_repeat_group_joined_by_index():
    export = read_export(EXPORT_XLSX)
    assert list(export.sheets) == [MAIN_SHEET, "nguoi"]
    main, people = export.sheets[MAIN_SHEET], export.sheets["nguoi"]
    assert len(main.rows) == 7 and len(people.rows) == 14
    assert {"_id", "_uuid", "_submission_time", "_validation_status", "_index"} <= set(main.headers)
    assert {"_index", "_parent_index", "_parent_table_name", "_submission__uuid"} <= set(people.headers)
    assert {r["_parent_table_name"] for r in people.rows} == {MAIN_SHEET}
    assert people.rows[0]["nguoi/dich_vu"] == "tu_van kham_sk"
    assert (people.rows[0]["nguoi/dich_vu/tu_van"], people.rows[0]["nguoi/dich_vu/cap_the"]) == (1, 0)


def test_csv_export_is_semicolon_separated_main_sheet():
    assert EXPORT_CSV.read_text(encoding="utf-8").splitlines()[0].startswith('"start";"end";')
    export = read_export(EXPORT_CSV)
    assert export.csv and len(export.main.rows) == 7
    assert export.main.rows[0]["grp_info/xa"] == "thung_nai"


def test_validation_status_spellings():
    assert status_of("validation_status_not_approved") == "not_approved"
    assert status_of("validation_status_on_hold") == "on_hold"
    assert status_of("Not Approved") == "not_approved"
    assert status_of("Approved") == "approved"
    assert status_of("") == status_of(None) == ""


# --- the import ---------------------------------------------------------------------------------------


def test_import_gives_the_rows_counted_by_hand():
    result = import_export(EXPORT_XLSX, MAPPING, communes=COMMUNES)
    assert result.errors == []
    assert result.counts.submissions == 7
    assert result.counts.left_out == 2
    assert result.counts.by_status == {"approved": 3, "on_hold": 1, "": 1, "not_approved": 2}
    assert result.counts.rows == {"events": 5, "services": 16}
    assert result.counts.repeat_rows_left_out == {"services": 2}
    assert [{k: r.get(k) for k in EXPECTED_EVENTS[0]} for r in result.tables["events"]] == EXPECTED_EVENTS
    services = result.tables["services"]
    assert Counter((r["person_id"], r["service"], r["event_id"]) for r in services) == EXPECTED_SERVICES
    first = services[0]
    assert first == {"person_id": "P-TN-001", "date": "2020-10-05", "commune": "Thung Nai", "service": "counselling",
                     "sex": "female", "birth_year": 1975, "ethnicity": "Mường", "household": "near_poor",
                     "event_id": "HD01"}
    no_year = next(r for r in services if r["person_id"] == "P-TN-005")
    assert (no_year["birth_year"], no_year["household"]) == (None, None)


def test_command_writes_csv_tables_that_load_with_the_hand_counted_measures(tmp_path, capsys):
    folder = package(tmp_path)
    assert run_command(str(EXPORT_XLSX), "--map", str(MAPPING), "--project", "proj", "--out", str(folder)) == 0
    out = capsys.readouterr().out
    assert "7 submissions read" in out and "2 left out" in out
    assert "events.csv: 5 rows" in out and "services.csv: 16 rows" in out
    project = load_project(folder)
    assert project.warnings == []
    values = compute(project)
    assert values["events_held"] == 5
    assert values["people_reached"] == 198
    assert values["people_served"] == 11
    assert values["people_counselled"] == 5
    assert values["people_examined"] == 6
    assert values["people_enrolled"] == 3
    assert values["female_share_served"] == pytest.approx(6 / 11)


def test_default_output_folder_is_the_project_in_the_data_dir(tmp_path):
    package(tmp_path)
    assert run_command(str(EXPORT_XLSX), "--map", str(MAPPING), "--project", "proj",
                       "--data-dir", str(tmp_path)) == 0
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == ["events.csv", "project.yml", "services.csv"]


def test_approved_only_keeps_approved_submissions_and_their_people():
    result = import_export(EXPORT_XLSX, MAPPING, communes=COMMUNES, approved_only=True)
    assert result.counts.left_out == 4
    assert [r["event_id"] for r in result.tables["events"]] == ["HD01", "HD02", "HD05"]
    assert len(result.tables["services"]) == 4 + 7
    assert result.counts.repeat_rows_left_out == {"services": 2 + 4}


def test_csv_variant_gives_the_same_events(tmp_path):
    from_xlsx = import_export(EXPORT_XLSX, MAPPING, communes=COMMUNES, tables=["events"])
    from_csv = import_export(EXPORT_CSV, MAPPING, communes=COMMUNES, tables=["events"])
    assert from_csv.errors == []
    assert from_csv.tables == from_xlsx.tables
    assert list(from_csv.tables) == ["events"]


def test_csv_export_cannot_hold_a_repeat_group(tmp_path, capsys):
    folder = package(tmp_path)
    assert run_command(str(EXPORT_CSV), "--map", str(MAPPING), "--project", "proj", "--out", str(folder)) == 1
    err = capsys.readouterr().err
    assert "mapping.yml:" in err and "tables.services.from: error: 'nguoi' is a repeat group" in err
    assert "nothing was written" in err
    assert sorted(p.name for p in folder.iterdir()) == ["project.yml"]
    assert run_command(str(EXPORT_CSV), "--map", str(MAPPING), "--project", "proj", "--out", str(folder),
                       "--table", "events") == 0
    assert sorted(p.name for p in folder.iterdir()) == ["events.csv", "project.yml"]


def test_select_multiple_exported_as_one_column_per_choice_only(tmp_path):
    def drop_whole_column(workbook):
        sheet = workbook["nguoi"]
        headers = [c.value for c in sheet[1]]
        sheet.delete_cols(headers.index("nguoi/dich_vu") + 1)

    path = edited_export(tmp_path, drop_whole_column)
    result = import_export(path, MAPPING, communes=COMMUNES)
    assert result.errors == []
    assert Counter((r["person_id"], r["service"], r["event_id"]) for r in result.tables["services"]) == EXPECTED_SERVICES


def test_headers_without_group_paths_still_match(tmp_path):
    def strip_groups(workbook):
        for sheet in workbook.worksheets:
            for cell in sheet[1]:
                if cell.value and cell.value.startswith(("grp_info/", "grp_sl/")):
                    cell.value = cell.value.split("/", 1)[1]

    result = import_export(edited_export(tmp_path, strip_groups), MAPPING, communes=COMMUNES)
    assert result.errors == []
    assert result.counts.rows == {"events": 5, "services": 16}


def test_status_given_as_labels(tmp_path):
    def labels(workbook):
        sheet = workbook[MAIN_SHEET]
        column = [c.value for c in sheet[1]].index("_validation_status") + 1
        for row in range(2, sheet.max_row + 1):
            cell = sheet.cell(row=row, column=column)
            cell.value = {"validation_status_approved": "Approved", "validation_status_not_approved": "Not Approved",
                          "validation_status_on_hold": "On Hold"}.get(cell.value, cell.value)
        # Repeat rows without their own status column: the status comes from the parent row.
        people = workbook["nguoi"]
        people.delete_cols([c.value for c in people[1]].index("_submission__validation_status") + 1)

    result = import_export(edited_export(tmp_path, labels), MAPPING, communes=COMMUNES)
    assert result.errors == []
    assert (result.counts.left_out, result.counts.rows) == (2, {"events": 5, "services": 16})


# --- problems: file:row:column: message -----------------------------------------------------------------


def test_unknown_choice_is_an_error_at_its_cell(tmp_path):
    def bad_sex(workbook):
        sheet = workbook["nguoi"]
        column = [c.value for c in sheet[1]].index("nguoi/gioi_tinh") + 1
        sheet.cell(row=4, column=column, value="khac")  # the third person (P-TN-003)

    result = import_export(edited_export(tmp_path, bad_sex), MAPPING, communes=COMMUNES)
    assert messages(result) == [
        "export.xlsx[nguoi]:4:nguoi/gioi_tinh: error: unknown choice 'khac' for sex (choices in the mapping: nu, nam) "
        "(add it under tables.services.columns.sex.values in mapping.yml)"
    ]


def test_unknown_choice_in_a_select_multiple(tmp_path):
    def bad_service(workbook):
        sheet = workbook["nguoi"]
        column = [c.value for c in sheet[1]].index("nguoi/dich_vu") + 1
        sheet.cell(row=11, column=column, value="kham_sk xet_nghiem")

    result = import_export(edited_export(tmp_path, bad_service), MAPPING, communes=COMMUNES)
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith("export.xlsx[nguoi]:11:nguoi/dich_vu: error: unknown choice 'xet_nghiem'")


def test_unknown_enum_word_without_a_values_map(tmp_path):
    mapping = edited_mapping(tmp_path, """      activity:
        field: grp_info/loai_hd
        values:
          truyen_thong: communication
          tap_huan: training
          tu_van: counselling
          kham_sk: health_check
          hop: meeting
""", "      activity: grp_info/loai_hd\n")
    result = import_export(EXPORT_XLSX, mapping, communes=COMMUNES, tables=["events"])
    # Choice names that are the contract's words without diacritics (truyen_thong, tap_huan, tu_van, hop)
    # are accepted as they are; kham_sk (HD05, row 6) is not a spelling the contract knows.
    assert messages(result) == [
        f"export.xlsx[{MAIN_SHEET}]:6:grp_info/loai_hd: error: unknown choice for activity: 'kham_sk' is not an "
        "allowed value (allowed: communication, training, counselling, health_check, campaign, broadcast, meeting, "
        "other) (add it under tables.events.columns.activity.values in mapping.yml)"
    ]
    assert [r["activity"] for r in result.tables["events"]] == [
        "communication", "training", "counselling", None, "meeting"]


def test_unmapped_required_column_is_an_error_in_the_mapping(tmp_path, capsys):
    mapping = edited_mapping(tmp_path, "      person_id: nguoi/ma_nguoi\n", "")
    folder = package(tmp_path)
    assert run_command(str(EXPORT_XLSX), "--map", str(mapping), "--project", "proj", "--out", str(folder)) == 1
    err = capsys.readouterr().err
    line = next(i for i, text in enumerate(mapping.read_text(encoding="utf-8").splitlines(), start=1)
                if text.strip() == "columns:" and i > 30)
    assert (f"mapping.yml:{line}:tables.services.columns: error: the required column 'person_id' of services "
            "is not mapped") in err
    assert sorted(p.name for p in folder.iterdir()) == ["project.yml"]


def test_field_not_in_the_export_names_the_closest(tmp_path):
    mapping = edited_mapping(tmp_path, "birth_year: nguoi/nam_sinh", "birth_year: nguoi/namsinh")
    result = import_export(EXPORT_XLSX, mapping, communes=COMMUNES)
    assert len(result.errors) == 1
    text = str(result.errors[0])
    assert ":tables.services.columns.birth_year: error: field 'nguoi/namsinh' is not in export.xlsx[nguoi]" in text
    assert "closest: 'nguoi/nam_sinh'" in text


def test_commune_not_in_the_project_is_an_error_with_the_closest(tmp_path):
    mapping = edited_mapping(tmp_path, "          thung_nai: Thung Nai\n", "          thung_nai: Thung Nay\n")
    result = import_export(EXPORT_XLSX, mapping, communes=COMMUNES, tables=["events"])
    assert messages(result) == [
        f"export.xlsx[{MAIN_SHEET}]:{row}:grp_info/xa: error: 'Thung Nay' is not a commune of this project "
        "(closest: 'Thung Nai')" for row in (2, 4, 7)
    ]


def test_several_choices_in_a_single_choice_column(tmp_path):
    def two_sexes(workbook):
        sheet = workbook["nguoi"]
        column = [c.value for c in sheet[1]].index("nguoi/gioi_tinh") + 1
        sheet.cell(row=2, column=column, value="nu nam")

    result = import_export(edited_export(tmp_path, two_sexes), MAPPING, communes=COMMUNES)
    assert [str(p) for p in result.errors] == [
        "export.xlsx[nguoi]:2:nguoi/gioi_tinh: error: 'nu nam' holds several choices, but sex takes one "
        "(mark it 'multiple: true' in mapping.yml to make one row per choice)"
    ]


# --- writing ----------------------------------------------------------------------------------------------


def test_never_overwrites_without_force(tmp_path, capsys):
    folder = package(tmp_path)
    args = [str(EXPORT_XLSX), "--map", str(MAPPING), "--project", "proj", "--out", str(folder)]
    assert run_command(*args) == 0
    (folder / "events.csv").write_text("edited by hand\n", encoding="utf-8")
    assert run_command(*args) == 1
    assert "--force" in capsys.readouterr().err
    assert (folder / "events.csv").read_text(encoding="utf-8") == "edited by hand\n"
    assert run_command(*args, "--force") == 0
    assert (folder / "events.csv").read_text(encoding="utf-8").startswith("event_id,date,commune,activity,")


def test_never_makes_two_files_for_one_table(tmp_path):
    folder = package(tmp_path)
    (folder / "events.xlsx").write_bytes(b"")
    with pytest.raises(FileExistsError, match="events.xlsx"):
        write_tables({"events": []}, folder, force=True)
    assert not (folder / "events.csv").exists()


def test_missing_files_are_a_usage_error(tmp_path, capsys):
    assert run_command(str(tmp_path / "nope.xlsx"), "--map", str(MAPPING), "--project", "proj",
                       "--out", str(tmp_path)) == 2
    assert "no such file" in capsys.readouterr().err


def test_fixture_files_are_what_make_export_writes(tmp_path):
    """The committed CSV is the generator's output (the xlsx differs only in zip timestamps)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_export", FIXTURES / "make_export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_csv(tmp_path / "export.csv")
    assert (tmp_path / "export.csv").read_bytes() == EXPORT_CSV.read_bytes()
    module.write_xlsx(tmp_path / "export.xlsx")
    fresh, committed = read_export(tmp_path / "export.xlsx"), read_export(EXPORT_XLSX)
    assert {n: s.rows for n, s in fresh.sheets.items()} == {n: s.rows for n, s in committed.sheets.items()}


def test_unknown_table_and_column_in_the_mapping(tmp_path):
    mapping = edited_mapping(tmp_path, "  events:\n", "  event:\n")
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("      person_id:", "      person:"),
                       encoding="utf-8")
    result = import_export(EXPORT_XLSX, mapping, communes=COMMUNES)
    text = "\n".join(messages(result))
    assert "tables.event: error: 'event' is not a table of the data package (did you mean 'events'?)" in text
    assert "tables.services.columns.person: error: 'person' is not a column of services (did you mean 'person_id'?)" in text
    assert "the required column 'person_id' of services is not mapped" in text
