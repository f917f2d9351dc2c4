"""``workbook export-iati``: IATI 2.03 results that validate against the official schema.

The schema is not copied into the project: it is read from the shared folder
next to the repository (../shared/iati/). Without it these tests fail (they do
not skip), saying where the schema was looked for.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import pytest
from lxml import etree

from helpers import compute, load_project
from helpers import iati
from helpers.cli import COMMANDS
from helpers.iati import (
    IatiSettingsError, build_activities, disaggregations, iati_settings, indicator_value, result_measures,
    suppress_pair, to_bytes, validate_xml,
)
from helpers.measures import MEASURES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "iati"
SCHEMA = SCHEMA_DIR / "iati-activities-schema.xsd"
SAMPLES = ROOT / "data" / "projects"
DEMO = ROOT / "tests" / "fixtures" / "packages" / "demo"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATED = dt.datetime(2025, 1, 15, 8, 30, tzinfo=dt.timezone.utc)
SETTINGS = {
    "reporting_org_ref": "XM-DAC-918-3",
    "reporting_org_type": 40,
    "reporting_org_name": "European Union",
    "activity_identifier": "XM-DAC-918-3-BHYT-TEST",
    "sectors": [12220],
}
IATI_BLOCK = """\
iati:
  reporting_org_ref: XM-DAC-918-3
  reporting_org_type: 40
  activity_identifier: XM-DAC-918-3-JULE-HB-01
  donor_ref: XM-DAC-918-3
  implementer_ref: VN-HB-LCC
  implementer_type: 22
  sectors:
    - {code: 12220, percentage: 60}
    - {code: 16010, percentage: 40}
"""


@pytest.fixture(scope="session")
def schema():
    if not SCHEMA.is_file():
        pytest.fail(f"the IATI 2.03 activities schema is missing: expected {SCHEMA} (with iati-common.xsd and xml.xsd "
                    "beside it), in the shared folder next to the repository. It is not copied into the project; "
                    "restore ../shared/iati/ to run these tests.")
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def package_folders() -> list[Path]:
    found = sorted(p for p in SAMPLES.glob("*/") if (p / "project.yml").is_file()) if SAMPLES.is_dir() else []
    return found + [DEMO]


def main_project():
    """cao-phong-2021 (published figures, services, budget) when the samples are there, else the demo fixture."""
    folder = SAMPLES / "cao-phong-2021"
    return load_project(folder if (folder / "project.yml").is_file() else DEMO)


def document(project, **options):
    settings = dict(SETTINGS)
    if not project.meta.get("donor") and not project.meta.get("implementer"):
        settings["implementer_name"] = "Test implementer"  # IATI needs one participating organisation
    options.setdefault("settings", settings)
    options.setdefault("generated", GENERATED)
    return etree.fromstring(to_bytes(build_activities(project, **options)))


def run_command(*argv: str) -> int:
    """Parse and run ``workbook export-iati ...`` through the module's hooks, as helpers.cli does."""
    parser = argparse.ArgumentParser(prog="workbook export-iati")
    iati.add_arguments(parser)
    return iati.run(parser.parse_args(list(argv)))


def copy_with_iati(folder: Path, tmp_path: Path, block: str = IATI_BLOCK) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    with (target / "project.yml").open("a", encoding="utf-8") as stream:
        stream.write("\n" + block)
    return target


# --- the schema ----------------------------------------------------------------------------------


def test_command_is_registered():
    assert COMMANDS["export-iati"][0] == "helpers.iati"


@pytest.mark.parametrize("folder", package_folders(), ids=lambda p: p.name)
def test_every_package_validates_against_the_iati_schema(folder, schema):
    root = document(load_project(folder))
    assert schema.validate(root), "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)


@pytest.mark.parametrize("min_cell", [1, 5, 1000])
def test_validates_whatever_is_suppressed(min_cell, schema):
    root = document(main_project(), min_cell=min_cell)
    assert schema.validate(root), str(schema.error_log)


def test_validate_xml_reports_schema_errors():
    bad = b'<iati-activities version="2.03"><iati-activity><title/></iati-activity></iati-activities>'
    if not SCHEMA.is_file():
        pytest.fail(f"the IATI schema is missing: expected {SCHEMA}")
    assert validate_xml(bad, SCHEMA)
    assert validate_xml(to_bytes(build_activities(main_project(), settings={**SETTINGS, "implementer_name": "x"})),
                        SCHEMA) == []


