"""``workbook template``: the Excel data-entry template, and that a filled one loads as it is."""
from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from helpers import compute, load_project
from helpers import template
from helpers.cli import COMMANDS
from helpers.schema import ENUMS, TABLE_NAMES, TABLES, header_lookup
from helpers.template import COLUMN_NOTES, VI_CHOICES, build_template, choices, header, write_template
from helpers.values import enum_parser, fold_key

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "projects"
DEMO = ROOT / "tests" / "fixtures" / "packages" / "demo"
PROJECT_YML = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai, Bình Thanh, Hải Hòa]
period: {start: 2021-01-01, end: 2021-12-31}
"""


def sample_folders() -> list[Path]:
    found = sorted(p for p in SAMPLES.glob("*/") if (p / "project.yml").is_file()) if SAMPLES.is_dir() else []
    return found + [DEMO]


def run_command(*argv: str) -> int:
    """Parse and run ``workbook template ...`` the way helpers.cli does, through the module's hooks."""
    parser = argparse.ArgumentParser(prog="workbook template")
    template.add_arguments(parser)
    return template.run(parser.parse_args(list(argv)))


def validations(sheet) -> dict[str, object]:
    """Column letter → its data validation."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in str(validation.sqref).split():
            found[cell_range.split(":")[0].rstrip("0123456789")] = validation
    return found


# --- the workbook -------------------------------------------------------------------------------


def test_command_is_registered():
    assert COMMANDS["template"][0] == "helpers.template"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_one_sheet_per_table_with_headers_the_loader_accepts(lang):
    workbook = build_template(lang)
    assert workbook.sheetnames == ["README", *TABLE_NAMES]
    for name in TABLE_NAMES:
        table = TABLES[name]
        headers = [c.value for c in workbook[name][1]]
        expected = [c.aliases[0] if lang == "vi" else c.name for c in table.columns]
        assert headers == expected
        lookup = header_lookup(table)
        assert [lookup[fold_key(h)] for h in headers] == table.names  # each header reads back as its column


def test_vietnamese_choices_are_spellings_the_loader_accepts():
    for enum, words in VI_CHOICES.items():
        parse = enum_parser(ENUMS[enum])
        assert set(words) == set(ENUMS[enum].values()), enum  # every value has a word
        for value, word in words.items():
            assert parse(word).value == value, (enum, word)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_header_notes_in_the_chosen_language(lang):
    workbook = build_template(lang)
    for name in TABLE_NAMES:
        for cell, column in zip(workbook[name][1], TABLES[name].columns):
            assert cell.comment is not None, (name, column.name)
            assert COLUMN_NOTES[name][column.name][lang] in cell.comment.text
            assert cell.comment.text.startswith(("Bắt buộc", "Không bắt buộc") if lang == "vi" else ("Required", "Optional"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_drop_downs_for_every_enum_and_checks_for_dates_and_numbers(lang):
    workbook = build_template(lang)
    for name in TABLE_NAMES:
        sheet = workbook[name]
        checks = validations(sheet)
        for index, column in enumerate(TABLES[name].columns):
            letter = openpyxl.utils.get_column_letter(index + 1)
            check = checks.get(letter)
            if column.kind == "enum":
                assert check.type == "list"
                assert check.formula1 == '"' + ",".join(choices(column.name, lang)) + '"'
                assert len(check.formula1) <= 255  # Excel's limit for an inline list
            elif column.kind == "date":
                assert check.type == "date"
            elif column.kind == "int" and column.name == "birth_year":
                assert (check.type, check.operator, check.formula1) == ("whole", "between", "1900")
            elif column.kind == "int":
                assert (check.type, check.operator, check.formula1) == ("whole", "greaterThanOrEqual",
                                                                       str(int(column.minimum)))
            elif column.kind == "money":
                assert (check.type, check.formula1) == ("decimal", "0")
            if check is not None:
                assert str(check.sqref) == f"{letter}2:{letter}1048576"
                assert check.showErrorMessage


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_validation_texts_fit_excel_limits(lang):
    """Excel refuses a workbook (it "repairs" it) whose validation titles pass 32 characters,
    messages 255, or inline lists 255."""
    workbook = build_template(lang, {"id": "proj", "title": {"vi": "x"}, "communes": ["Thung Nai"],
                                     "period": {"start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}})
    for name in TABLE_NAMES:
        for check in workbook[name].data_validations.dataValidation:
            assert check.errorTitle and len(check.errorTitle) <= 32, check.errorTitle
            assert check.error and len(check.error) <= 255
            assert len(check.formula1) <= 255


def test_enum_lists_english_are_the_canonical_values():
    assert choices("service", "en") == ["counselling", "legal_aid", "health_check", "enrollment", "renewal"]
    assert choices("household", "vi") == ["hộ nghèo", "hộ cận nghèo", "khác"]


def test_project_communes_drop_down_from_a_hidden_sheet_and_period_bounds():
    meta = {"id": "proj", "title": {"vi": "Dự án thử", "en": "Test"}, "communes": ["Thung Nai", "Bình Thanh"],
            "period": {"start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}}
    workbook = build_template("vi", meta)
    lists = workbook["lists"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]][1:] == ["Thung Nai", "Bình Thanh"]
    assert workbook.defined_names["communes"].attr_text == "lists!$A$2:$A$3"
    for name, style in (("events", "stop"), ("services", "stop"), ("coverage", "warning")):
        check = validations(workbook[name])["C" if name != "coverage" else "B"]
        assert (check.type, check.formula1, check.errorStyle) == ("list", "communes", style)
    period_check = validations(workbook["events"])["B"]
    # Excel serial days of 2021-01-01 and 2021-12-31; outside the period is only a warning, as in the contract.
    assert (period_check.formula1, period_check.formula2, period_check.errorStyle) == ("44197", "44561", "warning")


def test_no_commune_drop_down_without_a_project():
    workbook = build_template("en")
    assert "lists" not in workbook.sheetnames
    assert "C" not in validations(workbook["events"])


def test_readme_explains_every_sheet_and_column():
    workbook = build_template("en")
    text = "\n".join(str(c.value) for row in workbook["README"].iter_rows() for c in row if c.value)
    for name in TABLE_NAMES:
        assert f"Sheet {name}" in text
        for column in TABLES[name].columns:
            assert COLUMN_NOTES[name][column.name]["en"] in text
    assert "data.xlsx" in text and "workbook validate" in text


# --- round trip: a filled template loads and gives the same measures ------------------------------


def fill(path: Path, project, lang: str) -> None:
    """Type the project's clean rows into the template, as an evaluator would."""
    workbook = openpyxl.load_workbook(path)
    for name in TABLE_NAMES:
        frame = project.table(name)
        if frame is None:
            continue
        sheet = workbook[name]
        columns = TABLES[name].columns
        for row_number, record in enumerate(frame.to_dict("records"), start=2):
            for position, column in enumerate(columns, start=1):
                value = record.get(column.name)
                if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
                    continue
                if isinstance(value, pd.Timestamp):
                    value = value.date()
                elif hasattr(value, "item"):
                    value = value.item()
                if column.kind == "enum" and lang == "vi":
                    value = VI_CHOICES[column.name][value]
                sheet.cell(row=row_number, column=position, value=value)
    workbook.save(path)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("folder", sample_folders(), ids=lambda p: p.name)
