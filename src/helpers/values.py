"""Values as Vietnamese offices type them: text, dates, numbers, money, rates.

Every parser works on one cell and returns ``Parsed(value, error, warning)``;
:func:`parse_series` applies a cell parser to a whole column by parsing each
*distinct* cell once (columns of dates, communes and enums repeat a lot), so a
two-million-row table costs as many parses as it has distinct values.

The accepted forms are those of the data-package contract (docs/data-package.md):

>>> parse_money("1,7 tỷ").value
1700000000.0
>>> parse_integer("1.741.540").value
1741540
>>> parse_rate("95,6%").value
0.956
>>> parse_date("15/03/2021").value
datetime.date(2021, 3, 15)
>>> commune_key("xã Hải Hoà") == commune_key("HẢI HÒA")
True
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, NamedTuple

import numpy as np
import pandas as pd


class Parsed(NamedTuple):
    value: Any = None
    error: str | None = None
    warning: str | None = None


EMPTY = Parsed()

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT, pd.NA and strings of only white space."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def clean_text(value: Any) -> str | None:
    """Trim, fold runs of white space to one space, and normalize to NFC.

    >>> clean_text("  Th\u01b0\u0301a  ") == "Thứa"
    True
    """
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an Excel cell "123" read as 123.0
    text = _SPACES.sub(" ", str(value)).strip()
    return unicodedata.normalize("NFC", text)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics (and đ → d): for loose matching only."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold_key(text: str) -> str:
    """Key for matching headers and enum words: no case, diacritics or spacing.

    >>> fold_key("Số người có thẻ BHYT") == fold_key("so nguoi co the bhyt")
    True
    """
    return re.sub(r"[^0-9a-z]", "", strip_diacritics(text).casefold())


# --- communes -------------------------------------------------------------

_COMMUNE_PREFIXES = sorted(
    ["xã", "phường", "thị trấn", "tt", "tt.", "huyện", "thị xã", "thành phố", "tp", "tp."],
    key=len,
    reverse=True,
)


def _canonical_tones(text: str) -> str:
    """Move each syllable's tone mark to its end, so old (hoà, thuỷ) and new
    (hòa, thủy) tone placement give the same string."""
    syllables = []
    for syllable in unicodedata.normalize("NFD", text).split(" "):
        tones = "".join(ch for ch in syllable if ch in _TONE_MARKS)
        letters = "".join(ch for ch in syllable if ch not in _TONE_MARKS)
        syllables.append(letters + tones)
    return " ".join(syllables)


def strip_commune_prefix(name: str) -> str:
    """Drop a leading administrative word: ``xã``, ``phường``, ``thị trấn``, ``TT``
    (and, for district-level areas, ``huyện``, ``thị xã``, ``thành phố``, ``TP``)."""
    low = name.casefold()
    for prefix in _COMMUNE_PREFIXES:
        if low.startswith(prefix + " ") and len(low) > len(prefix) + 1:
            return name[len(prefix) + 1 :].strip()
        if prefix.endswith(".") and low.startswith(prefix) and len(low) > len(prefix):
            return name[len(prefix) :].strip()
    return name


def commune_key(name: Any) -> str | None:
    """The key two spellings of one commune share.

    NFC, case-folded, without a leading ``xã``/``phường``/``thị trấn``/``TT``,
    and with tone marks in one canonical place (``Hoà`` = ``Hòa``).

    >>> commune_key("TT. Thịnh Long") == commune_key("Thịnh Long")
    True
    >>> commune_key("Thanh Hoá") == commune_key("thanh hóa")
    True
    """
    text = clean_text(name)
    if text is None:
        return None
    text = strip_commune_prefix(text).casefold()
    return _canonical_tones(text)


def closest(name: str, candidates: list[str]) -> str | None:
    """The candidate most like ``name`` (ignoring diacritics and prefixes), if any is close."""
    import difflib

    def loose(s: str) -> str:
        return strip_diacritics(strip_commune_prefix(s)).casefold()

    by_loose = {loose(c): c for c in candidates}
    match = difflib.get_close_matches(loose(name), list(by_loose), n=1, cutoff=0.5)
    return by_loose[match[0]] if match else None


# --- dates ----------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
#: Dates outside this range are typing errors (and outside what pandas can hold).
FIRST_DATE, LAST_DATE = _dt.date(1900, 1, 1), _dt.date(2199, 12, 31)
#: Whole numbers beyond this do not fit a 64-bit count; amounts beyond this are typing errors.
MAX_INTEGER = 2**63 - 1
MAX_AMOUNT = Decimal(10) ** 18


def parse_date(value: Any, *, excel_serials: bool = False) -> Parsed:
    """A date: ISO ``2021-03-15``, day-first ``15/03/2021`` / ``15-03-2021``,
    or an Excel date cell. Never month-first.

    >>> parse_date("2021-03-15").value
    datetime.date(2021, 3, 15)
    >>> parse_date("03/15/2021").error
    "'03/15/2021' is not a date: dates are day-first (dd/mm/yyyy) and there is no month 15"
    """
    if is_blank(value):
        return EMPTY
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)) and not (
            FIRST_DATE <= (value.date() if isinstance(value, _dt.datetime) else value) <= LAST_DATE):
        return Parsed(error=f"'{value}' is not a plausible date (year {value.year}): check the year")
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        if (value.hour, value.minute, value.second) != (0, 0, 0):
            return Parsed(value.date(), warning=f"'{value}' has a time of day; only the date is kept")
        return Parsed(value.date())
    if isinstance(value, _dt.date):
        return Parsed(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if excel_serials and float(value).is_integer() and 1 <= value <= 2958465:
            serial = _EXCEL_EPOCH + _dt.timedelta(days=int(value))
            if FIRST_DATE <= serial <= LAST_DATE:
                return Parsed(serial)
        return Parsed(error=f"'{value}' is not a date: write it as dd/mm/yyyy or yyyy-mm-dd")
    text = clean_text(value)
    if m := _ISO.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DAY_FIRST.match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        return Parsed(error=f"'{text}' is not a date: write it as dd/mm/yyyy or yyyy-mm-dd")
    try:
        parsed = _dt.date(year, month, day)
    except ValueError:
        parsed = None
    if parsed is not None:
        if not FIRST_DATE <= parsed <= LAST_DATE:
            return Parsed(error=f"'{text}' is not a plausible date (year {year}): check the year")
        return Parsed(parsed)
    else:
        if month > 12:
            return Parsed(
                error=f"'{text}' is not a date: dates are day-first (dd/mm/yyyy) and there is no month {month}"
            )
        return Parsed(error=f"'{text}' is not a date: day {day} does not exist in {month:02d}/{year}")


# --- numbers --------------------------------------------------------------

_UNITS = {"tỷ": Decimal(10) ** 9, "tỉ": Decimal(10) ** 9, "triệu": Decimal(10) ** 6,
          "nghìn": Decimal(10) ** 3, "ngàn": Decimal(10) ** 3}
_CURRENCY = re.compile(r"(vnđ|vnd|đồng|đ)\.?$")
_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,]*$")


def _to_decimal(text: str, *, single_separator: str) -> Decimal | None:
    """Digits with Vietnamese or English grouping to a Decimal.

    ``single_separator`` says how to read one lone ``.`` or ``,``: ``"decimal"``;
    ``"group3"`` (a thousands separator when exactly three digits follow); or
    ``"vietnamese"`` (``.`` + three digits groups thousands, otherwise decimal:
    ``1.500 triệu`` = 1,500 million, ``17,246 tỷ`` = 17.246 billion).
    """
    if not _NUMBER.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        if text.count(decimal_sep) != 1:
            return None
        whole, frac = text.split(decimal_sep)
        groups = whole.split(group_sep)
    elif dots + commas == 0:
        whole, frac, groups = text, "", [text]
    else:
        sep = "." if dots else ","
        parts = text.split(sep)
        if len(parts) > 2:  # 1.741.540: grouping
            whole, frac, groups = text.replace(sep, ""), "", parts
        elif len(parts[1]) == 3 and (single_separator == "group3" or (single_separator == "vietnamese" and sep == ".")):
            whole, frac, groups = text.replace(sep, ""), "", parts
        else:
            whole, frac, groups = parts[0], parts[1], [parts[0]]
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    digits = "".join(groups) if len(groups) > 1 else whole
    if not digits.isdigit() or (frac and not frac.isdigit()):
        return None
    try:
        return sign * Decimal(digits + ("." + frac if frac else ""))
    except InvalidOperation:
        return None


def _split_words(value: Any) -> tuple[str, Decimal, bool]:
    """Lower-cased number text without spaces, its unit multiplier and percent flag."""
    text = clean_text(value).casefold()
    percent = text.endswith("%")
    text = text.rstrip("%").strip()
    text = _CURRENCY.sub("", text).strip()
    multiplier = Decimal(1)
    for word, factor in _UNITS.items():
        if text.endswith(word):
            multiplier, text = factor, text[: -len(word)].strip()
            break
    text = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    return text, multiplier, percent


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(repr(float(value))) if math.isfinite(value) else None
    return None


def parse_integer(value: Any) -> Parsed:
    """A whole number: ``1741540``, ``1.741.540``, ``1,741,540``, ``1 741 540``.

    >>> parse_integer("1 741 540").value
    1741540
    >>> parse_integer("12,5").error
    "'12,5' is not a whole number"
    """
    if is_blank(value):
        return EMPTY
    number = _as_number(value)
    shown = clean_text(value)
    if number is None and not isinstance(value, (int, float, np.number)):
        text, multiplier, percent = _split_words(value)
        if not percent:
            number = _to_decimal(text, single_separator="group3")
            if number is not None:
                number *= multiplier
    if number is None or number != number.to_integral_value():
        return Parsed(error=f"'{shown}' is not a whole number")
    if abs(number) > MAX_INTEGER:
        return Parsed(error=f"'{shown}' is too large to be a count")
    return Parsed(int(number))


def parse_money(value: Any) -> Parsed:
    """An amount: grouped digits, optional ``đ``/``VNĐ``/``VND``, and ``triệu`` (10^6)
    or ``tỷ`` (10^9). Before ``triệu``/``tỷ`` a lone ``,`` is the decimal mark and a
    lone ``.`` followed by three digits groups thousands (``1.500 triệu``).

    >>> parse_money("1.700.000.000 VNĐ").value
    1700000000.0
    >>> parse_money("492,1 triệu đồng").value
    492100000.0
    """
    if is_blank(value):
        return EMPTY
    number = _as_number(value)
    shown = clean_text(value)
    if number is None and not isinstance(value, (int, float, np.number)):
        text, multiplier, percent = _split_words(value)
        if not percent:
            rule = "vietnamese" if multiplier != 1 else "group3"
            number = _to_decimal(text, single_separator=rule)
            if number is not None:
                number *= multiplier
    if number is None:
        return Parsed(error=f"'{shown}' is not an amount of money (e.g. 1.700.000.000 or 1,7 tỷ)")
    if abs(number) > MAX_AMOUNT:
        return Parsed(error=f"'{shown}' is too large to be an amount of money")
    return Parsed(float(number))


def parse_rate(value: Any) -> Parsed:
    """A rate: a fraction ``0.956`` or a percent ``95,6%`` / ``95.6%``.

    A bare number above 1 is read as a percent, with a warning.

    >>> parse_rate("95.6%").value
    0.956
    >>> parse_rate("95.6").warning
    "'95.6' is above 1, read as a percent (95.6% = 0.956); write 95.6% or 0.956 to be explicit"
    """
    if is_blank(value):
        return EMPTY
    number = _as_number(value)
    shown = clean_text(value)
    percent = False
    if number is None and not isinstance(value, (int, float, np.number)):
        text, multiplier, percent = _split_words(value)
        if multiplier == 1:
            number = _to_decimal(text, single_separator="decimal")
    if number is None or abs(number) > MAX_AMOUNT:
        return Parsed(error=f"'{shown}' is not a rate: write a percent (95,6%) or a fraction (0.956)")
    if percent:
        return Parsed(float(number / 100))
    if number > 1:
        fraction = float(number / 100)
        return Parsed(
            fraction,
            warning=f"'{shown}' is above 1, read as a percent ({shown}% = {fraction:g}); "
            f"write {shown}% or {fraction:g} to be explicit",
        )
    return Parsed(float(number))


def parse_decimal(value: Any) -> Parsed:
    """A plain number, a lone ``.`` or ``,`` being the decimal mark: ``1.001``, ``1,001``.

    >>> parse_decimal("1,001").value
    1.001
    """
    if is_blank(value):
        return EMPTY
    number = _as_number(value)
    if number is None and isinstance(value, str):
        text, multiplier, percent = _split_words(value)
        if multiplier == 1 and not percent:
            number = _to_decimal(text, single_separator="decimal")
    if number is None or abs(number) > MAX_AMOUNT:
        return Parsed(error=f"'{clean_text(value)}' is not a number")
    return Parsed(float(number))


def enum_parser(canonical: dict[str, str]) -> Callable[[Any], Parsed]:
    """A parser for a closed list of values, given ``{spelling: value}``.

    Spellings match ignoring case, spacing and diacritics.
    """
    lookup = {fold_key(spelling): value for spelling, value in canonical.items()}
    allowed = ", ".join(dict.fromkeys(canonical.values()))

    def parse(value: Any) -> Parsed:
        if is_blank(value):
            return EMPTY
        text = clean_text(value)
        found = lookup.get(fold_key(text))
        if found is None:
            return Parsed(error=f"'{text}' is not an allowed value (allowed: {allowed})")
        return Parsed(found)

    return parse


# --- whole columns ----------------------------------------------------------


class ParsedColumn(NamedTuple):
    values: pd.Series
    errors: pd.Series  # message where the cell is wrong, else None; same index
    warnings: pd.Series


def parse_series(series: pd.Series, parser: Callable[[Any], Parsed], dtype: str | None = None) -> ParsedColumn:
    """Apply a cell parser to every cell, parsing each distinct cell once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = [parser(u) for u in uniques]
    values = np.empty(len(results) + 1, dtype=object)
    errors = np.empty(len(results) + 1, dtype=object)
    warnings = np.empty(len(results) + 1, dtype=object)
    for i, r in enumerate(results):
        values[i], errors[i], warnings[i] = r.value, r.error, r.warning
    values[-1] = errors[-1] = warnings[-1] = None  # code -1: a blank cell
    out = pd.Series(values[codes], index=series.index, name=series.name)
    if dtype is not None:
        out = _typed(out, dtype)
    return ParsedColumn(
        out,
        pd.Series(errors[codes], index=series.index, dtype=object),
        pd.Series(warnings[codes], index=series.index, dtype=object),
    )


