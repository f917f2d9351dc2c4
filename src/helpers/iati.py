"""``workbook export-iati``: a project's results as an IATI 2.03 activity file.

Donors that publish to the International Aid Transparency Initiative take
results as ``iati-activities`` XML. :func:`build_activities` makes one
``iati-activity`` for a loaded project: its identifier and reporting
organisation, the title and a description in Vietnamese and English
(``narrative xml:lang``), the donor and implementer as participating
organisations, the project period as activity dates, the communes as
locations, and one ``result`` per measure that has a target or a published
figure, with the baseline, one ``period`` over the project period, the
``target``, the ``actual`` value computed from the data, and ``actual`` values
disaggregated by sex and by ethnicity (``dimension``) where each cell is large
enough to publish (small-cell suppression).

IATI needs identifiers a data package does not otherwise hold; they live in
an optional ``iati:`` block of project.yml (docs/iati.md), checked by
:func:`iati_settings`. Elements follow the order of the IATI 2.03 schema's
sequence for ``iati-activity``; tests validate the output against the official
schema.

>>> from helpers import load_project                                  # doctest: +SKIP
>>> from helpers.iati import build_activities, to_bytes              # doctest: +SKIP
>>> xml = to_bytes(build_activities(load_project("cao-phong-2021")))  # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import WorkbookError

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGS = ("vi", "en")
#: Below this many people, a disaggregated value (and its complement) is not published.
MIN_CELL = 5

#: OrganisationType codelist (IATI): code → name.
ORGANISATION_TYPES = {
    "10": "Government", "11": "Local Government", "15": "Other Public Sector", "21": "International NGO",
    "22": "National NGO", "23": "Regional NGO", "24": "Partner Country based NGO",
    "30": "Public Private Partnership", "40": "Multilateral", "60": "Foundation", "70": "Private Sector",
    "71": "Private Sector in Provider Country", "72": "Private Sector in Aid Recipient Country",
    "73": "Private Sector in Third Country", "80": "Academic, Training and Research", "90": "Other",
}
#: ActivityStatus codelist.
ACTIVITY_STATUSES = {"1": "Pipeline/identification", "2": "Implementation", "3": "Finalisation", "4": "Closed",
                     "5": "Cancelled", "6": "Suspended"}
#: ParticipatingOrg roles.
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"
#: ActivityDateType codelist.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
#: ResultType codelist.
RESULT_OUTPUT, RESULT_OUTCOME = "1", "2"
#: IndicatorMeasure codelist.
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"
#: Measures for which less is better (indicator@ascending="false").
DESCENDING = {"coverage_gap", "renewals_due", "people_to_mobilise", "cost_per_person_reached",
              "cost_per_person_served"}
#: Count measures of people in services, with the group column of helpers.measures.people().
PEOPLE_GROUPS = {"people_served": "served", "people_counselled": "counselled", "people_examined": "examined",
                 "people_enrolled": "enrolled"}

#: The keys of project.yml's ``iati:`` block: key → (required, what it is).
IATI_KEYS: dict[str, tuple[bool, str]] = {
    "reporting_org_ref": (True, "IATI organisation identifier of the organisation publishing the file, e.g. XM-DAC-918-3"),
    "reporting_org_type": (True, "OrganisationType code of the publisher, e.g. 21 (International NGO), 11 (Local Government)"),
    "activity_identifier": (True, "the activity's IATI identifier: reporting_org_ref, '-', then the publisher's own code"),
    "reporting_org_name": (False, "name of the publisher; default: the donor or implementer whose ref equals reporting_org_ref"),
    "donor_ref": (False, "IATI organisation identifier of the donor (participating-org, role Funding)"),
    "donor_type": (False, "OrganisationType code of the donor"),
    "donor_name": (False, "the donor's name as published; default: project.yml donor"),
    "implementer_ref": (False, "IATI organisation identifier of the implementer (participating-org, role Implementing)"),
    "implementer_type": (False, "OrganisationType code of the implementer"),
    "implementer_name": (False, "the implementer's name as published; default: project.yml implementer"),
    "sectors": (False, "list of sector codes (DAC 5-digit by default), or {code, vocabulary, percentage}"),
    "default_currency": (False, "ISO 4217 code; default: project.yml currency (VND)"),
    "recipient_country": (False, "ISO 3166-1 alpha-2 code; default: VN"),
    "activity_status": (False, "ActivityStatus code; default from the period: 1 before it, 2 during it, 3 after it"),
    "default_language": (False, "language of texts without one (organisation names); default: vi"),
    "description": (False, "{vi:, en:} description; default: one written from the project's metadata"),
    "collaboration_type": (False, "CollaborationType code"),
    "default_flow_type": (False, "FlowType code"),
    "default_finance_type": (False, "FinanceType code"),
    "default_aid_type": (False, "AidType code (vocabulary 1)"),
    "default_tied_status": (False, "TiedStatus code"),
}
NO_PARTICIPANT = "donor_name or implementer_name"
_NO_PARTICIPANT_TEXT = ("project.yml has neither donor: nor implementer:, and IATI needs at least one "
                        "participating organisation")
_FORBIDDEN_IN_IDENTIFIERS = re.compile(r"[\s/&|?#]")

EXAMPLE_BLOCK = """\
iati:
  reporting_org_ref: XM-DAC-918-3          # the publisher's IATI organisation identifier
  reporting_org_type: 40                   # OrganisationType code (40 Multilateral, 21 International NGO, ...)
  activity_identifier: XM-DAC-918-3-JULE-HB-01
  donor_ref: XM-DAC-918-3                  # optional: identifiers of the donor and the implementer
  implementer_ref: VN-EXAMPLE-0001
  implementer_type: 22
  sectors: [12220]                         # optional: DAC 5-digit sector codes"""