def test_filled_template_gives_the_same_measures(folder, lang, tmp_path):
    original = load_project(folder)
    package = tmp_path / original.id
    package.mkdir()
    shutil.copy(folder / "project.yml", package / "project.yml")
    write_template(package / "data.xlsx", lang=lang, project=original)
    fill(package / "data.xlsx", original, lang)

    filled = load_project(package)
    expected, got = compute(original), compute(filled)
    assert got == expected  # sheets the project has no rows for stay untouched: those tables are absent
    for name in TABLE_NAMES:
        if original.table(name) is not None:
            assert len(filled.table(name)) == len(original.table(name))
    # No new warnings about cells: only the ones the original package had (same messages).
    cell_warnings = sorted(w.message for w in filled.warnings if w.row and w.file != "project.yml")
    assert cell_warnings == sorted(w.message for w in original.warnings if w.row and w.file != "project.yml")


def test_round_trip_covers_a_sample_with_services():
    with_services = [f for f in sample_folders() if load_project(f).services is not None]
    assert with_services, "no sample (or fixture) package with a services table to round-trip"


def test_unfilled_template_loads_as_a_package_without_tables(tmp_path):
    package = tmp_path / "proj"
    package.mkdir()
    (package / "project.yml").write_text(PROJECT_YML, encoding="utf-8")
    meta = {"id": "proj", "title": {"vi": "Dự án thử"}, "communes": ["Thung Nai"],
            "period": {"start": dt.date(2021, 1, 1), "end": dt.date(2021, 12, 31)}}
    write_template(package / "data.xlsx", lang="vi", project=meta)
    project = load_project(package)
    assert all(project.table(name) is None for name in TABLE_NAMES)  # header only: absent, not zero
    assert compute(project) == {}


# --- the command ------------------------------------------------------------------------------------


def test_command_writes_the_template_for_a_project(tmp_path, capsys):
    package = tmp_path / "proj"
    package.mkdir()
    (package / "project.yml").write_text(PROJECT_YML, encoding="utf-8")
    out = tmp_path / "mau.xlsx"
    assert run_command(str(out), "--project", "proj", "--data-dir", str(tmp_path)) == 0
    workbook = openpyxl.load_workbook(out)
    assert [c.value for c in workbook["lists"]["A"]][1:] == ["Thung Nai", "Bình Thanh", "Hải Hòa"]
    assert workbook["events"]["A1"].value == "Mã hoạt động"  # --lang vi is the default
    assert "3 communes" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mau.xlsx", "proj"]  # no temporary file left


def test_command_english_and_no_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "template.xlsx"
    assert run_command(str(out), "--lang", "en") == 0
    assert openpyxl.load_workbook(out)["services"]["A1"].value == "person_id"
    before = out.read_bytes()
    assert run_command(str(out), "--lang", "vi") == 1
    assert "exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert run_command(str(out), "--lang", "vi", "--force") == 0
    assert openpyxl.load_workbook(out)["services"]["A1"].value == "Mã người"


def test_command_refuses_a_name_that_is_not_xlsx(tmp_path, capsys):
    assert run_command(str(tmp_path / "template.xls")) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert not (tmp_path / "template.xls").exists()


def test_header_of_a_column():
    column = TABLES["coverage"].column("insured")
    assert header(column, "vi") == "Số người có thẻ BHYT"
    assert header(column, "en") == "insured"


def test_command_with_an_unknown_project(tmp_path):
    from helpers.errors import ProjectNotFound

    with pytest.raises(ProjectNotFound):  # helpers.cli turns it into a sentence and exit code 2
        run_command(str(tmp_path / "t.xlsx"), "--project", "nope", "--data-dir", str(tmp_path))
    assert not (tmp_path / "t.xlsx").exists()
