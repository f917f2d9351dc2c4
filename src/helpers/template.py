"""``workbook template``: an Excel data-entry workbook that loads as it is.

The workbook has one sheet per table of the data-package contract, named
``events``, ``services``, ``coverage`` and ``budget`` (the names the loader
looks for in a ``data.xlsx``), headers the loader accepts (the first
Vietnamese alias, or the English column name), a note on every header,
drop-down lists for every closed list of values, date and whole-number
checks, and a README sheet. Given a project, its communes become a drop-down
(kept on a hidden ``lists`` sheet) and its period bounds the dates.

A filled template saved as ``data.xlsx`` next to the project's
``project.yml`` is a data package; ``workbook validate`` checks it.

>>> from helpers.template import write_template            # doctest: +SKIP
>>> write_template("mau-nhap-lieu.xlsx", lang="vi")         # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from .schema import ENUMS, TABLE_NAMES, TABLES, Column

LANGS = ("vi", "en")
#: The hidden sheet holding the project's communes for the drop-down.
LISTS_SHEET = "lists"
README_SHEET = "README"
#: Data validations reach this row: Excel's last.
LAST_ROW = 1_048_576
#: The workbook-level name of the communes range on the lists sheet.
COMMUNES_NAME = "communes"

#: The Vietnamese word shown in a drop-down for each value of each closed
#: list. Every word is a spelling schema.ENUMS accepts (tests check it).
VI_CHOICES: dict[str, dict[str, str]] = {
    "activity": {
        "communication": "truyền thông", "training": "tập huấn", "counselling": "tư vấn",
        "health_check": "khám sức khỏe", "campaign": "chiến dịch", "broadcast": "phát thanh",
        "meeting": "họp", "other": "khác",
    },
    "service": {
        "counselling": "tư vấn", "legal_aid": "trợ giúp pháp lý", "health_check": "khám sức khỏe",
        "enrollment": "tham gia mới", "renewal": "gia hạn",
    },
    "sex": {"female": "nữ", "male": "nam"},
    "household": {"poor": "hộ nghèo", "near_poor": "hộ cận nghèo", "other": "khác"},
    "group": {"intervention": "can thiệp", "comparison": "đối chứng"},
}

#: What one row of each sheet is.
TABLE_NOTES: dict[str, dict[str, str]] = {
    "events": {
        "vi": "Mỗi dòng là một hoạt động đã tổ chức (buổi truyền thông, tập huấn, tư vấn, khám sức khỏe...).",
        "en": "One row per activity held (communication session, training, counselling day, health check...).",
    },
    "services": {
        "vi": "Mỗi dòng là một dịch vụ một người đã nhận. Một người nhận hai dịch vụ thì có hai dòng "
              "cùng mã người. Chỉ ghi mã (bí danh), không ghi họ tên hay số CMND/CCCD.",
        "en": "One row per person per service received. A person who received two services has two rows "
              "with the same person code. Codes only (pseudonyms): never a name or an ID-card number.",
    },
    "coverage": {
        "vi": "Mỗi dòng là số người có thẻ BHYT và dân số của một địa bàn tại một ngày số liệu. "
              "Có thể ghi cả địa bàn đối chứng (ngoài dự án).",
        "en": "One row per area per date: insured people and population. Comparison areas outside the "
              "project may be added.",
    },
    "budget": {
        "vi": "Mỗi dòng là một hạng mục ngân sách: dự toán và số đã giải ngân.",
        "en": "One row per budget line: planned and disbursed amounts.",
    },
}

#: The note on each header: what to type, in both languages.
COLUMN_NOTES: dict[str, dict[str, dict[str, str]]] = {
    "events": {
        "event_id": {"vi": "Mã hoạt động, không trùng nhau (ví dụ HD01). Bảng services dùng mã này để nối.",
                     "en": "Activity code, unique in the sheet (e.g. E01). The services sheet refers to it."},
        "date": {"vi": "Ngày tổ chức (ngày/tháng/năm), trong thời gian dự án.",
                 "en": "Date held (a date), inside the project period."},
        "commune": {"vi": "Xã/phường nơi tổ chức: một xã của dự án.",
                    "en": "Commune where it was held: one of the project's communes."},
        "activity": {"vi": "Loại hoạt động: chọn trong danh sách.", "en": "Kind of activity: pick from the list."},
        "title": {"vi": "Tên hoặc nội dung hoạt động.", "en": "Name or subject of the activity."},
        "participants": {"vi": "Số người tham dự (số nguyên, 0 trở lên). Phát thanh: 0.",
                         "en": "People attending (a whole number, 0 or more). Broadcasts: 0."},
        "female": {"vi": "Trong đó số nữ; không lớn hơn số người tham dự.",
                   "en": "Of whom women; not more than the participants."},
        "ethnic_minority": {"vi": "Trong đó số người dân tộc thiểu số (không phải Kinh); không lớn hơn số người tham dự.",
                            "en": "Of whom ethnic minority (not Kinh); not more than the participants."},
        "cost": {"vi": "Kinh phí của hoạt động, đồng.", "en": "Cost of the activity, in VND."},
    },
    "services": {
        "person_id": {"vi": "Mã người (bí danh, ví dụ P-00123). Không ghi họ tên, số CMND/CCCD. "
                            "Cùng một người thì cùng một mã trên mọi dòng.",
                      "en": "Person code (a pseudonym such as P-00123). Never a name or ID-card number. "
                            "The same person has the same code on every row."},
        "date": {"vi": "Ngày nhận dịch vụ, trong thời gian dự án.", "en": "Date of the service, inside the project period."},
        "commune": {"vi": "Xã/phường của dự án nơi nhận dịch vụ.", "en": "Project commune where the service was given."},
        "service": {"vi": "Dịch vụ: chọn trong danh sách.", "en": "Service: pick from the list."},
        "sex": {"vi": "Giới tính: nữ hoặc nam.", "en": "Sex: female or male."},
        "birth_year": {"vi": "Năm sinh (4 chữ số), từ 1900 đến năm nhận dịch vụ.",
                       "en": "Year of birth (4 digits), from 1900 to the year of the service."},
        "ethnicity": {"vi": "Dân tộc (Kinh, Mường, Thái, Ê Đê...). Mọi dân tộc khác Kinh là dân tộc thiểu số.",
                      "en": "Ethnic group (Kinh, Mường, Thái, Ê Đê...). Any group other than Kinh is an ethnic minority."},
        "household": {"vi": "Loại hộ: hộ nghèo, hộ cận nghèo hoặc khác.", "en": "Household: poor, near-poor or other."},
        "event_id": {"vi": "Mã hoạt động nơi người này nhận dịch vụ, nếu có; phải có trong sheet events.",
                     "en": "Code of the activity where the service was given, if any; must be in the events sheet."},
    },
    "coverage": {
        "as_of": {"vi": "Ngày của số liệu (ví dụ 31/12/2021).", "en": "Date the figures refer to (e.g. 31/12/2021)."},
        "commune": {"vi": "Địa bàn (xã/phường). Có thể là địa bàn đối chứng ngoài dự án.",
                    "en": "Area (commune). May be a comparison area outside the project."},
        "population": {"vi": "Dân số của địa bàn (số nguyên lớn hơn 0).", "en": "Population of the area (a whole number above 0)."},
        "insured": {"vi": "Số người có thẻ BHYT, do bất kỳ cơ quan nào cấp.",
                    "en": "Residents holding a health-insurance card, whoever issued it."},
        "cards_issued": {"vi": "Số người tham gia theo số thẻ do cơ quan BHXH này cấp; để trống thì bằng số người có thẻ.",
                         "en": "Participants counted by cards this office issued; blank means the same as insured."},
        "target_rate": {"vi": "Chỉ tiêu tỷ lệ bao phủ (ví dụ 95,6%).", "en": "Coverage target (e.g. 95.6%)."},
        "plan": {"vi": "Số người tham gia theo kế hoạch được giao.", "en": "Planned number of participants."},
        "expiring": {"vi": "Số thẻ hết hạn trước cuối năm, cần gia hạn.", "en": "Cards expiring before year end, to renew."},
        "revenue": {"vi": "Số thu BHYT, đồng.", "en": "Contributions collected, in VND."},
        "revenue_plan": {"vi": "Kế hoạch thu, đồng.", "en": "Revenue plan, in VND."},
        "group": {"vi": "Nhóm: can thiệp hoặc đối chứng. Để trống: xã của dự án là can thiệp, xã khác là đối chứng.",
                  "en": "Group: intervention or comparison. Blank: project communes are intervention, others comparison."},
    },
    "budget": {
        "line": {"vi": "Hạng mục chi.", "en": "Budget line."},
        "category": {"vi": "Nhóm hạng mục (ví dụ truyền thông, quản lý).", "en": "Category (e.g. communication, management)."},
        "planned": {"vi": "Dự toán, đồng (0 trở lên).", "en": "Planned amount, in VND (0 or more)."},
        "disbursed": {"vi": "Đã giải ngân, đồng (0 trở lên).", "en": "Disbursed amount, in VND (0 or more)."},
        "as_of": {"vi": "Ngày của số liệu giải ngân.", "en": "Date of the disbursement figure."},
    },
}

WORDS = {
    "required": {"vi": "Bắt buộc", "en": "Required"},
    "optional": {"vi": "Không bắt buộc", "en": "Optional"},
    "pick": {"vi": "Chọn trong danh sách", "en": "Pick from the list"},
    "pick_error": {"vi": "Giá trị này không có trong danh sách.", "en": "This value is not in the list."},
    "commune_warning": {"vi": "Không phải xã của dự án: chỉ dùng cho địa bàn đối chứng.",
                        "en": "Not a commune of the project: only for a comparison area."},
    "date_error": {"vi": "Hãy nhập một ngày (ngày/tháng/năm).", "en": "Type a date."},
    "period_warning": {"vi": "Ngày này nằm ngoài thời gian dự án.", "en": "This date is outside the project period."},
    "whole_error": {"vi": "Hãy nhập một số nguyên, từ {min} trở lên.", "en": "Type a whole number, {min} or more."},
    "year_error": {"vi": "Hãy nhập năm sinh 4 chữ số, từ 1900.", "en": "Type a 4-digit year of birth, from 1900."},
    "money_error": {"vi": "Hãy nhập một số tiền (đồng), 0 trở lên.", "en": "Type an amount (VND), 0 or more."},
    "rate_error": {"vi": "Hãy nhập một tỷ lệ từ 0% đến 100%.", "en": "Type a rate from 0% to 100%."},
    "allowed": {"vi": "Giá trị", "en": "Values"},
    # Titles of Excel's error boxes: at most 32 characters (Excel's limit).
    "date_title": {"vi": "Ngày", "en": "Date"},
    "period_title": {"vi": "Ngoài thời gian dự án", "en": "Outside the project period"},
    "number_title": {"vi": "Số", "en": "Number"},
}

README_TEXT = {
    "title": {"vi": "Mẫu nhập liệu dự án BHYT", "en": "BHYT project data-entry template"},
    "intro": {
        "vi": [
            "Sổ tính này là mẫu nhập số liệu của một dự án vận động tham gia BHYT, theo gói dữ liệu của "
            "BHYT outreach evaluation workbook.",
            "1. Nhập số liệu vào các sheet events, services, coverage, budget; mỗi sheet một loại bảng. "
            "Không đổi tên sheet, không đổi dòng tiêu đề (dòng 1).",
            "2. Di chuột vào ô tiêu đề để xem cách nhập cột đó. Cột tô cam là bắt buộc, cột tô xám không bắt buộc "
            "(có thể để trống hoặc xóa cột).",
            "3. Không có số liệu cho một bảng thì để trống sheet đó (chỉ có dòng tiêu đề) hoặc xóa sheet: "
            "bảng đó được coi là không có, các chỉ số của nó không được tính (không phải bằng 0).",
            "4. Lưu tệp với tên data.xlsx trong thư mục của dự án, cạnh tệp project.yml "
            "(data/projects/<mã dự án>/).",
            "5. Kiểm tra: workbook validate <mã dự án>. Mọi lỗi được liệt kê theo dạng tệp:dòng:cột: nội dung.",
        ],
        "en": [
            "This workbook is a data-entry template for a health-insurance (BHYT) outreach project, following "
            "the data package of the BHYT outreach evaluation workbook.",
            "1. Type the records into the sheets events, services, coverage and budget, one kind of table each. "
            "Do not rename the sheets or change the header row (row 1).",
            "2. Hover over a header cell to see how to fill that column. Orange headers are required, grey ones "
            "optional (leave them blank or delete the column).",
            "3. No records for a table? Leave its sheet with the header row only, or delete it: the table is "
            "then absent and its measures are left out (not shown as 0).",
            "4. Save the file as data.xlsx in the project's folder, next to project.yml "
            "(data/projects/<project id>/).",
            "5. Check it: workbook validate <project id>. Every problem is listed as file:row:column: message.",
        ],
    },
    "project": {"vi": "Dự án", "en": "Project"},
    "communes": {"vi": "Các xã của dự án", "en": "Project communes"},
    "period": {"vi": "Thời gian", "en": "Period"},
    "sheet": {"vi": "Sheet", "en": "Sheet"},
    "column": {"vi": "Cột (tiêu đề)", "en": "Column (header)"},
    "name": {"vi": "Tên cột chuẩn", "en": "Contract name"},
    "status": {"vi": "Bắt buộc?", "en": "Required?"},
    "meaning": {"vi": "Cách nhập", "en": "How to fill it"},
}

REQUIRED_FILL = "FFF4B183"  # orange
OPTIONAL_FILL = "FFD9D9D9"  # grey


# --- what each column looks like ------------------------------------------------


def header(column: Column, lang: str) -> str:
    """The header the template writes: the first Vietnamese alias, or the English name.

    >>> from helpers.schema import TABLES
    >>> header(TABLES["events"].column("participants"), "vi"), header(TABLES["events"].column("participants"), "en")
    ('Số người tham dự', 'participants')
    """
    if lang == "vi" and column.aliases:
        return column.aliases[0]
    return column.name


def choices(enum: str, lang: str) -> list[str]:
    """The drop-down values of a closed list: Vietnamese words, or the English values.

    >>> choices("sex", "vi"), choices("sex", "en")
    (['nữ', 'nam'], ['female', 'male'])
    """
    canonical = list(dict.fromkeys(ENUMS[enum].values()))
    if lang == "vi":
        return [VI_CHOICES[enum][value] for value in canonical]
    return canonical


def column_note(table: str, column: Column, lang: str) -> str:
    """The text of a header's note: required or not, what to type, allowed values."""
    status = WORDS["required" if column.required else "optional"][lang]
    text = f"{status}. {COLUMN_NOTES[table][column.name][lang]}"
    if column.kind == "enum":
        text += f"\n{WORDS['allowed'][lang]}: {', '.join(choices(column.name, lang))}"
    if lang == "vi":
        text += f"\n[{column.name}]"
    return text


