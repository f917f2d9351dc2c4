"""The data-package contract as data: tables, columns, header aliases, enums,
and the keys of project.yml.

This module holds no logic beyond small lookups; :mod:`helpers.load` reads
files against it and :mod:`helpers.validate` applies its rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .values import fold_key

TABLE_NAMES = ("events", "services", "coverage", "budget")
FILE_EXTENSIONS = ("csv", "xlsx", "parquet")

ACTIVITIES = {
    "communication": "communication", "truyền thông": "communication", "tuyên truyền": "communication",
    "training": "training", "tập huấn": "training", "đào tạo": "training",
    "counselling": "counselling", "counseling": "counselling", "tư vấn": "counselling",
    "health_check": "health_check", "health check": "health_check", "khám sức khỏe": "health_check",
    "khám bệnh": "health_check",
    "campaign": "campaign", "chiến dịch": "campaign", "phát động": "campaign",
    "broadcast": "broadcast", "phát thanh": "broadcast", "truyền thanh": "broadcast",
    "meeting": "meeting", "họp": "meeting", "hội nghị": "meeting",
    "other": "other", "khác": "other",
}
SERVICES = {
    "counselling": "counselling", "counseling": "counselling", "tư vấn": "counselling",
    "legal_aid": "legal_aid", "legal aid": "legal_aid", "trợ giúp pháp lý": "legal_aid",
    "health_check": "health_check", "health check": "health_check", "khám sức khỏe": "health_check",
    "khám bệnh": "health_check",
    "enrollment": "enrollment", "enrolment": "enrollment", "tham gia mới": "enrollment",
    "cấp thẻ mới": "enrollment",
    "renewal": "renewal", "gia hạn": "renewal", "tham gia nối tiếp": "renewal",
}
SEXES = {"female": "female", "nữ": "female", "f": "female", "male": "male", "nam": "male", "m": "male"}
HOUSEHOLDS = {
    "poor": "poor", "hộ nghèo": "poor", "nghèo": "poor",
    "near_poor": "near_poor", "near-poor": "near_poor", "near poor": "near_poor",
    "hộ cận nghèo": "near_poor", "cận nghèo": "near_poor",
    "other": "other", "khác": "other", "hộ khác": "other",
}
GROUPS = {
    "intervention": "intervention", "can thiệp": "intervention", "dự án": "intervention",
    "comparison": "comparison", "đối chứng": "comparison", "so sánh": "comparison",
}
ENUMS = {"activity": ACTIVITIES, "service": SERVICES, "sex": SEXES, "household": HOUSEHOLDS, "group": GROUPS}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, commune, int, money, rate, enum
    required: bool = True  # the column must be present and its cells filled
    minimum: float | None = None
    unique: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    unique_together: tuple[str, ...] = ()
    extra_aliases: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column
TABLES: dict[str, Table] = {
    "events": Table("events", (
        C("event_id", "text", unique=True, aliases=("Mã hoạt động", "Mã sự kiện")),
        C("date", "date", aliases=("Ngày", "Ngày tổ chức")),
        C("commune", "commune", aliases=("Xã", "Phường", "Xã/Phường", "Xã, phường", "Địa bàn")),
        C("activity", "enum", aliases=("Loại hoạt động",)),
        C("title", "text", required=False, aliases=("Tên hoạt động", "Nội dung")),
        C("participants", "int", minimum=0, aliases=("Số người tham dự", "Số người tham gia")),
        C("female", "int", required=False, minimum=0, aliases=("Nữ", "Số nữ")),
        C("ethnic_minority", "int", required=False, minimum=0, aliases=("Dân tộc thiểu số", "Số người DTTS", "DTTS")),
        C("cost", "money", required=False, minimum=0, aliases=("Kinh phí", "Chi phí")),
    )),
    "services": Table("services", (
        C("person_id", "text", aliases=("Mã người", "Mã đối tượng")),
        C("date", "date", aliases=("Ngày",)),
        C("commune", "commune", aliases=("Xã", "Phường", "Xã/Phường", "Xã, phường", "Địa bàn")),
        C("service", "enum", aliases=("Dịch vụ", "Loại dịch vụ")),
        C("sex", "enum", required=False, aliases=("Giới tính", "Giới")),
        C("birth_year", "int", required=False, aliases=("Năm sinh",)),
        C("ethnicity", "text", required=False, aliases=("Dân tộc",)),
        C("household", "enum", required=False, aliases=("Hộ", "Loại hộ")),
        C("event_id", "text", required=False, aliases=("Mã hoạt động", "Mã sự kiện")),
    )),
    "coverage": Table("coverage", (
        C("as_of", "date", aliases=("Ngày số liệu", "Ngày", "Tính đến ngày")),
        C("commune", "commune", aliases=("Xã", "Phường", "Xã/Phường", "Xã, phường", "Địa bàn", "Huyện")),
        C("population", "int", minimum=1, aliases=("Dân số",)),
        C("insured", "int", minimum=0, aliases=("Số người có thẻ BHYT", "Số người tham gia BHYT")),
        C("cards_issued", "int", required=False, minimum=0, aliases=("Số thẻ", "Số thẻ cấp")),
        C("target_rate", "rate", required=False, minimum=0, aliases=("Chỉ tiêu", "Tỷ lệ chỉ tiêu")),
        C("plan", "int", required=False, minimum=0, aliases=("Kế hoạch",)),
        C("expiring", "int", required=False, minimum=0, aliases=("Thẻ hết hạn",)),
        C("revenue", "money", required=False, minimum=0, aliases=("Số thu",)),
        C("revenue_plan", "money", required=False, minimum=0, aliases=("Kế hoạch thu",)),
        C("group", "enum", required=False, aliases=("Nhóm",)),
    ), unique_together=("as_of", "commune")),
    "budget": Table("budget", (
        C("line", "text", aliases=("Hạng mục", "Nội dung")),
        C("category", "text", required=False, aliases=("Loại", "Nhóm")),
        C("planned", "money", minimum=0, aliases=("Dự toán", "Kế hoạch")),
        C("disbursed", "money", minimum=0, aliases=("Giải ngân", "Đã giải ngân")),
        C("as_of", "date", required=False, aliases=("Ngày", "Ngày số liệu")),
    )),
}


def header_lookup(table: Table) -> dict[str, str]:
    """``{folded header: column name}`` for a table: English names and aliases."""
    lookup: dict[str, str] = {}
    for column in table.columns:
        for spelling in (column.name, *column.aliases):
            lookup.setdefault(fold_key(spelling), column.name)
    return lookup


# --- project.yml -----------------------------------------------------------

PROJECT_KEYS = {
    # key: (required, kind)
    "id": (True, "slug"),
    "title": (True, "text_i18n"),
    "donor": (False, "text"),
    "implementer": (False, "text"),
    "province": (False, "text"),
    "district": (False, "text"),
    "communes": (True, "text_list"),
    "period": (True, "period"),
    "budget": (False, "money"),
    "currency": (False, "text"),
    "sources": (False, "sources"),
    "targets": (False, "measure_map"),
    "baselines": (False, "measure_map"),
    "reported": (False, "measure_map"),
    "iati": (False, "mapping"),
    "extra": (False, "mapping"),
}
SOURCE_KEYS = {"title", "date", "file", "url", "publisher", "note", "synthesized", "tables", "generator"}
LANGUAGES = ("vi", "en")