# --- what the document says ------------------------------------------------------------------------


def test_identifiers_title_and_organisations():
    project = main_project()
    activity = document(project).find("iati-activity")
    assert activity.findtext("iati-identifier") == "XM-DAC-918-3-BHYT-TEST"
    reporting = activity.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.findtext("narrative")) == (
        "XM-DAC-918-3", "40", "European Union")
    title = {n.get(XML_LANG): n.text for n in activity.find("title")}
    assert title == {"vi": project.title("vi"), "en": project.title("en")}
    assert {n.get(XML_LANG) for n in activity.find("description")} == {"vi", "en"}
    roles = {org.get("role"): org.findtext("narrative") for org in activity.findall("participating-org")}
    if project.meta.get("donor"):
        assert roles["1"] == project.meta["donor"]
    if project.meta.get("implementer"):
        assert roles["4"] == project.meta["implementer"]
    assert activity.get("default-currency") == "VND"


def test_dates_status_and_locations():
    project = main_project()
    activity = document(project).find("iati-activity")
    period = project.meta["period"]
    dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
    # The period is over by the generation date: planned and actual start and end, status Finalisation.
    assert dates == {"1": period["start"].isoformat(), "2": period["start"].isoformat(),
                     "3": period["end"].isoformat(), "4": period["end"].isoformat()}
    assert activity.find("activity-status").get("code") == "3"
    before = document(project, generated=dt.datetime(period["start"].year - 1, 1, 1, tzinfo=dt.timezone.utc))
    assert before.find("iati-activity/activity-status").get("code") == "1"
    assert {d.get("type") for d in before.findall("iati-activity/activity-date")} == {"1", "3"}
    names = [loc.findtext("name/narrative") for loc in activity.findall("location")]
    assert [n.split(",")[0] for n in names] == project.communes
    assert activity.find("recipient-country").get("code") == "VN"


def test_one_result_per_reported_or_target_measure():
    project = main_project()
    activity = document(project).find("iati-activity")
    wanted = set(project.meta.get("targets") or {}) | set(project.meta.get("reported") or {})
    results = activity.findall("result")
    assert len(results) == len(wanted)
    assert result_measures(project.meta) == [n for n in MEASURES if n in wanted]
    for result, name in zip(results, result_measures(project.meta)):
        assert {n.get(XML_LANG): n.text for n in result.find("title")} == MEASURES[name].label
        indicator = result.find("indicator")
        kind = MEASURES[name].kind
        assert indicator.get("measure") == ("1" if kind in ("count", "money") else "2")
        assert result.get("type") == ("2" if kind in ("rate", "change") else "1")
        period = indicator.find("period")
        assert period.find("period-start").get("iso-date") == project.meta["period"]["start"].isoformat()
        assert period.find("period-end").get("iso-date") == project.meta["period"]["end"].isoformat()


def test_actual_values_equal_the_computed_measures():
    project = main_project()
    values = compute(project)
    activity = document(project).find("iati-activity")
    checked = 0
    for result, name in zip(activity.findall("result"), result_measures(project.meta)):
        totals = [a for a in result.findall("indicator/period/actual") if a.find("dimension") is None]
        if name not in values:
            continue
        assert len(totals) == 1
        value = float(totals[0].get("value"))
        kind = MEASURES[name].kind
        if kind == "count":
            assert value == values[name]
        elif kind == "money":
            assert value == pytest.approx(values[name], abs=0.5)
        else:  # in percent, two decimals
            assert value / 100 == pytest.approx(values[name], abs=0.00005)
        checked += 1
    assert checked


def test_targets_and_baselines_in_percent_for_rates(tmp_path, make_package):
    yml = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
