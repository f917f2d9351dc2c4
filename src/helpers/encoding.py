"""Text in a legacy Vietnamese encoding: recognise it and say what to do.

Before Unicode, Vietnamese offices typed in 8-bit encodings, and many of their
spreadsheets still carry them:

* **TCVN3 (ABC)**, TCVN 5712:1993 "VN3", is an 8-bit *font* encoding: text is
  typed in fonts such as .VnTime or .VnArial, which draw Vietnamese letters at
  the code points of Latin-1 characters. Byte 0xB8 is drawn as "á" by .VnTime
  and as "¸" by every Unicode font, so "Thắng" arrives as "Th¾ng". The
  lower-case fonts have no toned capitals: capitals are typed with the
  ".VnTimeH" fonts, which draw the *same* bytes as capitals, so the case of a
  letter cannot be recovered from the bytes.
* **VNI-Windows** is another font encoding (VNI-Times, ...): a letter is a base
  letter followed by a second character for its marks, "Vieät" for "Việt".
* **Windows-1258** (cp1258) is a real code page: base letters (â ă ê ô ơ ư đ)
  plus combining tone marks. Python has a codec for it, and decoding is lossless.

:func:`detect_bytes` looks at a CSV file that is not UTF-8; :func:`detect_text`
at text that *is* Unicode (a cell of an .xlsx, a UTF-8 CSV) but was typed in a
TCVN3 or VNI font. Both judge each reading of the file by whether its words are
well-formed Vietnamese syllables (an initial consonant, a vowel nucleus of the
closed list, a final consonant, at most one tone mark, placed where a tone can
go, and only sắc or nặng before a final c, ch, p or t). Mis-read text breaks
that structure almost everywhere ("Th¾ng", "Viờũt"), real text almost never.

:mod:`helpers.load` reports what it finds, with what to do; it converts
nothing, as the data-package contract accepts UTF-8 only (and converting TCVN3
would lose capitals, see above).

>>> detect_bytes("Xã Thung Nai, Hoà Bình, người dân".encode("utf-8")) is None
True
>>> detect_bytes(encode_tcvn3("Xã Thung Nai, Hoà Bình, người dân")).encoding
'tcvn3'
>>> detect_bytes(encode_cp1258("Xã Thung Nai, Hoà Bình, người dân")).example
('XaÞ', 'Xã')
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

# --- the tables ------------------------------------------------------------------------

#: TCVN3 (ABC) byte → Unicode letter. The lower-case .Vn fonts: toned capitals
#: have no code (they are typed in the .VnTimeH fonts with these same bytes);
#: the seven untoned capitals Ă Â Ê Ô Ơ Ư Đ do. One line per vowel, tones in
#: the order of the code chart: huyền, hỏi, ngã, sắc, nặng. Bytes outside the
#: table are ASCII or unused.
TCVN3_BYTES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
#: The same, keyed by the character a TCVN3 byte shows as in a Unicode font
#: (byte 0xB8 read as Latin-1 is "¸").
TCVN3_TO_UNICODE: dict[str, str] = {chr(byte): letter for byte, letter in TCVN3_BYTES.items()}
UNICODE_TO_TCVN3: dict[str, str] = {u: t for t, u in TCVN3_TO_UNICODE.items()}

# VNI-Windows: a base letter, then one character for the marks (as Latin-1).
_VNI_TONES = "ùøûõï"  # sắc huyền hỏi ngã nặng, after a plain or horned vowel
_VNI_CIRCUMFLEX = "âáàåãä"  # â, then â with sắc huyền hỏi ngã nặng
_VNI_BREVE = "êéèúüë"  # ă, then ă with sắc huyền hỏi ngã nặng
_TONE_MARKS = "\u0301\u0300\u0309\u0303\u0323"  # sắc huyền hỏi ngã nặng (Unicode combining)


def _vni_table() -> dict[str, str]:
    """Unicode letter → VNI-Windows characters (lower and upper case)."""
    table: dict[str, str] = {}

    def add(letter: str, vni_forms: list[str]) -> None:
        # ``vni_forms``: the letter untoned, then with the five tones in _TONE_MARKS order
        for tone, vni in zip([""] + list(_TONE_MARKS), vni_forms):
            table[unicodedata.normalize("NFC", letter + tone)] = vni

    for vowel in "aeou":
        add(vowel, [vowel] + [vowel + t for t in _VNI_TONES])
    add("y", ["y"] + ["y" + t for t in _VNI_TONES[:4]] + ["î"])
    add("i", ["i", "í", "ì", "æ", "ó", "ò"])
    for letter, base in (("â", "a"), ("ê", "e"), ("ô", "o")):
        add(letter, [base + m for m in _VNI_CIRCUMFLEX])
    add("ă", ["a" + m for m in _VNI_BREVE])
    add("ơ", ["ô"] + ["ô" + t for t in _VNI_TONES])
    add("ư", ["ö"] + ["ö" + t for t in _VNI_TONES])
    table["đ"] = "ñ"
    for letter, vni in list(table.items()):
        table.setdefault(letter.upper(), vni.upper())
    return {k: v for k, v in table.items() if k != v or k > "\x7f"}  # í, ì are themselves


UNICODE_TO_VNI: dict[str, str] = _vni_table()
VNI_TO_UNICODE: dict[str, str] = {v: k for k, v in UNICODE_TO_VNI.items()}
_VNI_SEQUENCE = re.compile("|".join(re.escape(s) for s in sorted(VNI_TO_UNICODE, key=len, reverse=True)))


def decode_tcvn3(text: str, *, strict: bool = False) -> str | None:
    """TCVN3 text read as Latin-1 (``"Th¾ng"``) → Unicode (``"Thắng"``).

    ``strict``: None when a character above ASCII has no TCVN3 meaning.
    """
    if strict and any(ch > "\x7f" and ch not in TCVN3_TO_UNICODE for ch in text):
        return None
    return "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in text)


def decode_vni(text: str, *, strict: bool = False) -> str | None:
    """VNI-Windows text read as Latin-1 (``"Vieät"``) → Unicode (``"Việt"``).

    ``strict``: None when a character above ASCII is not part of a VNI letter.
    """
    if strict and max(_VNI_SEQUENCE.sub("", text), default="") > "\x7f":
        return None
    return _VNI_SEQUENCE.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text)


def encode_tcvn3(text: str) -> bytes:
    """Unicode → TCVN3 bytes, as the .Vn fonts store them (toned capitals as
    their lower-case bytes, which the .VnTimeH fonts draw as capitals)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        code = UNICODE_TO_TCVN3.get(ch) or UNICODE_TO_TCVN3.get(ch.lower())
        out.append(code if code else ch)
    return "".join(out).encode("latin-1", errors="replace")


