"""Numbers, money, percentages and dates as a reader of each language expects them.

Every formatter takes ``lang`` (``"vi"`` or ``"en"``) and goes through babel
with the locale ``vi_VN`` or ``en_US``: Vietnamese groups thousands with ``.``
and writes decimals with ``,`` (``1.741.540``, ``92,38%``); English the other
way round (``1,741,540``, ``92.38%``). Rounding is half-up on the decimal value
(as publications round: 12.5 % → 13 %), not on the binary float.

A missing value (``None``, NaN, ``pd.NA``) is written :data:`MISSING`, so a
report never shows ``None`` or ``nan``.

Money is written with the ISO code after the amount in both languages
(``1.700.000.000 VND`` / ``1,700,000,000 VND``): unambiguous for donors, and
printable in any font. Number and unit are joined by a no-break space.

>>> number(1741540, "vi"), number(1741540, "en")
('1.741.540', '1,741,540')
>>> percent(0.9238, "vi"), percent(0.9238, "en")
('92,38%', '92.38%')
>>> money(1_700_000_000, "en")
'1,700,000,000\\xa0VND'
>>> date("2021-03-15", "vi"), date("2021-03-15", "en")
('15/03/2021', '15 Mar 2021')
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_precision

LANGS = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_US"}
#: What a missing value is shown as.
MISSING = "—"
NBSP = "\u00a0"
MINUS = "\u2212"  # a true minus sign: "−5.3", not "-5.3"

#: Words for large amounts in :func:`money` with ``compact=True``.
_SCALES = {
    "vi": ((10**9, "tỷ"), (10**6, "triệu")),
    "en": ((10**9, "billion"), (10**6, "million")),
}
_POINTS = {"vi": ("điểm phần trăm", "điểm %"), "en": ("percentage points", "points")}


def locale(lang: str) -> str:
    """The babel locale of a report language.

    >>> locale("vi")
    'vi_VN'
    """
    try:
        return LOCALES[lang]
    except KeyError:
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}") from None


def is_missing(x: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and ``NaT``.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if x is None:
        return True
    try:
        import pandas as pd

        result = pd.isna(x)
    except (TypeError, ValueError):
        return False
    return bool(result) if isinstance(result, (bool, int)) or hasattr(result, "__bool__") and not hasattr(result, "__len__") else False


def _decimal(x: Any, digits: int) -> Decimal:
    """x rounded half-up to ``digits`` decimals, on its decimal value."""
    value = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _pattern(digits: int, *, optional: bool = False) -> str:
    if digits <= 0:
        return "#,##0"
    return "#,##0." + ("#" if optional else "0") * digits


def decimal(x: Any, lang: str, digits: int = 2, *, sign: bool = False, trim: bool = False) -> str:
    """A number with ``digits`` decimals.

    Parameters
    ----------
    x : number or None
    lang : {"vi", "en"}
    digits : int, default 2
    sign : bool, default False
        Write ``+`` before positive numbers (a change); negatives always get ``−``.
    trim : bool, default False
        Drop trailing zeros (``1,5`` rather than ``1,50``).

    Examples
    --------
    >>> decimal(1234.5, "vi"), decimal(1234.5, "en", 1), decimal(-0.25, "en", 1, sign=True)
    ('1.234,50', '1,234.5', '−0.3')
    """
    loc = locale(lang)
    if is_missing(x):
        return MISSING
    rounded = _decimal(x, digits)
    text = format_decimal(abs(rounded), format=_pattern(digits, optional=trim), locale=loc,
                          decimal_quantization=True)
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if sign and rounded > 0 else text


def number(x: Any, lang: str, digits: int = 0) -> str:
    """A number with the language's thousands separator (whole unless ``digits``).

    >>> number(277518, "vi"), number(277518, "en"), number(None, "en"), number(2.5, "vi", 1)
    ('277.518', '277,518', '—', '2,5')
    """
    return decimal(x, lang, digits)


def check_lang(lang: str) -> str:
    """``lang`` itself if it is ``"vi"`` or ``"en"``; otherwise a ValueError.

    >>> check_lang("en")
    'en'
    """
    locale(lang)
    return lang


def currency_unit(lang: str, currency: str = "VND") -> str:
    """The unit written after amounts of money: the ISO code, in both languages.

    >>> currency_unit("vi"), currency_unit("en", "usd")
    ('VND', 'USD')
    """
    check_lang(lang)
    return (currency or "VND").upper()


def percent(x: Any, lang: str, digits: int = 2) -> str:
    """A fraction as a percentage: 0.9238 → ``92,38%`` (vi) / ``92.38%`` (en).

    >>> percent(0.65, "en", 0), percent(1.001, "vi", 1), percent(0.0284, "en")
    ('65%', '100,1%', '2.84%')
    """
    if is_missing(x):
        locale(lang)
        return MISSING
    return decimal(Decimal(repr(float(x))) * 100, lang, digits) + "%"


def points(x: Any, lang: str, digits: int = 1, *, unit: bool = True, short: bool = False) -> str:
    """A change in a rate, in percentage points, signed: 0.053 → ``+5.3 percentage points``.

    Parameters
    ----------
    x : float
        The change as a fraction (0.05 = 5 points), as the measures give it.
    unit : bool, default True
        Add the unit (``percentage points`` / ``điểm phần trăm``).
    short : bool, default False
        Short unit (``points`` / ``điểm %``), for tables.

    >>> points(0.053, "en"), points(-0.0105, "vi", short=True), points(0.0, "en", unit=False)
    ('+5.3\\xa0percentage points', '−1,1\\xa0điểm %', '0.0')
    """
    if is_missing(x):
        locale(lang)
        return MISSING
    text = decimal(Decimal(repr(float(x))) * 100, lang, digits, sign=True)
    if not unit:
        return text
    return f"{text}{NBSP}{_POINTS[lang][1 if short else 0]}"


def money(x: Any, lang: str, currency: str = "VND", *, compact: bool = False) -> str:
    """An amount of money with its ISO currency code after it.

    Parameters
    ----------
    x : number or None
    lang : {"vi", "en"}
    currency : str, default "VND"
        ISO 4217 code; decimals follow the currency (VND has none, USD two).
    compact : bool, default False
        Write billions and millions in words, to three significant decimals
        (``17,25 tỷ VND`` / ``17.25 billion VND``), for headline figures.

    Examples
    --------
    >>> money(1_700_000_000, "vi")
    '1.700.000.000\\xa0VND'
    >>> money(17_246_000_000, "en", compact=True), money(492_100_000, "vi", compact=True)
    ('17.25\\xa0billion\\xa0VND', '492,1\\xa0triệu\\xa0VND')
    """
    loc = locale(lang)
    if is_missing(x):
        return MISSING
    code = (currency or "VND").upper()
    if compact:
        for scale, word in _SCALES[lang]:
            if abs(float(x)) >= scale:
                scaled = Decimal(repr(float(x))) / scale
                digits = 2 if abs(scaled) < 100 else 1
                return f"{decimal(scaled, lang, digits, trim=True)}{NBSP}{word}{NBSP}{code}"
    digits = get_currency_precision(code) if code != "VND" else 0
    del loc
    return f"{decimal(x, lang, digits)}{NBSP}{code}"


def _as_date(d: Any) -> dt.date | None:
    if is_missing(d):
        return None
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    if hasattr(d, "to_pydatetime"):
        return d.to_pydatetime().date()
    return dt.date.fromisoformat(str(d)[:10])


def date(d: Any, lang: str) -> str:
    """A date: ``15/03/2021`` (vi), ``15 Mar 2021`` (en).

    Accepts ``datetime.date``, ``datetime``, ``pandas.Timestamp`` or ISO text.

    >>> date(dt.date(2024, 6, 1), "vi"), date(dt.date(2024, 6, 1), "en")
    ('01/06/2024', '1 Jun 2024')
    """
    loc = locale(lang)
    value = _as_date(d)
    if value is None:
        return MISSING
    return format_date(value, "dd/MM/yyyy" if lang == "vi" else "d MMM yyyy", locale=loc)


def month(d: Any, lang: str) -> str:
    """A month, for chart axes: ``03/2021`` (vi), ``Mar 2021`` (en).

    >>> month("2021-03-15", "vi"), month("2021-03-15", "en")
    ('03/2021', 'Mar 2021')
    """
    loc = locale(lang)
    value = _as_date(d)
    if value is None:
        return MISSING
    return format_date(value, "MM/yyyy" if lang == "vi" else "MMM yyyy", locale=loc)


def period(start: Any, end: Any, lang: str) -> str:
    """A date range with an en dash: ``01/09/2020–31/08/2021``.

    >>> period("2020-09-01", "2021-08-31", "en")
    '1 Sep 2020–31 Aug 2021'
    """
    return f"{date(start, lang)}–{date(end, lang)}"


def value(x: Any, kind: str, lang: str, *, currency: str = "VND", digits: int | None = None) -> str:
    """A measure's value by its kind (see ``helpers.measures.Measure.kind``).

    ``count`` → whole number; ``share``/``rate`` → percent (2 decimals unless
    ``digits``); ``money`` → money; ``change`` → signed percentage points.

    >>> value(0.9238, "rate", "en"), value(8948, "count", "vi"), value(0.042, "change", "en")
    ('92.38%', '8.948', '+4.2\\xa0percentage points')
    """
    if kind == "count":
        if not is_missing(x) and not float(x).is_integer():
            return decimal(x, lang, 2 if digits is None else digits, trim=True)
        return number(x, lang)
    if kind in ("share", "rate"):
        return percent(x, lang, 2 if digits is None else digits)
    if kind == "money":
        return money(x, lang, currency)
    if kind == "change":
        return points(x, lang, 1 if digits is None else digits)
    raise ValueError(f"unknown kind {kind!r}: expected count, share, rate, money or change")


def published(x: Any, kind: str, lang: str, *, currency: str = "VND") -> str:
    """A published figure at the precision it was published with:
    0.65 → ``65%``, 0.9913 → ``99.13%``, 1.001 → ``100.1%``.

    >>> published(0.65, "share", "en"), published(1.001, "rate", "vi"), published(1741540, "count", "en")
    ('65%', '100,1%', '1,741,540')
    """
    if is_missing(x):
        locale(lang)
        return MISSING
    places = _published_decimals(x)
    if kind in ("share", "rate"):
        return percent(x, lang, max(0, places - 2))
    if kind == "change":
        return points(x, lang, max(1, places - 2))
    return value(x, kind, lang, currency=currency)


def _published_decimals(x: Any) -> int:
    exponent = Decimal(repr(float(x)) if not isinstance(x, int) else str(x)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def is_finite(x: Any) -> bool:
    """True for a number that is neither missing nor infinite.

    >>> is_finite(1.5), is_finite(None), is_finite(float("inf"))
    (True, False, False)
    """
    return not is_missing(x) and math.isfinite(float(x))
