"""Read a project data package (csv / xlsx / parquet / single data.xlsx).

:func:`load_project` is the one entry point: it finds the package, reads every
file, normalizes every value form of the contract, validates everything, and
either returns a clean :class:`~helpers.project.Project` (with warnings kept on
it) or raises :class:`~helpers.errors.ValidationFailed` listing every problem.

Files are read here; rules are judged in :mod:`helpers.validate`.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config
from .errors import Problem, ProjectNotFound, ValidationFailed
from .project import Project
from .schema import FILE_EXTENSIONS, TABLE_NAMES, TABLES, Column, Table, header_lookup
from .values import fold_key

#: At most this many problems of one kind (file, column, message) are listed
#: one by one; the rest are summed up in one line.
MAX_SAME_PROBLEM = 50
#: Sheets of data.xlsx that are not tables and are skipped without a warning
#: (the data-entry template's instructions and drop-down lists).
HELPER_SHEETS = {"readme", "lists", "hướng dẫn", "danh sách"}

#: Limits that keep a wrong or hostile file from exhausting memory or time; a
#: table beyond them is refused with an error naming the file. A CSV or .xlsx
#: file may have at most MAX_TABLE_BYTES (about 7 million services rows as CSV;
#: Excel itself stops at 1,048,576 rows), the XML inside an .xlsx at most
#: 4 × that once unpacked, a Parquet file at most MAX_TABLE_ROWS rows.
MAX_TABLE_BYTES = 500 * 1024 * 1024
MAX_TABLE_ROWS = 10_000_000
#: CSV files are sniffed at their start and end before being read: NUL bytes
#: there mean a binary (or sparse, zero-filled) file, not text.
_SNIFF_BYTES = 64 * 1024


@dataclass
class TableFile:
    """Where one table comes from."""

    table: str
    path: Path
    sheet: str | None = None  # for data.xlsx

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


@dataclass
class RawTable:
    """A table as read: original headers, raw cells, spreadsheet row numbers."""

    source: TableFile
    headers: list[str | None]
    cells: pd.DataFrame  # columns 0..n-1, raw values; NaN/None for blank cells
    rows: np.ndarray  # spreadsheet row number of each record (header = row 1)


class Problems(list):
    """A list of Problem with shortcuts."""

    def error(self, file: str, row: int, column: str, message: str, hint: str = "") -> None:
        self.append(Problem(file, int(row), column or "", message, "error", hint))

    def warning(self, file: str, row: int, column: str, message: str, hint: str = "") -> None:
        self.append(Problem(file, int(row), column or "", message, "warning", hint))

    def cells(self, file: str, column: str, rows: np.ndarray, messages: list[str] | np.ndarray,
              severity: str = "error", hint: str = "") -> None:
        """One problem per cell, capped at MAX_SAME_PROBLEM per distinct message."""
        seen: dict[str, int] = {}
        first_unlisted: dict[str, int] = {}
        for row, message in zip(rows, messages):
            count = seen.get(message, 0)
            seen[message] = count + 1
            if count < MAX_SAME_PROBLEM:
                self.append(Problem(file, int(row), column, message, severity, hint))
            elif count == MAX_SAME_PROBLEM:
                first_unlisted[message] = int(row)
        for message, row in first_unlisted.items():
            self.append(Problem(
                file, row, column,
                f"{message} (and so do {seen[message] - MAX_SAME_PROBLEM - 1} more rows after this one)",
                severity, hint,
            ))


# --- finding the package --------------------------------------------------------


def resolve(project: str | Path, data_dir: str | Path | None = None) -> Path:
    """The folder of a package, given its id (looked up in ``data_dir``) or a path."""
    candidate = Path(project)
    if candidate.is_dir():
        return candidate
    base = Path(data_dir) if data_dir is not None else config.DATA_DIR
    folder = base / str(project)
    if folder.is_dir():
        return folder
    known = sorted(p.name for p in base.glob("*/") if (p / "project.yml").exists()) if base.is_dir() else []
    hint = f"; known projects in {base}: {', '.join(known)}" if known else ""
    raise ProjectNotFound(f"no data package '{project}' (not a folder, and not in {base}){hint}")


def find_table_files(folder: Path, problems: Problems) -> dict[str, TableFile]:
    """Which file holds which table; two files for one table is an error."""
    found: dict[str, list[TableFile]] = {name: [] for name in TABLE_NAMES}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        stem, _, ext = path.name.lower().partition(".")
        if stem in TABLE_NAMES and ext in FILE_EXTENSIONS:
            found[stem].append(TableFile(stem, path))
        elif stem in TABLE_NAMES and ext in ("xls", "ods", "tsv", "txt", "json"):
            problems.error(path.name, 0, "", f"'.{ext}' files are not read",
                           "save the table as .csv (UTF-8), .xlsx or .parquet")
        elif path.name.lower() == "data.xlsx":
            for sheet in _sheet_names(path, problems):
                name = sheet.strip().lower()
                if name in TABLE_NAMES:
                    found[name].append(TableFile(name, path, sheet))
                elif name in HELPER_SHEETS:
                    continue  # the data-entry template's own sheets
                else:
                    problems.warning(path.name, 0, "", f"sheet '{sheet}' is not a table of the contract and is ignored",
                                     f"tables are: {', '.join(TABLE_NAMES)}")
    tables: dict[str, TableFile] = {}
    for name, files in found.items():
        if len(files) > 1:
            labels = " and ".join(f.label for f in files)
            for f in files:
                problems.error(f.label, 0, "", f"two files for the table '{name}': {labels}", "keep one of them")
        elif files:
            tables[name] = files[0]
    return tables


def _sheet_names(path: Path, problems: Problems) -> list[str]:
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return list(workbook.sheetnames)
        finally:
            workbook.close()
    except Exception as exc:  # noqa: BLE001 - any failure here means "not a workbook"
        problems.error(path.name, 0, "", f"is not a readable Excel workbook ({type(exc).__name__})",
                       "open it in Excel and save it again as .xlsx")
        return []


# --- reading raw tables -----------------------------------------------------------


def read_raw(source: TableFile, problems: Problems) -> RawTable | None:
    """Read one table's cells without judging them. None if it is not a table."""
    suffix = source.path.suffix.lower()
    try:
        size = source.path.stat().st_size
        if size > MAX_TABLE_BYTES:
            problems.error(source.label, 0, "", f"is {size / 2**20:,.0f} MB: tables of more than "
                           f"{MAX_TABLE_BYTES / 2**20:,.0f} MB are not read", "split it, e.g. one file per year")
            return None
        if source.sheet is not None or suffix == ".xlsx":
            raw = _read_xlsx(source, problems)
        elif suffix == ".parquet":
            raw = _read_parquet(source, problems)
        else:
            raw = _read_csv(source, problems)
    except MemoryError:
        problems.error(source.label, 0, "", "is too large to read into memory")
        return None
    except Exception as exc:  # noqa: BLE001 - a file the readers choke on is a problem of that file
        problems.error(source.label, 0, "", f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
                       "open it in Excel and save it again, as .xlsx or 'CSV UTF-8'")
        return None
    if raw is not None and _legacy_font_text(raw, problems):
        return None
    return raw


