"""Every label exists in both languages, with the same placeholders; validation messages in plain words."""
from __future__ import annotations

import doctest
import re
import string

import pytest

from helpers import i18n
from helpers.errors import Problem
from helpers.i18n import TEXT, VOCABULARIES, describe_problem, t

LANGS = ("vi", "en")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_doctests():
    assert doctest.testmod(i18n).failed == 0


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_key_has_both_languages_and_the_same_placeholders(key):
    assert set(TEXT[key]) == set(LANGS), f"{key}: languages {sorted(TEXT[key])}"
    assert all(TEXT[key][lang].strip() for lang in LANGS), f"{key}: empty text"
    assert placeholders(TEXT[key]["vi"]) == placeholders(TEXT[key]["en"]), key


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_every_vocabulary_word_has_both_languages(vocabulary):
    for code, words in VOCABULARIES[vocabulary].items():
        assert len(words) == 2 and all(w.strip() for w in words), (vocabulary, code)


def test_vocabularies_cover_the_contract():
    from helpers.schema import ACTIVITIES, HOUSEHOLDS, SERVICES, SEXES

    assert set(ACTIVITIES.values()) <= set(VOCABULARIES["activity"])
    assert set(SERVICES.values()) <= set(VOCABULARIES["service"])
    assert set(SEXES.values()) <= set(VOCABULARIES["sex"])
    assert set(HOUSEHOLDS.values()) <= set(VOCABULARIES["household"])


def test_unknown_key_and_language_are_errors():
    with pytest.raises(KeyError, match="no_such_key"):
        t("no_such_key", "vi")
    with pytest.raises(ValueError, match="lang"):
        t("total", "fr")


def test_a_word_outside_the_vocabulary_is_shown_as_typed():
    assert i18n.activity_label("lễ hội", "en") == "lễ hội"


# --- validation problems --------------------------------------------------------------------------

#: Messages as helpers.validate and helpers.load write them (typed from their source).
MESSAGES = [
    "24/10/2022 is outside the project period (01/11/2022–30/11/2022)",
    "'1.001' is above 1, read as a percent (1.001% = 0.01001); write 1.001% or 0.01001 to be explicit",
    "'2021-03-15 10:30:00' has a time of day; only the date is kept",
    "is more than the population",
    "is more than planned",
    "has a header but no rows: the budget table is treated as absent",
    "sheet 'Ghi chú' is not a table of the contract and is ignored",
    "has values but no header; it is ignored",
    "is not a column of this table and is ignored",
    "has no 'en' text; reports in that language show the other one",
    "is more than planned (and so do 12 more rows after this one)",
]
#: English words that must not be left in a Vietnamese sentence.
ENGLISH = re.compile(r"\b(is|the|and|of|outside|read|percent|more|than|ignored|table|header|rows?|file|column)\b")


@pytest.mark.parametrize("message", MESSAGES)
def test_known_messages_are_said_in_vietnamese(message):
    problem = Problem("events.csv", 7, "Ngày", message, "warning", hint="columns are: event_id, date")
    text = describe_problem(problem, "vi")
    assert text.startswith("Tệp events.csv, dòng 7, cột “Ngày”: ")
    body = text.split(": ", 1)[1]
    assert not ENGLISH.search(body), text


def test_an_unknown_message_is_never_english_in_vietnamese():
    problem = Problem("coverage.csv", 3, "plan", "looks odd in a way nobody wrote down yet", "warning")
    assert describe_problem(problem, "vi") == "Tệp coverage.csv, dòng 3, cột “plan”: có giá trị cần kiểm tra lại."
    assert "looks odd" in describe_problem(problem, "en")


def test_project_yml_problems_name_the_key():
    problem = Problem("project.yml", 45, "reported.plan_achievement", MESSAGES[1], "warning")
    assert describe_problem(problem, "vi").startswith("Tệp project.yml, mục “reported.plan_achievement”: giá trị “1.001”")
    assert describe_problem(problem, "en").startswith("project.yml, key “reported.plan_achievement”: “1.001” is above 1")


def test_repeated_problems_keep_their_count():
    problem = Problem("budget.csv", 60, "disbursed", MESSAGES[-1], "warning")
    assert describe_problem(problem, "vi").endswith("(và 12 dòng tiếp theo cũng vậy).")
    assert "(and so do 12 more rows after this one)" in describe_problem(problem, "en")


def test_hints_are_given_in_english_only():
    problem = Problem("events.csv", 1, "Ghi chú", MESSAGES[8], "warning", hint="columns are: event_id, date")
    assert "columns are" in describe_problem(problem, "en")
    assert "columns are" not in describe_problem(problem, "vi")
