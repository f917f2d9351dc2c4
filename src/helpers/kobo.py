"""``workbook import-kobo``: a KoBoToolbox submissions export → package tables.

KoBoToolbox (and ODK) exports look alike: one row per submission, headers
that are the form's field names joined with their group path
(``grp_info/commune``), metadata columns that start with ``_`` (``_id``,
``_uuid``, ``_submission_time``, ``_validation_status``, ``_index``...),
select-multiple questions as one column of space-separated choice names plus,
optionally, one 0/1 column per choice (``nguoi/dich_vu/tu_van``). An XLSX
export has one more sheet per repeat group, whose rows point to their parent
row through ``_parent_index`` (= the parent's ``_index``); a CSV export (``;``
separated by default) holds the main submissions only.

A ``mapping.yml`` says which form field is which package column (see
docs/kobo.md). :func:`import_export` reads the export and the mapping, leaves
out submissions marked *not approved*, turns choice names into package
values, checks every cell, and returns the tables, the counts and every
problem (``file:row:column: message``); :func:`write_tables` writes them as
CSV into the package folder.

>>> from helpers.kobo import import_export                           # doctest: +SKIP
>>> result = import_export("export.xlsx", "mapping.yml")             # doctest: +SKIP
>>> result.counts.submissions, len(result.tables["services"])        # doctest: +SKIP
(7, 16)
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import io
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem
from .schema import ENUMS, TABLE_NAMES, TABLES

#: ``_validation_status`` values, by the short name after ``validation_status_``
#: (exports carry the uid, ``validation_status_approved``, or its label, ``Approved``).
APPROVED, NOT_APPROVED, ON_HOLD, NOT_VALIDATED = "approved", "not_approved", "on_hold", ""
MAIN = "main"
PARENT = "../"
TRUE_WORDS = {"1", "1.0", "true", "yes", "x"}
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")


class KoboImportError(Exception):
    """The export or the mapping cannot be read at all (not a per-cell problem)."""


# --- the export ------------------------------------------------------------------


@dataclass
class Sheet:
    """One table of the export: the main submissions or one repeat group."""

    name: str
    label: str  # how problems name it: ``export.xlsx[nguoi]`` or ``export.csv``
    headers: list[str]
    rows: list[dict[str, Any]]  # header → raw cell, one per non-blank record
    numbers: list[int]  # spreadsheet row of each record (header = row 1)

    def column_index(self) -> dict[str, int]:
        return {h: i for i, h in enumerate(self.headers)}


@dataclass
class Export:
    path: Path
    sheets: dict[str, Sheet]  # first = the main submissions
    csv: bool = False

    @property
    def main(self) -> Sheet:
        return next(iter(self.sheets.values()))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _record_rows(records: list[list[Any]], name: str, label: str) -> Sheet:
    if not records:
        return Sheet(name, label, [], [], [])
    headers = ["" if h is None else str(h).strip() for h in records[0]]
    rows, numbers = [], []
    for number, record in enumerate(records[1:], start=2):
        if all(_blank(v) for v in record):
            continue
        cells = list(record) + [None] * (len(headers) - len(record))
        rows.append({h: v for h, v in zip(headers, cells) if h})
        numbers.append(number)
    return Sheet(name, label, headers, rows, numbers)


def read_export(path: str | Path) -> Export:
    """Read a KoBoToolbox export: ``.xlsx`` (every sheet) or ``.csv`` (``;`` or ``,``)."""
    path = Path(path)
    if not path.is_file():
        raise KoboImportError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure means "not a workbook"
            raise KoboImportError(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from exc
        try:
            sheets = {}
            for sheet in workbook.worksheets:
                records = [list(r) for r in sheet.iter_rows(values_only=True)]
                sheets[sheet.title] = _record_rows(records, sheet.title, f"{path.name}[{sheet.title}]")
        finally:
            workbook.close()
        if not sheets:
            raise KoboImportError(f"{path.name}: the workbook has no sheets")
        return Export(path, sheets)
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise KoboImportError(f"{path.name}: not UTF-8 text; download the export again as CSV") from exc
        first = text.split("\n", 1)[0]
        unquoted = re.sub(r'"[^"]*"', "", first)
        separator = ";" if unquoted.count(";") >= unquoted.count(",") and ";" in unquoted else ","
        records = list(csv.reader(io.StringIO(text), delimiter=separator))
        return Export(path, {MAIN: _record_rows(records, MAIN, path.name)}, csv=True)
    raise KoboImportError(f"{path.name}: a KoBoToolbox export must be .xlsx or .csv, not '{suffix or 'no suffix'}'")


def status_of(value: Any) -> str:
    """The short validation status: ``approved``, ``not_approved``, ``on_hold`` or ``""``.

    >>> status_of("validation_status_not_approved"), status_of("Approved"), status_of(None)
    ('not_approved', 'approved', '')
    """
    if _blank(value):
        return NOT_VALIDATED
    text = str(value).strip().casefold().replace("-", "_").replace(" ", "_")
    text = text.removeprefix("validation_status_")
    return text


# --- the mapping --------------------------------------------------------------------


@dataclass
class ColumnRule:
    """How one package column is read from the export."""

    column: str
    field: str | None = None  # a header of the source sheet, or "../" + a header of an ancestor
    values: dict[str, Any] | None = None  # choice name → package value (None → blank)
    multiple: bool = False
    constant: Any = None
    line: int = 0

    @property
    def depth(self) -> int:
        """How many levels up the field lives (``../../x`` → 2)."""
        depth, text = 0, self.field or ""
        while text.startswith(PARENT):
            depth, text = depth + 1, text[len(PARENT):]
        return depth

    @property
    def path(self) -> str:
        return (self.field or "")[len(PARENT) * self.depth:]


@dataclass
class TableRule:
    table: str
    source: str = MAIN
    columns: list[ColumnRule] = field(default_factory=list)
    line: int = 0


@dataclass
class Mapping:
    path: Path
    tables: list[TableRule]
    group_separator: str = "/"


MAPPING_KEYS = {"form", "description", "group_separator", "tables"}
TABLE_KEYS = {"from", "columns"}
COLUMN_KEYS = {"field", "values", "multiple", "value"}


def read_mapping(path: str | Path, problems: list[Problem]) -> Mapping | None:
    """Read and check ``mapping.yml``; every problem is appended to ``problems``."""
    import yaml

    path = Path(path)
    label = path.name
    if not path.is_file():
        raise KoboImportError(f"{path}: no such mapping file")
    text = path.read_bytes().decode("utf-8-sig")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(label, mark.line + 1 if mark else 0, "", f"is not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    from .validate import yaml_key_lines

    lines = yaml_key_lines(text)

    def err(where: tuple[str, ...], message: str, hint: str = "") -> None:
        line = lines.get(where) or lines.get(where[:-1]) or lines.get(where[:1]) or 0
        problems.append(Problem(label, line, ".".join(where), message, "error", hint))

    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict) or not data["tables"]:
        err(("tables",), "needs a 'tables:' mapping: package table → {from:, columns:}", "see docs/kobo.md")
        return None
    for key in data:
        if key not in MAPPING_KEYS:
            err((str(key),), f"unknown key '{key}'", f"keys are: {', '.join(sorted(MAPPING_KEYS))}")
    separator = str(data.get("group_separator") or "/")
    tables: list[TableRule] = []
    for table_name, spec in data["tables"].items():
        where = ("tables", str(table_name))
        if table_name not in TABLES:
            near = difflib.get_close_matches(str(table_name), TABLE_NAMES, n=1)
            err(where, f"'{table_name}' is not a table of the data package",
                f"did you mean '{near[0]}'?" if near else f"tables are: {', '.join(TABLE_NAMES)}")
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
            err(where, "needs 'columns:' mapping package columns to form fields")
            continue
        for key in spec:
            if key not in TABLE_KEYS:
                err(where + (str(key),), f"unknown key '{key}'", f"keys are: {', '.join(sorted(TABLE_KEYS))}")
        table = TABLES[table_name]
        rule = TableRule(table_name, str(spec.get("from") or MAIN), line=lines.get(where + ("from",), lines.get(where, 0)))
        for column_name, column_spec in spec["columns"].items():
            cwhere = where + ("columns", str(column_name))
            if column_name not in table.names:
                near = difflib.get_close_matches(str(column_name), table.names, n=1)
                err(cwhere, f"'{column_name}' is not a column of {table_name}",
                    f"did you mean '{near[0]}'?" if near else f"columns are: {', '.join(table.names)}")
                continue
            column = ColumnRule(str(column_name), line=lines.get(cwhere, 0))
            if isinstance(column_spec, str):
                column.field = column_spec.strip()
            elif isinstance(column_spec, dict):
                for key in column_spec:
                    if key not in COLUMN_KEYS:
                        err(cwhere + (str(key),), f"unknown key '{key}'", f"keys are: {', '.join(sorted(COLUMN_KEYS))}")
                if "value" in column_spec:
                    column.constant = column_spec["value"]
                elif column_spec.get("field"):
                    column.field = str(column_spec["field"]).strip()
                else:
                    err(cwhere, "needs 'field:' (a form field) or 'value:' (a constant)")
                    continue
                values = column_spec.get("values")
                if values is not None:
                    if not isinstance(values, dict):
                        err(cwhere + ("values",), "must map choice names to package values")
                    else:
                        column.values = {str(k).strip(): v for k, v in values.items()}
                column.multiple = bool(column_spec.get("multiple", False))
            else:
                err(cwhere, "must be a form field (text) or {field:, values:, multiple:}")
                continue
            rule.columns.append(column)
        mapped = {c.column for c in rule.columns}
        for column in table.columns:
            if column.required and column.name not in mapped:
                err(where + ("columns",), f"the required column '{column.name}' of {table_name} is not mapped",
                    f"add '{column.name}: <form field>' under tables.{table_name}.columns")
        multiple = [c for c in rule.columns if c.multiple]
        if len(multiple) > 1:
            err(where + ("columns", multiple[1].column),
                f"only one column per table can be 'multiple: true' (also {multiple[0].column})")
        tables.append(rule)
    return Mapping(path, tables, separator)


# --- turning rows into records -------------------------------------------------------


@dataclass
class Counts:
    submissions: int = 0
    left_out: int = 0  # not approved (or, with approved_only, not yet approved)
    by_status: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # table → rows made
    repeat_rows_left_out: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportResult:
    tables: dict[str, list[dict[str, Any]]]
    counts: Counts
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _find_header(headers: list[str], wanted: str, separator: str) -> tuple[str | None, list[str]]:
    """The export header for a mapping field: exact, else the one header that
    ends with it (or that it ends with), ignoring the group path."""
    normal = {h.replace(separator, "/") if separator != "/" else h: h for h in headers if h}
    if wanted in normal:
        return normal[wanted], []
    candidates = [h for n, h in normal.items() if n.endswith("/" + wanted) or wanted.endswith("/" + n)]
    if len(candidates) == 1:
        return candidates[0], []
    return None, candidates


def _split_columns(headers: list[str], field_header: str) -> list[tuple[str, str]]:
    """KoBo's one-column-per-choice layout of a select-multiple: ``(header, choice)``."""
    prefix = field_header + "/"
    return [(h, h[len(prefix):]) for h in headers if h.startswith(prefix) and "/" not in h[len(prefix):]]


