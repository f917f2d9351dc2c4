"""The sections of the evaluation report, as the notebook calls them.

``notebooks/project_report.ipynb`` is one call per section::

    p = load_project(project, data_dir)
    values = compute(p)
    report.cover(p, lang)
    report.key_results(p, values, lang)
    report.activities(p, lang, min_cell)
    ...

Each section function returns a :class:`Section` (HTML that Jupyter
displays), or ``None`` when the project has no data for it: a section without
data is left out, never shown empty. Every label goes through
:mod:`helpers.i18n`, every number through :mod:`helpers.fmt`, every count of
people through :mod:`helpers.privacy`, and every measure comes from
:func:`helpers.measures.compute`, the same values ``indicators.csv`` holds.

The tables behind the sections (``events_by_commune``, ``profile_counts``,
...) are plain functions on DataFrames, tested on their own.

>>> from helpers.project import Project
>>> report_section = data_quality(Project(meta={"id": "demo"}), "en")
>>> "No warnings" in report_section.html
True
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import platform
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, fmt, privacy
from .i18n import (activity_label, describe_problem, group_label, household_label, service_label, sex_label, t,
                   table_label)
from .measures import MEASURES, exact_target, people
from .project import Project
from .quality import reconcile, targets_table

#: The MIME type of the machine-readable record a report carries (values, title,
#: headline measures); :mod:`helpers.render` reads it to write indicators.csv and
#: the index page. Browsers and nbconvert's templates ignore it.
RECORD_MIME = "application/vnd.bhyt-workbook.record+json"

#: The groups of people, as in :data:`helpers.measures.PERSON_GROUPS`.
GROUPS = ("served", "counselled", "examined", "enrolled")
#: Age bands (lower bounds, in years) for the age of people at the end of the project.
AGE_BANDS = (0, 6, 18, 40, 60)
#: At most this many ethnic minority groups are named; smaller ones are "other minority groups".
MAX_NAMED_GROUPS = 6
#: Names listed on the cover before "…".
MAX_COVER_COMMUNES = 8
#: Packages whose versions the reproducibility section lists (distribution names).
PACKAGES = ("bhyt-workbook-helpers", "pandas", "numpy", "pyarrow", "openpyxl", "matplotlib", "babel",
            "papermill", "nbclient", "nbconvert", "ipykernel", "weasyprint")


@dataclass(frozen=True)
class Section:
    """A section of the report: its name and its HTML (displayed by Jupyter)."""

    name: str
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"[{self.name}]"


@dataclass(frozen=True)
class Record:
    """What :mod:`helpers.render` needs from a run, as one machine-readable output."""

    data: dict

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {RECORD_MIME: self.data}

    def __repr__(self) -> str:
        return ""


# --- HTML building blocks ------------------------------------------------------------------------


def esc(text) -> str:
    """Text made safe for HTML."""
    return html.escape(str(text), quote=True)


def paragraph(text: str, css: str = "") -> str:
    return f'<p class="{css}">{esc(text)}</p>' if css else f"<p>{esc(text)}</p>"


def html_table(frame: pd.DataFrame, numeric=(), caption: str | None = None, total: bool = False,
               row_classes: list[str] | None = None, index_label: str | None = None, css: str = "") -> str:
    """A table of text cells as HTML, first column from the index.

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells as text (already formatted). Columns may be 2-tuples
        ``(group, sub)``: the group becomes a header spanning its columns.
    numeric : collection
        Columns to right-align.
    caption : str, optional
    total : bool
        Style the last row as a total.
    row_classes : list of str, optional
        A CSS class per row (e.g. ``"mismatch"``).
    index_label : str, optional
        Header of the first column; no first column when None and the index is a RangeIndex.

    Examples
    --------
    >>> html_table(pd.DataFrame({"n": ["5"]}, index=["A"]), numeric={"n"}, index_label="x")[:44]
    '<table><thead><tr><th scope="col">x</th><th '
    """
    show_index = index_label is not None or not isinstance(frame.index, pd.RangeIndex)
    two_level = any(isinstance(c, tuple) for c in frame.columns)
    if len(frame.columns) + show_index >= 8:  # smaller print so that it fits the A4 width
        css = f"{css} wide".strip()
    parts = [f'<table class="{esc(css)}">' if css else "<table>"]
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead>")
    if two_level:
        parts.append("<tr>")
        if show_index:
            parts.append(f'<th rowspan="2" scope="col">{esc(index_label or "")}</th>')
        groups: list[tuple[str, int]] = []
        for column in frame.columns:
            top = column[0] if isinstance(column, tuple) else column
            if groups and groups[-1][0] == top and isinstance(column, tuple):
                groups[-1] = (top, groups[-1][1] + 1)
            else:
                groups.append((top, 1))
        for top, span in groups:
            parts.append(f'<th colspan="{span}" scope="colgroup" class="group">{esc(top)}</th>')
        parts.append("</tr><tr>")
        for column in frame.columns:
            sub = column[1] if isinstance(column, tuple) else ""
            parts.append(f'<th scope="col" class="num">{esc(sub)}</th>')
        parts.append("</tr>")
    else:
        parts.append("<tr>")
        if show_index:
            parts.append(f'<th scope="col">{esc(index_label or "")}</th>')
        for column in frame.columns:
            css_class = ' class="num"' if column in numeric else ""
            parts.append(f"<th scope=\"col\"{css_class}>{esc(column)}</th>")
        parts.append("</tr>")
    parts.append("</thead><tbody>")
    n = len(frame)
    for position, (label, row) in enumerate(frame.iterrows()):
        classes = []
        if row_classes and row_classes[position]:
            classes.append(row_classes[position])
        if total and position == n - 1:
            classes.append("total")
        parts.append(f'<tr class="{" ".join(classes)}">' if classes else "<tr>")
        if show_index:
            parts.append(f'<th scope="row">{esc(label)}</th>')
        for column, cell in zip(frame.columns, row):
            is_number = column in numeric or isinstance(column, tuple)
            parts.append(f'<td class="num">{esc(cell)}</td>' if is_number else f"<td>{esc(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def figure_boxes(items: list[tuple[str, str, str]]) -> str:
    """Large headline figures (the template's ``kpi`` boxes): (value, label, note) each."""
    boxes = []
    for value, label, note in items:
        note_html = f'<span class="kpi-note">{esc(note)}</span>' if note else ""
        boxes.append(f'<div class="kpi"><span class="kpi-value">{esc(value)}</span>'
                     f'<span class="kpi-label">{esc(label)}</span>{note_html}</div>')
    return f'<div class="kpis">{"".join(boxes)}</div>'


def chart(figure, alt: str) -> str:
    from . import plots

    return f'<figure class="chart">{plots.to_html(figure, alt)}</figure>'


@contextmanager
def _quiet():
    """Keep library warnings out of the donor's report (the tests run the same code and see them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _person_ids(project: Project) -> frozenset[str]:
    if "guarded_ids" not in project._cache:
        ids = project.services["person_id"].dropna().unique() if project.services is not None else []
        project._cache["guarded_ids"] = privacy.guarded_ids(ids)
    return project._cache["guarded_ids"]


def section(project: Project, name: str, title: str, body: list[str], lang: str) -> Section:
    """Wrap a section's HTML, after checking that it holds no person identifier."""
    text = (f'<section class="report-section" id="{esc(name)}" lang="{lang}">'
            f'<h2 id="{esc(name)}-title">{esc(title)}</h2>{"".join(body)}</section>')
    privacy.check_no_person_ids(text, _person_ids(project), where=f"the section '{name}'")
    return Section(name, text)


def _currency(project: Project) -> str:
    return str(project.meta.get("currency") or "VND")


def _value(project: Project, name: str, value, lang: str, digits: int | None = None) -> str:
    return fmt.value(value, MEASURES[name].kind, lang, currency=_currency(project), digits=digits)


def _headline_value(project: Project, name: str, value, lang: str) -> str:
    if MEASURES[name].kind == "money":
        return fmt.money(value, lang, _currency(project), compact=True)
    return _value(project, name, value, lang)


def _period(project: Project) -> tuple[dt.date | None, dt.date | None]:
    period = project.meta.get("period") or {}
    return as_date(period.get("start")), as_date(period.get("end"))


def as_date(value) -> dt.date | None:
    """A date from a date, datetime, pandas Timestamp or ISO text; None when missing."""
    if fmt.is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    return dt.date.fromisoformat(str(value)[:10])


def timestamp(value: dt.datetime, lang: str) -> str:
    """A date and time to the minute, with the UTC offset when known.

    >>> timestamp(dt.datetime(2024, 6, 5, 14, 3), "vi"), timestamp(dt.datetime(2024, 6, 5, 14, 3), "en")
    ('05/06/2024 14:03', '5 Jun 2024 14:03')
    """
    text = f"{fmt.date(value, lang)} {value:%H:%M}"
    offset = value.strftime("%z")
    if offset:
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text


# --- 1. cover ------------------------------------------------------------------------------------


def cover(project: Project, lang: str = "vi", generated: dt.datetime | None = None) -> Section:
    """Title, donor, implementer, place, period and the date the report was made.

    Examples
    --------
    >>> from helpers.project import Project
    >>> s = cover(Project(meta={"id": "x", "title": {"vi": "Dự án", "en": "Project"}}), "en")
    >>> "<h1>Project</h1>" in s.html
    True
    """
    fmt.check_lang(lang)
    meta = project.meta
    generated = generated or dt.datetime.now().astimezone()
    facts = []
    for key in ("donor", "implementer"):
        if meta.get(key):
            facts.append((t(key, lang), str(meta[key])))
    place = ", ".join(str(meta[k]) for k in ("district", "province") if meta.get(k))
    communes = project.communes
    if communes:
        names = ", ".join(communes[:MAX_COVER_COMMUNES]) + (", …" if len(communes) > MAX_COVER_COMMUNES else "")
        areas = t("n_areas", lang, n=fmt.number(len(communes), lang), names=names)
        place = f"{place}; {areas}" if place else areas
    if place:
        facts.append((t("place", lang), place))
    start, end = _period(project)
    if start or end:
        facts.append((t("period", lang), fmt.period(start, end, lang) if start and end else fmt.date(start or end, lang)))
    facts.append((t("generated", lang), timestamp(generated, lang)))
    rows = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in facts)
    body = [f'<p class="kicker">{esc(t("report_kind", lang))}</p>',
            f"<h1>{esc(project.title(lang))}</h1>",
            f'<dl class="facts">{rows}</dl>']
    if _synthesized_sources(project):
        body.append(paragraph(t("cover_synthesized", lang), "notice"))
    text = f'<header class="report-cover" lang="{lang}">{"".join(body)}</header>'
    privacy.check_no_person_ids(text, _person_ids(project), where="the cover")
    return Section("cover", text)


