"""Corrupted copies of real data packages, and what loading one must show.

Shared by tests/fuzz/test_fuzz_loader.py (a fixed, small set of cases) and
benchmarks/stress_fuzz.py (many seeds). A *case* is (sample package, file,
corruption kind, seed): the package is copied, one file is corrupted, and the
copy is loaded in a separate process with a time limit (:func:`run_cases`).
What must hold, whatever the bytes (:func:`check_package`):

* ``read_package`` returns, never raises; ``workbook validate`` exits 0 or 1
  and prints no traceback (and so does ``workbook measures`` on a valid one);
* every problem names its file (``file:row:column: message``);
* **no row is dropped silently**: every record the file really has, counted
  here by an independent reader (Python's csv module, the sheet's XML, pyarrow)
  is either a row of the loaded table, with the same spreadsheet row number, or
  has an error at that row; a table that is not loaded at all has an error
  naming its file. Wholly blank rows (every cell empty or spaces) are not
  records: the loader skips them (docs/data-package.md) and so does the count.
"""
from __future__ import annotations

import contextlib
import signal
import csv
import datetime as dt
import io
import math
import multiprocessing
import multiprocessing.connection
import random
import re
import shutil
import time
import traceback
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIRS = (ROOT / "data" / "projects", ROOT / "tests" / "fixtures" / "packages")
TABLES = ("events", "services", "coverage", "budget")
GIB = 1 << 30


def sample_packages() -> list[Path]:
    """Every sample package folder (data/projects and the test fixtures)."""
    found = []
    for base in SAMPLE_DIRS:
        if base.is_dir():
            found += sorted(p for p in base.iterdir() if (p / "project.yml").is_file())
    return found


@dataclass(frozen=True)
class Target:
    """One file of a package a corruption can be applied to (``sheet`` for data.xlsx)."""

    package: Path
    file: str
    sheet: str | None = None

    @property
    def form(self) -> str:
        return "yml" if self.file == "project.yml" else self.file.rsplit(".", 1)[-1].lower()

    @property
    def label(self) -> str:
        return f"{self.package.name}/{self.file}" + (f"[{self.sheet}]" if self.sheet else "")


def targets(packages: list[Path] | None = None) -> list[Target]:
    out = []
    for package in packages or sample_packages():
        for path in sorted(package.iterdir()):
            stem, _, ext = path.name.partition(".")
            if path.name == "project.yml":
                out.append(Target(package, path.name))
            elif stem in TABLES and ext in ("csv", "xlsx", "parquet"):
                out.append(Target(package, path.name))
            elif path.name == "data.xlsx":
                from openpyxl import load_workbook

                workbook = load_workbook(path, read_only=True)
                out += [Target(package, path.name, s) for s in workbook.sheetnames if s in TABLES]
                workbook.close()
    return out


# --- grids: a table as a list of rows (header first), whatever its format -----------------

Grid = list  # list[list[object]]


def _csv_separator(first_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_grid(path: Path, sheet: str | None) -> tuple[Grid, dict]:
    """The cells of a table file and what is needed to write it back alike."""
    form = path.suffix.lower()
    if form == ".csv":
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        sep = _csv_separator(re.split(r"\r\n|\r|\n", text, maxsplit=1)[0])
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)], {"sep": sep, "bom": bom}
    if form == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)], {}
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns = [c.to_pylist() for c in table.columns]
    return [list(table.column_names)] + [list(r) for r in zip(*columns)], {}