def encode_vni(text: str) -> bytes:
    """Unicode → VNI-Windows bytes."""
    text = unicodedata.normalize("NFC", text)
    return "".join(UNICODE_TO_VNI.get(ch, ch) for ch in text).encode("latin-1", errors="replace")


def encode_cp1258(text: str) -> bytes:
    """Unicode → Windows-1258 bytes, as Windows writes them: a letter the code
    page lacks (ấ) becomes its closest base letter (â) plus a combining tone."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        out += (base + tones).encode("cp1258", errors="replace")
    return bytes(out)


# --- is this a Vietnamese syllable? ---------------------------------------------------

_TONE_NAMES = dict(zip(_TONE_MARKS, ("sắc", "huyền", "hỏi", "ngã", "nặng")))
_INITIALS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_FINALS = ("ng", "nh", "ch", "c", "k", "m", "n", "p", "t", "")  # k: Đắk, Lắk
_STOPS = ("c", "ch", "k", "p", "t")  # after these only sắc or nặng
_BEFORE_NH_CH = ("a", "ê", "i", "y", "oa", "uê", "uy")  # anh ách ênh ếch inh ích ... oanh uynh

#: Vowel nuclei → the positions a tone may sit on, old and new placement alike
#: (hoà/hòa, thuỷ/thủy).
_NUCLEI: dict[str, tuple[int, ...]] = {
    **{v: (0,) for v in "aăâeêioôơuưy"},
    **{n: (0,) for n in ("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi",
                          "ui", "ưi", "ưu", "ua", "ưa")},
    **{n: (1,) for n in ("iê", "yê", "uô", "ươ", "uâ", "oă", "uê", "uơ")},
    **{n: (0, 1) for n in ("oa", "oe", "uy", "oo")},
    **{n: (1,) for n in ("iêu", "yêu", "oai", "oay", "oao", "oeo", "uôi", "ươi", "ươu", "uya", "uyu", "uây")},
    "uyê": (2,),
}


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` is a well-formed Vietnamese syllable (any case, NFC or NFD).

    >>> [is_vietnamese_syllable(w) for w in ("người", "Thuỷ", "thủy", "Đắk", "Th¾ng", "Viờũt", "Xaị")]
    [True, True, True, True, False, False, False]
    """
    letters: list[str] = []
    tone = tone_at = None
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if ch in _TONE_NAMES:
            if tone is not None or not letters:
                return False
            tone, tone_at = _TONE_NAMES[ch], len(letters) - 1
        elif unicodedata.combining(ch):
            if not letters:
                return False
            letters[-1] += ch  # circumflex, breve, horn: part of the letter
        else:
            letters.append(ch)
    letters = [unicodedata.normalize("NFC", letter) for letter in letters]
    if not letters or any(len(letter) != 1 for letter in letters):
        return False
    base = "".join(letters)
    for initial in _INITIALS:
        if not base.startswith(initial):
            continue
        rest = base[len(initial):]
        for final in _FINALS:
            if len(rest) <= len(final) or not rest.endswith(final):
                continue
            nucleus = rest[: len(rest) - len(final)]
            slots = _NUCLEI.get(nucleus)
            if slots is None or (final in ("nh", "ch") and nucleus not in _BEFORE_NH_CH):
                continue
            if tone is None:
                return True
            if final in _STOPS and tone not in ("sắc", "nặng"):
                continue
            if tone_at - len(initial) in slots:
                return True
    return False