# --- building the workbook ----------------------------------------------------------


def _project_info(project: Any) -> dict | None:
    """``{id, title, communes, period}`` from a loaded Project or a meta dict."""
    if project is None:
        return None
    meta = project.meta if hasattr(project, "meta") else dict(project)
    return {
        "id": meta.get("id"),
        "title": meta.get("title") or {},
        "communes": list(meta.get("communes") or []),
        "period": meta.get("period") or {},
    }


def _excel_date(value: dt.date) -> str:
    """A date as Excel stores it in a validation rule: the serial day number."""
    return str((value - dt.date(1899, 12, 30)).days)


def _add_column_checks(sheet, table: str, column: Column, letter: str, lang: str, info: dict | None,
                       date_format: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    cells = f"{letter}2:{letter}{LAST_ROW}"
    dimension = sheet.column_dimensions[letter]
    validation: DataValidation | None = None
    if column.kind == "enum":
        values = choices(column.name, lang)
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                    showErrorMessage=True, errorStyle="stop",
                                    errorTitle=WORDS["pick"][lang], error=WORDS["pick_error"][lang])
    elif column.kind == "commune" and info and info["communes"]:
        # Coverage may hold comparison areas outside the project: a warning lets them through.
        comparison_allowed = table == "coverage"
        validation = DataValidation(type="list", formula1=COMMUNES_NAME, allow_blank=True, showErrorMessage=True,
                                    errorStyle="warning" if comparison_allowed else "stop",
                                    errorTitle=WORDS["pick"][lang],
                                    error=WORDS["commune_warning" if comparison_allowed else "pick_error"][lang])
    elif column.kind == "date":
        period = (info or {}).get("period") or {}
        if table in ("events", "services") and {"start", "end"} <= set(period):
            # Outside the period is a warning in the contract: let the person confirm it.
            validation = DataValidation(type="date", operator="between", formula1=_excel_date(period["start"]),
                                        formula2=_excel_date(period["end"]), allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning",
                                        errorTitle=WORDS["period_title"][lang], error=WORDS["period_warning"][lang])
        else:
            validation = DataValidation(type="date", operator="between", formula1=_excel_date(dt.date(1900, 1, 1)),
                                        formula2=_excel_date(dt.date(2100, 12, 31)), allow_blank=True, showErrorMessage=True,
                                        errorStyle="stop", errorTitle=WORDS["date_title"][lang],
                                        error=WORDS["date_error"][lang])
        dimension.number_format = date_format
    elif column.kind == "int" and column.name == "birth_year":
        validation = DataValidation(type="whole", operator="between", formula1="1900", formula2="2100",
                                    allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                    errorTitle=WORDS["number_title"][lang], error=WORDS["year_error"][lang])
        dimension.number_format = "0"
    elif column.kind == "int":
        minimum = int(column.minimum or 0)
        validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(minimum),
                                    allow_blank=True, showErrorMessage=True, errorStyle="stop",
                                    errorTitle=WORDS["number_title"][lang],
                                    error=WORDS["whole_error"][lang].format(min=minimum))
        dimension.number_format = "#,##0"
    elif column.kind == "money":
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                    showErrorMessage=True, errorStyle="stop", errorTitle=WORDS["number_title"][lang],
                                    error=WORDS["money_error"][lang])
        dimension.number_format = "#,##0"
    elif column.kind == "rate":
        validation = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True,
                                    showErrorMessage=True, errorStyle="stop", errorTitle=WORDS["number_title"][lang],
                                    error=WORDS["rate_error"][lang])
        dimension.number_format = "0.00%"
    elif column.kind == "text":
        dimension.number_format = "@"  # codes such as 001 stay text
    if validation is not None:
        validation.add(cells)
        sheet.add_data_validation(validation)