def _is_true(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not _blank(value):
        return value == 1
    return str(value).strip().casefold() in TRUE_WORDS


def _plain_number(value: Any) -> float | None:
    """A number as KoBo writes it (``12``, ``12.5``, a numeric cell); None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def convert_cell(column: str, kind: str, value: Any) -> tuple[Any, str | None]:
    """A raw export value → the package's written form, or an error message."""
    from .values import clean_text, parse_date, parse_integer, parse_money, parse_rate

    if _blank(value):
        return None, None
    if kind == "date":
        if isinstance(value, (dt.datetime, dt.date)):
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), None
        text = str(value).strip()
        if m := _ISO_DATE.match(text):  # KoBo dates and datetimes: 2021-03-15[T08:00:00.000+07:00]
            parsed = parse_date(m[1])
        else:
            parsed = parse_date(text)
        return (parsed.value.isoformat() if parsed.value else None), parsed.error
    if kind == "int":
        number = _plain_number(value)
        if number is not None:
            if not number.is_integer():
                return None, f"'{value}' is not a whole number"
            return int(number), None
        parsed = parse_integer(value)
        return parsed.value, parsed.error
    if kind == "money":
        number = _plain_number(value)  # KoBo decimals use '.', never grouping
        if number is not None:
            return (int(number) if number.is_integer() else number), None
        parsed = parse_money(value)
        return parsed.value, parsed.error
    if kind == "rate":
        parsed = parse_rate(value)
        return parsed.value, parsed.error
    return clean_text(value), None