# --- detection -------------------------------------------------------------------------

NAMES = {"windows-1258": "Windows-1258", "tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows"}
_HINTS = {
    "windows-1258": "in Excel use 'Save as: CSV UTF-8', or convert the text with UniKey "
                    "(right-click > Công cụ chuyển mã, from Vietnamese locale CP 1258 to Unicode)",
    "tcvn3": "TCVN3 is the encoding of the old .Vn fonts (.VnTime, .VnArial): convert the text to Unicode "
             "(UniKey: right-click > Công cụ chuyển mã, from TCVN3 (ABC) to Unicode), "
             "then save as .xlsx or 'CSV UTF-8'",
    "vni": "VNI-Windows is the encoding of the VNI fonts (VNI-Times): convert the text to Unicode "
           "(UniKey: right-click > Công cụ chuyển mã, from VNI Windows to Unicode), "
           "then save as .xlsx or 'CSV UTF-8'",
}
#: How much of a file is looked at: the first bytes, and at most this many distinct words.
SAMPLE_BYTES = 1 << 20
MAX_WORDS = 5000


@dataclass(frozen=True)
class Detection:
    """What a file's text looks like; ``example`` is one word as it shows in a
    Unicode font (bytes read as Latin-1) and as it reads in ``encoding``."""

    encoding: str  # "windows-1258" | "tcvn3" | "vni"
    words: int  # distinct words this reading makes well formed
    share: float  # ... as a share of the words with non-ASCII letters
    example: tuple[str, str] = ("", "")

    @property
    def name(self) -> str:
        return NAMES[self.encoding]

    @property
    def hint(self) -> str:
        return _HINTS[self.encoding]


_BYTE_WORD = re.compile(rb"[A-Za-z\x80-\x9f\xa1-\xff]+")
_TEXT_WORD = re.compile("[A-Za-z\u00a1-\u024f\u0300-\u036f\u1e00-\u1eff]+")