# --- 2. key results ------------------------------------------------------------------------------


def target_status(achieved) -> str:
    """``achieved``, ``nearly`` (90 % of the target or more), ``not_achieved`` or ``no_data``.

    >>> target_status(1.0), target_status(0.95), target_status(0.44), target_status(None)
    ('achieved', 'nearly', 'not_achieved', 'no_data')
    """
    if fmt.is_missing(achieved):
        return "no_data"
    if achieved >= 1 - 1e-12:
        return "achieved"
    return "nearly" if achieved >= 0.9 else "not_achieved"


def key_results(project: Project, values: dict, lang: str = "vi") -> Section | None:
    """The headline measures as large figures, and results against targets (a logframe table)."""
    fmt.check_lang(lang)
    targets = project.meta.get("targets") or {}
    headline = [name for name, m in MEASURES.items() if m.headline and name in values]
    if not headline and not targets:
        return None
    body = []
    boxes = []
    for name in headline:
        note = ""
        if name in targets:
            note = t("target_is", lang, value=_value(project, name, targets[name], lang))
        boxes.append((_headline_value(project, name, values[name], lang), MEASURES[name].label[lang], note))
    if boxes:
        body.append(figure_boxes(boxes))
    if targets:
        table = targets_table(project, values)
        shown = pd.DataFrame({
            t("baseline", lang): [_value(project, n, v, lang) for n, v in zip(table["measure"], table["baseline"])],
            t("target", lang): [_value(project, n, v, lang) for n, v in zip(table["measure"], table["target"])],
            t("actual", lang): [_value(project, n, v, lang) for n, v in zip(table["measure"], table["actual"])],
            t("percent_of_target", lang): [fmt.percent(v, lang, 1) for v in table["achieved"]],
            t("status", lang): [t(f"status_{target_status(v)}", lang) for v in table["achieved"]],
        }, index=[MEASURES[n].label[lang] for n in table["measure"]])
        statuses = [f"status-{target_status(v)}" for v in table["achieved"]]
        numeric = {t(k, lang) for k in ("baseline", "target", "actual", "percent_of_target")}
        body.append(f'<h3>{esc(t("results_vs_targets", lang))}</h3>')
        body.append(html_table(shown, numeric=numeric, index_label=t("measure", lang), row_classes=statuses))
        body.append(paragraph(t("targets_note", lang), "note"))
    return section(project, "key-results", t("key_results", lang), body, lang)


# --- 3. activities -------------------------------------------------------------------------------