class _Resolver:
    """Finds, for a row of a repeat sheet, its ancestors' rows and its submission."""

    def __init__(self, export: Export):
        self.export = export
        self.by_index: dict[str, dict[Any, int]] = {}
        for name, sheet in export.sheets.items():
            index: dict[Any, int] = {}
            for position, row in enumerate(sheet.rows):
                key = _key(row.get("_index"))
                if key is not None:
                    index[key] = position
            self.by_index[name] = index

    def sheet_named(self, name: Any) -> Sheet | None:
        if _blank(name):
            return None
        name = str(name).strip()
        sheets = self.export.sheets
        if name in sheets:
            return sheets[name]
        for title, sheet in sheets.items():  # Excel sheet names are cut at 31 characters
            if name[:31] == title or name.casefold() == title.casefold():
                return sheet
        return None

    def parent(self, sheet: Sheet, row: dict[str, Any]) -> tuple[Sheet, dict[str, Any], int] | None:
        parent_sheet = self.sheet_named(row.get("_parent_table_name"))
        if parent_sheet is None:
            parent_sheet = self.export.main if sheet is not self.export.main else None
        if parent_sheet is None:
            return None
        position = self.by_index.get(parent_sheet.name, {}).get(_key(row.get("_parent_index")))
        if position is None:
            return None
        return parent_sheet, parent_sheet.rows[position], parent_sheet.numbers[position]

    def ancestor(self, sheet: Sheet, row: dict[str, Any], depth: int):
        current = (sheet, row, None)
        for _ in range(depth):
            found = self.parent(current[0], current[1])
            if found is None:
                return None
            current = found
        return current

    def submission(self, sheet: Sheet, row: dict[str, Any]) -> dict[str, Any] | None:
        current = (sheet, row)
        for _ in range(20):  # nesting deeper than this is not a real form
            if current[0] is self.export.main:
                return current[1]
            found = self.parent(current[0], current[1])
            if found is None:
                return None
            current = found[:2]
        return None