class IatiSettingsError(WorkbookError):
    """The ``iati:`` block of project.yml lacks what IATI needs, or is wrong."""

    def __init__(self, missing: list[str], problems: list[str]):
        self.missing = missing
        self.problems = problems
        lines = []
        if missing:
            lines.append("project.yml: the iati: block lacks what IATI needs: " + ", ".join(missing))
            lines += [f"  {key}: {IATI_KEYS[key][1] if key in IATI_KEYS else _NO_PARTICIPANT_TEXT}"
                      for key in missing]
        lines += [f"project.yml: iati: {p}" for p in problems]
        if missing:
            lines.append("Add them to project.yml (docs/iati.md), for example:\n" + EXAMPLE_BLOCK)
        super().__init__("\n".join(lines))


# --- settings ----------------------------------------------------------------------


def _code(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _check_identifier(name: str, value: str, problems: list[str]) -> None:
    if _FORBIDDEN_IN_IDENTIFIERS.search(value):
        problems.append(f"{name} '{value}' must not contain spaces or / & | ? #")


def iati_settings(meta: dict, overrides: dict | None = None) -> dict[str, Any]:
    """The ``iati:`` block of project.yml, checked and completed with defaults.

    Raises :class:`IatiSettingsError` listing every missing key and every
    problem at once. ``overrides`` (same keys) win over project.yml.

    >>> s = iati_settings({"id": "x", "donor": "EU", "iati": {"reporting_org_ref": "XM-DAC-918-3",
    ...     "reporting_org_type": 40, "activity_identifier": "XM-DAC-918-3-X", "donor_ref": "XM-DAC-918-3"}})
    >>> s["reporting_org_name"], s["default_currency"], s["recipient_country"]
    ('EU', 'VND', 'VN')
    """
    block = dict(meta.get("iati") or {})
    block.update(overrides or {})
    problems: list[str] = []
    for key in block:
        if key not in IATI_KEYS:
            near = difflib.get_close_matches(str(key), list(IATI_KEYS), n=1)
            problems.append(f"unknown key '{key}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
    settings: dict[str, Any] = {}
    for key in IATI_KEYS:
        if key in ("sectors", "description"):
            continue
        settings[key] = _code(block.get(key))
    missing = [key for key, (required, _) in IATI_KEYS.items() if required and not settings.get(key)]

    for key in ("reporting_org_ref", "activity_identifier", "donor_ref", "implementer_ref"):
        if settings.get(key):
            _check_identifier(key, settings[key], problems)
    ref, identifier = settings.get("reporting_org_ref"), settings.get("activity_identifier")
    if ref and identifier and not identifier.startswith(ref + "-"):
        problems.append(f"activity_identifier '{identifier}' must start with reporting_org_ref and '-' "
                        f"('{ref}-...'): IATI identifiers are prefixed by the publisher's")
    for key in ("reporting_org_type", "donor_type", "implementer_type"):
        if settings.get(key) and settings[key] not in ORGANISATION_TYPES:
            problems.append(f"{key} '{settings[key]}' is not an OrganisationType code "
                            f"({', '.join(f'{c} {n}' for c, n in ORGANISATION_TYPES.items())})")
    if settings.get("activity_status") and settings["activity_status"] not in ACTIVITY_STATUSES:
        problems.append(f"activity_status '{settings['activity_status']}' is not an ActivityStatus code "
                        f"({', '.join(f'{c} {n}' for c, n in ACTIVITY_STATUSES.items())})")
    currency = settings.get("default_currency") or _code(meta.get("currency")) or "VND"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(f"default_currency '{currency}' is not an ISO 4217 code such as VND or EUR")
    settings["default_currency"] = currency
    country = settings.get("recipient_country") or "VN"
    if not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(f"recipient_country '{country}' is not an ISO 3166-1 alpha-2 code such as VN")
    settings["recipient_country"] = country
    settings["default_language"] = (settings.get("default_language") or "vi").lower()

    # Names of the organisations.
    settings["donor_name"] = settings.get("donor_name") or _code(meta.get("donor"))
    settings["implementer_name"] = settings.get("implementer_name") or _code(meta.get("implementer"))
    if not settings.get("reporting_org_name") and ref:
        if ref == settings.get("donor_ref"):
            settings["reporting_org_name"] = settings["donor_name"]
        elif ref == settings.get("implementer_ref"):
            settings["reporting_org_name"] = settings["implementer_name"]
    if ref and not settings.get("reporting_org_name"):
        missing.append("reporting_org_name")
    if not settings["donor_name"] and not settings["implementer_name"]:
        missing.append(NO_PARTICIPANT)

    settings["sectors"] = _sectors(block.get("sectors"), problems)
    description = block.get("description")
    if description is not None and not (isinstance(description, dict) and set(description) <= set(LANGS)):
        problems.append("description must be {vi: ..., en: ...}")
        description = None
    settings["description"] = description
    if missing or problems:
        raise IatiSettingsError(missing, problems)
    return settings


def _sectors(value: Any, problems: list[str]) -> list[dict[str, str]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    sectors = []
    for item in items:
        if isinstance(item, dict):
            code = _code(item.get("code"))
            sector = {"code": code, "vocabulary": _code(item.get("vocabulary")) or "1",
                      "percentage": _code(item.get("percentage"))}
        else:
            sector = {"code": _code(item), "vocabulary": "1", "percentage": None}
        if not sector["code"]:
            problems.append("every sector needs a code")
            continue
        if sector["vocabulary"] == "1" and not re.fullmatch(r"\d{5}", sector["code"]):
            problems.append(f"sector '{sector['code']}' is not a DAC 5-digit purpose code (vocabulary 1)")
        sectors.append(sector)
    by_vocabulary: dict[str, list[dict]] = {}
    for sector in sectors:
        by_vocabulary.setdefault(sector["vocabulary"], []).append(sector)
    for vocabulary, group in by_vocabulary.items():
        if len(group) == 1:
            continue
        try:
            total = sum(float(s["percentage"]) for s in group)
        except (TypeError, ValueError):
            problems.append(f"several sectors of vocabulary {vocabulary} need a percentage each")
            continue
        if abs(total - 100) > 1e-9:
            problems.append(f"the percentages of the sectors of vocabulary {vocabulary} add up to {total:g}, not 100")
    return sectors


# --- values ------------------------------------------------------------------------------


def _number(value: float, decimals: int) -> str:
    """A decimal number without trailing zeros (65.2600 → 65.26, 300.0 → 300)."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def indicator_value(kind: str, value: float | int) -> str:
    """A measure's value as IATI writes it: counts and money as numbers, shares,
    rates and changes in percent (0.6526 → 65.26).

    >>> indicator_value("count", 334), indicator_value("share", 0.6526), indicator_value("change", 0.0529)
    ('334', '65.26', '5.29')
    """
    if kind == "count":
        return str(int(round(value)))
    if kind == "money":
        return _number(float(value), 0)
    return _number(float(value) * 100, 2)


def indicator_measure(kind: str) -> str:
    """IndicatorMeasure: 1 (unit) for counts and money, 2 (percentage) for the rest."""
    return MEASURE_UNIT if kind in ("count", "money") else MEASURE_PERCENTAGE


def result_type(kind: str) -> str:
    """ResultType: 2 (outcome) for rates and changes in coverage, 1 (output) for the rest."""
    return RESULT_OUTCOME if kind in ("rate", "change") else RESULT_OUTPUT


@dataclass
class Disaggregation:
    """Values of one measure by one dimension, and what was suppressed."""

    dimension: str
    values: dict[str, int] = field(default_factory=dict)  # category → count (published)
    suppressed: bool = False


def suppress_pair(dimension: str, first: tuple[str, int], second: tuple[str, int],
                  min_cell: int = MIN_CELL) -> Disaggregation:
    """Both categories of a two-way split, or neither if either is below ``min_cell``
    (publishing one would reveal the other from the total).

    >>> suppress_pair("sex", ("female", 340), ("male", 181)).values
    {'female': 340, 'male': 181}
    >>> suppress_pair("ethnicity", ("minority", 513), ("Kinh", 8), min_cell=10).suppressed
    True
    """
    if min(first[1], second[1]) < min_cell:
        return Disaggregation(dimension, {}, suppressed=True)
    return Disaggregation(dimension, {first[0]: int(first[1]), second[0]: int(second[1])})


def disaggregations(project, name: str, min_cell: int = MIN_CELL) -> list[Disaggregation]:
    """By sex and by ethnicity, for the count measures of people that allow it.

    People in services (served, counselled, examined, enrolled) are split per
    person with a known sex / ethnicity; people reached at events by the
    events' ``female`` and ``ethnic_minority`` columns, when every event has them.
    """
    from .measures import people

    found: list[Disaggregation] = []
    if name in PEOPLE_GROUPS:
        frame = people(project)
        if frame is None:
            return found
        group = frame[frame[PEOPLE_GROUPS[name]]]
        for dimension, flag, yes, no in (("sex", "female", "female", "male"),
                                         ("ethnicity", "minority", "minority", "Kinh")):
            if flag not in group:
                continue
            known = group[flag].dropna().astype(bool)
            if known.empty:
                continue
            found.append(suppress_pair(dimension, (yes, int(known.sum())), (no, int((~known).sum())), min_cell))
    elif name == "people_reached" and project.events is not None:
        events = project.events
        total = int(events["participants"].sum())
        for dimension, column, yes, no in (("sex", "female", "female", "male"),
                                           ("ethnicity", "ethnic_minority", "minority", "Kinh")):
            if column not in events or events[column].isna().any() or events.empty:
                continue
            part = int(events[column].sum())
            found.append(suppress_pair(dimension, (yes, part), (no, total - part), min_cell))
    return found


# --- the document -------------------------------------------------------------------------


def _now() -> dt.datetime:
    """Now, in UTC; ``SOURCE_DATE_EPOCH`` fixes it for reproducible files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _iso_datetime(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _default_status(period: dict, today: dt.date) -> str:
    if today < period["start"]:
        return "1"
    if today <= period["end"]:
        return "2"
    return "3"


def _description(meta: dict, settings: dict) -> dict[str, str]:
    if settings.get("description"):
        return {k: str(v) for k, v in settings["description"].items() if v}
    communes = ", ".join(meta.get("communes") or [])
    period = meta["period"]
    place_vi = ", ".join(p for p in (meta.get("district") and f"huyện {meta['district']}",
                                     meta.get("province") and f"tỉnh {meta['province']}") if p)
    place_en = ", ".join(p for p in (meta.get("district") and f"{meta['district']} district",
                                     meta.get("province") and f"{meta['province']} province") if p)
    return {
        "vi": (f"Dự án vận động người dân tham gia bảo hiểm y tế (BHYT) tại {communes}"
               + (f" ({place_vi})" if place_vi else "")
               + f", từ {period['start']:%d/%m/%Y} đến {period['end']:%d/%m/%Y}. Kết quả được tính từ bộ số liệu "
               "của dự án; các số liệu tách theo giới tính và dân tộc dưới ngưỡng công bố được lược bỏ."),
        "en": (f"Outreach to bring people into Vietnam's social health insurance (BHYT) in {communes}"
               + (f" ({place_en})" if place_en else "")
               + f", {period['start']:%d %b %Y} to {period['end']:%d %b %Y}. Results are computed from the "
               "project's data; breakdowns by sex and ethnicity below the publication threshold are left out."),
    }


def _narratives(parent, texts: dict[str, str] | str, lang: str | None = None):
    from lxml import etree

    if isinstance(texts, str):
        narrative = etree.SubElement(parent, "narrative")
        if lang:
            narrative.set(XML_LANG, lang)
        narrative.text = texts
        return parent
    for language in LANGS:
        if texts.get(language):
            narrative = etree.SubElement(parent, "narrative")
            narrative.set(XML_LANG, language)
            narrative.text = str(texts[language])
    return parent


def result_measures(meta: dict) -> list[str]:
    """The measures that get a result: every target and every published figure,
    in the registry's order."""
    from .measures import MEASURES

    wanted = set(meta.get("targets") or {}) | set(meta.get("reported") or {})
    return [name for name in MEASURES if name in wanted]


def build_activities(project, values: dict | None = None, *, settings: dict | None = None,
                     generated: dt.datetime | None = None, min_cell: int = MIN_CELL):
    """The ``iati-activities`` element (lxml) for one project.

    Parameters
    ----------
    project : Project
        A loaded project (:func:`helpers.load_project`).
    values : dict, optional
        Its measures; default :func:`helpers.measures.compute`.
    settings : dict, optional
        Keys of the ``iati:`` block that win over project.yml's.
    generated : datetime, optional
        When the file is generated (default now, UTC; or ``SOURCE_DATE_EPOCH``):
        it dates the file and decides the default activity status.
    min_cell : int
        Smallest count published in a disaggregation (default 5).

    Raises
    ------
    IatiSettingsError
        project.yml's ``iati:`` block lacks an identifier IATI needs.
    """
    from lxml import etree

    from .measures import MEASURES, compute
    from .quality import verdict

    meta = project.meta
    iati = iati_settings(meta, settings)
    values = compute(project) if values is None else values
    generated = generated or _now()
    today = generated.date()
    period = meta["period"]
    stamp = _iso_datetime(generated)

    root = etree.Element("iati-activities", version=IATI_VERSION)
    root.set("generated-datetime", stamp)
    root.append(etree.Comment(f" Generated by the BHYT outreach evaluation workbook from the data package "
                              f"'{meta['id']}'. Aggregates only: no person-level data. "))
    activity = etree.SubElement(root, "iati-activity")
    activity.set("last-updated-datetime", stamp)
    activity.set(XML_LANG, iati["default_language"])
    activity.set("default-currency", iati["default_currency"])

    etree.SubElement(activity, "iati-identifier").text = iati["activity_identifier"]
    reporting = etree.SubElement(activity, "reporting-org", ref=iati["reporting_org_ref"],
                                 type=iati["reporting_org_type"])
    _narratives(reporting, iati["reporting_org_name"])
    _narratives(etree.SubElement(activity, "title"), meta.get("title") or {})
    _narratives(etree.SubElement(activity, "description", type="1"), _description(meta, iati))
    for role, prefix in ((ROLE_FUNDING, "donor"), (ROLE_IMPLEMENTING, "implementer")):
        name = iati.get(f"{prefix}_name")
        if not name:
            continue
        org = etree.SubElement(activity, "participating-org", role=role)
        if iati.get(f"{prefix}_ref"):
            org.set("ref", iati[f"{prefix}_ref"])
        if iati.get(f"{prefix}_type"):
            org.set("type", iati[f"{prefix}_type"])
        _narratives(org, name)
    status = iati.get("activity_status") or _default_status(period, today)
    etree.SubElement(activity, "activity-status", code=status)
    etree.SubElement(activity, "activity-date", type=PLANNED_START, **{"iso-date": period["start"].isoformat()})
    if period["start"] <= today:
        etree.SubElement(activity, "activity-date", type=ACTUAL_START, **{"iso-date": period["start"].isoformat()})
    etree.SubElement(activity, "activity-date", type=PLANNED_END, **{"iso-date": period["end"].isoformat()})
    if period["end"] < today and status in ("3", "4"):
        etree.SubElement(activity, "activity-date", type=ACTUAL_END, **{"iso-date": period["end"].isoformat()})
    scope = "7" if meta.get("district") else "6" if meta.get("province") else None
    if scope:  # sub-national: one second-level (district) or first-level (province) area
        etree.SubElement(activity, "activity-scope", code=scope)
    etree.SubElement(activity, "recipient-country", code=iati["recipient_country"], percentage="100")
    for commune in meta.get("communes") or []:
        location = etree.SubElement(activity, "location")
        etree.SubElement(location, "location-reach", code="1")  # the activity happens here
        place = ", ".join(p for p in (commune, meta.get("district"), meta.get("province")) if p)
        _narratives(etree.SubElement(location, "name"), place, lang="vi")
        etree.SubElement(location, "location-class", code="1")  # an administrative region
    for sector in iati["sectors"]:
        element = etree.SubElement(activity, "sector", code=sector["code"], vocabulary=sector["vocabulary"])
        if sector["percentage"]:
            element.set("percentage", sector["percentage"])
    for key, element_name, attribute in (("collaboration_type", "collaboration-type", "code"),
                                         ("default_flow_type", "default-flow-type", "code"),
                                         ("default_finance_type", "default-finance-type", "code"),
                                         ("default_aid_type", "default-aid-type", "code"),
                                         ("default_tied_status", "default-tied-status", "code")):
        if iati.get(key):
            element = etree.SubElement(activity, element_name, **{attribute: iati[key]})
            if key == "default_aid_type":
                element.set("vocabulary", "1")

    targets = meta.get("targets") or {}
    reported = meta.get("reported") or {}
    baselines = meta.get("baselines") or {}
    for name in result_measures(meta):
        measure = MEASURES[name]
        result = etree.SubElement(activity, "result", type=result_type(measure.kind))
        _narratives(etree.SubElement(result, "title"), measure.label)
        _narratives(etree.SubElement(result, "description"), measure.definition)
        indicator = etree.SubElement(result, "indicator", measure=indicator_measure(measure.kind))
        indicator.set("ascending", "false" if name in DESCENDING else "true")
        _narratives(etree.SubElement(indicator, "title"), measure.label)
        _narratives(etree.SubElement(indicator, "description"), measure.definition)
        if name in baselines:
            baseline = etree.SubElement(indicator, "baseline", year=str(period["start"].year))
            baseline.set("iso-date", period["start"].isoformat())
            baseline.set("value", indicator_value(measure.kind, baselines[name]))
        result_period = etree.SubElement(indicator, "period")
        etree.SubElement(result_period, "period-start", **{"iso-date": period["start"].isoformat()})
        etree.SubElement(result_period, "period-end", **{"iso-date": period["end"].isoformat()})
        if name in targets:
            etree.SubElement(result_period, "target", value=indicator_value(measure.kind, targets[name]))
        computed = values.get(name)
        if computed is not None:
            actual = etree.SubElement(result_period, "actual", value=indicator_value(measure.kind, computed))
            if name in reported:
                shown = indicator_value(measure.kind, reported[name])
                word = verdict(measure.kind, reported[name], computed).replace("_", " ")
                _narratives(etree.SubElement(actual, "comment"), {
                    "vi": f"Tính từ số liệu của dự án; đơn vị thực hiện công bố {shown} ({_VERDICT_VI[word]}).",
                    "en": f"Computed from the project data; the implementer published {shown} ({word}).",
                })
            for split in disaggregations(project, name, min_cell):
                for category, count in split.values.items():
                    part = etree.SubElement(result_period, "actual", value=str(count))
                    etree.SubElement(part, "dimension", name=split.dimension, value=category)
        elif name in reported:
            actual = etree.SubElement(result_period, "actual", value=indicator_value(measure.kind, reported[name]))
            _narratives(etree.SubElement(actual, "comment"), {
                "vi": "Số liệu do đơn vị thực hiện công bố; bộ số liệu của dự án không đủ để tính lại.",
                "en": "As published by the implementer; the project data cannot recompute it.",
            })
    return root


_VERDICT_VI = {"match": "khớp", "within tolerance": "trong sai số làm tròn", "mismatch": "không khớp",
               "not computed": "không tính được"}


def to_bytes(root) -> bytes:
    """The document as UTF-8 XML with a declaration, indented."""
    from lxml import etree

    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_xml(data: bytes, schema: str | Path) -> list[str]:
    """Problems of ``data`` against an IATI activities schema file (empty: valid)."""
    from lxml import etree

    xml_schema = etree.XMLSchema(etree.parse(str(schema)))
    document = etree.fromstring(data)
    if xml_schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in xml_schema.error_log]


def write_activities(project, path: str | Path, **options) -> Path:
    """Build the document and write it to ``path`` through a temporary file."""
    path = Path(path)
    data = to_bytes(build_activities(project, **options))
    _write(path, data)
    return path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xml", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the command ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project id (a folder of --data-dir) or the path of a package folder")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the XML file to write (e.g. results.xml)")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder of project packages (default: data/projects)")
    parser.add_argument("--min-cell", type=int, default=MIN_CELL,
                        help=f"smallest count published in a breakdown by sex or ethnicity (default {MIN_CELL})")
    parser.add_argument("--schema", type=Path, default=None,
                        help="iati-activities-schema.xsd: validate the file against it before writing")


def run(args: argparse.Namespace) -> int:
    from .load import load_project

    project = load_project(args.project, args.data_dir)
    for warning in project.warnings:
        print(warning, file=sys.stderr)
    try:
        root = build_activities(project, min_cell=args.min_cell)
    except IatiSettingsError as exc:
        print(exc, file=sys.stderr)
        print("Nothing was written.", file=sys.stderr)
        return 1
    data = to_bytes(root)
    if args.schema is not None:
        errors = validate_xml(data, args.schema)
        if errors:
            for error in errors:
                print(f"{args.output}: {error}", file=sys.stderr)
            print("The file does not validate against the schema; nothing was written.", file=sys.stderr)
            return 1
    _write(args.output, data)
    results = len(root.findall(".//result"))
    print(f"wrote {args.output}: IATI {IATI_VERSION} activity {root.findtext('.//iati-identifier')}, "
          f"{results} result(s)" + (", valid against the schema" if args.schema is not None else ""))
    return 0
