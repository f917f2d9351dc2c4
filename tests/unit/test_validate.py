"""Broken packages: every rule of the contract reports file:row:column: message."""
from __future__ import annotations

import openpyxl
import pytest

from helpers import load_project
from helpers.load import read_package

MINIMAL = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai, Bình Thanh, Hải Hòa]
period: {start: 2021-01-01, end: 2021-12-31}
"""
EVENTS_HEADER = "event_id,date,commune,activity,participants,female,ethnic_minority\n"
GOOD_EVENT = "E{n},15/03/2021,Thung Nai,meeting,10,4,2\n"


def events(*rows: str) -> str:
    return EVENTS_HEADER + "".join(rows)


def problems_of(tmp_path, make_package, files, project_yml=MINIMAL, folder="proj"):
    return read_package(make_package(tmp_path, files, project_yml, folder))


def only_error(problems):
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1, [str(p) for p in problems]
    return errors[0]


def only_warning(problems):
    warnings = [p for p in problems if not p.is_error]
    assert len(warnings) == 1, [str(p) for p in problems]
    return warnings[0]


def test_valid_package_has_no_problems(tmp_path, make_package):
    project, problems = problems_of(tmp_path, make_package, {"events.csv": events(GOOD_EVENT.format(n=1))})
    assert project is not None
    assert problems == []


# --- events ----------------------------------------------------------------------------------


def test_negative_participants(tmp_path, make_package):
    text = events(GOOD_EVENT.format(n=1), GOOD_EVENT.format(n=2), "E3,15/03/2021,Thung Nai,meeting,-5,,\n")
    project, problems = problems_of(tmp_path, make_package, {"events.csv": text})
    assert project is None
    error = only_error(problems)
    assert str(error).startswith("events.csv:4:participants: error:")
    assert "0 or more" in error.message


def test_female_more_than_participants(tmp_path, make_package):
    text = events(GOOD_EVENT.format(n=1), "E2,15/03/2021,Thung Nai,meeting,10,11,\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:3:female:")
    assert "more than participants" in error.message


def test_female_equal_to_participants_is_fine(tmp_path, make_package):
    text = events("E1,15/03/2021,Thung Nai,meeting,10,10,10\n")
    assert problems_of(tmp_path, make_package, {"events.csv": text})[1] == []


def test_ethnic_minority_more_than_participants(tmp_path, make_package):
    text = events("E1,15/03/2021,Thung Nai,meeting,10,,12\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:ethnic_minority:")


def test_female_more_than_participants_under_vietnamese_headers(tmp_path, make_package):
    text = "Mã hoạt động,Ngày,Xã,Loại hoạt động,Số người tham dự,Nữ\nE1,15/03/2021,Thung Nai,họp,10,11\n"
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:Nữ:")  # the header as the user typed it


def test_duplicate_event_id(tmp_path, make_package):
    text = events(GOOD_EVENT.format(n=1), GOOD_EVENT.format(n=2), GOOD_EVENT.format(n=1))
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:4:event_id:")  # the second one, not the first
    assert "unique" in error.message


def test_unknown_commune_names_the_closest(tmp_path, make_package):
    text = events(GOOD_EVENT.format(n=1), "E2,15/03/2021,Thung Nay,meeting,10,,\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:3:commune:")
    assert "Thung Nay" in error.message
    assert "Thung Nai" in str(error)  # the hint
    assert "Bình Thanh" not in str(error)


def test_unknown_commune_without_diacritics_names_the_closest(tmp_path, make_package):
    text = events("E1,15/03/2021,Binh Thanh,meeting,10,,\n")  # diacritics are part of the name: not a match
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:commune:")
    assert "'Bình Thanh'" in error.hint


def test_unknown_activity_lists_the_allowed_values(tmp_path, make_package):
    text = events("E1,15/03/2021,Thung Nai,party,10,,\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:activity:")
    for allowed in ("communication", "training", "counselling", "health_check", "campaign", "broadcast",
                    "meeting", "other"):
        assert allowed in error.message


def test_not_a_whole_number(tmp_path, make_package):
    text = events("E1,15/03/2021,Thung Nai,meeting,\"12,5\",,\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:participants:")
    assert "12,5" in error.message


def test_required_cell_empty(tmp_path, make_package):
    text = events("E1,,Thung Nai,meeting,10,,\n")
    error = only_error(problems_of(tmp_path, make_package, {"events.csv": text})[1])
    assert str(error).startswith("events.csv:2:date:")
    assert "empty" in error.message


def test_date_outside_period_is_a_warning_not_an_error(tmp_path, make_package):
    text = events(GOOD_EVENT.format(n=1), "E2,15/01/2022,Thung Nai,meeting,10,,\n")
    project, problems = problems_of(tmp_path, make_package, {"events.csv": text})
    assert project is not None
    warning = only_warning(problems)
    assert str(warning).startswith("events.csv:3:date: warning:")
    assert "period" in warning.message
    assert len(project.events) == 2  # the row is kept


def test_period_bounds_are_inside(tmp_path, make_package):
    text = events("E1,01/01/2021,Thung Nai,meeting,10,,\n", "E2,31/12/2021,Thung Nai,meeting,10,,\n")
    assert problems_of(tmp_path, make_package, {"events.csv": text})[1] == []


# --- services ------------------------------------------------------------------------------------

SERVICES_HEADER = "person_id,date,commune,service,sex,birth_year,household,event_id\n"


def test_birth_year_after_service_year(tmp_path, make_package):
    text = SERVICES_HEADER + "P1,15/03/2021,Thung Nai,counselling,F,2021,,\nP2,15/03/2021,Thung Nai,counselling,F,2022,,\n"
    error = only_error(problems_of(tmp_path, make_package, {"services.csv": text})[1])
    assert str(error).startswith("services.csv:3:birth_year:")
    assert "after" in error.message


def test_birth_year_before_1900(tmp_path, make_package):
    text = SERVICES_HEADER + "P1,15/03/2021,Thung Nai,counselling,F,1899,,\n"
    error = only_error(problems_of(tmp_path, make_package, {"services.csv": text})[1])
    assert str(error).startswith("services.csv:2:birth_year:")


def test_unknown_service_and_sex_list_the_allowed_values(tmp_path, make_package):
    text = SERVICES_HEADER + "P1,15/03/2021,Thung Nai,massage,X,,,\n"
    _, problems = problems_of(tmp_path, make_package, {"services.csv": text})
    by_place = {str(p).split(": ")[0]: p for p in problems}
    assert set(by_place) == {"services.csv:2:service", "services.csv:2:sex"}
    assert "legal_aid" in by_place["services.csv:2:service"].message
    assert "female" in by_place["services.csv:2:sex"].message


def test_vietnamese_enum_spellings_are_accepted(tmp_path, make_package):
    text = (SERVICES_HEADER + "P1,15/03/2021,Thung Nai,tư vấn,Nữ,,hộ cận nghèo,\n"
            "P2,15/03/2021,Thung Nai,gia hạn,nam,,hộ nghèo,\nP3,15/03/2021,Thung Nai,health_check,M,,other,\n")
    project, problems = problems_of(tmp_path, make_package, {"services.csv": text})
    assert problems == []
    assert project.services["service"].tolist() == ["counselling", "renewal", "health_check"]
    assert project.services["sex"].tolist() == ["female", "male", "male"]
    assert project.services["household"].tolist() == ["near_poor", "poor", "other"]


def test_service_event_id_not_in_events(tmp_path, make_package):
    services = SERVICES_HEADER + "P1,15/03/2021,Thung Nai,counselling,,,,E1\nP2,15/03/2021,Thung Nai,counselling,,,,E9\n"
    files = {"events.csv": events(GOOD_EVENT.format(n=1)), "services.csv": services}
    error = only_error(problems_of(tmp_path, make_package, files)[1])
    assert str(error).startswith("services.csv:3:event_id:")
    assert "E9" in error.message


def test_service_event_id_without_an_events_table(tmp_path, make_package):
    services = SERVICES_HEADER + "P1,15/03/2021,Thung Nai,counselling,,,,E1\n"
    error = only_error(problems_of(tmp_path, make_package, {"services.csv": services})[1])
    assert str(error).startswith("services.csv:2:event_id:")


@pytest.mark.parametrize("person_id", ["012345678901", "123456789"])
def test_person_id_that_is_an_id_card_number(tmp_path, make_package, person_id):
    text = SERVICES_HEADER + f"P1,15/03/2021,Thung Nai,counselling,,,,\n{person_id},15/03/2021,Thung Nai,counselling,,,,\n"
    error = only_error(problems_of(tmp_path, make_package, {"services.csv": text})[1])
    assert str(error).startswith("services.csv:3:person_id:")
    assert "pseudonym" in error.message


def test_id_card_number_typed_as_a_number_in_excel(tmp_path, make_package):
    # CCCD numbers are 12 digits and start with 0 (the province code, 001-096).
    # Typed into a number cell, Excel keeps 079123456789 as 79123456789.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["person_id", "date", "commune", "service"])
    sheet.append([79123456789, "15/03/2021", "Thung Nai", "counselling"])
    sheet.append(["P-002", "15/03/2021", "Thung Nai", "counselling"])
    package = make_package(tmp_path, {}, MINIMAL)
    workbook.save(package / "services.xlsx")
    project, problems = read_package(package)
    assert project is None, "an ID-card number must not pass as a pseudonym"
    assert str(only_error(problems)).startswith("services.xlsx:2:person_id:")


def test_person_id_that_is_a_name(tmp_path, make_package):
    text = SERVICES_HEADER + "Nguyễn Văn An,15/03/2021,Thung Nai,counselling,,,,\n"
    error = only_error(problems_of(tmp_path, make_package, {"services.csv": text})[1])
    assert str(error).startswith("services.csv:2:person_id:")


def test_pseudonymous_person_ids_are_fine(tmp_path, make_package):
    text = SERVICES_HEADER + "P-00123,15/03/2021,Thung Nai,counselling,,,,\nTN-0001,15/03/2021,Thung Nai,counselling,,,,\n"
    assert problems_of(tmp_path, make_package, {"services.csv": text})[1] == []


def test_service_date_outside_period_is_a_warning(tmp_path, make_package):
    text = SERVICES_HEADER + "P1,31/12/2020,Thung Nai,counselling,,,,\n"
    project, problems = problems_of(tmp_path, make_package, {"services.csv": text})
    assert project is not None
    assert str(only_warning(problems)).startswith("services.csv:2:date: warning:")


# --- coverage -------------------------------------------------------------------------------------

COVERAGE_HEADER = "as_of,commune,population,insured\n"


def test_duplicate_as_of_and_commune(tmp_path, make_package):
    text = COVERAGE_HEADER + "31/12/2021,Thung Nai,100,90\n30/06/2021,Thung Nai,100,80\n2021-12-31,Thung Nai,100,95\n"
    error = only_error(problems_of(tmp_path, make_package, {"coverage.csv": text})[1])
    assert str(error).startswith("coverage.csv:4:")
    assert "as_of" in error.message and "commune" in error.message


def test_duplicate_as_of_and_commune_spelled_differently(tmp_path, make_package):
    # 'xã Thung Nai' is 'Thung Nai' by the matching rules: the same area twice.
    text = COVERAGE_HEADER + "31/12/2021,Thung Nai,100,90\n31/12/2021,xã Thung Nai,100,95\n"
    project, problems = problems_of(tmp_path, make_package, {"coverage.csv": text})
    assert project is None, "the same commune twice at one date must be an error"
    assert str(only_error(problems)).startswith("coverage.csv:3:")


def test_comparison_commune_is_not_an_error(tmp_path, make_package):
    text = COVERAGE_HEADER + "31/12/2021,Thung Nai,100,90\n31/12/2021,Xóm Khác,100,80\n"
    project, problems = problems_of(tmp_path, make_package, {"coverage.csv": text})
    assert problems == []
    assert project.coverage["group"].tolist() == ["intervention", "comparison"]


def test_insured_more_than_population_is_a_warning(tmp_path, make_package):
    text = COVERAGE_HEADER + "31/12/2021,Thung Nai,100,90\n31/12/2021,Bình Thanh,100,101\n"
    project, problems = problems_of(tmp_path, make_package, {"coverage.csv": text})
    assert project is not None
    warning = only_warning(problems)
    assert str(warning).startswith("coverage.csv:3:insured: warning:")
    assert "population" in warning.message


def test_population_zero_is_an_error(tmp_path, make_package):
    text = COVERAGE_HEADER + "31/12/2021,Thung Nai,0,0\n"
    error = only_error(problems_of(tmp_path, make_package, {"coverage.csv": text})[1])
    assert str(error).startswith("coverage.csv:2:population:")


def test_unknown_group(tmp_path, make_package):
    text = "as_of,commune,population,insured,group\n31/12/2021,Thung Nai,100,90,control\n"
    error = only_error(problems_of(tmp_path, make_package, {"coverage.csv": text})[1])
    assert str(error).startswith("coverage.csv:2:group:")
    assert "intervention" in error.message and "comparison" in error.message


# --- budget ----------------------------------------------------------------------------------------


def test_disbursed_more_than_planned_is_a_warning(tmp_path, make_package):
    text = "line,planned,disbursed\nTraining,10 triệu,8.000.000\nPrinting,5.000.000 đ,6 triệu\n"
    project, problems = problems_of(tmp_path, make_package, {"budget.csv": text})
    assert project is not None
    warning = only_warning(problems)
    assert str(warning).startswith("budget.csv:3:disbursed: warning:")
    assert "planned" in warning.message


def test_negative_planned_is_an_error(tmp_path, make_package):
    text = "line,planned,disbursed\nTraining,-10,0\n"
    _, problems = problems_of(tmp_path, make_package, {"budget.csv": text})
    assert [str(p).split(": ")[0] for p in problems if p.is_error] == ["budget.csv:2:planned"]


# --- project.yml -------------------------------------------------------------------------------------


def test_unknown_key_with_did_you_mean(tmp_path, make_package):
    yml = MINIMAL.replace("communes:", "comunes:")
    project, problems = problems_of(tmp_path, make_package, {}, yml)
    assert project is None
    by_column = {p.column: p for p in problems if p.is_error}
    typo = by_column["comunes"]
    assert str(typo).startswith("project.yml:3:comunes: error:")
    assert "did you mean 'communes'" in str(typo)


def test_unknown_key_anywhere_is_an_error(tmp_path, make_package):
    _, problems = problems_of(tmp_path, make_package, {}, MINIMAL + "notes: hello\n")
    error = only_error(problems)
    assert str(error).startswith("project.yml:5:notes: error:")
    assert "extra" in str(error)  # says where free-form information goes


def test_missing_required_key(tmp_path, make_package):
    yml = MINIMAL.replace("period: {start: 2021-01-01, end: 2021-12-31}\n", "")
    project, problems = problems_of(tmp_path, make_package, {}, yml)
    assert project is None
    error = only_error(problems)
    assert error.file == "project.yml" and error.column == "period"
    assert "missing" in error.message


def test_id_differs_from_folder_name(tmp_path, make_package):
    yml = MINIMAL.replace("id: proj", "id: other-project")
    error = only_error(problems_of(tmp_path, make_package, {}, yml)[1])
    assert str(error).startswith("project.yml:1:id: error:")
    assert "other-project" in error.message and "proj" in error.message


def test_id_is_not_a_slug(tmp_path, make_package):
    yml = MINIMAL.replace("id: proj", "id: Proj_1")
    error = only_error(problems_of(tmp_path, make_package, {}, yml, folder="Proj_1")[1])
    assert str(error).startswith("project.yml:1:id:")


def test_unknown_measure_under_reported(tmp_path, make_package):
    yml = MINIMAL + "reported:\n  events_held: 3\n  people_reched: 30\n"
    error = only_error(problems_of(tmp_path, make_package, {}, yml)[1])
    assert str(error).startswith("project.yml:7:reported.people_reched: error:")
    assert "people_reached" in str(error)


def test_unknown_measure_under_targets(tmp_path, make_package):
    yml = MINIMAL + "targets: {coverage: 0.9}\n"
    error = only_error(problems_of(tmp_path, make_package, {}, yml)[1])
    assert str(error).startswith("project.yml:5:targets.coverage:")


def test_period_start_after_end(tmp_path, make_package):
    yml = MINIMAL.replace("{start: 2021-01-01, end: 2021-12-31}", "{start: 2021-12-31, end: 2021-01-01}")
    error = only_error(problems_of(tmp_path, make_package, {}, yml)[1])
    assert str(error).startswith("project.yml:4:period: error:")


def test_period_day_first_dates(tmp_path, make_package):
    yml = MINIMAL.replace("{start: 2021-01-01, end: 2021-12-31}", "{start: 01/01/2021, end: 31/12/2021}")
    project = load_project(make_package(tmp_path, {}, yml))
    assert str(project.meta["period"]["start"]) == "2021-01-01"
    assert str(project.meta["period"]["end"]) == "2021-12-31"


def test_extra_keys_are_accepted(tmp_path, make_package):
    yml = MINIMAL + "extra:\n  published: {individuals_recognised: 4}\n  anything: [1, 2]\n"
    project, problems = problems_of(tmp_path, make_package, {}, yml)
    assert problems == []
    assert project.meta["extra"]["published"] == {"individuals_recognised": 4}


def test_metadata_values_are_normalized(tmp_path, make_package):
    yml = MINIMAL + "budget: 1,7 tỷ\ntargets:\n  coverage_rate: 95,6%\n  people_counselled: 1.741.540\n"
    project, problems = problems_of(tmp_path, make_package, {}, yml)
    assert problems == []
    assert project.meta["budget"] == 1_700_000_000
    assert project.meta["targets"]["coverage_rate"] == pytest.approx(0.956, abs=1e-12)
    assert project.meta["targets"]["people_counselled"] == 1741540
    assert project.meta["currency"] == "VND"


def test_dot_grouped_thousand_in_project_yml_is_one_thousand(tmp_path, make_package):
    # YAML reads an unquoted 1.000 as the float 1.0; the contract reads it as 1000
    # (dot grouping). It must not silently become 1.
    yml = MINIMAL + "targets:\n  people_counselled: 1.000\nreported:\n  people_reached: 2.500\n"
    project, problems = problems_of(tmp_path, make_package, {}, yml)
    assert [str(p) for p in problems if p.is_error] == []
    assert project.meta["targets"]["people_counselled"] == 1000
    assert project.meta["reported"]["people_reached"] == 2500


def test_missing_project_yml(tmp_path, make_package):
    project, problems = problems_of(tmp_path, make_package, {}, project_yml=None)
    assert project is None
    assert only_error(problems).file == "project.yml"


def test_project_yml_not_yaml(tmp_path, make_package):
    project, problems = problems_of(tmp_path, make_package, {}, "id: proj\ntitle: [unclosed\n")
    assert project is None
    assert only_error(problems).file == "project.yml"


def test_commune_listed_twice_in_project_yml(tmp_path, make_package):
    yml = MINIMAL.replace("[Thung Nai, Bình Thanh, Hải Hòa]", "[Thung Nai, Hải Hoà, xã Hải Hòa]")
    error = only_error(problems_of(tmp_path, make_package, {}, yml)[1])
    assert error.column == "communes.2"


# --- every problem at once -------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once_sorted(tmp_path, make_package):
    files = {
        "services.csv": SERVICES_HEADER + "P1,15/03/2021,Thung Nai,massage,,,,\nP2,15/03/2021,Thung Nai,counselling,,2030,,\n",
        "events.csv": events(GOOD_EVENT.format(n=1), "E2,15/03/2021,Thung Nai,meeting,-1,,\n",
                             "E3,15/03/2021,Nowhere,meeting,5,,\n"),
    }
    yml = MINIMAL + "reported: {events_hel: 3}\n"
    project, problems = problems_of(tmp_path, make_package, files, yml)
    assert project is None
    assert [str(p).split(": ")[0] for p in problems] == [
        "events.csv:3:participants",
        "events.csv:4:commune",
        "project.yml:5:reported.events_hel",
        "services.csv:2:service",
        "services.csv:3:birth_year",
    ]
    assert all(p.is_error for p in problems)


def test_repeated_problem_is_summed_up_after_50(tmp_path, make_package):
    rows = "".join(f"E{n},15/03/2021,Thung Nai,meeting,-1,,\n" for n in range(60))
    _, problems = problems_of(tmp_path, make_package, {"events.csv": events(rows)})
    assert len(problems) == 51
    assert [p.row for p in problems[:50]] == list(range(2, 52))
    assert problems[50].row == 52
    assert "9 more rows" in problems[50].message  # rows 53..61