def _key(value: Any) -> Any:
    if _blank(value):
        return None
    number = _plain_number(value)
    return int(number) if number is not None and number.is_integer() else str(value).strip()


def _row_status(resolver: _Resolver, sheet: Sheet, row: dict[str, Any]) -> str:
    if sheet is resolver.export.main:
        return status_of(row.get("_validation_status"))
    if "_submission__validation_status" in row:
        return status_of(row.get("_submission__validation_status"))
    submission = resolver.submission(sheet, row)
    return status_of(submission.get("_validation_status")) if submission else NOT_VALIDATED


def _kept(status: str, approved_only: bool) -> bool:
    if approved_only:
        return status == APPROVED
    return status != NOT_APPROVED


def import_export(export_path: str | Path, mapping_path: str | Path, *, communes: list[str] | None = None,
                  approved_only: bool = False, tables: list[str] | None = None) -> ImportResult:
    """Read a KoBoToolbox export through a mapping.

    Parameters
    ----------
    export_path : str or Path
        The ``.xlsx`` (main sheet first, one sheet per repeat group) or ``.csv`` export.
    mapping_path : str or Path
        ``mapping.yml``: which form field is which package column (docs/kobo.md).
    communes : list of str, optional
        The project's communes: commune cells are checked against them and written
        with the project.yml spelling (events and services; coverage may hold others).
    approved_only : bool
        Keep approved submissions only. By default only those marked *not approved*
        are left out; *on hold* and not yet validated ones are kept.
    tables : list of str, optional
        Import only these tables of the mapping.

    Returns
    -------
    ImportResult
        ``tables`` (table → list of records with English column names), ``counts``
        and every ``problems`` found (errors mean nothing should be written).
    """
    problems: list[Problem] = []
    mapping = read_mapping(mapping_path, problems)
    export = read_export(export_path)
    counts = Counts()
    out: dict[str, list[dict[str, Any]]] = {}
    resolver = _Resolver(export)

    main = export.main
    counts.submissions = len(main.rows)
    for row in main.rows:
        status = status_of(row.get("_validation_status"))
        counts.by_status[status] = counts.by_status.get(status, 0) + 1
        if not _kept(status, approved_only):
            counts.left_out += 1
    unknown_status = sorted(s for s in counts.by_status if s not in (APPROVED, NOT_APPROVED, ON_HOLD, NOT_VALIDATED))
    for status in unknown_status:
        problems.append(Problem(main.label, 0, "_validation_status", f"unknown validation status '{status}'; "
                                "those submissions are kept", "warning"))
    if mapping is None:
        return ImportResult(out, counts, problems)
    wanted = set(tables) if tables else None
    if wanted:
        for name in sorted(wanted - {t.table for t in mapping.tables}):
            problems.append(Problem(Path(mapping_path).name, 0, "tables", f"has no table '{name}' to import"))
    for rule in mapping.tables:
        if wanted is not None and rule.table not in wanted:
            continue
        records = _import_table(rule, export, mapping, resolver, communes, approved_only, counts, problems)
        if records is not None:
            out[rule.table] = records
            counts.rows[rule.table] = len(records)
    return ImportResult(out, counts, sorted(problems))


