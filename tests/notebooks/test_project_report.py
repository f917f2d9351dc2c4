"""notebooks/project_report.ipynb under plain papermill: every sample, both languages.

The notebook is executed once per sample and language (ten runs, two at a
time) with papermill's Python API, as a user's ``papermill ... -p project X -p
lang en`` would; the tests then read the executed notebooks. Rendering to
HTML and PDF (helpers.render) is tested in tests/unit/test_render.py and
tests/end_to_end/test_reports.py; here it is the notebook and what its
sections say.

The published figures below are typed from the source articles (as in
project.yml ``reported``), written the way each language writes them.
"""
from __future__ import annotations

import html
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from helpers import load_project

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "project_report.ipynb"
SAMPLES = ROOT / "data" / "projects"
IDS = sorted(p.name for p in SAMPLES.iterdir() if (p / "project.yml").is_file())
LANGS = ("vi", "en")

#: Published figures of each sample, as each language writes them.
PUBLISHED = {
    "cao-phong-2021": {"vi": ["666", "334", "521", "65%", "98%"], "en": ["666", "334", "521", "65%", "98%"]},
    "hai-hau-2023": {
        "vi": ["250.512", "99,13%", "178.622.000.000", "68,57%", "92,38%", "277.518", "8.948", "2.904", "11.852",
               "17.246.000.000", "492.100.000", "2,84%"],
        "en": ["250,512", "99.13%", "178,622,000,000", "68.57%", "92.38%", "277,518", "8,948", "2,904", "11,852",
               "17,246,000,000", "492,100,000", "2.84%"]},
    "bac-giang-peak-month-2022": {"vi": ["1.741.540", "100,1%", "99%"], "en": ["1,741,540", "100.1%", "99%"]},
    "thanh-hoa-near-poor-2015": {"vi": ["44,19%"], "en": ["44.19%"]},
    "song-hinh-clan-2024": {"vi": ["8"], "en": ["8"]},
}
#: Sections every report has, and those that need data: (section id, the tables it needs).
ALWAYS = ("data-quality", "method", "reproducibility")
NEEDS = {"key-results": None, "activities": "events", "people": "services", "coverage": "coverage",
         "money": "budget", "published-figures": None}
HEADINGS = {
    "vi": {"key-results": "Kết quả chính", "activities": "Hoạt động", "people": "Người được phục vụ",
           "coverage": "Bao phủ bảo hiểm y tế", "money": "Tài chính",
           "published-figures": "Số liệu công bố so với dữ liệu", "data-quality": "Chất lượng dữ liệu",
           "method": "Phương pháp và định nghĩa", "reproducibility": "Khả năng tái lập"},
    "en": {"key-results": "Key results", "activities": "Activities", "people": "People served",
           "coverage": "Health-insurance coverage", "money": "Money",
           "published-figures": "Published figures against the data", "data-quality": "Data quality",
           "method": "Method and definitions", "reproducibility": "Reproducibility"},
}


def run(project: str, lang: str, output: Path):
    import papermill

    return papermill.execute_notebook(str(NOTEBOOK), str(output), parameters={"project": project, "lang": lang},
                                      kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK.parent))


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[tuple[str, str], nbformat.NotebookNode]:
    tmp = tmp_path_factory.mktemp("project_report")
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {(p, lang): pool.submit(run, p, lang, tmp / f"{p}.{lang}.ipynb") for p in IDS for lang in LANGS}
    return {key: nbformat.read(tmp / f"{key[0]}.{key[1]}.ipynb", as_version=4) for key in jobs
            if jobs[key].result() is not None}