def events_by_month(events: pd.DataFrame) -> pd.DataFrame:
    """Number of events per month (rows, first day of the month) and activity (columns, most frequent first).

    >>> e = pd.DataFrame({"date": pd.to_datetime(["2021-01-05", "2021-01-20", "2021-03-01"]),
    ...                   "activity": ["meeting", "training", "meeting"]})
    >>> events_by_month(e).values.tolist()
    [[1, 1], [0, 0], [1, 0]]
    """
    dated = events[events["date"].notna()]
    months = dated["date"].dt.to_period("M")
    counts = pd.crosstab(months, dated["activity"])
    order = dated["activity"].value_counts().index.tolist()
    counts = counts[order]
    full = pd.period_range(months.min(), months.max(), freq="M")
    counts = counts.reindex(full, fill_value=0)
    counts.index = full.to_timestamp()
    return counts


def _sum_known(frame: pd.DataFrame, column: str):
    return frame[column].sum(min_count=1) if column in frame else np.nan


def events_by(events: pd.DataFrame, by: str) -> pd.DataFrame:
    """Events, participants, women, ethnic-minority participants and cost, per ``by`` (commune or activity).

    ``female`` and ``ethnic_minority`` add up only the events where they were
    recorded; ``*_of`` columns hold the participants of those same events (the
    whole the count is part of, for the complementary check).

    >>> e = pd.DataFrame({"commune": ["A", "A", "B"], "participants": [10, 5, 7], "female": [6, None, 3]})
    >>> table = events_by(e, "commune")
    >>> table.loc["A", ["events", "participants", "female", "female_of"]].tolist()
    [2.0, 15.0, 6.0, 10.0]
    """
    rows = []
    for key, part in events.groupby(by, sort=False):
        row = {by: key, "events": len(part), "participants": int(part["participants"].sum())}
        for column in ("female", "ethnic_minority"):
            if column in part and part[column].notna().any():
                known = part[part[column].notna()]
                row[column] = float(known[column].sum())
                row[f"{column}_of"] = float(known["participants"].sum())
        if "cost" in part and part["cost"].notna().any():
            row["cost"] = float(part["cost"].sum())
        rows.append(row)
    frame = pd.DataFrame(rows).set_index(by)
    return frame.sort_values(["events", "participants"], ascending=False, kind="stable")


def _people_columns_shown(table: pd.DataFrame, people_columns: list[str], min_cell: int, lang: str,
                          total_label: str) -> pd.DataFrame:
    """Counts of people per row, with a total row, small counts and their give-aways hidden."""
    counts = table[people_columns].copy()
    full = privacy.with_margins(counts, "column", total_label)
    forced = pd.DataFrame(False, index=full.index, columns=full.columns)
    for column in people_columns:
        if column in ("female", "ethnic_minority") and f"{column}_of" in table:
            whole = privacy.with_margins(table[[f"{column}_of"]], "column", total_label)[f"{column}_of"]
            forced[column] = [privacy.complement_is_small(c, w, min_cell) for c, w in zip(full[column], whole)]
    mask = privacy.suppression_mask(full, min_cell, "column", forced=forced)
    return privacy.display(full, mask, min_cell, lang)


def activities(project: Project, lang: str = "vi", min_cell: int = 5) -> Section | None:
    """Events over time by type (chart), and events and reach per type and per commune."""
    fmt.check_lang(lang)
    min_cell = privacy.check_min_cell(min_cell)
    events = project.events
    if events is None or events.empty:
        return None
    total_label = t("total", lang)
    body = [paragraph(t("activities_summary", lang,
                        events=fmt.number(len(events), lang),
                        communes=fmt.number(events["commune"].nunique(), lang),
                        participants=fmt.number(int(events["participants"].sum()), lang),
                        first=fmt.date(events["date"].min(), lang),
                        last=fmt.date(events["date"].max(), lang)))]
    with _quiet():
        monthly = events_by_month(events)
        if len(monthly) >= 2:
            from . import plots

            body.append(chart(plots.events_by_month(monthly, lang), t("chart_events_by_month", lang)))
    for by, heading, label_of in (("activity", "events_by_type", lambda a: activity_label(a, lang)),
                                  ("commune", "events_by_commune", str)):
        table = events_by(events, by)
        people_columns = [c for c in ("participants", "female", "ethnic_minority") if c in table]
        shown = _people_columns_shown(table, people_columns, min_cell, lang, total_label)
        frame = pd.DataFrame(index=shown.index)
        frame[t("events", lang)] = [fmt.number(v, lang) for v in table["events"]] + [
            fmt.number(table["events"].sum(), lang)]
        names = {"participants": t("participants", lang), "female": t("women", lang),
                 "ethnic_minority": t("ethnic_minority_people", lang)}
        for column in people_columns:
            frame[names[column]] = shown[column]
        if "cost" in table:
            unit = fmt.currency_unit(lang, _currency(project))
            costs = table["cost"].tolist() + [table["cost"].sum(min_count=1)]
            frame[f'{t("cost", lang)} ({unit})'] = [fmt.number(v, lang) for v in costs]
        frame.index = [label_of(i) for i in table.index] + [total_label]
        body.append(f"<h3>{esc(t(heading, lang))}</h3>")
        body.append(html_table(frame, numeric=set(frame.columns),
                               index_label=t("activity" if by == "activity" else "commune", lang), total=True))
    partial = [c for c in ("female", "ethnic_minority") if c in events and events[c].isna().any()
               and events.loc[events[c].isna(), "participants"].sum() > 0]
    if partial:
        body.append(paragraph(t("partial_counts_note", lang), "note"))
    body.append(paragraph(t("suppression_note", lang, mark=privacy.primary_mark(min_cell),
                            secondary=privacy.SECONDARY_MARK, min=min_cell), "note"))
    return section(project, "activities", t("activities", lang), body, lang)


# --- 4. people served ----------------------------------------------------------------------------


def groups_present(persons: pd.DataFrame) -> list[str]:
    """The groups of people with at least one person (served always first)."""
    return [g for g in GROUPS if g in persons and bool(persons[g].any())]


def age_band(age) -> str | None:
    """The band of an age in years: ``"0-5"``, ``"6-17"``, ``"18-39"``, ``"40-59"``, ``"60+"``.

    >>> age_band(5), age_band(6), age_band(59), age_band(60), age_band(-1)
    ('0-5', '6-17', '40-59', '60+', None)
    """
    if fmt.is_missing(age) or age < 0:
        return None
    bands = list(AGE_BANDS)
    for low, high in zip(bands, bands[1:]):
        if low <= age < high:
            return f"{low}-{high - 1}"
    return f"{bands[-1]}+"