targets: {coverage_rate: 95.6%, people_counselled: 3}
baselines: {coverage_rate: 0.9}
"""
    coverage = "as_of,commune,population,insured\n01/01/2021,Thung Nai,1000,900\n31/12/2021,Thung Nai,1000,950\n"
    services = "person_id,date,commune,service\nP1,15/03/2021,Thung Nai,counselling\n"
    project = load_project(make_package(tmp_path, {"coverage.csv": coverage, "services.csv": services}, yml))
    activity = document(project).find("iati-activity")
    results = {r.findtext("title/narrative[@{http://www.w3.org/XML/1998/namespace}lang='en']"): r
               for r in activity.findall("result")}
    rate = results["Health-insurance coverage"].find("indicator")
    assert rate.find("baseline").attrib == {"year": "2021", "iso-date": "2021-01-01", "value": "90"}
    assert rate.find("period/target").get("value") == "95.6"
    assert rate.find("period/actual").get("value") == "95"
    counselled = results["People counselled"].find("indicator")
    assert counselled.find("period/target").get("value") == "3"
    assert counselled.find("period/actual").get("value") == "1"


def test_published_figure_that_cannot_be_computed_is_marked(tmp_path, make_package):
    yml = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
reported: {people_examined: 521}
"""
    project = load_project(make_package(tmp_path, {}, yml))
    actual = document(project).find("iati-activity/result/indicator/period/actual")
    assert actual.get("value") == "521"
    assert "cannot recompute" in actual.findtext("comment/narrative[@{http://www.w3.org/XML/1998/namespace}lang='en']")


def test_reported_figures_are_reconciled_in_the_comment():
    project = main_project()
    activity = document(project).find("iati-activity")
    reported = project.meta.get("reported") or {}
    name = next(iter(reported))
    index = result_measures(project.meta).index(name)
    comment = activity.findall("result")[index].find("indicator/period/actual/comment")
    texts = {n.get(XML_LANG): n.text for n in comment}
    assert set(texts) == {"vi", "en"}
    assert indicator_value(MEASURES[name].kind, reported[name]) in texts["en"]


# --- disaggregation and disclosure control ------------------------------------------------------------


def test_suppress_pair_drops_a_small_cell_and_its_complement():
    assert suppress_pair("sex", ("female", 5), ("male", 5)).values == {"female": 5, "male": 5}
    assert suppress_pair("sex", ("female", 4), ("male", 500)).values == {}
    assert suppress_pair("ethnicity", ("minority", 500), ("Kinh", 4)).suppressed


def test_dimensions_by_sex_and_ethnicity_from_people(tmp_path, make_package):
    # 7 people counselled: 5 women, 2 men; 6 minority, 1 Kinh. With min_cell 2 the sex split is published
    # and the ethnicity split (1 Kinh) is not; with min_cell 1 both are.
    rows = ["person_id,date,commune,service,sex,ethnicity"]
    people = [("P1", "F", "Mường"), ("P2", "F", "Mường"), ("P3", "F", "Thái"), ("P4", "F", "Dao"),
              ("P5", "F", "Kinh"), ("P6", "M", "Mường"), ("P7", "M", "Mường")]
    rows += [f"{p},15/03/2021,Thung Nai,counselling,{s},{e}" for p, s, e in people]
    rows.append("P1,16/03/2021,Thung Nai,legal_aid,F,Mường")  # a second service of P1: still one person
    yml = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
reported: {people_counselled: 7}
"""
    project = load_project(make_package(tmp_path, {"services.csv": "\n".join(rows) + "\n"}, yml))

    def split(min_cell):
        period = document(project, min_cell=min_cell).find("iati-activity/result/indicator/period")
        return {(a.find("dimension").get("name"), a.find("dimension").get("value")): a.get("value")
                for a in period.findall("actual") if a.find("dimension") is not None}

    assert split(2) == {("sex", "female"): "5", ("sex", "male"): "2"}
    assert split(1) == {("sex", "female"): "5", ("sex", "male"): "2",
                        ("ethnicity", "minority"): "6", ("ethnicity", "Kinh"): "1"}
    assert split(3) == {}
    assert [d.dimension for d in disaggregations(project, "people_counselled", 1)] == ["sex", "ethnicity"]


def test_dimensions_of_people_reached_from_event_counts(tmp_path, make_package):
    events = ("event_id,date,commune,activity,participants,female,ethnic_minority\n"
              "E1,15/03/2021,Thung Nai,meeting,30,12,\n"
              "E2,16/03/2021,Thung Nai,training,20,9,15\n")
    yml = """\
