"""The ``workbook`` command: exit codes, output lines, no tracebacks, fast start."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

from helpers.cli import main

EVENTS = ("event_id,date,commune,activity,participants,female\n"
          "E1,15/03/2021,Thung Nai,meeting,10,4\n"
          "E2,16/03/2021,xã Bình Thanh,training,20,5\n")
SERVICES = ("person_id,date,commune,service,sex\n"
            "P1,15/03/2021,Thung Nai,counselling,F\n"
            "P1,16/03/2021,Thung Nai,health_check,F\n"
            "P2,16/03/2021,Thung Nai,legal_aid,M\n")
COVERAGE = ("as_of,commune,population,insured,target_rate\n"
            "31/12/2021,Thung Nai,1000,900,95%\n"
            "31/12/2021,Bình Thanh,2000,1900,\n")
PROJECT_YML = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai, Bình Thanh, Hải Hòa]
period: {start: 2021-01-01, end: 2021-12-31}
budget: 3 triệu
reported: {events_held: 2, people_reached: 31}
"""
PROBLEM_LINE = re.compile(r"^[\w.\[\]-]+:\d+:[^:]+: (error|warning): .+")


def valid_package(tmp_path, make_package):
    return make_package(tmp_path, {"events.csv": EVENTS, "services.csv": SERVICES, "coverage.csv": COVERAGE},
                        PROJECT_YML)


# --- validate ----------------------------------------------------------------------------------------


def test_validate_valid_package_exits_0(tmp_path, make_package, capsys):
    package = valid_package(tmp_path, make_package)
    assert main(["validate", str(package)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "valid" in err


def test_validate_by_id_in_data_dir(tmp_path, make_package, capsys):
    valid_package(tmp_path, make_package)
    assert main(["validate", "proj", "--data-dir", str(tmp_path)]) == 0


def test_validate_invalid_package_exits_1_with_problem_lines(tmp_path, make_package, capsys):
    events = EVENTS + "E3,17/03/2021,Thung Nay,meeting,-1,\nE4,15/03/2022,Thung Nai,meeting,3,\n"
    package = make_package(tmp_path, {"events.csv": events}, PROJECT_YML)
    assert main(["validate", str(package)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("events.csv:4:commune: error: ")
    assert "Thung Nai" in lines[0]
    assert lines[1].startswith("events.csv:4:participants: error: ")
    assert lines[2].startswith("events.csv:5:date: warning: ")
    assert all(PROBLEM_LINE.match(line) for line in lines), lines
    assert "2 error(s), 1 warning(s)" in err
    assert "Traceback" not in out + err


def test_validate_quiet_prints_errors_only(tmp_path, make_package, capsys):
    events = EVENTS + "E3,17/03/2021,Thung Nai,meeting,-1,\nE4,15/03/2022,Thung Nai,meeting,3,\n"
    package = make_package(tmp_path, {"events.csv": events}, PROJECT_YML)
    assert main(["validate", str(package), "--quiet"]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines() == [line for line in out.splitlines() if ": error: " in line]
    assert len(out.splitlines()) == 1


def test_validate_warnings_only_exits_0(tmp_path, make_package, capsys):
    events = EVENTS + "E3,15/03/2022,Thung Nai,meeting,3,\n"
    package = make_package(tmp_path, {"events.csv": events}, PROJECT_YML)
    assert main(["validate", str(package)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("events.csv:4:date: warning: ")


def test_validate_not_a_table_exits_1_without_traceback(tmp_path, make_package, capsys):
    package = make_package(tmp_path, {"events.csv": bytes(range(256)), "services.xlsx": b"text"}, PROJECT_YML)
    assert main(["validate", str(package)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert [line.split(":")[0] for line in out.splitlines()] == ["events.csv", "services.xlsx"]


# --- measures ---------------------------------------------------------------------------------------------


def test_measures_table(tmp_path, make_package, capsys):
    package = valid_package(tmp_path, make_package)
    assert main(["measures", str(package)]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["measure", "value", "target", "reported", "verdict"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert rows["events_held"] == ["2", "2", "match"]
    assert rows["people_reached"] == ["30", "31", "mismatch"]  # 10 + 20
    assert rows["people_served"] == ["2"]  # P1, P2
    # (900 + 1900) / 3000 = 93.33 %
    assert rows["coverage_rate"] == ["93.33%"]


def test_measures_csv_full_precision(tmp_path, make_package, capsys):
    package = valid_package(tmp_path, make_package)
    assert main(["measures", str(package), "--csv"]) == 0
    out, _ = capsys.readouterr()
    records = list(csv.reader(io.StringIO(out)))
    assert records[0] == ["measure", "value"]
    values = dict(records[1:])
    assert values["events_held"] == "2"
    assert values["people_reached"] == "30"
    assert values["people_served"] == "2"
    assert values["coverage_gap"] == "50"  # ceil(0.95 × 1000) − 900; Bình Thanh has no target
    assert float(values["coverage_rate"]) == 2800 / 3000  # every digit kept
    assert values["coverage_rate"] == repr(2800 / 3000)
    assert float(values["female_share_served"]) == 1 / 2
    assert float(values["cost_per_person_reached"]) == 3_000_000 / 30
    assert "coverage_did" not in values  # absent, not zero
    assert "budget_execution" not in values


def test_measures_of_invalid_package_exits_1(tmp_path, make_package, capsys):
    package = make_package(tmp_path, {"events.csv": EVENTS + "E3,17/03/2021,Thung Nai,meeting,-1,\n"}, PROJECT_YML)
    assert main(["measures", str(package)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert any(line.startswith("events.csv:4:participants: error: ") for line in err.splitlines())
    assert "Traceback" not in err


# --- a missing project ---------------------------------------------------------------------------------------


def test_missing_project_exits_2_with_a_sentence(tmp_path, capsys):
    for command in ("validate", "measures"):
        assert main([command, "no-such-project", "--data-dir", str(tmp_path)]) == 2
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        assert "no-such-project" in err
        assert err.strip().count("\n") == 0  # one sentence


def test_missing_project_lists_known_projects(tmp_path, make_package, capsys):
    valid_package(tmp_path, make_package)
    assert main(["validate", "prj", "--data-dir", str(tmp_path)]) == 2
    _, err = capsys.readouterr()
    assert "proj" in err


def test_folder_without_project_yml_exits_1(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("project.yml")
    assert "Traceback" not in out + err


# --- fast start ----------------------------------------------------------------------------------------------


def test_core_modules_do_not_import_rendering_libraries():
    code = ("import helpers.cli, helpers.load, helpers.measures, helpers.validate; import sys; "
            "bad=[m for m in ('papermill','nbconvert','matplotlib') if m in sys.modules]; assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_validate_run_does_not_import_rendering_libraries(tmp_path, make_package):
    package = valid_package(tmp_path, make_package)
    code = ("import sys; from helpers.cli import main; code = main(['validate', sys.argv[1]]); "
            "main(['measures', sys.argv[1], '--csv']); "
            "bad=[m for m in ('papermill','nbconvert','matplotlib') if m in sys.modules]; "
            "assert not bad, bad; sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code, str(package)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
