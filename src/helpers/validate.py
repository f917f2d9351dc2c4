"""The rules of the data-package contract, judged after everything is read.

:func:`build_project` reads project.yml and every table of a package folder,
normalizes the values, and appends every problem it finds to ``problems``:
nothing stops at the first error. Per-column rules (ranges, uniqueness,
cross-column bounds) are pandera schemas validated lazily; rules that need
project.yml (communes, period, event ids) are checked here directly.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .errors import Problem
from .load import Problems, RawTable, find_table_files, map_headers, read_raw
from .project import Project
from .schema import (
    ENUMS, LANGUAGES, PROJECT_KEYS, SOURCE_KEYS, TABLE_NAMES, TABLES, Column, Table,
)
from .values import (
    Parsed, parse_decimal,
    clean_text, closest, commune_key, enum_parser, parse_date, parse_integer, parse_money,
    parse_rate, parse_series, clean_text_series,
)

YML = "project.yml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# CMND (9 digits) or CCCD (12 digits), also with the leading 0 lost in a number cell.
ID_NUMBER = re.compile(r"^\d{8,9}$|^\d{11,12}$")
NAME_LIKE = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+){1,5}$")


# --- project.yml ------------------------------------------------------------------


def yaml_key_lines(text: str, scalars: dict | None = None) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of every mapping key, by its path; fills ``scalars``
    with the text of every plain scalar as typed (YAML reads ``1.000`` as 1.0)."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.ScalarNode) and scalars is not None and node.style is None:
            scalars[path] = node.value
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (str(key.value),)
                lines[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[path + (str(index),)] = item.start_mark.line + 1
                walk(item, path + (str(index),))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def read_metadata(folder: Path, problems: Problems) -> dict[str, Any] | None:
    """project.yml as a clean dict (dates as date, money as float, text NFC)."""
    path = folder / YML
    if not path.is_file():
        problems.error(YML, 0, "", f"is missing: every package needs a project.yml (in {folder.name}/)")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.error(YML, 0, "", "is not UTF-8 text", "save it as UTF-8")
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problems.error(YML, line, "", f"is not valid YAML: {getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(data, dict):
        problems.error(YML, 1, "", "must be a mapping of keys (id:, title:, communes:, period:, ...)")
        return None
    scalars: dict[tuple[str, ...], str] = {}
    lines = yaml_key_lines(text, scalars)
    return _check_metadata(data, folder, lines, problems, scalars)


def _check_metadata(data: dict, folder: Path, lines: dict, problems: Problems,
                    scalars: dict | None = None) -> dict[str, Any]:
    from .measures import MEASURES

    def err(path: tuple[str, ...], message: str, hint: str = "") -> None:
        problems.error(YML, lines.get(path, lines.get(path[:1], 0)), ".".join(path), message, hint)

    def warn(path: tuple[str, ...], message: str, hint: str = "") -> None:
        problems.warning(YML, lines.get(path, 0), ".".join(path), message, hint)

    meta: dict[str, Any] = {}
    for key in data:
        if str(key) not in PROJECT_KEYS:
            near = difflib.get_close_matches(str(key), list(PROJECT_KEYS), n=1)
            err((str(key),), f"unknown key '{key}'",
                f"did you mean '{near[0]}'?" if near else "put free-form information under 'extra:'")
    for key, (required, kind) in PROJECT_KEYS.items():
        if key not in data or data[key] is None:
            if required:
                problems.error(YML, 0, key, f"the required key '{key}' is missing")
            continue
        value = data[key]
        path = (key,)
        if kind == "slug":
            if not isinstance(value, str) or not SLUG.match(value):
                err(path, f"'{value}' is not a project id: use lower-case letters, digits and '-'")
            elif value != folder.name:
                err(path, f"id '{value}' differs from the folder name '{folder.name}'",
                    "rename the folder or the id so they are equal")
            meta[key] = value
        elif kind == "text":
            meta[key] = clean_text(value)
        elif kind == "text_i18n":
            if isinstance(value, dict):
                bad = [k for k in value if k not in LANGUAGES]
                if bad:
                    err(path + (str(bad[0]),), f"unknown language '{bad[0]}'", "use vi: and en:")
                meta[key] = {k: clean_text(v) for k, v in value.items() if k in LANGUAGES and clean_text(v)}
                if not meta[key]:
                    err(path, "needs at least a Vietnamese (vi:) or English (en:) text")
                for lang in LANGUAGES:
                    if meta[key] and lang not in meta[key]:
                        warn(path, f"has no '{lang}' text; reports in that language show the other one")
            else:
                meta[key] = {"vi": clean_text(value)} if clean_text(value) else {}
                if not meta[key]:
                    err(path, "is empty")
        elif kind == "text_list":
            if not isinstance(value, list) or not value:
                err(path, "must be a list of commune names, e.g. [Thung Nai, Bình Thanh]")
                meta[key] = []
                continue
            names, keys = [], {}
            for index, item in enumerate(value):
                name = clean_text(item)
                if name is None:
                    err(path + (str(index),), "is an empty commune name")
                    continue
                k = commune_key(name)
                if k in keys:
                    err(path + (str(index),), f"'{name}' is listed twice (also as '{keys[k]}')")
                    continue
                keys[k] = name
                names.append(name)
            meta[key] = names
        elif kind == "period":
            if not isinstance(value, dict) or set(value) - {"start", "end"} or not {"start", "end"} <= set(value):
                err(path, "must be {start: yyyy-mm-dd, end: yyyy-mm-dd}")
                continue
            period = {}
            for end in ("start", "end"):
                parsed = parse_date(value[end])
                if parsed.error or parsed.value is None:
                    err(path + (end,), parsed.error or "is empty")
                else:
                    period[end] = parsed.value
            if len(period) == 2 and period["start"] > period["end"]:
                err(path, f"starts ({period['start']}) after it ends ({period['end']})")
            meta[key] = period
        elif kind == "money":
            parsed = parse_money(value)
            if parsed.error or parsed.value is None or parsed.value < 0:
                err(path, parsed.error or "must be an amount of 0 or more")
            else:
                meta[key] = parsed.value
        elif kind == "sources":
            if not isinstance(value, list):
                err(path, "must be a list of sources")
                continue
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    err(path + (str(index),), "must be a mapping like {title: ..., file: ...}")
                    continue
                for unknown in set(map(str, item)) - SOURCE_KEYS:
                    err(path + (str(index), unknown), f"unknown key '{unknown}' in a source",
                        f"allowed: {', '.join(sorted(SOURCE_KEYS))}")
            meta[key] = [dict(item) for item in value if isinstance(item, dict)]
        elif kind == "measure_map":
            if not isinstance(value, dict):
                err(path, "must map measure names to numbers")
                continue
            figures = {}
            for name, figure in value.items():
                sub = path + (str(name),)
                measure = MEASURES.get(str(name))
                if measure is None:
                    near = difflib.get_close_matches(str(name), list(MEASURES), n=1)
                    err(sub, f"unknown measure '{name}'",
                        f"did you mean '{near[0]}'?" if near else "see docs/measures.md for the names")
                    continue
                as_typed = (scalars or {}).get(sub, figure) if isinstance(figure, (int, float)) else figure
                parsed = _parse_figure(as_typed, str(name), measure.kind)
                if parsed.error or parsed.value is None:
                    err(sub, parsed.error or "is empty")
                    continue
                if parsed.warning:
                    warn(sub, parsed.warning)
                figures[str(name)] = parsed.value
            meta[key] = figures
        elif kind == "mapping":
            if not isinstance(value, dict):
                err(path, "must be a mapping")
                continue
            meta[key] = value
    meta.setdefault("currency", "VND")
    return meta


#: Measures whose value cannot exceed 1: a bare number above 1 for them is a percent.
BOUNDED_RATES = {"coverage_rate"}


def _parse_figure(figure: Any, name: str, kind: str) -> Parsed:
    """A target, baseline or published figure of project.yml, from its text as typed.

    Counts and money as in tables (``1.000`` is one thousand). Shares and rates
    as fractions (``0.956``) or percents (``"95,6%"``); a bare number is taken
    as written, except above 1 for a measure that cannot exceed 1 (a share,
    coverage_rate), which is read as a percent with a warning. So
    ``plan_achievement: 1.001`` is 100.1 %.
    """
    if kind == "count":
        return parse_integer(figure)
    if kind == "money":
        return parse_money(figure)
    if kind == "share" or name in BOUNDED_RATES or str(figure).strip().endswith("%"):
        return parse_rate(figure)
    if isinstance(figure, (int, float)) and not isinstance(figure, bool):
        return Parsed(float(figure))
    return parse_decimal(figure)


# --- tables --------------------------------------------------------------------------


def _parser_for(column: Column):
    if column.kind == "date":
        return parse_date, "date"
    if column.kind == "int":
        return parse_integer, "int"
    if column.kind == "money":
        return parse_money, "float"
    if column.kind == "rate":
        return parse_rate, "float"
    if column.kind == "enum":
        return enum_parser(ENUMS[column.name]), "str"
    return None, "str"  # text and commune: vectorized cleaning below


def parse_table(raw: RawTable, table: Table, positions: dict[str, int], problems: Problems) -> pd.DataFrame:
    """Typed columns with English names, plus ``_row``."""
    label = raw.source.label
    excel = raw.source.path.suffix.lower() == ".xlsx"
    out = pd.DataFrame({"_row": raw.rows.astype(np.int64)})
    for column in table.columns:
        if column.name not in positions:
            continue
        header = raw.headers[positions[column.name]] or column.name
        cells = raw.cells[positions[column.name]].reset_index(drop=True)
        parser, dtype = _parser_for(column)
        if parser is None:  # text: trimmed, NFC; each distinct cell cleaned once
            values = clean_text_series(cells)
        else:
            if column.kind == "date" and excel:
                parser = lambda v: parse_date(v, excel_serials=True)  # noqa: E731
            parsed = parse_series(cells, parser, dtype)
            values = parsed.values
            bad = parsed.errors.notna().to_numpy()
            if bad.any():
                problems.cells(label, header, raw.rows[bad], parsed.errors[bad].tolist())
            warned = parsed.warnings.notna().to_numpy()
            if warned.any():
                problems.cells(label, header, raw.rows[warned], parsed.warnings[warned].tolist(), "warning")
            blank_ok = ~bad
        if column.required:
            blank = values.isna().to_numpy().copy()
            if parser is not None:
                blank &= blank_ok
            if blank.any():
                problems.cells(label, header, raw.rows[blank], [f"is empty; {column.name} is required"] * int(blank.sum()))
        out[column.name] = values.reset_index(drop=True)
    return out


def _rule_schema(table: Table, unique_together: bool = True):
    """The per-row rules of a table as a pandera schema (validated lazily)."""
    import pandera.pandas as pa

    columns = {}
    for column in table.columns:
        checks = []
        if column.minimum is not None:
            word = "0 or more" if column.minimum == 0 else f"at least {column.minimum:g}"
            checks.append(pa.Check.ge(column.minimum, error=f"must be {word}", ignore_na=True))
        if column.name == "birth_year":
            checks.append(pa.Check.ge(1900, error="is before 1900", ignore_na=True))
        columns[column.name] = pa.Column(checks=checks, nullable=True, required=False, unique=column.unique,
                                         report_duplicates="exclude_first")
    frame_checks = []
    if table.name == "events":
        for part in ("female", "ethnic_minority"):
            frame_checks.append(pa.Check(
                lambda d, part=part: d[part].isna() | d["participants"].isna() | (d[part] <= d["participants"])
                if part in d else pd.Series(True, index=d.index),
                error=f"{part}:is more than participants",
            ))
    if table.name == "services":
        frame_checks.append(pa.Check(
            lambda d: d["birth_year"].isna() | d["date"].isna() | (d["birth_year"] <= d["date"].dt.year)
            if "birth_year" in d and "date" in d else pd.Series(True, index=d.index),
            error="birth_year:is after the year of the service",
        ))
    unique = list(table.unique_together) if unique_together and table.unique_together else None
    return pa.DataFrameSchema(columns, checks=frame_checks, unique=unique,
                              report_duplicates="exclude_first")


def check_rules(frame: pd.DataFrame, raw: RawTable, table: Table, positions: dict[str, int],
                problems: Problems) -> None:
    """Ranges, uniqueness and cross-column bounds, via pandera (lazy: all at once)."""
    import pandera.pandas as pa

    label = raw.source.label
    present = [c for c in table.names if c in frame]
    if "commune" in table.unique_together and "commune" in frame:
        # `xã Thung Nai` and `Thung Nai` are one area: judge uniqueness on the commune key
        codes, uniques = pd.factorize(frame["commune"])
        keys = np.array([commune_key(u) for u in uniques] + [None], dtype=object)
        frame = frame.assign(commune=keys[codes])
    schema = _rule_schema(table, unique_together=set(table.unique_together) <= set(present))
    try:
        schema.validate(frame[present], lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    headers = {name: raw.headers[pos] or name for name, pos in positions.items()}
    rows = frame["_row"].to_numpy()
    found: dict[tuple[str, str], list[int]] = {}
    for case in cases.itertuples(index=False):
        index = case.index
        if index is None or (isinstance(index, float) and np.isnan(index)):
            continue
        message = str(case.check)
        column = str(case.column)
        if ":" in message and message.split(":", 1)[0] in table.names:
            column, message = message.split(":", 1)
        elif message in ("field_uniqueness", "multiple_fields_uniqueness"):
            if message == "multiple_fields_uniqueness":
                column = table.unique_together[-1]
                message = f"repeats a ({', '.join(table.unique_together)}) pair of an earlier row"
            else:
                message = f"repeats the {column} of an earlier row; {column} must be unique"
        elif case.schema_context == "DataFrameSchema" and column not in table.names:
            continue
        found.setdefault((column, message), [])
        row = int(rows[int(index)])
        if row not in found[(column, message)]:
            found[(column, message)].append(row)
    for (column, message), bad_rows in found.items():
        problems.cells(label, headers.get(column, column), np.array(sorted(bad_rows)), [message] * len(bad_rows))


def check_communes(frame: pd.DataFrame, raw: RawTable, positions: dict[str, int], communes: list[str],
                   problems: Problems, must_match: bool) -> pd.Series:
    """Replace each commune by its project.yml spelling; unknown ones are errors
    (events, services) or kept as typed (coverage: comparison areas)."""
    known = {commune_key(name): name for name in communes}
    values = frame["commune"]
    codes, uniques = pd.factorize(values)
    keys = [commune_key(u) for u in uniques]
    from .values import strip_commune_prefix

    mapped = np.array([known.get(k, None if must_match else strip_commune_prefix(u)) for k, u in zip(keys, uniques)]
                      + [None], dtype=object)
    result = pd.Series(mapped[codes], index=frame.index)
    if must_match:
        header = raw.headers[positions["commune"]] or "commune"
        unknown = np.array([m is None for m in mapped[:-1]] + [False])[codes] & values.notna().to_numpy()
        if unknown.any():
            rows = frame["_row"].to_numpy()[unknown]
            names = values[unknown].tolist()
            by_name: dict[str, list[int]] = {}
            for row, name in zip(rows, names):
                by_name.setdefault(name, []).append(row)
            for name, name_rows in by_name.items():
                near = closest(name, communes)
                hint = f"closest: '{near}'" if near else f"communes in project.yml: {', '.join(communes)}"
                problems.cells(raw.source.label, header, np.array(name_rows),
                               [f"'{name}' is not a commune of this project"] * len(name_rows), hint=hint)
    return result.astype("str").where(result.notna())


def check_period(frame: pd.DataFrame, raw: RawTable, positions: dict[str, int], period: dict,
                 problems: Problems) -> None:
    if "date" not in frame or len(period) != 2:
        return
    start, end = pd.Timestamp(period["start"]), pd.Timestamp(period["end"])
    outside = ((frame["date"] < start) | (frame["date"] > end)).fillna(False).to_numpy()
    if outside.any():
        header = raw.headers[positions["date"]] or "date"
        dates = frame.loc[outside, "date"].dt.strftime("%d/%m/%Y").tolist()
        problems.cells(raw.source.label, header, frame["_row"].to_numpy()[outside],
                       [f"{d} is outside the project period ({start:%d/%m/%Y}–{end:%d/%m/%Y})" for d in dates],
                       "warning")


def check_people(frame: pd.DataFrame, raw: RawTable, positions: dict[str, int], problems: Problems) -> None:
    """person_id must be a pseudonym: never an ID-card number or a name."""
    ids = frame["person_id"]
    distinct = pd.Series(ids.dropna().unique())
    header = raw.headers[positions["person_id"]] or "person_id"
    for pattern, message in (
        (ID_NUMBER, "looks like an ID-card number (CMND/CCCD); person_id must be a pseudonym"),
        (NAME_LIKE, "looks like a person's name; person_id must be a pseudonym"),
    ):
        suspects = set(distinct[distinct.str.match(pattern.pattern)]) if len(distinct) else set()
        if suspects:
            mask = ids.isin(suspects).to_numpy()
            problems.cells(raw.source.label, header, frame["_row"].to_numpy()[mask], [message] * int(mask.sum()),
                           hint="replace it with a code such as P-00123 and keep the key list apart")


def build_project(folder: Path, problems: Problems) -> Project:
    """Read project.yml and every table of ``folder``; append every problem found."""
    meta = read_metadata(folder, problems) or {}
    files = [folder / YML] if (folder / YML).exists() else []
    sources = find_table_files(folder, problems)
    tables: dict[str, pd.DataFrame] = {}
    raws: dict[str, tuple[RawTable, dict[str, int]]] = {}
    for name in TABLE_NAMES:
        if name not in sources:
            continue
        source = sources[name]
        if source.path not in files:
            files.append(source.path)
        raw = read_raw(source, problems)
        if raw is None:
            continue
        if raw.cells.empty:
            # A header with no records (an untouched template sheet) gives no data:
            # its measures are absent, not zero.
            problems.warning(source.label, 0, "", f"has a header but no rows: the {name} table is treated as absent")
            continue
        table = TABLES[name]
        positions = map_headers(raw, table, problems)
        frame = parse_table(raw, table, positions, problems)
        check_rules(frame, raw, table, positions, problems)
        if "commune" in frame and "communes" in meta:
            frame["commune"] = check_communes(frame, raw, positions, meta["communes"], problems,
                                              must_match=name in ("events", "services"))
        if name in ("events", "services"):
            check_period(frame, raw, positions, meta.get("period", {}), problems)
        if name == "services" and "person_id" in frame:
            check_people(frame, raw, positions, problems)
        tables[name] = frame
        raws[name] = (raw, positions)
    _cross_table_checks(tables, raws, meta, problems)
    return Project(meta=meta, path=folder, files=files, **{n: tables.get(n) for n in TABLE_NAMES})


def _cross_table_checks(tables: dict, raws: dict, meta: dict, problems: Problems) -> None:
    services, events = tables.get("services"), tables.get("events")
    if services is not None and "event_id" in services and services["event_id"].notna().any():
        raw, positions = raws["services"]
        header = raw.headers[positions["event_id"]] or "event_id"
        known = set(events["event_id"].dropna()) if events is not None and "event_id" in events else set()
        missing = (services["event_id"].notna() & ~services["event_id"].isin(known)).to_numpy()
        if missing.any():
            where = "the events table" if events is not None else "an events table (there is none)"
            problems.cells(raw.source.label, header, services["_row"].to_numpy()[missing],
                           [f"event '{e}' is not in {where}" for e in services.loc[missing, "event_id"]])
    coverage = tables.get("coverage")
    if coverage is not None and "commune" in coverage:  # without it, the missing column is already an error
        from .measures import with_coverage_defaults

        raw, positions = raws["coverage"]
        coverage = tables["coverage"] = with_coverage_defaults(coverage, meta.get("communes", []))
        if {"insured", "population"} <= set(coverage):
            over = (coverage["insured"] > coverage["population"]).fillna(False).to_numpy()
            if over.any():
                header = raw.headers[positions["insured"]] or "insured"
                problems.cells(raw.source.label, header, coverage["_row"].to_numpy()[over],
                               ["is more than the population"] * int(over.sum()), "warning")
    budget = tables.get("budget")
    if budget is not None and {"planned", "disbursed"} <= set(budget):
        raw, positions = raws["budget"]
        over = ((budget["disbursed"] > budget["planned"]) & (budget["planned"] >= 0)).fillna(False).to_numpy()
        if over.any():
            header = raw.headers[positions["disbursed"]] or "disbursed"
            problems.cells(raw.source.label, header, budget["_row"].to_numpy()[over],
                           ["is more than planned"] * int(over.sum()), "warning")