def shown_html(nb) -> str:
    """The HTML a reader sees: the text/html outputs, and the markdown of nothing else."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                parts.append(output["data"]["text/html"])
    return "".join(parts)


def text_of(fragment: str) -> str:
    return unicodedata.normalize("NFC", " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()))


def test_every_sample_runs_in_both_languages(executed):
    assert set(executed) == {(p, lang) for p in IDS for lang in LANGS}
    for key, nb in executed.items():
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", key
                # No warning or log line reaches a donor's report.
                assert not (output["output_type"] == "stream" and output["name"] == "stderr"), (key, output["text"])


@pytest.mark.parametrize("project", IDS)
@pytest.mark.parametrize("lang", LANGS)
def test_sections_appear_only_with_their_data(executed, project, lang):
    page = shown_html(executed[(project, lang)])
    p = load_project(project)
    for name, table in NEEDS.items():
        present = f'id="{name}"' in page
        if table is None:
            continue
        assert present == (p.table(table) is not None or (name == "money" and p.meta.get("budget") is not None)), name
    for name in ALWAYS:
        assert f'id="{name}"' in page
    ids = re.findall(r'<section class="report-section" id="([a-z-]+)"', page)
    order = list(HEADINGS["en"])
    assert ids == sorted(ids, key=order.index), "sections out of order"
    text = text_of(page)
    for name in ids:
        assert HEADINGS[lang][name] in text
    for leftover in ("None", "nan", "NaN", "NaT", "<NA>"):
        assert not re.search(rf"\b{re.escape(leftover)}\b", text), leftover


@pytest.mark.parametrize("project", IDS)
@pytest.mark.parametrize("lang", LANGS)
def test_published_figures_in_the_language_s_format(executed, project, lang):
    section = shown_html(executed[(project, lang)]).split('id="published-figures"', 1)[1]
    text = text_of(section.split("</section>", 1)[0])
    for figure in PUBLISHED[project][lang]:
        assert re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", text), (figure, text[:500])


def test_a_vietnamese_report_has_no_english_headings_and_the_reverse(executed):
    for project in IDS:
        vi = text_of(shown_html(executed[(project, "vi")]))
        en = text_of(shown_html(executed[(project, "en")]))
        for name in HEADINGS["en"]:
            if HEADINGS["en"][name] in en:
                assert HEADINGS["en"][name] not in vi, (project, name)
        assert "Kết quả chính" not in en


def test_diacritics_are_exact(executed):
    vi = text_of(shown_html(executed[("cao-phong-2021", "vi")]))
    assert "Bảo hiểm y tế" in vi and "Mường" in vi and "Hòa Bình" in vi
    assert "Hải Hậu" in text_of(shown_html(executed[("hai-hau-2023", "vi")]))
    assert unicodedata.is_normalized("NFC", shown_html(executed[("cao-phong-2021", "vi")]))


def test_no_person_level_data_in_the_executed_notebook(executed):
    for project in IDS:
        p = load_project(project)
        if p.services is None:
            continue
        ids = set(p.services["person_id"].astype(str))
        for lang in LANGS:
            text = nbformat.writes(executed[(project, lang)])
            tokens = set(re.findall(r"[\w-]+", text))
            assert not ids & tokens, (project, lang, sorted(ids & tokens)[:3])


def test_small_counts_are_hidden(executed):
    # Cao Phong: 2 Thái people among those served; the table shows <5, never the number.
    page = shown_html(executed[("cao-phong-2021", "en")])
    people = text_of(page.split('id="people"', 1)[1].split("</section>", 1)[0])
    assert "Other ethnic minorities <5" in people


def test_the_record_is_the_computed_values(executed):
    from helpers.measures import compute
    from helpers.report import RECORD_MIME

    for (project, lang), nb in executed.items():
        records = [o["data"][RECORD_MIME] for c in nb.cells for o in c.get("outputs", [])
                   if RECORD_MIME in o.get("data", {})]
        assert len(records) == 1
        assert records[0]["values"] == compute(load_project(project))
        assert records[0]["lang"] == lang


def test_the_notebook_is_thin():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    names = re.findall(r"^(\w+)\s*=", parameters[0].source, flags=re.M)
    assert names == ["project", "lang", "data_dir", "min_cell"]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(cell.source.strip().splitlines()) <= 4, cell.source  # a call or two, never logic
            assert not re.search(r"^\s*(def|class|for|while|if|with)\b", cell.source, flags=re.M), cell.source
            assert not cell.get("outputs"), "the notebook is committed without outputs"
        else:
            assert {"lang-vi", "lang-en"} & set(cell.metadata.get("tags", [])), "narrative comes in both languages"
    tagged = [t for c in nb.cells if c.cell_type == "markdown" for t in c.metadata["tags"] if t.startswith("lang-")]
    assert tagged.count("lang-vi") == tagged.count("lang-en")
