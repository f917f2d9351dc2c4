"""helpers.render: the report's files, their safety, the page, the PDF, the batch index.

Pure parts (file names, notebook preparation, the page's last touches, CSV
cells, folder replacement, the lock, the index) are tested on tiny inputs.
Rendering tests use the fixture notebooks of tests/fixtures/notebooks/ with
one warm kernel for the module (``minimal_report``: an h1 cover, two h2
sections, a table and a chart; ``broken_report``: raises in its fourth cell;
``leaky_report``: changes every piece of global state it can; ``slow_report``:
sleeps; ``script_outputs``: scripts, CDN links, a bare repr and stdout).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers import load_project, render
from helpers.measures import compute
from helpers.render import (CellFailure, Job, Kernel, Outcome, Renderer, csv_cell, finish_html, notebook_parameters,
                            output_file, prepare_notebook, replace_folder, report_cells, tidy, write_index,
                            write_indicators)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
SAMPLES = ROOT / "data" / "projects"
MINIMAL = FIXTURES / "minimal_report.ipynb"
BROKEN = FIXTURES / "broken_report.ipynb"
LEAKY = FIXTURES / "leaky_report.ipynb"
SLOW = FIXTURES / "slow_report.ipynb"
SCRIPTS = FIXTURES / "script_outputs.ipynb"
CAO_PHONG = "cao-phong-2021"
HAI_HAU = "hai-hau-2023"


def digest(folder: Path) -> dict[str, str]:
    """Every file of a folder with a hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob(".*") if ".tmp-" in p.name or ".old-" in p.name)


# --- names and notebooks -----------------------------------------------------------------------------------------


def test_output_file_first_language_is_unsuffixed():
    assert output_file("html", "vi", ("vi",)) == "report.html"
    assert output_file("html", "en", ("en",)) == "report.html"
    assert output_file("pdf", "en", ("vi", "en")) == "report.en.pdf"
    assert output_file("ipynb", "vi", ("vi", "en")) == "report.ipynb"


