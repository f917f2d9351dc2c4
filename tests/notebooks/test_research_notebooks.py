"""notebooks/portfolio.ipynb and notebooks/coverage_evaluation.ipynb run under papermill,
on the sample projects, in both languages, and say what the helpers say.

Every run happens once, in a module-scoped fixture (two at a time, each in its
own papermill process and kernel); the tests then read the executed notebooks.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from helpers import load_project
from helpers.evaluation import describe, evaluate_coverage

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SAMPLES = ROOT / "data" / "projects"
BROKEN_EVENTS = "event_id,date,commune,activity,participants\nE1,2021-03-01,Thung Nai,meeting,many\n"
BROKEN_YML = """\
id: broken-package
title: {vi: Hỏng, en: Broken}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
"""

#: name → (notebook, parameters); data_dir "broken" is a folder of two samples and a broken package.
RUNS = {
    "portfolio-en": ("portfolio.ipynb", {"lang": "en"}),
    "portfolio-vi": ("portfolio.ipynb", {"lang": "vi"}),
    "portfolio-broken": ("portfolio.ipynb", {"lang": "en", "data_dir": "broken"}),
    "evaluation-en": ("coverage_evaluation.ipynb", {"project": "song-hinh-clan-2024", "lang": "en"}),
    "evaluation-vi": ("coverage_evaluation.ipynb", {"project": "song-hinh-clan-2024", "lang": "vi"}),
    "evaluation-one-date": ("coverage_evaluation.ipynb", {"project": "hai-hau-2023", "lang": "en"}),
    "evaluation-no-coverage": ("coverage_evaluation.ipynb", {"project": "cao-phong-2021", "lang": "vi"}),
}


def broken_folder(tmp: Path) -> Path:
    folder = tmp / "projects"
    for sample in ("cao-phong-2021", "song-hinh-clan-2024"):
        shutil.copytree(SAMPLES / sample, folder / sample)
    (folder / "broken-package").mkdir(parents=True)
    (folder / "broken-package" / "project.yml").write_text(BROKEN_YML, encoding="utf-8")
    (folder / "broken-package" / "events.csv").write_text(BROKEN_EVENTS, encoding="utf-8")
    return folder


def papermill(notebook: str, parameters: dict, output: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "papermill", str(NOTEBOOKS / notebook), str(output),
               "--kernel", "python3", "--cwd", str(NOTEBOOKS), "--no-progress-bar"]
    for name, value in parameters.items():
        command += ["-p", name, str(value)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    tmp = tmp_path_factory.mktemp("research")
    broken = broken_folder(tmp)
    jobs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, (notebook, parameters) in RUNS.items():
            parameters = {k: (broken if v == "broken" else v) for k, v in parameters.items()}
            jobs[name] = pool.submit(papermill, notebook, parameters, tmp / f"{name}.ipynb")
    notebooks = {}
    for name, job in jobs.items():
        result = job.result()
        assert result.returncode == 0, f"{name} failed under papermill:\n{result.stderr[-4000:]}"
        notebooks[name] = nbformat.read(tmp / f"{name}.ipynb", as_version=4)
    return notebooks


def outputs(notebook, mime: str) -> list[str]:
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if mime in output.get("data", {}):
                found.append(output["data"][mime])
    return found


def charts(notebook) -> int:
    """Charts shown as the reports show them: an SVG in a <figure class="chart">."""
    return sum(html.count('<figure class="chart">') for html in outputs(notebook, "text/html"))


def text_of(notebook) -> str:
    return "\n".join(outputs(notebook, "text/markdown") + outputs(notebook, "text/plain")
                     + outputs(notebook, "text/html"))


def test_notebooks_have_a_tagged_parameters_cell():
    for notebook, expected in (("portfolio.ipynb", {"data_dir", "lang"}),
                               ("coverage_evaluation.ipynb", {"project", "lang", "data_dir"})):
        cells = nbformat.read(NOTEBOOKS / notebook, as_version=4).cells
        tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, notebook
        names = {line.split("=")[0].split(":")[0].strip() for line in tagged[0].source.splitlines() if "=" in line}
        assert expected <= names, notebook


def test_notebooks_are_thin():
    """No definitions in notebooks (they belong in helpers, where they are tested); short code cells."""
    for notebook in ("portfolio.ipynb", "coverage_evaluation.ipynb"):
        for cell in nbformat.read(NOTEBOOKS / notebook, as_version=4).cells:
            if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
                assert "def " not in cell.source and "class " not in cell.source
                assert len([line for line in cell.source.splitlines() if line.strip()]) <= 3, cell.source


def test_narrative_is_in_both_languages():
    for notebook in ("portfolio.ipynb", "coverage_evaluation.ipynb"):
        cells = [c for c in nbformat.read(NOTEBOOKS / notebook, as_version=4).cells if c.cell_type == "markdown"]
        langs = [{"lang-en", "lang-vi"} & set(c.metadata.get("tags", [])) for c in cells]
        assert langs.count({"lang-en"}) == langs.count({"lang-vi"}) == len(cells) / 2, notebook


def test_portfolio_lists_every_sample_side_by_side(executed):
    text = text_of(executed["portfolio-en"])
    assert "5 data packages: all loaded." in text
    for sample in ("cao-phong-2021", "thanh-hoa-near-poor-2015", "song-hinh-clan-2024",
                   "bac-giang-peak-month-2022", "hai-hau-2023"):
        assert sample in text
    assert ">Reached</th>" in text and ">Budget spent</th>" in text and ">Cost / served</th>" in text
    assert "no coverage table" in text  # why Cao Phong's coverage cells are blank
    assert charts(executed["portfolio-en"]) == 11  # a ranking per measure (10), scatter


def test_portfolio_in_vietnamese(executed):
    text = text_of(executed["portfolio-vi"])
    assert "5 gói dữ liệu: cả 5 gói đều đọc được." in text
    assert ">Lượt tiếp cận</th>" in text and ">Giải ngân</th>" in text
    assert "không có bảng bao phủ (coverage)" in text
    assert charts(executed["portfolio-vi"]) == 11


def test_portfolio_lists_a_broken_package_and_goes_on(executed):
    text = text_of(executed["portfolio-broken"])
    assert "3 data packages: 2 loaded, 1 not loaded" in text
    assert "broken-package" in text
    assert "events.csv:2:participants: error:" in text
    assert "cao-phong-2021" in text and "song-hinh-clan-2024" in text
    assert charts(executed["portfolio-broken"]) == 11


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_evaluation_shows_the_helpers_result(executed, lang):
    notebook = executed[f"evaluation-{lang}"]
    expected = describe(evaluate_coverage(load_project("song-hinh-clan-2024")), lang)
    assert expected in outputs(notebook, "text/markdown")
    # 8 pilot and 3 comparison communes: C(11, 3) = 165 ways to choose the pilot ones.
    assert math.comb(11, 3) == 165
    if lang == "en":
        assert "(8 communes," in expected and "(3 communes)" in expected
        assert "counted exactly over all 165 assignments" in expected
    else:
        assert "(8 xã," in expected and "(3 xã)" in expected and "điểm phần trăm" in expected
        assert "đếm chính xác trên toàn bộ 165 cách gán" in expected
    assert charts(notebook) == 2  # before/after by commune, permutation distribution


def test_evaluation_says_when_the_design_cannot_support_a_claim(executed):
    one_date = text_of(executed["evaluation-one-date"])
    assert "measured at one date only (15 Nov 2023)" in one_date
    assert "of 100 random assignments" not in one_date
    no_coverage = text_of(executed["evaluation-no-coverage"])
    assert "Dự án không có bảng số liệu bao phủ (coverage)" in no_coverage


def test_researchers_guide_examples_run(tmp_path, monkeypatch):
    """Every ```python block of docs/researchers.md runs, in order, in one namespace."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    guide = (ROOT / "docs" / "researchers.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)  # the guide saves a PNG in the working directory
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/researchers.md", "exec"), namespace)
    assert (tmp_path / "coverage-ranking.png").exists()
    assert namespace["compute"](namespace["women_only"])["female_share_examined"] == 1.0
    assert "female_share_served" in namespace["compute"](namespace["thung_nai"])