def _legacy_font_text(raw: RawTable, problems: Problems) -> bool:
    """True (and an error) when the table's text is in a legacy Vietnamese
    encoding (typed in a TCVN3 or VNI font, or Windows-1258 read as Latin-1)."""
    from .encoding import detect_text

    strings = [h for h in raw.headers if h]
    for column in raw.cells.columns:
        values = raw.cells[column].head(2000).dropna()
        strings.extend(v for v in values.unique() if isinstance(v, str))
    found = detect_text(strings)
    if found is None:
        return False
    seen, meant = found.example
    problems.error(raw.source.label, 0, "", f"holds text in the old {found.name} encoding, not Unicode: "
                   f"'{seen}' is '{meant}'", found.hint)
    return True


def _sniff_separator(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(source: TableFile, problems: Problems) -> RawTable | None:
    label = source.label
    with source.path.open("rb") as handle:  # read only; the package is never written to
        head = handle.read(_SNIFF_BYTES)
        size = handle.seek(0, io.SEEK_END)
        tail = b""
        if size > len(head):
            handle.seek(max(len(head), size - _SNIFF_BYTES))
            tail = handle.read()
        if b"\x00" in head or b"\x00" in tail:  # before reading it all: a zero-filled file may be huge
            hint = ("it looks like UTF-16 text: save it as 'CSV UTF-8'" if head[:2] in (b"\xff\xfe", b"\xfe\xff")
                    else "it is a binary file, not CSV text")
            problems.error(label, 0, "", "is not a CSV text file", hint)
            return None
        handle.seek(0)
        data = handle.read()
    if not data.strip():
        problems.error(label, 0, "", "is empty: a table needs a header row and data rows")
        return None
    if (nul := data.find(b"\x00")) >= 0:
        problems.error(label, data[:nul].count(b"\n") + 1, "", "holds a NUL byte: it is a binary file, not CSV text",
                       "open it in Excel and save it again as 'CSV UTF-8'")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _not_utf8(label, data, exc, problems)
        return None
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    sep = _sniff_separator(first_line)
    # The header row is read by the same parser as the records, and sets the
    # width: a record with more cells is an error (given ``names``, pandas would
    # instead take a wider first record's extra cell as an index, silently).
    options = dict(sep=sep, header=None, dtype=str, keep_default_na=False, na_values=[""],
                   skip_blank_lines=False, quotechar='"')
    try:
        cells = pd.read_csv(io.StringIO(text), engine="c", **options)
    except (pd.errors.ParserError, ValueError) as exc:
        n = len(next(csv.reader([first_line], delimiter=sep), []))
        bad = _records_of_wrong_width(text, sep, n)
        for row, count in bad:
            problems.error(label, row, "", f"has {count} cells but the header has {n}",
                           f"check for a stray '{sep}' or an unclosed quote")
        if not bad:
            unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
            if unclosed:
                problems.error(label, int(unclosed[1]) + 1, "", 'has a quote (") that is never closed',
                               "every quoted cell must end with a quote")
            else:
                problems.error(label, 0, "", f"cannot be read as CSV: {exc}")
        return None
    headers = ["" if pd.isna(h) else str(h).strip() for h in cells.iloc[0]] if len(cells) else []
    if not any(headers):
        problems.error(label, 1, "", "has no header row: row 1 must name the columns")
        return None
    cells = cells.iloc[1:].reset_index(drop=True)
    rows = np.arange(2, len(cells) + 2)
    return _drop_blank_rows(RawTable(source, headers, cells, rows))


def _not_utf8(label: str, data: bytes, exc: UnicodeDecodeError, problems: Problems) -> None:
    """The error for a CSV that is not UTF-8, naming the legacy Vietnamese
    encoding it looks like, if any (the contract accepts UTF-8 only)."""
    from .encoding import detect_bytes

    found = detect_bytes(data)
    if found is not None:
        seen, meant = found.example
        problems.error(label, 0, "", f"is not UTF-8 text: it looks like {found.name} ('{seen}' is '{meant}')",
                       found.hint)
        return
    line = data[: exc.start].count(b"\n") + 1
    problems.error(label, line, "", f"is not UTF-8 text (byte {exc.start + 1} cannot be read)",
                   "in Excel use 'Save as: CSV UTF-8'; files in Windows-1258 or TCVN3 must be converted to Unicode")


def _records_of_wrong_width(text: str, sep: str, width: int) -> list[tuple[int, int]]:
    """(spreadsheet row, cell count) of every record wider than the header."""
    bad = []
    try:
        for row, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sep), start=1):
            if len(record) > width:
                bad.append((row, len(record)))
    except csv.Error:
        pass
    return bad