def test_notebook_parameters_reads_the_tagged_cell():
    assert notebook_parameters(nbformat.read(MINIMAL, as_version=4)) == ["project", "lang", "data_dir", "min_cell"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert notebook_parameters(nb) == []


def _nb(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def _md(text, *tags):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = list(tags)
    return cell


def _code(outputs, *tags):
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    cell.metadata["tags"] = list(tags)
    return cell


def test_prepare_notebook_keeps_one_language_and_maps_cells_back():
    nb = _nb(_md("a"), _md("vi", "lang-vi"), _md("en", "lang-en"), _md("b"))
    prepared, kept = prepare_notebook(nb, "en")
    assert [c.source for c in prepared.cells] == ["a", "en", "b"]
    assert kept == [0, 2, 3]
    assert len(nb.cells) == 4  # the input is not changed


def test_report_cells_drops_what_a_reader_must_not_see():
    stream = {"output_type": "stream", "name": "stderr", "text": "UserWarning: careful"}
    stdout = {"output_type": "stream", "name": "stdout", "text": "printed"}
    repr_only = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                 "data": {"text/plain": "<Axes: >"}}
    html = {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<p>t</p>", "text/plain": "t"}}
    error = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": []}
    record = {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.x+json": {"a": 1}}}
    nb = _nb(_code([stream, stdout, repr_only, html, error, record]), _code([html], "remove-output"),
             _code([html], "remove-cell"), _md("vi", "lang-vi"), _md("en", "lang-en"))
    clean = report_cells(nb, "vi")
    assert [o.get("name") or o.output_type for o in clean.cells[0].outputs] == ["stdout", "display_data"]
    assert clean.cells[1].outputs == []
    assert [c.source for c in clean.cells[2:]] == ["vi"]


def test_source_cell_counts_without_injected_cell_and_markers():
    executed = _nb(_md("marker", "papermill-error-cell-tag"), _code([], "parameters"),
                   _code([], "injected-parameters"), _code([]), _md("anchor", "papermill-error-cell-tag"), _code([]))
    # papermill's cell_index counts the injected cell but not the markers: 3 is the last code cell
    assert render._source_cell(3, executed, kept=[0, 1, 5]) == 5
    assert render._source_cell(1, executed, kept=[0, 1, 5]) is None  # the injected parameters
    failure = CellFailure(3, 5, "ValueError", "boom", "raise ValueError('boom')", notebook="x.ipynb")
    assert str(failure).startswith("failed in cell 4 of x.ipynb (counting from 1), In [5] of the failed notebook: "
                                   "ValueError: boom")


# --- the page -------------------------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html lang="vi"><head><title></title><style>.report-cover{}</style></head><body>
<main class="report"><div class="cell cell-output"><div class="report-cover"><h1>Dự án &amp; thử</h1></div></div>
<div class="cell cell-text"><h2 id="Bảo-hiểm">Bảo hiểm y tế<a class="anchor-link" href="#Bảo-hiểm">¶</a></h2>
<script src="https://cdn.example.org/require.js"></script><link rel="stylesheet" href="https://cdn.example.org/a.css">
<h3>Theo xã</h3><table><thead><tr><th>a</th></tr></thead><tbody><tr><td><table><tr><td>1</td></tr></table></td></tr>
</tbody></table></div><div class="cell cell-text"><h2>Bảo hiểm y tế</h2><h2 id="kept-id">Đakrông</h2></div>
<footer class="report-meta"></footer></main></body></html>"""


def test_finish_html_builds_the_table_of_contents_after_the_cover():
    page = finish_html(PAGE, "vi")
    ids = re.findall(r'<h[23] id="([^"]+)"', page)
    assert ids == ["bao-hiem-y-te", "theo-xa", "bao-hiem-y-te-2", "kept-id"]
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == ids
    assert "Mục lục" in toc
    assert page.index("report-cover") < page.index('<nav class="toc"') < page.index('id="bao-hiem-y-te"')
    assert "<title>Dự án &amp; thử</title>" in page


def test_finish_html_works_offline_and_scrolls_tables():
    page = finish_html(PAGE, "vi")
    assert "<script" not in page and "<link" not in page and "anchor-link" not in page
    assert not re.search(r"<(script|link)\b[^>]*(src|href)=[\"']?(https?:)?//", page)
    assert page.count('<div class="table-scroll">') == 1  # the nested table is not wrapped again
    assert re.search(r'<div class="table-scroll"><table>.*?</table></td></tr>\s*</tbody></table></div>', page, re.S)


def test_slug_is_ascii():
    assert render.slug("Người được phục vụ") == "nguoi-duoc-phuc-vu"
    assert render.slug("Đakrông") == "dakrong"
    assert render.slug("!!!") == "section"


def test_pdf_has_vietnamese_glyphs_exactly(tmp_path):
    from pypdf import PdfReader

    words = ["Bảo hiểm y tế", "Mường", "Hải Hậu", "Đakrông"]
    page = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>'
            + render.report_css() + '</style></head><body><main class="report">'
            + f"<h1>{words[0]}</h1><p>{', '.join(words[1:])}</p><table><thead><tr><th>{words[2]}</th></tr></thead>"
            + "".join(f"<tr><td>{words[3]} {i}</td></tr>" for i in range(80)) + "</table></main></body></html>")
    html_to_pdf = render.html_to_pdf
    html_to_pdf(page, tmp_path / "v.pdf")
    reader = PdfReader(tmp_path / "v.pdf")
    text = "\n".join(p.extract_text() for p in reader.pages)
    for word in words:
        assert word in text
    assert len(reader.pages) >= 2
    assert f"2 / {len(reader.pages)}" in reader.pages[1].extract_text()  # page numbers (none on the first page)
    assert reader.pages[1].extract_text().count(words[2]) >= 1  # the table header repeats on page 2


# --- CSV --------------------------------------------------------------------------------------------------------------


def test_csv_cell_neutralises_text_formulas_only():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+x") == "'+x" and csv_cell("-x") == "'-x" and csv_cell("@x") == "'@x"
    assert csv_cell("people_reached") == "people_reached"
    assert csv_cell(-0.0529) == -0.0529 and csv_cell(-3) == -3


def test_write_indicators_full_precision(tmp_path):
    values = {"coverage_change": -0.052912345678901234, "people_reached": 666, "=cmd": 1}
    write_indicators(values, tmp_path / "i.csv")
    text = (tmp_path / "i.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["measure", "value"]
    assert rows[1] == ["coverage_change", repr(-0.052912345678901234)]
    assert float(rows[1][1]) == -0.052912345678901234
    assert rows[2] == ["people_reached", "666"]
    assert rows[3][0] == "'=cmd"


# --- folders and the lock -------------------------------------------------------------------------------------------


def _folder(path: Path, **files: str) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


@pytest.mark.parametrize("exchange", [True, False])
def test_replace_folder_swaps_in_the_new_one(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(render, "_exchange", lambda a, b: False)
    final = _folder(tmp_path / "p", **{"report.html": "old", "stale.txt": "x"})
    new = _folder(tmp_path / ".p.tmp-1", **{"report.html": "new"})
    replace_folder(new, final)
    assert digest(final) == {"report.html": hashlib.sha256(b"new").hexdigest()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]
    replace_folder(_folder(tmp_path / ".p.tmp-2", a="1"), tmp_path / "q")  # no old folder
    assert (tmp_path / "q" / "a").read_text() == "1"


def test_tidy_puts_back_a_report_left_aside_and_removes_leftovers(tmp_path):
    _folder(tmp_path / ".p.old-1-2", **{"report.html": "good"})
    _folder(tmp_path / ".p.tmp-abc", **{"report.html": "half"})
    tidy(tmp_path, "p")
    assert (tmp_path / "p" / "report.html").read_text() == "good"
    assert leftovers(tmp_path) == []


def test_project_lock_makes_runs_take_turns(tmp_path):
    probe = ("import fcntl, sys\nh = open(sys.argv[1], 'a')\n"
             "try:\n    fcntl.flock(h, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
             "except BlockingIOError:\n    print('held')\n")
    lock = tmp_path / ".p.lock"
    with render.project_lock(tmp_path, "p"):
        held = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True).stdout
    free = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True).stdout
    assert (held.strip(), free.strip()) == ("held", "free")


# --- the index of a batch -------------------------------------------------------------------------------------------


def test_index_lists_reports_with_formatted_figures_and_failures(tmp_path):
    good = Outcome("cao-phong-2021", ok=True, folder=tmp_path / "cao-phong-2021",
                   titles={"vi": "Dự án Cao Phong", "en": "Cao Phong project"},
                   values={"people_reached": 1741540, "coverage_rate": 0.9238, "communes_reached": 2},
                   headline=["people_reached", "coverage_rate"])
    invalid = Outcome("broken", error="the data package is not valid (1 error(s))",
                      problems=["events.csv:2:participants: error: 'many' is not a whole number"])
    failed = Outcome("crashing", error="the report notebook failed",
                     failure=CellFailure(3, 5, "ValueError", "boom <b>", notebook="r.ipynb"),
                     failed_notebook=tmp_path / "crashing.failed.ipynb")
    _folder(tmp_path / "crashing", **{"report.html": "older"})
    for lang, figures in (("vi", ("1.741.540", "92,38%")), ("en", ("1,741,540", "92.38%"))):
        page = write_index(tmp_path, [failed, good, invalid], (lang,), ("html", "pdf")).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page
        assert all(figure in page for figure in figures)
        assert ("Dự án Cao Phong" if lang == "vi" else "Cao Phong project") in page
        assert 'href="cao-phong-2021/report.html"' in page and 'href="cao-phong-2021/report.pdf"' in page
        assert "Số xã có hoạt động" not in page and "Communes with events" not in page  # not a headline
        assert "events.csv:2:participants: error: &#39;many&#39; is not a whole number" in page
        assert "boom &lt;b&gt;" in page and 'href="crashing.failed.ipynb"' in page
        assert 'href="crashing/report.html"' in page  # the older report, still in place
        assert "<script" not in page and "<link" not in page and "http" not in page
    both = write_index(tmp_path, [good], ("vi", "en"), ("html",)).read_text(encoding="utf-8")
    assert 'href="cao-phong-2021/report.en.html"' in both and "report.pdf" not in both


# --- rendering ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def renderer():
    with Renderer(warm=True) as warm:
        yield warm


def job(out: Path, notebook: Path = MINIMAL, project: str = CAO_PHONG, folder: Path | None = None, **kw) -> Job:
    folder = folder or SAMPLES / project
    return Job(name=folder.name, out=out, notebook=notebook, folder=folder, **kw)


@pytest.fixture(scope="module")
def good(renderer, tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    outcome = renderer.render(job(out))
    assert outcome.ok, outcome.describe()
    return outcome


@pytest.mark.slow
def test_render_writes_every_file(good):
    assert good.files == ["indicators.csv", "report.html", "report.ipynb", "report.pdf"]
    assert sorted(p.name for p in good.folder.iterdir()) == good.files
    assert leftovers(good.folder.parent) == []


@pytest.mark.slow
def test_indicators_equal_compute(good):
    expected = compute(load_project(CAO_PHONG))
    with (good.folder / "indicators.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    got = {row["measure"]: (float(row["value"]) if isinstance(expected[row["measure"]], float) else int(row["value"]))
           for row in rows}
    assert got == expected


@pytest.mark.slow
def test_html_shows_outputs_only(good):
    page = (good.folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "<pre" not in page and "In&nbsp;[" not in page and "highlight" not in page
    assert "load_project(" not in page  # no code
    assert "a note for the log" not in page and "a warning no reader should see" not in page  # stderr, warnings
    assert "Health insurance: key results" not in page  # the other language's cells
    assert "Bảo hiểm y tế: kết quả chính" in page
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{100,}', page)
    assert not re.search(r"<(script|link)\b", page)
    assert "@media print" in page and "@page" in page and "max-width: 600px" in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in page


@pytest.mark.slow
def test_pdf_has_a_cover_and_page_numbers(good):
    from pypdf import PdfReader

    reader = PdfReader(good.folder / "report.pdf")
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 3  # cover, contents, sections
    title = load_project(CAO_PHONG).title("vi")
    assert " ".join(title.split()[:6]) in " ".join(pages[0].split())
    assert "Mục lục" not in pages[0]  # the cover is alone on its page
    assert f"2 / {len(pages)}" in pages[1]
    assert "Bảo hiểm y tế: kết quả chính" in "\n".join(pages)


@pytest.mark.slow
def test_executed_notebook_records_parameters_not_a_whole_notebook(good):
    executed = nbformat.read(good.folder / "report.ipynb", as_version=4)
    papermill = executed.metadata.papermill
    assert papermill["input_path"] == "tests/fixtures/notebooks/minimal_report.ipynb"
    assert papermill["output_path"] == "cao-phong-2021/report.ipynb"
    assert papermill["parameters"]["project"] == CAO_PHONG and papermill["parameters"]["lang"] == "vi"
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1


@pytest.mark.slow
def test_failing_notebook_keeps_the_old_report_and_the_failed_notebook(renderer, tmp_path):
    first = renderer.render(job(tmp_path, formats=("html",)))
    assert first.ok
    before = digest(first.folder)
    outcome = renderer.render(job(tmp_path, notebook=BROKEN, formats=("html",)))
    assert not outcome.ok
    assert digest(tmp_path / CAO_PHONG) == before
    assert outcome.failure.cell == 3 and outcome.failure.exec_count == 5
    assert (outcome.failure.ename, outcome.failure.evalue) == ("ValueError", f"deliberate failure for {CAO_PHONG}")
    assert "failed in cell 4 of broken_report.ipynb" in outcome.describe()
    assert outcome.failed_notebook == tmp_path / f"{CAO_PHONG}.failed.ipynb"
    failed = nbformat.read(outcome.failed_notebook, as_version=4)
    assert failed.metadata.papermill.exception is True
    assert any(o.get("ename") == "ValueError" for c in failed.cells for o in c.get("outputs", []))
    assert leftovers(tmp_path) == []
    again = renderer.render(job(tmp_path, formats=("html",)))
    assert again.ok and not outcome.failed_notebook.exists()  # a good run removes the stale failure


@pytest.mark.slow
def test_invalid_package_writes_nothing(renderer, tmp_path):
    package = tmp_path / "data" / HAI_HAU
    shutil.copytree(SAMPLES / HAI_HAU, package)
    out = tmp_path / "out"
    assert renderer.render(job(out, folder=package, formats=("html",))).ok
    before = digest(out / HAI_HAU)
    with (package / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("HN-2023-99,17/11/2023,Hải An,Hội nghị,Hội nghị thử,many\n")
    outcome = renderer.render(job(out, folder=package, formats=("html",)))
    assert not outcome.ok and "not valid" in outcome.error
    assert any(re.match(r"events\.csv:3:Số người tham dự: error: ", p) for p in outcome.problems)
    assert digest(out / HAI_HAU) == before and leftovers(out) == []
    assert not (out / f"{HAI_HAU}.failed.ipynb").exists()


@pytest.mark.slow
def test_no_scripts_links_bare_reprs_or_stderr(renderer, tmp_path):
    outcome = renderer.render(job(tmp_path, notebook=SCRIPTS, formats=("html",)))
    assert outcome.ok, outcome.describe()
    page = (outcome.folder / "report.html").read_text(encoding="utf-8")
    assert "kept" in page and "shown on stdout" in page and "Section one" in page
    assert "<script" not in page and "<link" not in page and "cdn.example.org" not in page
    assert "alert(" not in page
    assert page.count('class="output-text"') == 1  # the print; not the repr of 1 + 1


def _state(folder: Path) -> dict:
    executed = nbformat.read(folder / "report.ipynb", as_version=4)
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            if 'class="state"' in html:
                return json.loads(re.search(r">(\{.*\})<", html).group(1))
    raise AssertionError("no state output")


@pytest.mark.slow
def test_no_state_leaks_between_reports_in_a_warm_kernel(tmp_path):
    with Renderer(warm=True) as warm:
        first = warm.render(job(tmp_path, notebook=LEAKY, formats=("html",)))
        first_state = _state(first.folder)
        second = warm.render(job(tmp_path, notebook=LEAKY, project=HAI_HAU, formats=("html",)))
        assert warm.kernel is not None and warm.kernel.reports == 2  # the same kernel
    second_state = _state(second.folder)
    assert first_state["leftover"] is False and first_state["helpers_marked"] is False
    assert second_state == first_state


@pytest.mark.slow
def test_warm_and_fresh_kernels_give_the_same_report(renderer, tmp_path):
    warm = renderer.render(job(tmp_path / "warm", project=HAI_HAU, formats=("html",)))
    with Renderer(warm=False) as cold:
        fresh = cold.render(job(tmp_path / "fresh", project=HAI_HAU, formats=("html",)))

    def outputs(folder):
        executed = nbformat.read(folder / "report.ipynb", as_version=4)
        return [(c.get("execution_count"), [dict(o.get("data", {}), name=o.get("name")) for o in c.get("outputs", [])])
                for c in executed.cells if c.cell_type == "code"]

    assert outputs(warm.folder) == outputs(fresh.folder)


@pytest.mark.slow
def test_kernel_is_this_python_whatever_the_kernelspecs_say(tmp_path, monkeypatch):
    decoy = tmp_path / "kernels" / "python3"
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps({"argv": ["/nonexistent/python", "-m", "ipykernel_launcher",
                                                            "-f", "{connection_file}"], "display_name": "decoy",
                                                   "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with Kernel(tmp_path) as kernel:
        kernel.ready()
        assert kernel.run("import sys; print(sys.executable)").strip() == sys.executable


def test_render_module_imports_light():
    code = ("import sys, helpers.render, helpers.cli\n"
            "heavy = ('papermill', 'nbconvert', 'weasyprint', 'nbclient', 'matplotlib')\n"
            "print([m for m in heavy if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


# --- the command ----------------------------------------------------------------------------------------------------

WORKBOOK = [sys.executable, "-m", "helpers.cli", "report"]


@pytest.mark.slow
def test_command_invalid_package_exits_1_with_problem_lines(tmp_path):
    package = tmp_path / HAI_HAU
    shutil.copytree(SAMPLES / HAI_HAU, package)
    with (package / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("HN-2023-99,17/11/2023,Hải An,Hội nghị,Hội nghị thử,many\n")
    result = subprocess.run(WORKBOOK + [str(package), "--out", str(tmp_path / "out"), "--notebook", str(MINIMAL)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert re.search(r"^  events\.csv:3:Số người tham dự: error: .*many", result.stderr, re.M)
    assert not (tmp_path / "out" / HAI_HAU).exists()


@pytest.mark.parametrize("arguments, message", [
    (["--notebook", "nowhere.ipynb", CAO_PHONG], "no notebook at"),
    (["--notebook", str(MINIMAL)], "give a project id, a package folder, or --all"),
    (["--notebook", str(MINIMAL), "--all", CAO_PHONG], "not both"),
])
def test_command_usage_errors_exit_2(arguments, message):
    result = subprocess.run(WORKBOOK + arguments, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr


@pytest.mark.slow
def test_two_concurrent_runs_of_one_project_end_with_one_complete_report(tmp_path):
    runs = [subprocess.Popen(WORKBOOK + [CAO_PHONG, "--out", str(tmp_path), "--notebook", str(MINIMAL),
                                         "--format", "html", "--lang", lang], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for lang in ("vi", "en")]
    try:
        for run in runs:
            run.wait(timeout=180)
            assert run.returncode == 0, run.stderr.read()
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
    assert sorted(p.name for p in (tmp_path / CAO_PHONG).iterdir()) == ["indicators.csv", "report.html",
                                                                        "report.ipynb"]
    page = (tmp_path / CAO_PHONG / "report.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and re.search(r'<html lang="(vi|en)">', page)
    assert leftovers(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("batch", [False, True], ids=["one", "all"])
def test_interrupted_run_leaves_the_old_report(tmp_path, batch):
    data = tmp_path / "data"
    for project in (CAO_PHONG, HAI_HAU):
        shutil.copytree(SAMPLES / project, data / project)
    out = tmp_path / "out"
    _folder(out / CAO_PHONG, **{"report.html": "the good old report"})
    target = ["--all", "--jobs", "2"] if batch else [CAO_PHONG]
    # SIGINT as from a terminal, even when this test runs in the background (where it is ignored)
    run = subprocess.Popen(WORKBOOK + target + ["--data-dir", str(data), "--out", str(out), "--notebook", str(SLOW),
                                                "--no-progress"], stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob(".*.tmp-*"))) < (2 if batch else 1):
            assert run.poll() is None, run.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1)  # the slow cell is running
        run.send_signal(signal.SIGINT if batch else signal.SIGTERM)
        assert run.wait(timeout=30) == 130
    finally:
        if run.poll() is None:
            run.kill()
    assert "interrupted" in run.stderr.read()
    assert (out / CAO_PHONG / "report.html").read_text() == "the good old report"
    assert leftovers(out) == [] and not (out / HAI_HAU).exists()