def _source_sheet(rule: TableRule, export: Export, mapping: Mapping, resolver: _Resolver,
                  problems: list[Problem]) -> Sheet | None:
    label = mapping.path.name
    where = f"tables.{rule.table}.from"
    if rule.source == MAIN:
        return export.main
    if export.csv:
        problems.append(Problem(label, rule.line, where,
                                f"'{rule.source}' is a repeat group, but {export.path.name} is a CSV export, which holds "
                                "the main submissions only",
                                "error", "download the export as XLSX (one sheet per repeat group), or import the "
                                "other tables only with --table"))
        return None
    sheet = resolver.sheet_named(rule.source)
    if sheet is None:
        names = [n for n in export.sheets][1:]
        near = difflib.get_close_matches(rule.source, names, n=1)
        problems.append(Problem(label, rule.line, where, f"no sheet '{rule.source}' in {export.path.name}", "error",
                                f"did you mean '{near[0]}'?" if near else
                                f"repeat-group sheets: {', '.join(names) or 'none'}"))
    return sheet


def _import_table(rule: TableRule, export: Export, mapping: Mapping, resolver: _Resolver,
                  communes: list[str] | None, approved_only: bool, counts: Counts,
                  problems: list[Problem]) -> list[dict[str, Any]] | None:
    from .values import closest, commune_key

    sheet = _source_sheet(rule, export, mapping, resolver, problems)
    if sheet is None:
        return None
    table = TABLES[rule.table]
    mapping_label = mapping.path.name
    known_communes = {commune_key(c): c for c in communes or []}
    check_communes = bool(communes) and rule.table in ("events", "services")
    # Where each field lives: the sheet it is read from, its header, and, for a
    # select-multiple without its whole column, the one-per-choice columns.
    located: dict[str, tuple[int, str | None, list[tuple[str, str]]]] = {}
    broken = False
    for column in rule.columns:
        if column.field is None:
            continue
        depth = column.depth
        target = sheet
        for _ in range(depth):
            parent_name = next((r.get("_parent_table_name") for r in target.rows if r.get("_parent_table_name")), None)
            parent = resolver.sheet_named(parent_name) if parent_name else (
                export.main if target is not export.main else None)
            if parent is None:
                problems.append(Problem(mapping_label, column.line, f"tables.{rule.table}.columns.{column.column}",
                                        f"'{column.field}' goes up {depth} level(s) from '{sheet.name}', which has no "
                                        "parent that high"))
                broken = True
                break
            target = parent
        else:
            header, ambiguous = _find_header(target.headers, column.path, mapping.group_separator)
            split: list[tuple[str, str]] = []
            if header is None and not ambiguous:
                split = _split_columns(target.headers, column.path)
            if header is None and not split:
                near = ambiguous or difflib.get_close_matches(column.path, [h for h in target.headers if h], n=1)
                hint = (f"several headers match: {', '.join(ambiguous)}; write the whole group path" if ambiguous
                        else f"closest: '{near[0]}'" if near else "check the export's headers (XML names, groups with '/')")
                problems.append(Problem(mapping_label, column.line, f"tables.{rule.table}.columns.{column.column}",
                                        f"field '{column.path}' is not in {target.label}", "error", hint))
                broken = True
                continue
            located[column.column] = (depth, header, split)
    if broken:
        return None

    records: list[dict[str, Any]] = []
    left_out = 0
    for row, number in zip(sheet.rows, sheet.numbers):
        status = _row_status(resolver, sheet, row)
        if not _kept(status, approved_only):
            left_out += 1
            continue
        record: dict[str, Any] = {}
        failed: set[str] = set()  # columns with a problem already reported on this row
        choices_for_rows: list[Any] | None = None
        for column in rule.columns:
            schema_column = table.column(column.column)
            if column.constant is not None or column.field is None:
                raw, where_label, where_row, header = column.constant, mapping_label, column.line, column.column
            else:
                depth, header, split = located[column.column]
                found = resolver.ancestor(sheet, row, depth)
                if found is None:
                    problems.append(Problem(sheet.label, number, "_parent_index",
                                            f"row has no parent row for '{column.field}'"))
                    continue
                source_sheet, source_row, source_number = found
                where_label = source_sheet.label
                where_row = source_number or number
                if header is not None:
                    raw = source_row.get(header)
                    shown_header = header
                else:  # select-multiple exported as one 0/1 column per choice
                    raw = " ".join(choice for h, choice in split if _is_true(source_row.get(h)))
                    shown_header = column.path
                header = shown_header
            tokens = [raw] if not column.multiple else (str(raw).split() if not _blank(raw) else [])
            if not column.multiple and isinstance(raw, str) and column.values is not None and len(raw.split()) > 1 \
                    and raw.strip() not in column.values and all(t in column.values for t in raw.split()):
                problems.append(Problem(where_label, where_row, header,
                                        f"'{raw}' holds several choices, but {column.column} takes one",
                                        "error", f"mark it 'multiple: true' in {mapping_label} to make one row per choice"))
                failed.add(column.column)
                continue
            converted_values = []
            for token in tokens:
                value, error = _choice(column, schema_column, token)
                if error:
                    problems.append(Problem(where_label, where_row, header, error, "error",
                                            f"add it under tables.{rule.table}.columns.{column.column}.values in "
                                            f"{mapping_label}" if column.values is not None or schema_column.kind == "enum"
                                            else ""))
                    failed.add(column.column)
                    continue
                value, error = convert_cell(column.column, schema_column.kind, value)
                if error:
                    problems.append(Problem(where_label, where_row, header, error))
                    failed.add(column.column)
                    continue
                if schema_column.kind == "commune" and value is not None and known_communes:
                    match = known_communes.get(commune_key(value))
                    if match is not None:
                        value = match
                    elif check_communes:
                        near = closest(value, list(known_communes.values()))
                        problems.append(Problem(where_label, where_row, header,
                                                f"'{value}' is not a commune of this project", "error",
                                                f"closest: '{near}'" if near else
                                                f"map the choice to a project commune under values: in {mapping_label}"))
                        failed.add(column.column)
                        continue
                converted_values.append(value)
            if column.multiple:
                choices_for_rows = converted_values
            else:
                record[column.column] = converted_values[0] if converted_values else None
        made = [record] if choices_for_rows is None else [
            {**record, next(c.column for c in rule.columns if c.multiple): value} for value in choices_for_rows]
        if choices_for_rows is not None and not choices_for_rows:
            multiple = next(c for c in rule.columns if c.multiple)
            problems.append(Problem(sheet.label, number, multiple.path,
                                    f"no choice selected: a {rule.table} row needs a {multiple.column}", "warning",
                                    "the row is left out"))
            made = []
        for item in made:
            for column in table.columns:
                if column.required and column.name in item and item[column.name] is None \
                        and column.name not in failed:
                    header = next((located[c.column][1] or c.path for c in rule.columns
                                   if c.column == column.name and c.column in located), column.name)
                    problems.append(Problem(sheet.label, number, header,
                                            f"is empty; {column.name} is required"))
            records.append(item)
    if sheet is not export.main:
        counts.repeat_rows_left_out[rule.table] = left_out
    return records