def profile_counts(persons: pd.DataFrame, dimension: str, reference_year: int | None = None,
                   min_cell: int = 5) -> pd.DataFrame:
    """People per category of ``dimension`` (rows) and group (columns).

    Parameters
    ----------
    persons : pandas.DataFrame
        From :func:`helpers.measures.people`.
    dimension : {"sex", "ethnicity", "age", "household"}
    reference_year : int
        For ``age``: age = reference_year − birth_year.
    min_cell : int
        For ``ethnicity``: minority groups with fewer people served than this
        are counted together as ``"other_minority"``.

    Returns
    -------
    pandas.DataFrame
        Integer counts; index: category codes (``"unknown"`` last, only when
        non-zero); columns: the groups present.

    Examples
    --------
    >>> persons = pd.DataFrame({"sex": ["female", "male", None], "served": [True] * 3,
    ...                         "examined": [True, False, True]})
    >>> profile_counts(persons, "sex").to_dict()
    {'served': {'female': 1, 'male': 1, 'unknown': 1}, 'examined': {'female': 1, 'male': 0, 'unknown': 1}}
    """
    groups = groups_present(persons)
    if dimension == "age":
        ages = reference_year - pd.to_numeric(persons["birth_year"], errors="coerce")
        codes = pd.Series([age_band(a) for a in ages], index=persons.index, dtype=object)
        order = [age_band(low) for low in AGE_BANDS]
    elif dimension == "ethnicity":
        raw = persons["ethnicity"].astype(object).where(persons["ethnicity"].notna(), None)
        minority = raw[raw.notna() & (raw.astype(str).str.casefold() != "kinh")]
        served_counts = minority[persons.loc[minority.index, "served"]].value_counts()
        named = [name for name, n in served_counts.items() if n >= min_cell][:MAX_NAMED_GROUPS]
        codes = raw.map(lambda v: None if v is None else "Kinh" if str(v).casefold() == "kinh"
                        else v if v in named else "other_minority")
        order = named + ["other_minority", "Kinh"]
    else:
        codes = persons[dimension].astype(object).where(persons[dimension].notna(), None)
        order = {"sex": ["female", "male"], "household": ["poor", "near_poor", "other"]}[dimension]
    codes = codes.fillna("unknown")
    table = pd.DataFrame({g: codes[persons[g].astype(bool)].value_counts() for g in groups})
    table = table.reindex([c for c in order + ["unknown"] if c in table.index]).fillna(0).astype(int)
    extra = [c for c in table.index if c not in order and c != "unknown"]
    if extra:  # values outside the expected categories are kept, never dropped
        table = table.reindex(order + extra + ["unknown"]).dropna(how="all").fillna(0).astype(int)
    table = table.loc[[c for c in table.index if c != "other_minority" or table.loc[c].sum() > 0]]
    return table


def category_label(dimension: str, code: str, lang: str) -> str:
    """How a category code of :func:`profile_counts` reads in ``lang``."""
    if code == "unknown":
        return t("not_recorded", lang)
    if dimension == "sex":
        return sex_label(code, lang)
    if dimension == "household":
        return household_label(code, lang)
    if dimension == "age":
        low, _, high = code.partition("-")
        return t("age_band_plus", lang, low=low.rstrip("+")) if code.endswith("+") else t(
            "age_band", lang, low=low, high=high)
    if code == "other_minority":
        return t("other_minorities", lang)
    return str(code)


def profile_table(counts: pd.DataFrame, min_cell: int, lang: str):
    """Counts and shares of a profile, ready to show, and the shares to draw.

    Shares are among people whose characteristic is recorded, as the
    measures count them. A share is hidden when its count is hidden, when
    fewer than ``min_cell`` people have the characteristic recorded, or when
    the "not recorded" count is hidden (the base would give it away).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The display table (two-level columns: group, then n / %), and a
        frame of shares (NaN where hidden) with the same index and the group
        columns, including the total row.
    """
    total_label = t("total", lang)
    full = privacy.with_margins(counts, "column", total_label)
    # "Not recorded" says nothing about anyone's characteristics: never hidden for being small.
    exempt = pd.DataFrame(False, index=full.index, columns=full.columns)
    if "unknown" in exempt.index:
        exempt.loc["unknown"] = True
    mask = privacy.suppression_mask(full, min_cell, "column", exempt=exempt)
    shown_counts = privacy.display(full, mask, min_cell, lang)
    columns = {}
    shares = pd.DataFrame(index=full.index)
    for group in counts.columns:
        unknown = counts.loc["unknown", group] if "unknown" in counts.index else 0
        unknown_hidden = "unknown" in counts.index and mask.loc["unknown", group] != privacy.SHOWN
        base = counts[group].sum() - unknown
        share_values = []
        for code in full.index:
            count = full.loc[code, group]
            hidden = mask.loc[code, group] != privacy.SHOWN
            if code in ("unknown", total_label) or unknown_hidden or not privacy.share_shown(
                    count, base, hidden, min_cell):
                share_values.append(np.nan)
            else:
                share_values.append(count / base)
        shares[group] = share_values
        label = group_label(group, lang)
        columns[(label, t("people_n", lang))] = shown_counts[group].tolist()
        columns[(label, "%")] = [fmt.MISSING if np.isnan(s) else fmt.percent(s, lang, 1) for s in share_values]
    display = pd.DataFrame(columns, index=full.index)
    return display, shares


def service_table(services: pd.DataFrame, min_cell: int, lang: str) -> pd.DataFrame:
    """Distinct people and times served, per service (small counts hidden; no totals: people overlap)."""
    rows = services.groupby("service", sort=False).agg(people=("person_id", "nunique"), times=("person_id", "size"))
    rows = rows.sort_values("people", ascending=False, kind="stable")
    shown = privacy.suppress(rows, min_cell, None, lang)
    shown.columns = [t("people_n", lang), t("times_served", lang)]
    shown.index = [service_label(s, lang) for s in rows.index]
    return shown


def overlap_counts(persons: pd.DataFrame) -> pd.Series:
    """People per combination of groups (counselled, examined, enrolled), largest first.

    >>> persons = pd.DataFrame({"counselled": [True, True, False], "examined": [True, False, True],
    ...                         "enrolled": [False] * 3})
    >>> overlap_counts(persons).to_dict()
    {('counselled',): 1, ('examined',): 1, ('counselled', 'examined'): 1}
    """
    parts = [g for g in GROUPS[1:] if g in persons]
    flags = persons[parts].astype(bool).to_numpy()
    keys = [tuple(g for g, flag in zip(parts, row) if flag) for row in flags]
    counts = pd.Series(keys, dtype=object).value_counts()
    # Largest first; ties: fewer groups first, then in the order of GROUPS (deterministic).
    order = sorted((k for k in counts.index if k), key=lambda k: (-counts[k], len(k), [GROUPS.index(g) for g in k]))
    return counts[order]