def _table_sheet(workbook, table_name: str, lang: str, info: dict | None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(table_name)
    date_format = "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"
    for index, column in enumerate(TABLES[table_name].columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=header(column, lang))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if column.required else OPTIONAL_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        comment = Comment(column_note(table_name, column, lang), "workbook")
        comment.width, comment.height = 320, 140
        cell.comment = comment
        sheet.column_dimensions[letter].width = max(14, min(40, len(header(column, lang)) + 4))
        _add_column_checks(sheet, table_name, column, letter, lang, info, date_format)
    sheet.freeze_panes = "A2"


def _lists_sheet(workbook, info: dict) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    sheet = workbook.create_sheet(LISTS_SHEET)
    sheet["A1"] = "communes"
    for row, name in enumerate(info["communes"], start=2):
        sheet.cell(row=row, column=1, value=name)
    sheet.sheet_state = "hidden"
    reference = f"{LISTS_SHEET}!$A$2:$A${len(info['communes']) + 1}"
    workbook.defined_names[COMMUNES_NAME] = DefinedName(COMMUNES_NAME, attr_text=reference)


def _readme_sheet(workbook, lang: str, info: dict | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.create_sheet(README_SHEET, 0)
    wrap = Alignment(wrap_text=True, vertical="top")
    rows: list[tuple[list[Any], str]] = [([README_TEXT["title"][lang]], "title")]
    rows += [([line], "text") for line in README_TEXT["intro"][lang]]
    if info:
        title = info["title"].get(lang) or next(iter(info["title"].values()), "")
        period = info["period"]
        rows.append(([], "text"))
        rows.append(([README_TEXT["project"][lang], f"{info['id']}: {title}"], "text"))
        rows.append(([README_TEXT["communes"][lang], ", ".join(info["communes"])], "text"))
        if {"start", "end"} <= set(period):
            shown = "%d/%m/%Y" if lang == "vi" else "%Y-%m-%d"
            rows.append(([README_TEXT["period"][lang],
                          f"{period['start']:{shown}} – {period['end']:{shown}}"], "text"))
    for table_name in TABLE_NAMES:
        rows.append(([], "text"))
        rows.append(([f"{README_TEXT['sheet'][lang]} {table_name}", TABLE_NOTES[table_name][lang]], "section"))
        rows.append(([README_TEXT["column"][lang], README_TEXT["name"][lang], README_TEXT["status"][lang],
                      README_TEXT["meaning"][lang]], "head"))
        for column in TABLES[table_name].columns:
            meaning = COLUMN_NOTES[table_name][column.name][lang]
            if column.kind == "enum":
                meaning += f" {WORDS['allowed'][lang]}: {', '.join(choices(column.name, lang))}."
            rows.append(([header(column, lang), column.name,
                          WORDS["required" if column.required else "optional"][lang], meaning],
                         "required" if column.required else "optional"))
    for number, (values, style) in enumerate(rows, start=1):
        for position, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=position, value=value)
            cell.alignment = wrap if position > 1 or style != "text" else Alignment(vertical="top")
            if style == "title":
                cell.font = Font(bold=True, size=14)
            elif style in ("section", "head"):
                cell.font = Font(bold=True)
            elif style in ("required", "optional") and position == 1:
                cell.fill = PatternFill("solid", fgColor=REQUIRED_FILL if style == "required" else OPTIONAL_FILL)
    for letter, width in zip("ABCD", (26, 22, 16, 90)):
        sheet.column_dimensions[letter].width = width


def build_template(lang: str = "vi", project: Any = None):
    """The template as an ``openpyxl.Workbook`` (not saved).

    Parameters
    ----------
    lang : {"vi", "en"}
        Language of headers, notes, drop-down words and the README.
    project : Project or dict, optional
        A loaded project (or its project.yml as a dict): its communes become a
        drop-down and its period bounds the dates of events and services.
    """
    from openpyxl import Workbook

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    info = _project_info(project)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table_name in TABLE_NAMES:
        _table_sheet(workbook, table_name, lang, info)
    if info and info["communes"]:
        _lists_sheet(workbook, info)
    _readme_sheet(workbook, lang, info)
    workbook.active = 0
    return workbook


def write_template(path: str | Path, lang: str = "vi", project: Any = None) -> Path:
    """Write the template to ``path`` (through a temporary file, so a failure
    never leaves half a workbook). Returns the path.

    >>> write_template("template.xlsx", lang="en")          # doctest: +SKIP
    PosixPath('template.xlsx')
    """
    path = Path(path)
    workbook = build_template(lang, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --- the command ------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("output", type=Path, help="the .xlsx file to write (e.g. data.xlsx)")
    parser.add_argument("--lang", choices=LANGS, default="vi", help="language of headers and notes (default: vi)")
    parser.add_argument("--project", default=None,
                        help="project id or package folder: its communes become a drop-down, its period bounds dates")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder of project packages (default: data/projects)")
    parser.add_argument("--force", action="store_true", help="overwrite the output file if it exists")


def run(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.suffix.lower() != ".xlsx":
        print(f"workbook template: {output} must end in .xlsx", file=sys.stderr)
        return 2
    if output.exists() and not args.force:
        print(f"workbook template: {output} exists; use --force to overwrite it", file=sys.stderr)
        return 1
    project = None
    if args.project:
        project = _project_meta(args.project, args.data_dir)
    write_template(output, lang=args.lang, project=project)
    what = f" for {project['id']} ({len(project['communes'])} communes)" if project else ""
    print(f"wrote {output}{what}: sheets {', '.join(TABLE_NAMES)} and {README_SHEET}")
    print("Fill it, save it as data.xlsx next to project.yml, then run: workbook validate <project id>")
    return 0


def _project_meta(project: str, data_dir: Path | None) -> dict:
    """project.yml of a package, checked (the tables need not be valid yet)."""
    from .errors import ValidationFailed
    from .load import Problems, resolve
    from .validate import read_metadata

    folder = resolve(project, data_dir)
    problems = Problems()
    meta = read_metadata(folder, problems)
    errors = [p for p in problems if p.is_error]
    if meta is None or errors:
        raise ValidationFailed(list(problems), source=str(folder / "project.yml"))
    return meta
