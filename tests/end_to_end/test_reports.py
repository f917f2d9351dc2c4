"""End to end: `workbook report --all` renders every sample in both languages, as a donor reads them.

All five samples are rendered once per session (``--all --jobs 2 --lang both``)
with notebooks/project_report.ipynb (or, until it exists, the stand-in
tests/fixtures/notebooks/minimal_report.ipynb); the tests then read the files.
The published figures checked here are typed from the articles (see
docs/samples.md and tests/end_to_end/test_published_figures.py), written the
way each language writes them.
"""
from __future__ import annotations

import csv
import hashlib
import html
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from helpers import load_project
from helpers.measures import compute

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "projects"
REPORT_NOTEBOOK = ROOT / "notebooks" / "project_report.ipynb"
STAND_IN = ROOT / "tests" / "fixtures" / "notebooks" / "minimal_report.ipynb"
NOTEBOOK = REPORT_NOTEBOOK if REPORT_NOTEBOOK.is_file() else STAND_IN
IDS = sorted(p.name for p in SAMPLES.iterdir() if (p / "project.yml").is_file())
WORKBOOK = [sys.executable, "-m", "helpers.cli", "report"]
#: A published figure of each language: Bắc Giang's 1,741,540 participants, Hải Hậu's 92.38 % coverage.
PUBLISHED = {
    ("bac-giang-peak-month-2022", "vi"): "1.741.540", ("bac-giang-peak-month-2022", "en"): "1,741,540",
    ("hai-hau-2023", "vi"): "92,38%", ("hai-hau-2023", "en"): "92.38%",
}
FILES = ["indicators.csv", "report.en.html", "report.en.ipynb", "report.en.pdf", "report.html", "report.ipynb",
         "report.pdf"]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\d{1,2}[/ ]\w{2,3}[/ ]\d{4},? \d{2}:\d{2}(:\d{2})?"
                       r"( \(UTC[^)]*\))?")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    command = WORKBOOK + ["--all", "--jobs", "2", "--lang", "both", "--out", str(out), "--no-progress"]
    if NOTEBOOK != REPORT_NOTEBOOK:
        command += ["--notebook", str(NOTEBOOK)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"{len(IDS)} of {len(IDS)} report(s) written" in result.stdout
    return out


def page(rendered: Path, project: str, lang: str) -> str:
    name = "report.html" if lang == "vi" else "report.en.html"
    return (rendered / project / name).read_text(encoding="utf-8")


def pdf_pages(rendered: Path, project: str, lang: str) -> list[str]:
    from pypdf import PdfReader

    name = "report.pdf" if lang == "vi" else "report.en.pdf"
    return [nfc(p.extract_text()) for p in PdfReader(rendered / project / name).pages]


def text_of(page_html: str) -> str:
    """The page's visible text: no tags, no style, no embedded images."""
    body = re.sub(r"<style.*?</style>|<head.*?</head>", "", page_html, flags=re.S)
    return nfc(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()))


def test_every_project_has_every_file(rendered):
    for project in IDS:
        assert sorted(p.name for p in (rendered / project).iterdir()) == FILES
    assert not list(rendered.glob("*.failed.ipynb"))
    assert not [p for p in rendered.glob(".*") if ".tmp-" in p.name or ".old-" in p.name]


def test_index_links_every_report(rendered):
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in index
    for project in IDS:
        assert html.escape(load_project(project).title("vi"), quote=False) in index or \
            html.escape(load_project(project).title("vi")) in index
        for name in ("report.html", "report.pdf", "report.en.html", "report.en.pdf"):
            assert f'href="{project}/{name}"' in index
            assert (rendered / project / name).is_file()
    assert "92,38%" in index  # Hải Hậu's coverage, a headline figure
    assert "<script" not in index and "http" not in index


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_html_has_no_code_and_works_offline(rendered, lang):
    for project in IDS:
        text = page(rendered, project, lang)
        assert f'<html lang="{lang}">' in text
        assert "<pre" not in text, project  # no code cells, no tracebacks
        assert "In&nbsp;[" not in text and "jp-InputPrompt" not in text and 'class="highlight' not in text
        assert "load_project(" not in text and "from helpers" not in text
        assert not re.search(r"<(script|link|iframe)\b", text)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert '<nav class="toc"' in text
        for anchor in re.findall(r'<nav class="toc".*?</nav>', text, re.S)[0].split('href="#')[1:]:
            assert f'id="{anchor.split(chr(34))[0]}"' in text