def _read_xlsx(source: TableFile, problems: Problems) -> RawTable | None:
    from openpyxl import load_workbook

    label = source.label
    if not zipfile.is_zipfile(source.path):
        problems.error(label, 0, "", "is not an Excel .xlsx workbook", "open it in Excel and save it again as .xlsx")
        return None
    with zipfile.ZipFile(source.path) as archive:  # a few KB may unpack to gigabytes
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > 4 * MAX_TABLE_BYTES:
        problems.error(label, 0, "", f"unpacks to {unpacked / 2**20:,.0f} MB: workbooks of more than "
                       f"{4 * MAX_TABLE_BYTES / 2**20:,.0f} MB unpacked are not read", "split it, e.g. one file per year")
        return None
    try:
        workbook = load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        problems.error(label, 0, "", f"is not a readable Excel workbook ({type(exc).__name__})",
                       "open it in Excel and save it again as .xlsx")
        return None
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        records = _sheet_records(sheet)
        formulas = _has_formulas(workbook, sheet)
    finally:
        workbook.close()
    if not records or records[0][0] != 1 or not any(v is not None and str(v).strip() for v in records[0][1]):
        problems.error(label, 1, "", "has no header row: row 1 must name the columns"
                       if records else "is empty: a table needs a header row and data rows")
        return None
    # As wide as the widest record: cells right of the last header are kept, so
    # that map_headers warns about them instead of their values vanishing.
    width = max(len(values) for _, values in records)
    headers = [None if v is None else str(v).strip() for v in records[0][1]]
    headers += [None] * (width - len(headers))
    body = [tuple(values) + (None,) * (width - len(values)) for _, values in records[1:]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
    rows = np.array([number for number, _ in records[1:]], dtype=np.int64)
    if formulas:
        _formulas_without_results(source, headers, dict(records), problems)
    return _drop_blank_rows(RawTable(source, headers, cells, rows))


def _sheet_records(sheet) -> list[tuple[int, tuple]]:
    """``(row number, values)`` of every row with a cell, trailing empty cells cut."""
    if hasattr(sheet, "reset_dimensions"):
        # A wrong <dimension> (A1:XFD1048576) would pad every row to 16,384
        # cells and the sheet to a million rows; the cells themselves say more.
        sheet.reset_dimensions()
    records = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        end = len(values)
        while end and values[end - 1] is None:
            end -= 1
        if end:
            records.append((number, tuple(values[:end])))
    return records


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(workbook, sheet) -> bool:
    """Whether the sheet's XML has a formula (read in chunks, without parsing)."""
    try:
        source = workbook._archive.open(sheet._worksheet_path)  # openpyxl's read-only internals
    except (AttributeError, KeyError):
        return True  # cannot tell: look at the formulas the slow way
    with source:
        previous = b""
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(previous[-16:] + chunk):
                return True
            previous = chunk
    return False


def _formulas_without_results(source: TableFile, headers: list, values_by_row: dict[int, tuple],
                              problems: Problems) -> None:
    """An error at every formula cell whose result the file does not hold.

    Excel saves a formula's last result next to it, and that result is what is
    read; a file written by a program (or saved without recalculating) may have
    the formula only, which would read as an empty cell.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    formula_types = (ArrayFormula, DataTableFormula)
    workbook = load_workbook(source.path, read_only=True, data_only=False)
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        sheet.reset_dimensions()
        by_column: dict[str, list[int]] = {}
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            computed = values_by_row.get(number, ())
            for position, value in enumerate(values):
                is_formula = (isinstance(value, str) and value.startswith("=")) or isinstance(value, formula_types)
                if is_formula and (position >= len(computed) or computed[position] is None):
                    header = headers[position] if position < len(headers) and headers[position] else None
                    by_column.setdefault(header or f"column {position + 1}", []).append(number)
    finally:
        workbook.close()
    for column, rows in by_column.items():
        problems.cells(source.label, column, np.array(rows), ["holds a formula whose result is not saved in the file"]
                       * len(rows), hint="open the file in Excel and save it again, or paste the values only")


def _read_parquet(source: TableFile, problems: Problems) -> RawTable | None:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_metadata(source.path).num_rows  # a few KB of repeated values may hold a billion rows
        if rows > MAX_TABLE_ROWS:
            problems.error(source.label, 0, "", f"has {rows:,} rows: tables of more than {MAX_TABLE_ROWS:,} rows "
                           "are not read", "split it, e.g. one file per year")
            return None
        frame = pd.read_parquet(source.path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        problems.error(source.label, 0, "", f"is not a readable Parquet file ({type(exc).__name__})")
        return None
    headers = [str(c).strip() for c in frame.columns]
    frame.columns = range(len(headers))
    numbers = np.arange(2, len(frame) + 2)
    for position in range(len(headers)):
        if frame[position].dtype == object:
            frame[position] = _single_values(frame[position], source.label, headers[position] or
                                             f"column {position + 1}", numbers, problems)
    return _drop_blank_rows(RawTable(source, headers, frame, numbers))


def _single_values(cells: pd.Series, label: str, column: str, rows: np.ndarray, problems: Problems) -> pd.Series:
    """Parquet cells as single values: UTF-8 bytes become text; lists, records
    and other bytes are errors (kept as their text, so each row is judged)."""
    def plain(value):
        if isinstance(value, (bytes, bytearray)):
            try:
                return bytes(value).decode("utf-8"), False
            except UnicodeDecodeError:
                return repr(bytes(value)), True
        if isinstance(value, (list, tuple, dict, set, np.ndarray)):
            return str(value), True
        return value, False

    nested = cells.map(lambda v: isinstance(v, (bytes, bytearray, list, tuple, dict, set, np.ndarray)))
    if not nested.any():
        return cells
    converted = [plain(v) for v in cells[nested]]
    cells = cells.copy()
    cells[nested] = [value for value, _ in converted]
    bad = np.zeros(len(cells), dtype=bool)
    bad[np.flatnonzero(nested.to_numpy())] = [wrong for _, wrong in converted]
    if bad.any():
        problems.cells(label, column, rows[bad], ["holds a list, a record or binary data, not a single value"]
                       * int(bad.sum()), hint="write one plain value (text, number or date) per cell")
    return cells


def _drop_blank_rows(raw: RawTable) -> RawTable:
    """Rows with no value at all are not records (Excel keeps many of them)."""
    cells = raw.cells
    if cells.empty:
        return raw
    blank = cells.isna()
    for column in cells.columns:
        if cells[column].dtype == object or pd.api.types.is_string_dtype(cells[column]):
            blank[column] |= cells[column].astype(str).str.strip().eq("").to_numpy()
    keep = ~blank.all(axis=1).to_numpy()
    if keep.all():
        return raw
    return RawTable(raw.source, raw.headers, cells[keep].reset_index(drop=True), raw.rows[keep])


# --- headers ------------------------------------------------------------------------


def map_headers(raw: RawTable, table: Table, problems: Problems) -> dict[str, int]:
    """``{column name: position}``; reports unknown, duplicated and missing columns."""
    lookup = header_lookup(table)
    label = raw.source.label
    positions: dict[str, int] = {}
    typed_as: dict[str, str] = {}
    for position, header in enumerate(raw.headers):
        if header is None or not header.strip():
            if raw.cells[position].notna().any():
                problems.warning(label, 1, f"column {position + 1}", "has values but no header; it is ignored")
            continue
        name = lookup.get(fold_key(header))
        if name is None:
            problems.warning(label, 1, header, "is not a column of this table and is ignored",
                             f"columns are: {', '.join(table.names)}")
            continue
        if name in positions:
            problems.error(label, 1, header, f"is a second '{name}' column (the first is '{typed_as[name]}')",
                           "keep one of them")
            continue
        positions[name] = position
        typed_as[name] = header
    if not positions and any(h for h in raw.headers):
        hint = f"row 1 must hold the column names: {', '.join(c.name for c in table.columns if c.required)}"
        for index in range(min(len(raw.cells), 10)):  # a title above the header (often merged cells)?
            named = {lookup.get(fold_key(v)) for v in raw.cells.iloc[index] if isinstance(v, str)} - {None}
            if len(named) >= 2:
                hint = (f"the column names seem to be in row {raw.rows[index]}: delete the rows above it "
                        "(titles, merged cells) so that they are in row 1")
                break
        problems.error(label, 1, "", f"row 1 is not a header row: none of its cells names a column of {table.name}",
                       hint)
        return positions
    for column in table.columns:
        if column.required and column.name not in positions:
            aliases = f" (or {', '.join(column.aliases)})" if column.aliases else ""
            problems.error(label, 1, column.name, f"the required column '{column.name}'{aliases} is missing")
    return positions


# --- the whole package ----------------------------------------------------------------


def read_package(folder: str | Path) -> tuple[Project | None, list[Problem]]:
    """Read and validate a package folder; never raises for bad content.

    Returns the project (None when there are errors) and every problem, sorted.
    """
    from .validate import build_project

    folder = Path(folder)
    problems = Problems()
    project = build_project(folder, problems)
    problems_sorted = sorted(problems)
    if any(p.is_error for p in problems_sorted):
        return None, problems_sorted
    project.warnings = [p for p in problems_sorted if not p.is_error]
    return project, problems_sorted


def load_project(project: str | Path, data_dir: str | Path | None = None) -> Project:
    """Load, normalize and validate one project data package.

    Parameters
    ----------
    project : str or Path
        A project id (looked up in ``data_dir``) or the path of a package folder.
    data_dir : str or Path, optional
        Folder of packages; default ``data/projects`` of the repository
        (``WORKBOOK_DATA_DIR`` overrides).

    Returns
    -------
    Project
        Metadata and clean tables; ``warnings`` lists what did not stop loading.

    Raises
    ------
    ProjectNotFound
        No package at that id or path.
    ValidationFailed
        The package has errors; ``.problems`` lists all of them.

    Examples
    --------
    >>> from helpers import load_project
    >>> p = load_project("cao-phong-2021")      # doctest: +SKIP
    >>> p.events[["date", "commune", "participants"]].head(2)   # doctest: +SKIP
    """
    folder = resolve(project, data_dir)
    loaded, problems = read_package(folder)
    if loaded is None:
        raise ValidationFailed(problems, source=str(folder))
    return loaded


def load_projects(data_dir: str | Path | None = None) -> tuple[dict[str, Project], dict[str, list[Problem]]]:
    """Every package in a folder: ``(loaded by id, problems of those that failed)``."""
    base = Path(data_dir) if data_dir is not None else config.DATA_DIR
    loaded: dict[str, Project] = {}
    failed: dict[str, list[Problem]] = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        project, problems = read_package(folder)
        if project is None:
            failed[folder.name] = [p for p in problems if p.is_error]
        else:
            loaded[project.id] = project
    return loaded, failed


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)