def _cp1258(word: bytes) -> str | None:
    try:
        return unicodedata.normalize("NFC", word.decode("cp1258"))
    except UnicodeDecodeError:
        return None


_BYTE_READINGS = {
    "windows-1258": _cp1258,
    "tcvn3": lambda w: decode_tcvn3(w.decode("latin-1"), strict=True),
    "vni": lambda w: decode_vni(w.decode("latin-1"), strict=True),
}


def _cp1258_as_latin1(text: str, *, strict: bool = True) -> str | None:
    """Windows-1258 bytes that were read as Latin-1 ("MaÞ") → Unicode ("Mã")."""
    return _cp1258(text.encode("latin-1"))


def _distinct(words: Iterable, limit: int = MAX_WORDS) -> list:
    seen: dict = {}
    for word in words:
        seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return list(seen)


def detect_bytes(data: bytes) -> Detection | None:
    """The legacy encoding a file's bytes are in, or None (UTF-8, ASCII, or unknown).

    Looks at the first :data:`SAMPLE_BYTES`. A reading is chosen when at least
    60 % of the distinct words with a non-ASCII letter are well-formed syllables
    in it, and at least 25 points more than in any other reading (TCVN3 and VNI
    put letters at Latin-1 positions, so some words read well several ways).
    """
    sample = data[:SAMPLE_BYTES]
    try:
        sample.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and len(data) > len(sample):
            return None  # only a character cut by the sample's end: UTF-8 so far
    words = [w for w in _distinct(_BYTE_WORD.findall(sample)) if max(w) > 0x7F]
    if not words:
        return None
    scores = {}
    for encoding, read in _BYTE_READINGS.items():
        good = [(w, r) for w in words if (r := read(w)) is not None and is_vietnamese_syllable(r)]
        scores[encoding] = good
    ranked = sorted(scores, key=lambda e: len(scores[e]), reverse=True)
    best, second = ranked[0], ranked[1]
    good = scores[best]
    share = len(good) / len(words)
    if not good or share < 0.6 or share - len(scores[second]) / len(words) < 0.25:
        return None
    word, read = good[0]
    return Detection(best, len(good), share, (word.decode("latin-1"), read))


def detect_text(strings: Iterable[str]) -> Detection | None:
    """TCVN3 or VNI text inside Unicode strings (typed in a .Vn or VNI font), or
    Windows-1258 text that was read as Latin-1 on its way to Unicode; or None.

    A reading counts when it turns words that are not Vietnamese as they stand
    ("Th¾ng") into well-formed ones ("Thắng"), and breaks almost none that are.
    """
    words = _distinct(w for s in strings if isinstance(s, str) for w in _TEXT_WORD.findall(s)
                      if max(w) > "\x7f")
    if not words:
        return None
    as_is = {w: is_vietnamese_syllable(w) for w in words}
    # Letters beyond Latin-1 (ạ ư đ ...) in well-formed words: real Unicode
    # text, which no 8-bit font encoding shows as.
    unicode_words = sum(ok and max(w) > "\xff" for w, ok in as_is.items())
    readings = {}
    for encoding, decode in (("tcvn3", decode_tcvn3), ("vni", decode_vni), ("windows-1258", _cp1258_as_latin1)):
        readings[encoding] = {}
        for word in words:
            if max(word) <= "\xff":
                read = decode(word, strict=True)
                readings[encoding][word] = read if read is not None and is_vietnamese_syllable(read) else None
    # Words that are not Vietnamese as they stand, but are in some reading.
    candidates = [w for w in words if not as_is[w] and any(r.get(w) for r in readings.values())]
    found = []
    for encoding, read in readings.items():
        fixed = [(w, read[w]) for w in candidates if read.get(w)]
        broken = sum(as_is[w] and w in read and not read[w] for w in words)
        if fixed and len(fixed) >= 0.5 * len(candidates) and 3 * broken <= len(fixed) \
                and 3 * unicode_words <= len(fixed):
            found.append(Detection(encoding, len(fixed), len(fixed) / len(words), fixed[0]))
    return max(found, key=lambda d: d.words) if found else None