id: proj
title: {vi: Dự án thử, en: Test project}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
reported: {people_reached: 50}
"""
    project = load_project(make_package(tmp_path, {"events.csv": events}, yml))
    found = disaggregations(project, "people_reached")
    # women 21 of 50 (every event has the count); ethnic minority unknown for E1: no split
    assert [(d.dimension, d.values) for d in found] == [("sex", {"female": 21, "male": 29})]


def test_no_person_level_data_in_the_file():
    project = main_project()
    text = etree.tostring(document(project), encoding="unicode")
    if project.services is not None:
        for person in project.services["person_id"].dropna().unique()[:200]:
            assert f">{person}<" not in text and f'"{person}"' not in text
    assert "birth_year" not in text and "person_id" not in text


# --- the iati: block of project.yml -----------------------------------------------------------------------


def test_missing_identifiers_are_listed_and_nothing_is_written(tmp_path, capsys):
    folder = SAMPLES / "cao-phong-2021" if (SAMPLES / "cao-phong-2021" / "project.yml").is_file() else DEMO
    out = tmp_path / "results.xml"
    assert run_command(str(folder), "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "lacks what IATI needs: reporting_org_ref, reporting_org_type, activity_identifier" in err
    assert "iati:\n  reporting_org_ref:" in err  # an example block to paste
    assert "Nothing was written." in err
    assert not out.exists()


def test_command_writes_a_valid_file_from_the_iati_block(tmp_path, capsys, schema):
    folder = copy_with_iati(SAMPLES / "cao-phong-2021" if (SAMPLES / "cao-phong-2021").is_dir() else DEMO, tmp_path)
    out = tmp_path / "out" / "results.xml"
    assert run_command(str(folder), "-o", str(out), "--schema", str(SCHEMA)) == 0
    assert "valid against the schema" in capsys.readouterr().out
    root = etree.parse(str(out)).getroot()
    assert schema.validate(root)
    activity = root.find("iati-activity")
    assert activity.findtext("iati-identifier") == "XM-DAC-918-3-JULE-HB-01"
    sectors = [(s.get("code"), s.get("percentage")) for s in activity.findall("sector")]
    assert sectors == [("12220", "60"), ("16010", "40")]
    orgs = {o.get("role"): (o.get("ref"), o.get("type")) for o in activity.findall("participating-org")}
    assert orgs.get("4") == ("VN-HB-LCC", "22")
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.xml"]  # no temporary file left


def test_settings_problems_are_all_reported_at_once():
    meta = {"id": "x", "donor": "EU", "iati": {
        "reporting_org_ref": "XM DAC 918", "reporting_org_type": 99, "activity_identifier": "OTHER-1",
        "reporting_org_nam": "EU", "sectors": [{"code": 12220}, {"code": 16010}], "default_currency": "dong"}}
    with pytest.raises(IatiSettingsError) as raised:
        iati_settings(meta)
    text = str(raised.value)
    assert "reporting_org_ref 'XM DAC 918' must not contain spaces" in text
    assert "reporting_org_type '99' is not an OrganisationType code" in text
    assert "must start with reporting_org_ref" in text
    assert "unknown key 'reporting_org_nam' (did you mean 'reporting_org_name'?)" in text
    assert "need a percentage each" in text
    assert "default_currency 'dong'" in text
    assert raised.value.missing == ["reporting_org_name"]


def test_reporting_org_name_defaults_to_the_matching_participant():
    meta = {"id": "x", "donor": "EU JULE", "implementer": "Hoabinh LCC", "iati": {
        "reporting_org_ref": "VN-HB-LCC", "reporting_org_type": 22, "activity_identifier": "VN-HB-LCC-01",
        "implementer_ref": "VN-HB-LCC"}}
    settings = iati_settings(meta)
    assert settings["reporting_org_name"] == "Hoabinh LCC"
    assert settings["sectors"] == [] and settings["recipient_country"] == "VN"


def test_indicator_values():
    assert indicator_value("count", 334) == "334"
    assert indicator_value("share", 0.6526) == "65.26"
    assert indicator_value("rate", 0.956) == "95.6"
    assert indicator_value("rate", 1.0) == "100"
    assert indicator_value("money", 2552552.55) == "2552553"
    assert indicator_value("change", -0.0123) == "-1.23"


def test_a_package_without_donor_or_implementer_needs_a_name():
    meta = {"id": "x", "iati": {"reporting_org_ref": "XM-DAC-918-3", "reporting_org_type": 40,
                                "activity_identifier": "XM-DAC-918-3-X", "reporting_org_name": "EU"}}
    with pytest.raises(IatiSettingsError) as raised:
        iati_settings(meta)
    assert raised.value.missing == ["donor_name or implementer_name"]
    assert "neither donor: nor implementer:" in str(raised.value)