def people_served(project: Project, lang: str = "vi", min_cell: int = 5) -> Section | None:
    """Unique people per service and their overlaps; who they were, with counts and shares."""
    fmt.check_lang(lang)
    min_cell = privacy.check_min_cell(min_cell)
    persons = people(project)
    if persons is None or persons.empty:
        return None
    groups = groups_present(persons)
    counts_text = "; ".join(f"{fmt.number(int(persons[g].sum()), lang)} {t(f'summary_{g}', lang)}"
                            for g in groups[1:])
    body = [paragraph(t("people_summary", lang, served=fmt.number(int(persons["served"].sum()), lang),
                        groups=counts_text))]
    body.append(f"<h3>{esc(t('people_per_service', lang))}</h3>")
    body.append(html_table(service_table(project.services, min_cell, lang), numeric={t("people_n", lang),
                           t("times_served", lang)}, index_label=t("service", lang)))
    overlaps = overlap_counts(persons)
    if len(overlaps) > 1:
        total_label = t("total", lang)
        frame = pd.DataFrame({"n": overlaps.to_numpy()}, index=list(overlaps.index))
        full = privacy.with_margins(frame, "column", total_label)
        mask = privacy.suppression_mask(full, min_cell, "column")
        shown = privacy.display(full, mask, min_cell, lang)
        served = int(persons["served"].sum())
        shares = [fmt.percent(v / served, lang, 1) if status == privacy.SHOWN else fmt.MISSING
                  for v, status in zip(full["n"], mask["n"])]
        table = pd.DataFrame({t("people_n", lang): shown["n"].tolist(), t("share_of_served", lang): shares},
                             index=[" + ".join(group_label(g, lang) for g in key) for key in overlaps.index]
                             + [total_label])
        body.append(f"<h3>{esc(t('overlaps', lang))}</h3>")
        body.append(paragraph(t("overlaps_note", lang)))
        body.append(html_table(table, numeric=set(table.columns), index_label=t("services_received", lang),
                               total=True))
    start, end = _period(project)
    reference_year = (end or start or dt.date.today()).year
    panels = []
    dimensions = [("sex", "sex"), ("ethnicity", "ethnicity"), ("age", "birth_year"), ("household", "household")]
    for dimension, column in dimensions:
        if column not in persons or persons[column].notna().sum() == 0:
            continue
        with _quiet():
            counts = profile_counts(persons, dimension, reference_year, min_cell)
        display_table, shares = profile_table(counts, min_cell, lang)
        display_table.index = [category_label(dimension, c, lang) if c in counts.index else c
                               for c in display_table.index]
        body.append(f"<h3>{esc(t(f'by_{dimension}', lang))}</h3>")
        body.append(html_table(display_table, index_label=t(f"dimension_{dimension}", lang), total=True))
        served_counts = pd.Series(display_table[(group_label("served", lang), t("people_n", lang))].tolist(),
                                  index=list(counts.index) + [t("total", lang)])
        rows = [c for c in counts.index if c != "unknown"]
        text = []
        for code in rows:
            share = shares.loc[code, "served"]
            count_text = served_counts.loc[code]
            text.append(count_text if np.isnan(share) else f"{count_text} ({fmt.percent(share, lang, 1)})")
        panels.append((t(f"dimension_{dimension}", lang), pd.DataFrame({
            "label": [category_label(dimension, c, lang) for c in rows],
            "share": [shares.loc[c, "served"] for c in rows],
            "text": text,
        })))
    if panels:
        from . import plots

        with _quiet():
            figure = plots.profile(panels, lang, title=t("chart_profile", lang))
        body.append(chart(figure, t("chart_profile", lang)))
        body.append(paragraph(t("profile_note", lang, year=reference_year), "note"))
    body.append(paragraph(t("suppression_note", lang, mark=privacy.primary_mark(min_cell),
                            secondary=privacy.SECONDARY_MARK, min=min_cell), "note"))
    return section(project, "people", t("people_served", lang), body, lang)


# --- 5. coverage ---------------------------------------------------------------------------------