def _choice(column: ColumnRule, schema_column, token: Any) -> tuple[Any, str | None]:
    """A choice name → the package value, by the mapping's ``values`` or the contract's spellings."""
    from .values import enum_parser

    if _blank(token):
        return None, None
    if column.values is not None:
        key = str(token).strip()
        if isinstance(token, float) and token.is_integer():
            key = str(int(token))
        if key not in column.values:
            known = ", ".join(column.values)
            return None, f"unknown choice '{key}' for {column.column} (choices in the mapping: {known})"
        token = column.values[key]
        if token is None:
            return None, None
    if schema_column.kind == "enum":
        parsed = enum_parser(ENUMS[schema_column.name])(token)
        if parsed.error:
            return None, f"unknown choice for {schema_column.name}: {parsed.error}"
        return parsed.value, None
    return token, None


# --- writing ---------------------------------------------------------------------------


def existing_files(folder: Path, table: str) -> list[Path]:
    """Files of ``folder`` that already hold ``table`` (any extension, or a data.xlsx)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and p.name.lower().partition(".")[0] == table
             and p.name.lower().partition(".")[2] in ("csv", "xlsx", "parquet")]
    if (folder / "data.xlsx").is_file():
        found.append(folder / "data.xlsx")
    return found


def write_tables(tables: dict[str, list[dict[str, Any]]], folder: str | Path, *, force: bool = False) -> list[Path]:
    """Write each table as ``<table>.csv`` (UTF-8, English headers) into ``folder``.

    Refuses (``FileExistsError``, nothing written) when a file of one of the
    tables is already there, unless ``force``; even then it never leaves two
    files for one table.
    """
    folder = Path(folder)
    conflicts = []
    for table in tables:
        for path in existing_files(folder, table):
            if path.name == f"{table}.csv" and force:
                continue
            conflicts.append(path)
    if conflicts:
        names = ", ".join(sorted({p.name for p in conflicts}))
        hint = "use --force to overwrite" if not force or all(p.suffix == ".csv" for p in conflicts) else \
            "remove them first: a table in two files is an error"
        raise FileExistsError(f"{folder}: already has {names} ({hint})")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, records in tables.items():
        names = [c.name for c in TABLES[table].columns if any(c.name in r for r in records)] or \
            [c.name for c in TABLES[table].columns if c.required]
        path = folder / f"{table}.csv"
        handle, temporary = tempfile.mkstemp(prefix=f".{table}-", suffix=".csv", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(names)
                for record in records:
                    writer.writerow(["" if record.get(n) is None else record[n] for n in names])
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


# --- the command -----------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("export", type=Path, help="the KoBoToolbox export: .xlsx (with repeat-group sheets) or .csv")
    parser.add_argument("--map", dest="mapping", type=Path, required=True,
                        help="mapping.yml: which form field is which package column (docs/kobo.md)")
    parser.add_argument("--project", required=True, help="project id: the package the tables belong to")
    parser.add_argument("--out", type=Path, default=None, help="folder to write into (default: data/projects/<ID>/)")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder of project packages (default: data/projects)")
    parser.add_argument("--table", action="append", dest="tables", default=None, metavar="NAME",
                        help="import only this table of the mapping (repeatable)")
    parser.add_argument("--approved-only", action="store_true",
                        help="keep approved submissions only (default: leave out only those marked not approved)")
    parser.add_argument("--force", action="store_true", help="overwrite existing <table>.csv files")


def _project_communes(folder: Path) -> list[str] | None:
    """The communes of project.yml in ``folder``, if it is there and readable."""
    import yaml

    from .values import clean_text

    path = folder / "project.yml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    communes = data.get("communes") if isinstance(data, dict) else None
    return [clean_text(c) for c in communes if clean_text(c)] if isinstance(communes, list) else None


def run(args: argparse.Namespace) -> int:
    from . import config

    data_dir = Path(args.data_dir) if args.data_dir is not None else config.DATA_DIR
    out = Path(args.out) if args.out is not None else data_dir / args.project
    communes = _project_communes(out) or _project_communes(data_dir / args.project)
    try:
        result = import_export(args.export, args.mapping, communes=communes, approved_only=args.approved_only,
                               tables=args.tables)
    except KoboImportError as exc:
        print(f"workbook import-kobo: {exc}", file=sys.stderr)
        return 2
    for problem in sorted(result.problems):
        print(problem, file=sys.stderr)
    counts = result.counts
    statuses = ", ".join(f"{n} {(s or 'not validated').replace('_', ' ')}" for s, n in sorted(counts.by_status.items()))
    why = "not approved" if not args.approved_only else "not approved, on hold or not validated: --approved-only"
    print(f"{Path(args.export).name}: {counts.submissions} submissions read ({statuses}); "
          f"{counts.left_out} left out ({why})")
    if communes is None:
        print(f"note: no project.yml for '{args.project}' found: communes were not checked", file=sys.stderr)
    if result.errors:
        print(f"{len(result.errors)} error(s): nothing was written. Fix the mapping or the export and run again.",
              file=sys.stderr)
        return 1
    try:
        written = write_tables(result.tables, out, force=args.force)
    except FileExistsError as exc:
        print(f"workbook import-kobo: {exc}", file=sys.stderr)
        return 1
    for path in written:
        table = path.stem
        extra = ""
        if counts.repeat_rows_left_out.get(table):
            extra = f" ({counts.repeat_rows_left_out[table]} repeat rows of left-out submissions not written)"
        print(f"wrote {path}: {counts.rows[table]} rows{extra}")
    if not (out / "project.yml").is_file():
        print(f"next: write {out / 'project.yml'} (docs/data-package.md), then: workbook validate {args.project}")
    else:
        print(f"next: workbook validate {out}")
    return 0