def test_no_person_identifier_is_published(rendered):
    for project in IDS:
        services = load_project(project).services
        if services is None:
            continue
        ids = set(services["person_id"].dropna().astype(str))
        for lang in ("vi", "en"):
            visible = text_of(page(rendered, project, lang)) + "\n".join(pdf_pages(rendered, project, lang))
            leaked = sorted(ids & set(re.findall(r"[\w-]+", visible)))
            assert not leaked, f"{project} {lang}: {leaked[:5]}"


@pytest.mark.parametrize("project, lang", list(PUBLISHED))
def test_published_figures_are_written_the_language_s_way(rendered, project, lang):
    figure = PUBLISHED[(project, lang)]
    assert figure in text_of(page(rendered, project, lang))
    assert figure in "\n".join(pdf_pages(rendered, project, lang))


def test_indicators_csv_equals_compute(rendered):
    for project in IDS:
        expected = compute(load_project(project))
        with (rendered / project / "indicators.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["measure", "value"]
        got = {name: (int(value) if isinstance(expected.get(name), int) else float(value)) for name, value in rows[1:]}
        assert got == expected, project


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_has_a_cover_the_sections_and_the_right_glyphs(rendered, lang):
    for project in IDS:
        pages = pdf_pages(rendered, project, lang)
        assert len(pages) >= 4, project  # cover, contents, at least two pages of sections
        title = nfc(load_project(project).title(lang))
        assert " ".join(title.split()[:4]) in " ".join(pages[0].split()), project
        assert "Mục lục" not in pages[0] and "Contents" not in pages[0]
        assert f"2 / {len(pages)}" in pages[1]
        whole = " ".join("\n".join(pages).split())
        headings = [text_of(h) for h in re.findall(r"<h2\b[^>]*>(.*?)</h2>", page(rendered, project, lang), re.S)]
        assert headings
        for heading in headings:
            assert heading in whole, (project, heading)
    if lang == "vi":
        assert "Mường" in "\n".join(pdf_pages(rendered, "cao-phong-2021", "vi"))
        assert "Hải Hậu" in "\n".join(pdf_pages(rendered, "hai-hau-2023", "vi"))
        assert "bảo hiểm y tế" in "\n".join(pdf_pages(rendered, "hai-hau-2023", "vi")).lower() or \
            "bảo hiểm y tế" in "\n".join(pdf_pages(rendered, "cao-phong-2021", "vi")).lower()


def test_a_warm_kernel_renders_as_a_fresh_one(rendered, tmp_path):
    """The batch reuses one kernel per worker; the English report is always rendered after the
    Vietnamese one in the same kernel. A fresh kernel must give the same page."""
    project = IDS[-1]
    command = WORKBOOK + [project, "--lang", "en", "--format", "html", "--fresh-kernel", "--out", str(tmp_path)]
    if NOTEBOOK != REPORT_NOTEBOOK:
        command += ["--notebook", str(NOTEBOOK)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr

    def normalised(text: str) -> str:
        text = re.sub(r'<img [^>]*>', "<img>", text)  # chart files carry their own ids and dates
        text = re.sub(r"<footer.*?</footer>", "", text, flags=re.S)
        return TIMESTAMP.sub("<time>", text)

    fresh = (tmp_path / project / "report.html").read_text(encoding="utf-8")
    assert normalised(fresh) == normalised(page(rendered, project, "en"))


def test_a_broken_package_keeps_the_older_good_report(rendered, tmp_path):
    project = "hai-hau-2023"
    data = tmp_path / "projects"
    shutil.copytree(SAMPLES / project, data / project)
    with (data / project / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("HN-2023-99,17/11/2023,Hải An,Hội nghị,Hội nghị thử,nhiều\n")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (rendered / project).iterdir()}
    command = WORKBOOK + [project, "--data-dir", str(data), "--out", str(rendered)]
    if NOTEBOOK != REPORT_NOTEBOOK:
        command += ["--notebook", str(NOTEBOOK)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert re.search(r"^  events\.csv:\d+:[^:]+: error: .*nhiều", result.stderr, re.M), result.stderr
    assert "no report was written" in result.stderr
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (rendered / project).iterdir()}
    assert after == before
    assert not (rendered / f"{project}.failed.ipynb").exists()