def coverage_latest(coverage: pd.DataFrame) -> pd.DataFrame:
    """Each area at its group's latest date, with coverage, target, gap, renewals due and people to mobilise.

    The gap uses :func:`helpers.measures.exact_target`, as ``coverage_gap`` does.
    """
    rows = []
    for group, part in coverage.groupby("group", sort=False):
        latest = part[part["as_of"] == part["as_of"].max()]
        for _, area in latest.iterrows():
            row = {"commune": area["commune"], "group": group, "as_of": area["as_of"],
                   "population": area["population"], "insured": area["insured"],
                   "coverage": area["insured"] / area["population"] if area["population"] else np.nan}
            if "target_rate" in area and not fmt.is_missing(area["target_rate"]):
                row["target_rate"] = float(area["target_rate"])
                row["gap"] = max(0, exact_target(area["target_rate"], int(area["population"])) - int(area["insured"]))
            if "expiring" in area and not fmt.is_missing(area["expiring"]):
                row["expiring"] = int(area["expiring"])
            rows.append(row)
    frame = pd.DataFrame(rows)
    order = {"intervention": 0, "comparison": 1}
    frame["_order"] = frame["group"].map(order).fillna(2)
    return frame.sort_values(["_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def coverage_changes(project: Project) -> pd.DataFrame | None:
    """Each area measured at both the project areas' first and last date: its
    coverage then and now (from :func:`helpers.evaluation.coverage_by_area`,
    the dates ``coverage_change`` uses); None with one date."""
    from .evaluation import coverage_by_area

    areas = coverage_by_area(project)
    if areas.empty:
        return None
    areas = areas[areas["change"].notna()]
    if areas.empty:
        return None
    return pd.DataFrame({
        "commune": areas["commune"], "group": areas["group"],
        "first": areas["coverage_first"].astype(float), "last": areas["coverage_last"].astype(float),
        "first_date": areas["first_as_of"], "last_date": areas["last_as_of"],
        "change": areas["change"].astype(float),
    }).reset_index(drop=True)


def _uniform_target(areas: pd.DataFrame):
    if "target_rate" not in areas or areas["target_rate"].isna().all():
        return None
    targets = areas["target_rate"].dropna().unique()
    return float(targets[0]) if len(targets) == 1 else None


def coverage(project: Project, values: dict, lang: str = "vi") -> Section | None:
    """Coverage per area against its target, people still to enrol, plan and revenue, change over time."""
    fmt.check_lang(lang)
    table = project.coverage
    if table is None or table.empty:
        return None
    areas = coverage_latest(table)
    intervention = areas[areas["group"] == "intervention"]
    body = []
    if "coverage_rate" in values and len(intervention):
        as_of = intervention["as_of"].max()
        target = (project.meta.get("targets") or {}).get("coverage_rate", _uniform_target(intervention))
        text = t("coverage_summary", lang, date=fmt.date(as_of, lang), rate=fmt.percent(values["coverage_rate"], lang),
                 insured=fmt.number(values.get("insured_total"), lang),
                 population=fmt.number(values.get("population_total"), lang))
        if target is not None:
            text += " " + t("coverage_target_sentence", lang, target=fmt.percent(target, lang))
        body.append(paragraph(text))
    with _quiet():
        from . import plots

        if len(areas) >= 2:
            as_of = intervention["as_of"].max() if len(intervention) else areas["as_of"].max()
            body.append(chart(plots.coverage_by_area(areas, lang, as_of), t("chart_coverage_by_area", lang)))
    total_label = t("total_intervention", lang)
    columns = {t("population", lang): "population", t("insured", lang): "insured"}
    frame = pd.DataFrame(index=range(len(areas)))
    two_groups = areas["group"].nunique() > 1
    if two_groups:
        frame[t("area_group", lang)] = [t(f"area_{g}", lang) for g in areas["group"]]
    for label, column in columns.items():
        frame[label] = [fmt.number(v, lang) for v in areas[column]]
    frame[t("coverage_rate_short", lang)] = [fmt.percent(v, lang) for v in areas["coverage"]]
    has = {c: c in areas and areas[c].notna().any() for c in ("target_rate", "gap", "expiring")}
    # One target for every area is said once under the table, not repeated on each row.
    uniform = _uniform_target(areas) if has["target_rate"] else None
    if has["target_rate"] and uniform is None:
        frame[t("target", lang)] = [fmt.percent(v, lang) for v in areas["target_rate"]]
    if has["target_rate"]:
        frame[t("to_enrol", lang)] = [fmt.number(v, lang) for v in areas["gap"]]
    if has["expiring"]:
        frame[t("renewals_due", lang)] = [fmt.number(v, lang) for v in areas["expiring"]]
    if has["gap"] and has["expiring"]:
        frame[t("to_mobilise", lang)] = [fmt.number(g + e, lang) if not (fmt.is_missing(g) or fmt.is_missing(e))
                                         else fmt.MISSING for g, e in zip(areas["gap"], areas["expiring"])]
    index = list(areas["commune"])
    if len(intervention) > 1:
        total = {}
        if two_groups:
            total[t("area_group", lang)] = ""
        total[t("population", lang)] = fmt.number(values.get("population_total"), lang)
        total[t("insured", lang)] = fmt.number(values.get("insured_total"), lang)
        total[t("coverage_rate_short", lang)] = fmt.percent(values.get("coverage_rate"), lang)
        if has["target_rate"] and uniform is None:
            total[t("target", lang)] = fmt.percent(_uniform_target(intervention), lang)
        if has["target_rate"]:
            total[t("to_enrol", lang)] = fmt.number(values.get("coverage_gap"), lang)
        if has["expiring"]:
            total[t("renewals_due", lang)] = fmt.number(values.get("renewals_due"), lang)
        if has["gap"] and has["expiring"]:
            total[t("to_mobilise", lang)] = fmt.number(values.get("people_to_mobilise"), lang)
        intervention_rows = [i for i, g in enumerate(areas["group"]) if g == "intervention"]
        others = [i for i in range(len(areas)) if i not in intervention_rows]
        frame = pd.concat([frame.iloc[intervention_rows], pd.DataFrame([total]), frame.iloc[others]],
                          ignore_index=True)
        index = [index[i] for i in intervention_rows] + [total_label] + [index[i] for i in others]
        row_classes = ["" for _ in intervention_rows] + ["total"] + ["comparison" for _ in others]
    else:
        row_classes = ["comparison" if g == "comparison" else "" for g in areas["group"]]
    frame.index = index
    body.append(f"<h3>{esc(t('coverage_by_area', lang))}</h3>")
    body.append(html_table(frame, numeric=set(frame.columns) - {t("area_group", lang)},
                           index_label=t("commune", lang), row_classes=row_classes))
    if uniform is not None:
        body.append(paragraph(t("uniform_target_note", lang, target=fmt.percent(uniform, lang)), "note"))
    if "people_to_mobilise" in values:
        body.append(paragraph(t("mobilise_sentence", lang,
                                total=fmt.number(values["people_to_mobilise"], lang),
                                new=fmt.number(values.get("coverage_gap", 0), lang),
                                renewals=fmt.number(values.get("renewals_due", 0), lang))))
    achievement = []
    latest = table[(table["group"] == "intervention") & (table["as_of"] == table.loc[
        table["group"] == "intervention", "as_of"].max())]
    if "plan_achievement" in values:
        with_plan = latest[latest["plan"].notna()]
        achievement.append((t("plan_row", lang), fmt.number(with_plan["cards_issued"].sum(), lang),
                            fmt.number(with_plan["plan"].sum(), lang), fmt.percent(values["plan_achievement"], lang)))
    if "revenue_achievement" in values:
        with_plan = latest[latest["revenue_plan"].notna()]
        unit = fmt.currency_unit(lang, _currency(project))
        achievement.append((f"{t('revenue_row', lang)} ({unit})", fmt.number(with_plan["revenue"].fillna(0).sum(), lang),
                            fmt.number(with_plan["revenue_plan"].sum(), lang),
                            fmt.percent(values["revenue_achievement"], lang)))
    if achievement:
        frame = pd.DataFrame([a[1:] for a in achievement], index=[a[0] for a in achievement],
                             columns=[t("achieved_amount", lang), t("plan", lang), t("percent_of_plan", lang)])
        body.append(f"<h3>{esc(t('plan_and_revenue', lang))}</h3>")
        body.append(html_table(frame, numeric=set(frame.columns), index_label=""))
    changes = coverage_changes(project)
    if changes is not None and "coverage_change" in values:
        first, last = changes["first_date"].min(), changes["last_date"].max()
        body.append(f"<h3>{esc(t('coverage_over_time', lang))}</h3>")
        text = t("change_sentence", lang, change=fmt.points(values["coverage_change"], lang, 2),
                 first=fmt.date(first, lang), last=fmt.date(last, lang))
        if "coverage_did" in values:
            text += " " + t("did_sentence", lang, did=fmt.points(values["coverage_did"], lang, 2))
        body.append(paragraph(text))
        # How sure we are: the same helper and words as notebooks/coverage_evaluation.ipynb.
        from .evaluation import describe, evaluate_coverage

        body.append(paragraph(describe(evaluate_coverage(project), lang)))
        with _quiet():
            body.append(chart(plots.coverage_change(changes, lang, first, last), t("chart_coverage_change", lang)))
        frame = pd.DataFrame({
            t("area_group", lang): [t(f"area_{g}", lang) for g in changes["group"]],
            fmt.date(first, lang): [fmt.percent(v, lang) for v in changes["first"]],
            fmt.date(last, lang): [fmt.percent(v, lang) for v in changes["last"]],
            t("change", lang): [fmt.points(v, lang, 2, short=True) for v in changes["change"]],
        }, index=changes["commune"].tolist())
        if changes["group"].nunique() == 1:
            frame = frame.drop(columns=t("area_group", lang))
        body.append(html_table(frame, numeric=set(frame.columns) - {t("area_group", lang)},
                               index_label=t("commune", lang)))
        if "coverage_did" in values:
            body.append(paragraph(t("did_note", lang), "note"))
    return section(project, "coverage", t("coverage", lang), body, lang)


# --- 6. money ------------------------------------------------------------------------------------


def money(project: Project, values: dict, lang: str = "vi") -> Section | None:
    """Budget lines planned against disbursed, execution rate, cost per person reached and served."""
    fmt.check_lang(lang)
    budget = project.budget
    total_budget = project.meta.get("budget")
    if (budget is None or budget.empty) and total_budget is None:
        return None
    currency = _currency(project)
    body = []
    boxes = []
    if total_budget is not None:
        boxes.append((fmt.money(total_budget, lang, currency, compact=True), t("total_budget", lang), ""))
    for name in ("budget_execution", "cost_per_person_reached", "cost_per_person_served"):
        if name in values:
            boxes.append((_headline_value(project, name, values[name], lang), MEASURES[name].label[lang], ""))
    body.append(figure_boxes(boxes))
    if budget is not None and not budget.empty:
        unit = fmt.currency_unit(lang, currency)
        lines = budget.reset_index(drop=True)
        frame = pd.DataFrame(index=range(len(lines)))
        if "category" in lines and lines["category"].notna().any():
            frame[t("category", lang)] = lines["category"].fillna("").astype(str).tolist()
        frame[f"{t('planned', lang)} ({unit})"] = [fmt.number(v, lang) for v in lines["planned"]]
        frame[f"{t('disbursed', lang)} ({unit})"] = [fmt.number(v, lang) for v in lines["disbursed"]]
        frame[t("execution", lang)] = [fmt.percent(d / p, lang, 1) if p else fmt.MISSING
                                       for p, d in zip(lines["planned"], lines["disbursed"])]
        total = {c: "" for c in frame.columns}
        total[f"{t('planned', lang)} ({unit})"] = fmt.number(values.get("budget_planned_total"), lang)
        total[f"{t('disbursed', lang)} ({unit})"] = fmt.number(values.get("budget_disbursed_total"), lang)
        total[t("execution", lang)] = fmt.percent(values.get("budget_execution"), lang, 1)
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
        frame.index = lines["line"].astype(str).tolist() + [t("total", lang)]
        body.append(f"<h3>{esc(t('budget_lines', lang))}</h3>")
        body.append(html_table(frame, numeric=set(frame.columns) - {t("category", lang)},
                               index_label=t("budget_line", lang), total=True))
        if len(lines) >= 2:
            from . import plots

            with _quiet():
                body.append(chart(plots.budget_lines(lines, lang, currency), t("chart_budget", lang)))
        if "budget_execution" in values:
            body.append(paragraph(t("execution_sentence", lang,
                                    disbursed=fmt.money(values["budget_disbursed_total"], lang, currency),
                                    planned=fmt.money(values["budget_planned_total"], lang, currency),
                                    rate=fmt.percent(values["budget_execution"], lang))))
    for name in ("cost_per_person_reached", "cost_per_person_served"):
        if name in values:
            body.append(paragraph(f"{MEASURES[name].label[lang]}: {fmt.money(values[name], lang, currency)}. "
                                  f"{MEASURES[name].definition[lang]}"))
    if any(name in values for name in ("cost_per_person_reached", "cost_per_person_served")):
        body.append(paragraph(t("cost_note", lang), "note"))
    return section(project, "money", t("money", lang), body, lang)


# --- 7. published figures ------------------------------------------------------------------------


def share_base(project: Project, name: str) -> int | None:
    """How many people a share measure is computed on (people of its group with the characteristic recorded).

    None for a measure that is not a share of people.
    """
    if "_share_" not in name:
        return None
    attribute, group = name.rsplit("_share_", 1)
    persons = people(project)
    if persons is None or attribute not in persons or group not in persons:
        return 0
    return int((persons[group].astype(bool) & persons[attribute].notna()).sum())


def _reported_text(project: Project, name: str, value, lang: str) -> str:
    """A published figure at the precision it was published with (0.65 → 65%, 0.9238 → 92.38%)."""
    return fmt.published(value, MEASURES[name].kind, lang, currency=_currency(project))


def _difference_text(project: Project, name: str, difference, lang: str) -> str:
    if fmt.is_missing(difference):
        return fmt.MISSING
    kind = MEASURES[name].kind
    if kind in ("share", "rate", "change"):
        return fmt.points(difference, lang, 2, short=True)
    sign = "+" if difference > 0 else ""
    return sign + _value(project, name, difference, lang)


def published_figures(project: Project, values: dict, lang: str = "vi", min_cell: int = 5) -> Section | None:
    """Each published figure against the same measure computed from the data, with a verdict."""
    fmt.check_lang(lang)
    min_cell = privacy.check_min_cell(min_cell)
    table = reconcile(project, values)
    if table.empty:
        return None
    computed_text, hidden = [], []
    for name, computed in zip(table["measure"], table["computed"]):
        base = share_base(project, name)
        if base is not None and base < min_cell and not fmt.is_missing(computed):
            computed_text.append(privacy.primary_mark(min_cell))
            hidden.append(True)
        else:
            computed_text.append(_value(project, name, computed, lang) if not fmt.is_missing(computed)
                                 else fmt.MISSING)
            hidden.append(False)
    frame = pd.DataFrame({
        t("published", lang): [_reported_text(project, n, v, lang) for n, v in zip(table["measure"], table["reported"])],
        t("computed", lang): computed_text,
        t("difference", lang): [fmt.MISSING if h else _difference_text(project, n, d, lang)
                                for n, d, h in zip(table["measure"], table["difference"], hidden)],
        t("verdict", lang): [t(f"verdict_{v}", lang) for v in table["verdict"]],
    }, index=[MEASURES[n].label[lang] for n in table["measure"]])
    counts = table["verdict"].value_counts()
    summary = t("reconciliation_summary", lang, n=fmt.number(len(table), lang),
                match=fmt.number(int(counts.get("match", 0)), lang),
                tolerance=fmt.number(int(counts.get("within_tolerance", 0)), lang),
                mismatch=fmt.number(int(counts.get("mismatch", 0)), lang),
                missing=fmt.number(int(counts.get("not_computed", 0)), lang))
    body = [paragraph(summary),
            html_table(frame, numeric={t("published", lang), t("computed", lang), t("difference", lang)},
                       index_label=t("measure", lang), row_classes=[f"verdict-{v}" for v in table["verdict"]])]
    sentences = []
    for (_, row), text, is_hidden in zip(table.iterrows(), computed_text, hidden):
        label = MEASURES[row["measure"]].label[lang]
        reported = _reported_text(project, row["measure"], row["reported"], lang)
        if row["verdict"] == "mismatch":
            sentences.append(t("mismatch_sentence", lang, label=label, reported=reported, computed=text,
                               difference=fmt.MISSING if is_hidden else _difference_text(
                                   project, row["measure"], row["difference"], lang)))
        elif row["verdict"] == "within_tolerance":
            sentences.append(t("tolerance_sentence", lang, label=label, reported=reported, computed=text))
        elif row["verdict"] == "not_computed":
            sentences.append(t("not_computed_sentence", lang, label=label, reported=reported))
    if sentences:
        body.append('<ul class="findings">' + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>")
    body.append(paragraph(t("reconciliation_rule", lang), "note"))
    return section(project, "published-figures", t("published_figures", lang), body, lang)


# --- 8. data quality -----------------------------------------------------------------------------


def data_quality(project: Project, lang: str = "vi") -> Section:
    """The validation warnings, in plain language (errors would have stopped the report)."""
    fmt.check_lang(lang)
    sizes = [(name, len(frame)) for name in ("events", "services", "coverage", "budget")
             if (frame := project.table(name)) is not None]
    checked = "; ".join(t("n_rows", lang, table=table_label(name, lang), n=fmt.number(n, lang)) for name, n in sizes)
    body = [paragraph(t("quality_intro", lang, files=fmt.number(len(project.files), lang),
                        tables=checked or t("no_tables", lang)))]
    if project.warnings:
        body.append(paragraph(t("quality_warnings", lang, n=fmt.number(len(project.warnings), lang))))
        items = "".join(f"<li>{esc(describe_problem(w, lang))}</li>" for w in project.warnings)
        body.append(f'<ul class="warnings">{items}</ul>')
    else:
        body.append(paragraph(t("quality_no_warnings", lang)))
    return section(project, "data-quality", t("data_quality", lang), body, lang)


# --- 9. method -----------------------------------------------------------------------------------


def _synthesized_sources(project: Project) -> list[dict]:
    return [s for s in project.meta.get("sources") or [] if isinstance(s, dict) and s.get("synthesized")]


def method(project: Project, values: dict, lang: str = "vi", min_cell: int = 5) -> Section:
    """Each measure's definition (from :data:`helpers.measures.MEASURES`), sources, what was synthesized, caveats."""
    fmt.check_lang(lang)
    used = set(values) | set(project.meta.get("reported") or {}) | set(project.meta.get("targets") or {})
    names = [n for n in MEASURES if n in used]
    body = [paragraph(t("method_intro", lang))]
    if names:
        frame = pd.DataFrame({t("definition", lang): [MEASURES[n].definition[lang] for n in names]},
                             index=[MEASURES[n].label[lang] for n in names])
        body.append(f"<h3>{esc(t('definitions', lang))}</h3>")
        body.append(html_table(frame, index_label=t("measure", lang), css="definitions"))
    sources = [s for s in project.meta.get("sources") or [] if isinstance(s, dict) and not s.get("synthesized")]
    if sources:
        items = []
        for source in sources:
            text = str(source.get("title", ""))
            if source.get("date"):
                text += f" ({fmt.date(source['date'], lang)})"
            if lang == "en" and source.get("publisher"):
                text += f". {source['publisher']}"
            items.append(f"<li>{esc(text)}</li>")
        body.append(f"<h3>{esc(t('sources', lang))}</h3>")
        body.append(f'<ul class="sources">{"".join(items)}</ul>')
    synthesized = _synthesized_sources(project)
    if synthesized:
        body.append(f"<h3>{esc(t('synthesized', lang))}</h3>")
        for source in synthesized:
            tables = ", ".join(table_label(name, lang) for name in source.get("tables") or [])
            body.append(paragraph(t("synthesized_tables", lang, tables=tables or t("some_tables", lang))))
            if lang == "en" and source.get("note"):  # free text of the package, written in English
                body.append(paragraph(str(source["note"]), "note"))
    caveats = [t(f"caveat_{k}", lang, mark=privacy.primary_mark(min_cell), secondary=privacy.SECONDARY_MARK)
               for k in ("data", "shares", "coverage", "suppression", "cost")]
    body.append(f"<h3>{esc(t('caveats', lang))}</h3>")
    body.append("<ul>" + "".join(f"<li>{esc(c)}</li>" for c in caveats) + "</ul>")
    return section(project, "method", t("method", lang), body, lang)


# --- 10. reproducibility -------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Python and the versions of the packages that made the report."""
    found = {"Python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def shown_path(path) -> str:
    """A path as a report shows it: relative to the repository when inside it (no machine paths)."""
    if path is None:
        return ""
    path = Path(path)
    try:
        return path.resolve().relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def reproducibility(project: Project, lang: str = "vi", parameters: dict | None = None,
                    generated: dt.datetime | None = None) -> Section:
    """Parameters, a SHA-256 of every input file, package versions, generation time, the command to re-run."""
    fmt.check_lang(lang)
    generated = generated or dt.datetime.now().astimezone()
    body = [paragraph(t("reproducibility_intro", lang))]
    if parameters:
        shown = {k: (shown_path(v) if k == "data_dir" and v is not None else
                     t("default_data_dir", lang) if k == "data_dir" else v) for k, v in parameters.items()}
        frame = pd.DataFrame({t("value", lang): [str(v) for v in shown.values()]}, index=list(shown))
        body.append(f"<h3>{esc(t('parameters', lang))}</h3>")
        body.append(html_table(frame, index_label=t("parameter", lang), css="mono"))
    if project.files:
        base = project.path
        rows = []
        for path in project.files:
            path = Path(path)
            name = path.relative_to(base).as_posix() if base and path.is_relative_to(base) else path.name
            rows.append((name, fmt.number(path.stat().st_size, lang), sha256(path)))
        frame = pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows],
                             columns=[t("bytes", lang), "SHA-256"])
        body.append(f"<h3>{esc(t('input_files', lang))}</h3>")
        body.append(html_table(frame, numeric={t("bytes", lang)}, index_label=t("file", lang), css="mono files"))
    found = versions()
    frame = pd.DataFrame({t("version", lang): list(found.values())}, index=list(found))
    body.append(f"<h3>{esc(t('software', lang))}</h3>")
    body.append(html_table(frame, index_label=t("package", lang), css="mono"))
    command = f"workbook report {project.id} --lang {lang}"
    body.append(paragraph(t("generated_at", lang, when=timestamp(generated, lang))))
    body.append(f'<p>{esc(t("rerun", lang))} <code>{esc(command)}</code></p>')
    return section(project, "reproducibility", t("reproducibility", lang), body, lang)


# --- the record for the renderer -----------------------------------------------------------------


def record(project: Project, values: dict, lang: str = "vi") -> Record:
    """Values (full precision), titles and headline measures of this run, for indicators.csv and the index page."""
    fmt.check_lang(lang)
    title = project.meta.get("title")
    titles = {code: project.title(code) for code in fmt.LANGS} if isinstance(title, dict) else {
        code: str(title) for code in fmt.LANGS}
    clean = {name: (int(v) if isinstance(v, (int, np.integer)) else float(v)) for name, v in values.items()}
    return Record({
        "id": project.id,
        "lang": lang,
        "title": titles,
        "values": clean,
        "headline": [name for name, m in MEASURES.items() if m.headline and name in values],
        "warnings": len(project.warnings),
    })