def clean_text_series(series: pd.Series) -> pd.Series:
    """:func:`clean_text` for a whole column, as pandas' ``str`` dtype.

    Distinct cells are cleaned once; when they are all strings, pyarrow's
    compute kernels trim, fold white space and NFC-normalize them in C.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) and all(isinstance(u, str) for u in uniques[: min(len(uniques), 1000)]) and (
        pd.api.types.is_string_dtype(uniques) or all(isinstance(u, str) for u in uniques)
    ):
        cleaned = pa.array(np.asarray(uniques, dtype=object), type=pa.string())
        cleaned = pc.replace_substring_regex(cleaned, r"[\s\x{00a0}\x{202f}]+", " ")
        cleaned = pc.utf8_normalize(pc.utf8_trim_whitespace(cleaned), "NFC")
        cleaned = pc.if_else(pc.equal(cleaned, ""), pa.scalar(None, pa.string()), cleaned)
    else:
        cleaned = pa.array([clean_text(u) for u in uniques], type=pa.string())
    taken = cleaned.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype="str"), index=series.index, name=series.name)


def _typed(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "date":
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")
    if dtype == "int":
        return pd.Series(pd.array(values.tolist(), dtype="Int64"), index=values.index, name=values.name)
    if dtype == "float":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if dtype == "str":
        return values.astype("string")
    return values