def write_grid(path: Path, sheet: str | None, grid: Grid, how: dict) -> None:
    form = path.suffix.lower()
    if form == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=how.get("sep", ","), lineterminator="\n")
        for row in grid:
            writer.writerow(["" if v is None else v for v in row])
        path.write_bytes((b"\xef\xbb\xbf" if how.get("bom") else b"") + out.getvalue().encode("utf-8"))
    elif form == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        title, index = ws.title, workbook.index(ws)
        workbook.remove(ws)
        ws = workbook.create_sheet(title, index)
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        for row in grid:  # Excel cannot hold control characters: they become "?"
            ws.append([ILLEGAL_CHARACTERS_RE.sub("?", v) if isinstance(v, str) else v for v in row])
        workbook.save(path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        width = max(len(r) for r in grid)
        header = list(grid[0]) + [f"extra_{i}" for i in range(len(grid[0]), width)]
        body = [list(r) + [None] * (width - len(r)) for r in grid[1:]]
        arrays = []
        for j in range(width):
            values = [r[j] for r in body]
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
        pq.write_table(pa.Table.from_arrays(arrays, names=[str(h) for h in header]), path)


# --- corruptions ---------------------------------------------------------------------------

HUGE_OR_ODD_NUMBERS = ["9" * 30, "9" * 400, "1e308", "-1", "1.5e3", "NaN", "inf", "١٢٣", "１２", "0x1F", "1/2",
                       "12,5", "-0", "9" * 19, "1.000.000.000.000.000.000.000 tỷ", "95,6%%"]


def _numeric_cells(grid: Grid) -> list[tuple[int, int]]:
    cells = []
    for i, row in enumerate(grid[1:], start=1):
        for j, v in enumerate(row):
            number = isinstance(v, (int, float)) and not isinstance(v, bool)
            if number or (isinstance(v, str) and re.fullmatch(r"[\d.,% ]+", v.strip() or "x")):
                cells.append((i, j))
    return cells


def g_huge_numbers(rng: random.Random, grid: Grid) -> Grid:
    cells = _numeric_cells(grid) or [(i, j) for i in range(1, len(grid)) for j in range(len(grid[i]))]
    for i, j in rng.sample(cells, min(len(cells), rng.randint(1, 4))):
        choice = rng.choice(HUGE_OR_ODD_NUMBERS + [10**30, 2**63, -(2**63) - 1, float("inf"), float("nan"), 1e308])
        grid[i][j] = choice
    return grid


def g_empty_cells(rng: random.Random, grid: Grid) -> Grid:
    cells = [(i, j) for i in range(1, len(grid)) for j in range(len(grid[i]))]
    for i, j in rng.sample(cells, min(len(cells), rng.randint(1, 6))):
        grid[i][j] = rng.choice([None, "", "   ", "\u00a0"])
    return grid


def g_extra_column(rng: random.Random, grid: Grid) -> Grid:
    at = rng.randint(0, len(grid[0]))
    for i, row in enumerate(grid):
        row.insert(at, "Ghi chú" if i == 0 else rng.choice(["x", None, "ghi chú " + str(i), 7]))
    return grid


def g_extra_cells(rng: random.Random, grid: Grid) -> Grid:
    if len(grid) < 2:
        return grid
    for i in rng.sample(range(1, len(grid)), min(len(grid) - 1, rng.randint(1, 3))):
        grid[i] = list(grid[i]) + [None] * (len(grid[0]) - len(grid[i])) + [rng.choice(["x", "", 5])] * rng.randint(1, 2)
    return grid


def g_missing_column(rng: random.Random, grid: Grid) -> Grid:
    at = rng.randrange(len(grid[0]))
    return [row[:at] + row[at + 1:] for row in grid]


def g_duplicated_header(rng: random.Random, grid: Grid) -> Grid:
    if len(grid[0]) >= 2:
        i, j = rng.sample(range(len(grid[0])), 2)
        grid[0][j] = grid[0][i]
    return grid


def g_blank_rows(rng: random.Random, grid: Grid) -> Grid:
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(1, len(grid))
        grid.insert(at, [rng.choice([None, "", " "]) for _ in grid[0]])
    return grid


def g_header_in_row_2(rng: random.Random, grid: Grid) -> Grid:
    return [["BÁO CÁO KẾT QUẢ THỰC HIỆN NĂM 2021"] + [None] * (len(grid[0]) - 1)] + grid


def g_shuffled_rows(rng: random.Random, grid: Grid) -> Grid:
    body = grid[1:]
    rng.shuffle(body)
    return [grid[0]] + body


def g_odd_text(rng: random.Random, grid: Grid) -> Grid:
    """Cells that look like formulas, quotes, separators, newlines, control characters."""
    odd = ['=SUM(A1:A3)', '"quoted"', 'a;b,c', "line\nbreak", "tab\there", "\x07bell", "\u200bzero-width",
           "Hoa\u0300 Bi\u0300nh", "x" * 5000, "#N/A", "#DIV/0!", "TRUE", "None", "null"]
    cells = [(i, j) for i in range(1, len(grid)) for j in range(len(grid[i]))]
    for i, j in rng.sample(cells, min(len(cells), rng.randint(1, 5))):
        grid[i][j] = rng.choice(odd)
    return grid


def g_legacy_font_text(rng: random.Random, grid: Grid) -> Grid:
    """Every text cell and header as typed in a TCVN3 or VNI font (Unicode text of the wrong letters)."""
    from helpers.encoding import encode_tcvn3, encode_vni

    encode = rng.choice([encode_tcvn3, encode_vni])
    return [[encode(v).decode("latin-1") if isinstance(v, str) else v for v in row] for row in grid]


GRID_KINDS: dict[str, Callable[[random.Random, Grid], Grid]] = {
    "huge_numbers": g_huge_numbers, "empty_cells": g_empty_cells, "extra_column": g_extra_column,
    "extra_cells": g_extra_cells, "missing_column": g_missing_column, "duplicated_header": g_duplicated_header,
    "blank_rows": g_blank_rows, "header_in_row_2": g_header_in_row_2, "shuffled_rows": g_shuffled_rows,
    "odd_text": g_odd_text, "legacy_font_text": g_legacy_font_text,
}


def b_truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def b_random_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def b_insert_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def b_nul_bytes(rng: random.Random, data: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + b"\x00" * rng.randint(1, 3) + data[at:]


def b_zero_bytes(rng: random.Random, data: bytes) -> bytes:
    return b""


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def b_cp1258(rng: random.Random, data: bytes) -> bytes:
    from helpers.encoding import encode_cp1258

    return encode_cp1258(_text(data))


def b_tcvn3(rng: random.Random, data: bytes) -> bytes:
    from helpers.encoding import encode_tcvn3

    return encode_tcvn3(_text(data))


def b_vni(rng: random.Random, data: bytes) -> bytes:
    from helpers.encoding import encode_vni

    return encode_vni(_text(data))


def b_utf16(rng: random.Random, data: bytes) -> bytes:
    return _text(data).encode(rng.choice(["utf-16", "utf-16-le", "utf-32"]))


def b_latin1(rng: random.Random, data: bytes) -> bytes:
    return _text(data).encode("latin-1", errors="replace")


def b_line_endings(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", rng.choice([b"\r", b"\r\n", b"\n\n", b"\r\r\n"]))


def b_unclosed_quote(rng: random.Random, data: bytes) -> bytes:
    starts = [m.end() for m in re.finditer(rb"[,;\n]", data)]
    at = rng.choice(starts) if starts else 0
    return data[:at] + b'"' + data[at:]


def b_double_bom(rng: random.Random, data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


BYTE_KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "truncate": b_truncate, "random_bytes": b_random_bytes, "insert_bytes": b_insert_bytes, "nul_bytes": b_nul_bytes,
    "zero_bytes": b_zero_bytes,
}
TEXT_KINDS: dict[str, Callable[[random.Random, bytes], bytes]] = {  # csv and project.yml
    "cp1258": b_cp1258, "tcvn3": b_tcvn3, "vni": b_vni, "utf16": b_utf16, "latin1": b_latin1,
    "line_endings": b_line_endings, "unclosed_quote": b_unclosed_quote, "double_bom": b_double_bom,
}


def f_sparse_1gb(rng: random.Random, path: Path, sheet: str | None) -> None:
    """1 GiB, almost all of it a hole: the file's own bytes, then zeros (or zeros only)."""
    if rng.random() < 0.5:
        path.write_bytes(b"")
    with path.open("r+b") as handle:
        handle.truncate(GIB)


def f_xlsx_formulas(rng: random.Random, path: Path, sheet: str | None) -> None:
    """Some cells become formulas; openpyxl saves no result for them (as a program would)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    for cell in rng.sample(cells, min(len(cells), rng.randint(1, 4))):
        value = cell.value
        cell.value = f"={value}" if isinstance(value, (int, float)) and not isinstance(value, bool) else f'="{value}"'
    workbook.save(path)


def f_xlsx_formulas_with_results(rng: random.Random, path: Path, sheet: str | None) -> None:
    """Number cells become formulas with their result saved, as Excel saves them: still valid."""
    _edit_sheet_xml(path, sheet, lambda xml: re.sub(
        rb'(<c [^>]*?)(?: t="n")?>(<v>(-?\d+(?:\.\d+)?)</v>)</c>',
        lambda m: m.group(1) + b"><f>" + m.group(3) + b"+0</f>" + m.group(2) + b"</c>", xml))


def f_xlsx_wrong_dimension(rng: random.Random, path: Path, sheet: str | None) -> None:
    ref = rng.choice([b"A1:XFD1048576", b"A1:B2", b"A1", b"Z99:A1"])
    _edit_sheet_xml(path, sheet, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', xml))


def f_xlsx_merged_title(rng: random.Random, path: Path, sheet: str | None) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    width = ws.max_column
    ws.insert_rows(1, amount=rng.randint(1, 2))
    ws.cell(1, 1, "BÁO CÁO HOẠT ĐỘNG TRUYỀN THÔNG BHYT")
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    workbook.save(path)


def f_xlsx_merged_header_cells(rng: random.Random, path: Path, sheet: str | None) -> None:
    """Two header cells merged into one (the second one's name is lost)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    if ws.max_column >= 2:
        start = rng.randint(1, ws.max_column - 1)
        ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=start + 1)
    workbook.save(path)


def f_xlsx_cells_far_right(rng: random.Random, path: Path, sheet: str | None) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    ws.cell(rng.randint(2, max(2, ws.max_row)), ws.max_column + rng.randint(1, 40), "lạc chỗ")
    workbook.save(path)


def f_xlsx_cell_types(rng: random.Random, path: Path, sheet: str | None) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    odd = [True, False, dt.datetime(2021, 3, 15, 14, 30), dt.time(8, 0), dt.timedelta(days=3), 0.1 + 0.2,
           -0.0, 1e-300, 45000, 2958466, -5, "#DIV/0!"]
    for cell in rng.sample(cells, min(len(cells), rng.randint(1, 5))):
        cell.value = rng.choice(odd)
    workbook.save(path)


def f_xlsx_shared_string_out_of_range(rng: random.Random, path: Path, sheet: str | None) -> None:
    """A text cell pointing past the end of the workbook's shared strings."""
    def edit(xml: bytes) -> bytes:
        cells = [m for m in re.finditer(rb'<c ([^>]*?)t="(?:s|inlineStr)"([^>]*)>.*?</c>', xml, re.S)]
        if not cells:
            return xml
        m = rng.choice(cells)
        return xml[: m.start()] + b"<c " + m.group(1) + b't="s"' + m.group(2) + b"><v>99999</v></c>" + xml[m.end():]
    _edit_sheet_xml(path, sheet, edit)


def f_parquet_nested(rng: random.Random, path: Path, sheet: str | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    j = rng.randrange(table.num_columns)
    values = table.column(j).to_pylist()
    nested = pa.array([None if v is None else [v, v] for v in values]) if rng.random() < 0.5 else \
        pa.array([None if v is None else str(v).encode("utf-8") + rng.choice([b"", b"\xff"]) for v in values])
    pq.write_table(table.set_column(j, table.column_names[j], nested), path)


def f_parquet_types(rng: random.Random, path: Path, sheet: str | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    j = rng.randrange(table.num_columns)
    n = table.num_rows
    replacement = rng.choice([
        pa.array([2**64 - 1] * n, type=pa.uint64()), pa.array([float("inf")] * n), pa.array([float("nan")] * n),
        pa.array([dt.datetime(2021, 3, 15, 8, 0)] * n, type=pa.timestamp("ns", tz="Asia/Ho_Chi_Minh")),
        pa.array(["Thung Nai"] * n).dictionary_encode(), pa.array([None] * n, type=pa.null()),
        pa.array([dt.timedelta(days=1)] * n), pa.array([True] * n),
    ])
    pq.write_table(table.set_column(j, table.column_names[j], replacement), path)


FILE_KINDS: dict[str, tuple[tuple[str, ...], Callable[[random.Random, Path, str | None], None]]] = {
    # kind: (forms it applies to, function)
    "sparse_1gb": (("csv", "xlsx", "parquet"), f_sparse_1gb),
    "xlsx_formulas": (("xlsx",), f_xlsx_formulas),
    "xlsx_formulas_with_results": (("xlsx",), f_xlsx_formulas_with_results),
    "xlsx_wrong_dimension": (("xlsx",), f_xlsx_wrong_dimension),
    "xlsx_merged_title": (("xlsx",), f_xlsx_merged_title),
    "xlsx_merged_header_cells": (("xlsx",), f_xlsx_merged_header_cells),
    "xlsx_cells_far_right": (("xlsx",), f_xlsx_cells_far_right),
    "xlsx_cell_types": (("xlsx",), f_xlsx_cell_types),
    "xlsx_bad_shared_string": (("xlsx",), f_xlsx_shared_string_out_of_range),
    "parquet_nested": (("parquet",), f_parquet_nested),
    "parquet_types": (("parquet",), f_parquet_types),
}


def _edit_sheet_xml(path: Path, sheet: str | None, edit: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    part = _sheet_part(members, sheet)
    members[part] = edit(members[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def kinds_for(form: str) -> list[str]:
    """The corruption kinds that apply to a file of this form (csv, xlsx, parquet, yml)."""
    kinds = list(BYTE_KINDS)
    if form in ("csv", "yml"):
        kinds += list(TEXT_KINDS)
    if form in ("csv", "xlsx", "parquet"):
        kinds += [k for k in GRID_KINDS if not (form == "parquet" and k == "extra_cells")]
        kinds += [k for k, (forms, _) in FILE_KINDS.items() if form in forms]
    return kinds


ALL_KINDS = list(dict.fromkeys(kinds_for("csv") + kinds_for("xlsx") + kinds_for("parquet") + kinds_for("yml")))


@dataclass(frozen=True)
class Case:
    target: Target
    kind: str
    seed: int = 0

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.target.label}-{self.seed}"


def make_case(case: Case, workdir: Path) -> Path:
    """Copy the case's package into ``workdir`` and corrupt its file; return the copy."""
    folder = workdir / case.target.package.name
    shutil.copytree(case.target.package, folder)
    path = folder / case.target.file
    rng = random.Random(case.id)
    if case.kind in BYTE_KINDS:
        path.write_bytes(BYTE_KINDS[case.kind](rng, path.read_bytes()))
    elif case.kind in TEXT_KINDS:
        path.write_bytes(TEXT_KINDS[case.kind](rng, path.read_bytes()))
    elif case.kind in GRID_KINDS:
        grid, how = read_grid(path, case.target.sheet)
        write_grid(path, case.target.sheet, GRID_KINDS[case.kind](rng, grid), how)
    else:
        FILE_KINDS[case.kind][1](rng, path, case.target.sheet)
    return folder


# --- independent record counts ---------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def csv_records(path: Path) -> set[int] | None:
    """Spreadsheet row numbers of the non-blank records of a CSV, per Python's csv module."""
    if path.stat().st_size > 64 << 20:
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    sep = _csv_separator(re.split(r"\r\n|\r|\n", text, maxsplit=1)[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error:
        return None
    return {row for row, record in enumerate(records[1:], start=2) if any(c.strip() for c in record)}


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_part(members: dict[str, bytes] | zipfile.ZipFile, sheet: str | None) -> str:
    read = members.read if isinstance(members, zipfile.ZipFile) else members.__getitem__
    workbook = ET.fromstring(read("xl/workbook.xml"))
    rels = ET.fromstring(read("xl/_rels/workbook.xml.rels"))
    entries = workbook.find(f"{_MAIN}sheets")
    chosen = next(e for e in entries if sheet is None or e.get("name") == sheet)
    target = next(r.get("Target") for r in rels if r.get("Id") == chosen.get(f"{_REL}id"))
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def xlsx_records(path: Path, sheet: str | None) -> set[int] | None:
    """Row numbers (header = 1) of the non-blank records of a sheet, read from its XML.

    A formula counts as content even without a saved result.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            shared = []
            if "xl/sharedStrings.xml" in archive.namelist():
                strings = ET.fromstring(archive.read("xl/sharedStrings.xml"))
                shared = ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in strings]
            root = ET.fromstring(archive.read(part))
    except Exception:  # noqa: BLE001 - not readable here: the loader must have said so
        return None
    rows, number = set(), 0
    for row in root.iter(f"{_MAIN}row"):
        number = int(row.get("r", number + 1))
        for cell in row.findall(f"{_MAIN}c"):
            kind, value = cell.get("t"), cell.findtext(f"{_MAIN}v")
            if cell.find(f"{_MAIN}f") is not None:
                text = "formula"
            elif kind == "s":
                try:
                    text = shared[int(value)] if value else ""
                except (ValueError, IndexError):
                    text = "?"
            elif kind == "inlineStr":
                text = "".join(cell.itertext())
            else:
                text = value or ""
            if text.strip():
                rows.add(number)
                break
    return {r for r in rows if r > 1}


def parquet_records(path: Path) -> set[int] | None:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        columns = [c.to_pylist() for c in table.columns]
    except Exception:  # noqa: BLE001
        return None
    return {i + 2 for i in range(table.num_rows) if not all(_blank(c[i]) for c in columns)}


def records_of(path: Path, sheet: str | None) -> set[int] | None:
    form = path.suffix.lower()
    if form == ".csv":
        return csv_records(path)
    if form == ".xlsx":
        return xlsx_records(path, sheet)
    return parquet_records(path)


# --- what must hold --------------------------------------------------------------------------

def check_package(folder: Path) -> dict:
    """Load ``folder`` every way a user can, and list every broken promise.

    Returns ``{"outcome": "valid"|"errors"|"crash", "violations": [...], "problems": [...],
    "reader_exceptions": n}``.
    """
    from helpers import cli, validate
    from helpers.load import Problems, find_table_files, read_package

    result: dict = {"outcome": "crash", "violations": [], "problems": [], "reader_exceptions": 0}
    built = []  # the project as built, tables and all, even when it has errors
    build_project = validate.build_project
    validate.build_project = lambda *args: built.append(build_project(*args)) or built[-1]
    try:
        project, problems = read_package(folder)
    except Exception:  # noqa: BLE001
        result["violations"].append("read_package raised:\n" + traceback.format_exc())
        return result
    finally:
        validate.build_project = build_project
    result["outcome"] = "valid" if project is not None else "errors"
    result["problems"] = [str(p) for p in problems]
    result["reader_exceptions"] = sum("cannot be read (" in p.message for p in problems)
    for problem in problems:  # file:row:column: message, the file being one of the package
        named = problem.file.split("[")[0]
        if not ((folder / named).exists() or named == "project.yml") or problem.row < 0 or not problem.message \
                or problem.severity not in ("error", "warning") or not str(problem).startswith(problem.file):
            result["violations"].append(f"problem not as file:row:column: message: {problem!r}")
    if project is None and not any(p.is_error for p in problems):
        result["violations"].append("no project and no error")

    for argv in (["validate", str(folder)], ["measures", str(folder)]):
        if argv[0] == "measures" and project is None:
            continue
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse
                code = exc.code
            except Exception:  # noqa: BLE001
                code = "raised:\n" + traceback.format_exc()
        printed = out.getvalue() + err.getvalue()
        if code not in (0, 1) or "Traceback" in printed:
            result["violations"].append(f"workbook {argv[0]} exited {code}: {printed[-2000:]}")
        if argv[0] == "validate" and code != (0 if project is not None else 1):
            result["violations"].append(f"workbook validate exited {code} for an outcome {result['outcome']}")

    # No row dropped silently.
    sources = find_table_files(folder, Problems())
    for name, source in sources.items():
        label = source.label
        own = [p for p in problems if p.file == label and p.is_error]
        frame = getattr(built[0], name)
        expected = records_of(source.path, source.sheet)
        if frame is None:  # not loaded: an error, or a file without records (said in a warning)
            said = any(p.file == label for p in problems)
            if not own and not (said and expected is not None and not expected):
                result["violations"].append(f"{label}: table not loaded, and no error names the file")
            continue
        if expected is None:
            continue  # the independent reader could not read what the loader read
        loaded = set(frame["_row"].tolist())
        error_rows = {p.row for p in own}
        dropped = expected - loaded - error_rows
        invented = loaded - expected - error_rows
        if dropped:
            result["violations"].append(f"{label}: rows {sorted(dropped)[:10]} dropped silently "
                                        f"({len(expected)} records, {len(loaded)} loaded)")
        if invented:
            result["violations"].append(f"{label}: rows {sorted(invented)[:10]} loaded that the file does not have")
        if project is not None and len(getattr(project, name)) != len(expected):
            result["violations"].append(f"{label}: valid, but {len(getattr(project, name))} rows loaded "
                                        f"of {len(expected)} records")
    return result


# --- running cases in a child process, with a time limit ---------------------------------------


@dataclass
class Result:
    case: Case
    outcome: str  # valid | errors | crash | timeout
    seconds: float
    violations: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reader_exceptions: int = 0


def _child(folder: str, connection) -> None:
    started = time.perf_counter()
    result = check_package(Path(folder))
    result["seconds"] = time.perf_counter() - started
    connection.send(result)
    connection.close()


_CONTEXT = None


def _context():
    """Fork, from a process that has imported (and warmed up) the loader once:
    each case then costs its own work only, and a hang can be killed. (Fork,
    not forkserver/spawn: those re-import the main module in every child.)"""
    global _CONTEXT
    if _CONTEXT is None:
        import fuzz_warm_up  # noqa: F401 - imported for its effect

        _CONTEXT = multiprocessing.get_context("fork")
    return _CONTEXT


def run_cases(cases: list[Case], workdir: Path, timeout: float = 20.0, jobs: int = 2) -> list[Result]:
    """Check every case in a child process of its own, ``jobs`` at a time; a
    child still running after ``timeout`` seconds is killed (outcome ``timeout``)."""
    ctx = _context()
    pending = list(enumerate(cases))
    running: dict = {}  # index -> (process, connection, folder, started)
    results: dict[int, Result] = {}

    def finish(index: int, data: dict | None, elapsed: float) -> None:
        process, connection, folder, _ = running.pop(index)
        if process.is_alive():
            process.kill()
        process.join(5)
        connection.close()
        shutil.rmtree(folder, ignore_errors=True)
        case = cases[index]
        if data is None:
            outcome = "timeout" if elapsed >= timeout else "crash"
            results[index] = Result(case, outcome, elapsed,
                                    [f"{outcome}: the check did not finish in {elapsed:.1f} s (exit {process.exitcode})"])
        else:
            results[index] = Result(case, data["outcome"], data["seconds"], data["violations"], data["problems"],
                                    data["reader_exceptions"])

    while pending or running:
        while pending and len(running) < jobs:
            index, case = pending.pop(0)
            folder = make_case(case, workdir / f"case-{index}")
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_child, args=(str(folder), send), daemon=True)
            process.start()
            send.close()
            running[index] = (process, receive, folder, time.perf_counter())
        ready = multiprocessing.connection.wait([r[1] for r in running.values()], timeout=0.1)
        now = time.perf_counter()
        for index, (process, connection, folder, started) in list(running.items()):
            if connection in ready:
                try:
                    data = connection.recv()
                except (EOFError, OSError):
                    data = None
                finish(index, data, now - started)
            elif now - started > timeout:
                finish(index, None, now - started)
    return [results[i] for i in range(len(cases))]


def run_case(case: Case, workdir: Path, timeout: float = 20.0) -> Result:
    return run_cases([case], workdir, timeout, jobs=1)[0]


def all_cases(seeds: range = range(1), packages: list[Path] | None = None) -> list[Case]:
    return [Case(t, kind, seed) for t in targets(packages) for kind in kinds_for(t.form) for seed in seeds]


def default_cases() -> list[Case]:
    """A small fixed set for the test run: every kind once on each form of file
    it applies to (csv, xlsx, parquet, project.yml), taking the files in turn."""
    chosen = []
    by_form: dict[str, list[Target]] = {}
    for target in targets():
        by_form.setdefault(target.form, []).append(target)
    for form, form_targets in sorted(by_form.items()):
        for index, kind in enumerate(kinds_for(form)):
            chosen.append(Case(form_targets[index % len(form_targets)], kind, 0))
    return chosen


@contextlib.contextmanager
def time_limit(seconds: int):
    """Raise TimeoutError in the block after ``seconds`` (main thread, Unix)."""

    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
