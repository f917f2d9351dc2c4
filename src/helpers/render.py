"""Render evaluation reports: run a parameterized notebook, export HTML and an A4 PDF.

The ``workbook report`` command and its API::

    workbook report cao-phong-2021                  # Vietnamese, HTML + PDF, into reports/cao-phong-2021/
    workbook report cao-phong-2021 --lang en --format html
    workbook report --all --jobs 2                  # every package of data/projects, and reports/index.html

For each project, ``<out>/<id>/`` receives ``report.html``, ``report.pdf``,
``report.ipynb`` (the executed notebook) and ``indicators.csv`` (``measure,value``
at full precision: the figures the report displays in its record, checked
against :func:`helpers.measures.compute`). With two languages the second
one's files are ``report.en.html`` and so on. See docs/report.md.

From Python::

    >>> from helpers.render import DEFAULT_NOTEBOOK, Job, Renderer, render_many
    >>> job = Job(name="cao-phong-2021", out=Path("reports").resolve(), notebook=DEFAULT_NOTEBOOK,
    ...           folder=Path("data/projects/cao-phong-2021").resolve(), langs=("vi", "en"))
    >>> with Renderer() as renderer:                   # doctest: +SKIP
    ...     outcome = renderer.render(job)
    >>> outcome.ok, outcome.files                       # doctest: +SKIP
    (True, ['indicators.csv', 'report.en.html', 'report.en.ipynb', 'report.en.pdf', 'report.html', ...])
    >>> outcomes = render_many([job], workers=2)        # doctest: +SKIP

How a run is kept safe:

- the package is validated first (:func:`helpers.load.read_package`); an
  invalid package is reported as ``file:row:column: message`` and nothing is
  written;
- everything is written into a hidden ``<out>/.<id>.tmp-*`` folder and moved
  into place only when every file was made (an atomic exchange where the
  system has one), so a failed, invalid or interrupted run never replaces
  or damages the previous report;
- a lock file per project (``<out>/.<id>.lock``) makes two concurrent runs of
  one project take turns: the last one's complete report stays;
- a notebook that fails keeps its executed part as ``<out>/<id>.failed.ipynb``
  and the failing cell is named with its error.

Speed: a kernel start (about 0.75 s) and the imports of the data stack (about
0.9 s) would dominate a report. Each process therefore keeps one IPython
kernel warm and reuses it for the projects it renders, resetting it between
them (namespace, ``helpers`` modules, matplotlib and pandas options, random
state, warnings filters, display formatters, working directory): a report
renders as it would in a fresh kernel, which the tests check.
``--fresh-kernel`` starts one kernel per project instead. Batches run in a
pool of processes (``--jobs``), each with its warm kernel.

Papermill, nbconvert and WeasyPrint are imported inside functions so that the
module (and ``workbook --help``) stays light.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import csv
import ctypes
import datetime as dt
import html as html_lib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import config
from .errors import WorkbookError

LANGS = ("vi", "en")
FORMATS = ("html", "pdf")
#: The report notebook rendered by default.
DEFAULT_NOTEBOOK = config.NOTEBOOKS_DIR / "project_report.ipynb"
#: Our nbconvert template (templates/report/) and the optional stylesheet of the report content.
TEMPLATE_NAME = "report"
CONTENT_CSS = "report_content.css"
KERNEL_NAME = "python3"
#: Seconds one cell may run before the project fails.
CELL_TIMEOUT = 600
#: A warm kernel is replaced after this many reports, to bound its memory.
MAX_REPORTS_PER_KERNEL = 100
#: Imported once per warm kernel, before the state that every report starts from is recorded.
WARM_IMPORTS = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "seaborn")
#: Cells with these tags are not shown (besides the cells of the other language, tagged ``lang-xx``).
HIDDEN_CELL_TAGS = {"remove-cell", "remove_cell", "hide-cell"}
HIDDEN_OUTPUT_TAGS = {"remove-output", "remove_output", "hide-output"}
#: The papermill engine registered by this module (a kernel the caller started).
ENGINE_NAME = "workbook-kernel"

#: The few words of the page frame; the report content has its own.
WORDS = {
    "contents": {"vi": "Mục lục", "en": "Contents"},
    "generated": {"vi": "Tạo lúc", "en": "Generated"},
    "by": {"vi": "bởi BHYT outreach evaluation workbook", "en": "by the BHYT outreach evaluation workbook"},
    "notebook": {"vi": "sổ tay", "en": "notebook"},
    "parameters": {"vi": "tham số", "en": "parameters"},
}


# --- jobs and outcomes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One report to render: a project package (or none, for a notebook without a ``project``
    parameter), the languages and formats, and where to write. Sent to worker processes."""

    name: str  # the output folder's name: the project id, or the notebook's stem
    out: Path
    notebook: Path
    folder: Path | None = None  # the package folder
    langs: tuple[str, ...] = ("vi",)
    formats: tuple[str, ...] = FORMATS
    min_cell: int = 5
    data_dir: Path | None = None  # only for notebooks without a package (e.g. a portfolio)
    timeout: int = CELL_TIMEOUT


@dataclass
class CellFailure:
    """Where a notebook failed: the cell of the source notebook, its ``In [n]`` and the error."""

    cell: int | None  # index in the source notebook (0-based); None for the injected parameters
    exec_count: int | None
    ename: str
    evalue: str
    source: str = ""  # first line of the failing cell
    lang: str = ""
    notebook: str = ""  # the source notebook's file name

    def __str__(self) -> str:
        if self.cell is None:
            where = "the injected parameters cell"
        else:
            where = f"cell {self.cell + 1}" + (f" of {self.notebook}" if self.notebook else "") + " (counting from 1)"
        if self.exec_count is not None:
            where += f", In [{self.exec_count}] of the failed notebook"
        lang = f" [{self.lang}]" if self.lang else ""
        text = f"failed in {where}{lang}: {self.ename}: {self.evalue}".rstrip(": ")
        if self.source:
            text += f"\n    {self.source}"
        return text


@dataclass
class Outcome:
    """What became of one :class:`Job` (picklable; returned by worker processes)."""

    name: str
    ok: bool = False
    folder: Path | None = None  # <out>/<name>, when ok
    files: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    headline: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # validation errors, file:row:column: message
    failure: CellFailure | None = None
    failed_notebook: Path | None = None
    error: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """Lines for a person: where the report is, or what went wrong and what was kept."""
        if self.ok:
            return f"{self.name}: {', '.join(self.files)} in {self.folder} ({self.seconds.get('total', 0):.1f} s)"
        lines = [f"{self.name}: {self.error}"]
        shown = self.problems[:20]
        lines += [f"  {problem}" for problem in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more (workbook validate {self.name})")
        if self.failure is not None:
            lines.append(f"  {self.failure}")
        if self.failed_notebook is not None:
            lines.append(f"  the executed part of the notebook is kept in {self.failed_notebook}")
        return "\n".join(lines)


def output_file(kind: str, lang: str, langs: Iterable[str]) -> str:
    """The file name of one output: ``report.html`` for the first language, ``report.en.html`` for others.

    >>> output_file("pdf", "vi", ("vi", "en")), output_file("pdf", "en", ("vi", "en"))
    ('report.pdf', 'report.en.pdf')
    """
    return f"report.{kind}" if lang == tuple(langs)[0] else f"report.{lang}.{kind}"


# --- notebooks --------------------------------------------------------------------------------------------------


def notebook_parameters(nb) -> list[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (empty when there is none)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            names = []
            for node in ast.parse(cell.source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                    if isinstance(node, ast.AnnAssign) else []
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            return names
    return []


def prepare_notebook(nb, lang: str):
    """A copy of ``nb`` with only the cells of ``lang``: cells tagged ``lang-<other>`` are dropped.

    Returns ``(notebook, kept)``, ``kept`` being the index in ``nb`` of each remaining cell.
    """
    other = {f"lang-{code}" for code in LANGS if code != lang}
    kept = [i for i, cell in enumerate(nb.cells) if not other & set(cell.metadata.get("tags", []))]
    prepared = copy.deepcopy(nb)
    prepared.cells = [prepared.cells[i] for i in kept]
    return prepared, kept


def _source_cell(executed_index: int, executed, kept: list[int]) -> int | None:
    """The index in the source notebook of cell ``executed_index`` of the executed notebook
    (counted as papermill counts it: with the injected-parameters cell, without error markers)."""
    cells = [c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if not 0 <= executed_index < len(cells):
        return None
    if "injected-parameters" in cells[executed_index].metadata.get("tags", []):
        return None
    position = sum("injected-parameters" not in c.metadata.get("tags", []) for c in cells[:executed_index])
    return kept[position] if position < len(kept) else None


def report_cells(nb, lang: str):
    """A copy of an executed notebook holding what a reader sees.

    Drops the cells of the other language and cells tagged ``remove-cell``;
    and from outputs: stderr streams (warnings go there), errors, Python
    reprs shown as the last value of a cell (``execute_result`` with only
    ``text/plain``, e.g. ``<Axes: ...>``), and the outputs of cells tagged
    ``remove-output``.
    """
    clean = copy.deepcopy(nb)
    other = {f"lang-{code}" for code in LANGS if code != lang}
    cells = []
    for cell in clean.cells:
        tags = set(cell.metadata.get("tags", []))
        if other & tags or HIDDEN_CELL_TAGS & tags or "papermill-error-cell-tag" in tags:
            continue
        if cell.cell_type == "code":
            if HIDDEN_OUTPUT_TAGS & tags:
                cell.outputs = []
            cell.outputs = [output for output in cell.outputs if _shown(output)]
        cells.append(cell)
    clean.cells = cells
    return clean


#: What the page shows of a display output, best first (no scripts, no widgets, no machine records).
SHOWN_TYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/latex", "text/plain")


def _shown(output) -> bool:
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") == "stdout" and bool(output.get("text", "").strip())
    if kind not in ("execute_result", "display_data"):
        return False
    types = set(output.get("data", {})) & set(SHOWN_TYPES)
    if kind == "execute_result" and types == {"text/plain"}:
        return False
    return bool(types)


def run_record(nb) -> dict | None:
    """The machine-readable record a report notebook displays (``helpers.report.record``:
    values, titles, headline measures), or None when it displays none."""
    from .report import RECORD_MIME

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if RECORD_MIME in output.get("data", {}):
                return dict(output["data"][RECORD_MIME])
    return None


# --- kernels ----------------------------------------------------------------------------------------------------


def _native_kernel_specs():
    """A kernel-spec manager whose ``python3`` is always this Python (``sys.executable``):
    a ``python3`` kernelspec elsewhere on the Jupyter path (e.g. in the user's home) would
    otherwise run another interpreter, without the workbook's packages."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class NativeKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name, *args, **kwargs):
            if kernel_name != KERNEL_NAME:
                return super().get_kernel_spec(kernel_name, *args, **kwargs)
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict

            return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    return NativeKernelSpecs()


_RESET_CODE = r'''
def _workbook_reset(cwd, imports):
    # Bring this kernel back to the state every report starts from (see helpers.render).
    import importlib, os, random, sys, types, warnings
    shell = get_ipython()
    state = sys.modules.get("_workbook_kernel_state")
    if state is None:
        for name in imports:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            # Load the inline backend now (matplotlib loads it with the first figure): it registers
            # the figure formatters, which must be in the state that every report starts from.
            pyplot.figure()
            pyplot.close("all")
        state = types.ModuleType("_workbook_kernel_state")
        state.environ = dict(os.environ)
        state.path = list(sys.path)
        state.filters = list(warnings.filters)
        state.random = random.getstate()
        numpy = sys.modules.get("numpy")
        state.numpy_random = numpy.random.get_state() if numpy else None
        matplotlib = sys.modules.get("matplotlib")
        state.rc = dict(matplotlib.rcParams.copy()) if matplotlib else None
        pandas = sys.modules.get("pandas")
        state.pandas = {}
        if pandas:
            try:
                registry = pandas._config.config
                state.pandas = {key: pandas.get_option(key) for key in registry._registered_options
                                if key not in registry._deprecated_options}
            except Exception:
                pass
        state.formatters = {mime: (f.enabled, dict(f.type_printers), dict(f.deferred_printers))
                            for mime, f in shell.display_formatter.formatters.items()}
        try:
            from matplotlib_inline.config import InlineBackend
            inline = InlineBackend.instance()
            state.inline = {name: getattr(inline, name) for name in inline.trait_names(config=True)}
        except Exception:
            state.inline = {}
        sys.modules["_workbook_kernel_state"] = state
    else:
        if sys.modules.get("matplotlib.pyplot"):
            sys.modules["matplotlib.pyplot"].close("all")
        for name in [m for m in sys.modules if m == "helpers" or m.startswith("helpers.")]:
            del sys.modules[name]
        os.environ.clear()
        os.environ.update(state.environ)
        sys.path[:] = state.path
        warnings.filters[:] = state.filters
        warnings._filters_mutated()
        random.setstate(state.random)
        if state.numpy_random is not None:
            sys.modules["numpy"].random.set_state(state.numpy_random)
        if state.rc is not None:
            dict.update(sys.modules["matplotlib"].rcParams, state.rc)
        pandas = sys.modules.get("pandas")
        for key, value in state.pandas.items():
            try:
                if pandas.get_option(key) != value:
                    pandas.set_option(key, value)
            except Exception:
                pass
        for mime, (enabled, printers, deferred) in state.formatters.items():
            formatter = shell.display_formatter.formatters.get(mime)
            if formatter is not None:
                formatter.enabled = enabled
                formatter.type_printers.clear()
                formatter.type_printers.update(printers)
                formatter.deferred_printers.clear()
                formatter.deferred_printers.update(deferred)
        if state.inline:
            from matplotlib_inline.config import InlineBackend
            inline = InlineBackend.instance()
            for name, value in state.inline.items():
                setattr(inline, name, value)
    os.chdir(cwd)
    shell.reset(new_session=True)
'''


#: Whether this process ever started a kernel (then it holds an event loop and sockets).
_KERNELS_STARTED = False


class KernelError(WorkbookError):
    """The kernel could not be started, reset or reached."""


class Kernel:
    """One IPython kernel of this Python, started once and reused for many notebooks.

    >>> with Kernel(Path("notebooks")) as kernel:        # doctest: +SKIP
    ...     kernel.reset(Path("notebooks"))              # a namespace as fresh as a new kernel's
    """

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)
        self.km = None
        self.kc = None
        self.reports = 0
        self.broken = False

    def launch(self) -> None:
        """Start the kernel process without waiting for it (so other work overlaps its start)."""
        global _KERNELS_STARTED
        if self.km is not None:
            return
        _KERNELS_STARTED = True
        import subprocess

        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_native_kernel_specs())
        run_sync(self.km.start_kernel)(
            cwd=str(self.cwd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # The data stack is imported while the kernel starts, in parallel with our own work.
            extra_arguments=["--HistoryManager.hist_file=:memory:",
                             f"--IPKernelApp.exec_lines=import {', '.join(WARM_IMPORTS)}"],
        )

    def ready(self) -> None:
        """Wait until the kernel answers."""
        from jupyter_core.utils import run_sync

        self.launch()
        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
            try:
                run_sync(self.kc.wait_for_ready)(timeout=60)
            except RuntimeError as exc:
                self.broken = True
                raise KernelError(f"the Python kernel did not start: {exc}") from exc

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def run(self, code: str, timeout: float = 120) -> str:
        """Execute ``code`` (not stored in the history) and return what it printed to stdout;
        raise KernelError if it fails."""
        from jupyter_core.utils import run_sync

        printed: list[str] = []

        def collect(message: dict) -> None:
            if message["header"]["msg_type"] == "stream" and message["content"].get("name") == "stdout":
                printed.append(message["content"]["text"])

        reply = run_sync(self.kc.execute_interactive)(code, store_history=False, allow_stdin=False,
                                                      timeout=timeout, output_hook=collect)
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelError(f"kernel code failed: {content.get('ename')}: {content.get('evalue')}")
        return "".join(printed)

    def reset(self, cwd: Path) -> None:
        """Empty namespace, no ``helpers`` modules, recorded library state, execution count 1."""
        self.ready()
        call = f"{_RESET_CODE}\n_workbook_reset({str(cwd)!r}, {list(WARM_IMPORTS)!r})\n"
        self.run(call)

    def close(self) -> None:
        from jupyter_core.utils import run_sync

        _cancel_pending_tasks()  # an interrupted execution leaves nbclient's tasks in the loop
        km, kc, self.km, self.kc = self.km, self.kc, None, None
        with contextlib.suppress(Exception):
            if kc is not None:
                kc.stop_channels()
        with contextlib.suppress(Exception):
            if km is not None:
                run_sync(km.shutdown_kernel)(now=True)

    def __enter__(self) -> "Kernel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cancel_pending_tasks() -> None:
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    with contextlib.suppress(Exception):
        loop = ensure_event_loop()
        if loop.is_running():
            return
        tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def _register_engine() -> None:
    """A papermill engine that executes in a kernel the caller started (``km``, ``kc``)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    if ENGINE_NAME in papermill_engines._engines:
        return

    class KernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     km=None, kc=None, labels=None, **kwargs):
            # Given a NotebookNode, papermill records the whole notebook as its input_path.
            nb_man.nb.metadata.papermill.update(labels or {})
            client = PapermillNotebookClient(
                nb_man, km=km, kernel_name=kernel_name, timeout=execution_timeout,
                startup_timeout=start_timeout, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            client.kc = kc  # reuse the caller's client: nbclient leaves it open as it does not own km
            return client.execute()

    papermill_engines.register(ENGINE_NAME, KernelEngine)


# --- HTML and PDF -----------------------------------------------------------------------------------------------


def report_css() -> str:
    """Our stylesheet, then the report content's (``templates/report_content.css``) if there is one."""
    parts = [(config.TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")]
    for candidate in (config.TEMPLATES_DIR / CONTENT_CSS, config.TEMPLATES_DIR / TEMPLATE_NAME / CONTENT_CSS):
        if candidate.is_file():
            parts.append(candidate.read_text(encoding="utf-8"))
    return "\n".join(parts)


def html_exporter():
    """nbconvert's HTMLExporter with our template: outputs and narrative only."""
    from nbconvert import HTMLExporter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter re-parses the whole page with BeautifulSoup to add alt texts and
            # tab stops for its own templates; ours writes alt itself, so skip that slow pass.
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = ReportExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(config.TEMPLATES_DIR)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        anchor_link_text="", exclude_anchor_links=True, embed_images=True,
    )
    exporter.display_data_priority = list(SHOWN_TYPES)
    return exporter


def notebook_to_html(nb, lang: str, exporter=None, title: str = "", footer: str = "") -> str:
    """The self-contained report page of an executed notebook (see :func:`report_cells`, :func:`finish_html`)."""
    exporter = exporter or html_exporter()
    clean = report_cells(nb, lang)
    from . import __version__

    resources = {"report": {"lang": lang, "title": title, "css": report_css(), "footer": footer,
                            "version": __version__}}
    body, _ = exporter.from_notebook_node(clean, resources=resources)
    return finish_html(body, lang, title)


_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1\s*>", re.I | re.S)
_ANCHOR_LINK = re.compile(r'<a\b[^>]*\bclass="anchor-link"[^>]*?/>|<a\b[^>]*\bclass="anchor-link"[^>]*>.*?</a>',
                          re.I | re.S)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>|<script\b[^>]*/>", re.I | re.S)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_ID_ATTR = re.compile(r"""\sid\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_TABLE_TOKEN = re.compile(r"<table\b|</table\s*>", re.I)
_CELL_START = '<div class="cell '
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)


def slug(text: str) -> str:
    """An ASCII anchor for a heading.

    >>> slug("Bảo hiểm y tế: kết quả chính"), slug("Đakrông 2024")
    ('bao-hiem-y-te-ket-qua-chinh', 'dakrong-2024')
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(_TAG.sub("", fragment)).split())


def finish_html(page: str, lang: str, title: str = "") -> str:
    """The last touches of a report page.

    Removes scripts and ``<link>`` tags (the page works offline, with no CDN);
    gives every h2/h3 an ASCII id and adds a table of contents of them after
    the cover block (or before the first section); wraps each table in a
    block that scrolls sideways on a phone; and titles the page after its
    first h1 when no ``title`` is given.
    """
    page = _LINK_TAG.sub("", _SCRIPT.sub("", page))  # the template itself has neither
    page = _ANCHOR_LINK.sub("", page)
    page = _wrap_tables(page)

    start = page.find("<main")
    starts = [m.start() for m in re.finditer(re.escape(_CELL_START), page)]
    cover_end = None
    for index, position in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else page.find("<footer", position)
        if "report-cover" in page[position:end]:
            cover_end = end
            break
    used: set[str] = set()
    entries: list[tuple[int, str, str]] = []

    def anchor(match: re.Match) -> str:
        level, attributes, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        if level not in (2, 3) or match.start() < start or (cover_end is not None and match.start() < cover_end):
            return match.group(0)
        text = _text(inner)
        existing = _ID_ATTR.search(attributes)
        name = existing.group(1).strip("'\"") if existing else ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name) or name in used:
            base = name = slug(text)
            counter = 2
            while name in used:
                name, counter = f"{base}-{counter}", counter + 1
        used.add(name)
        entries.append((level, name, text))
        attributes = _ID_ATTR.sub("", attributes)
        return f'<h{level} id="{name}"{attributes}>{inner}</h{level}>'

    page = _HEADING.sub(anchor, page)
    if entries:
        toc = _toc(entries, lang)
        if cover_end is not None:
            at = _next_cell(page, page.find("report-cover", page.find("<main")))
        else:
            at = page.rfind(_CELL_START, 0, page.find(f'id="{entries[0][1]}"'))
        if at < 0:
            at = page.find(">", start) + 1
        page = page[:at] + toc + page[at:]
    if not title:
        first = _H1.search(page, max(start, 0))
        title = _text(first.group(1)) if first else ""
    if title:
        page = _TITLE.sub(f"<title>{html_lib.escape(title)}</title>", page, count=1)
    return page


def _next_cell(page: str, position: int) -> int:
    at = page.find(_CELL_START, position)
    return at if at >= 0 else page.find("<footer", position)


def _toc(entries: list[tuple[int, str, str]], lang: str) -> str:
    parts = [f'<nav class="toc" aria-label="{WORDS["contents"][lang]}">',
             f'<h2 class="toc-title">{WORDS["contents"][lang]}</h2>', "<ol>"]
    open_sub = False
    for level, name, text in entries:
        link = f'<a href="#{name}">{html_lib.escape(text)}</a>'
        if level == 3:
            if not open_sub:
                parts.append("<ol>" if parts[-1].endswith("</a>") else "<li><ol>")
                open_sub = True
            parts.append(f"<li>{link}</li>")
            continue
        if open_sub:
            parts.append("</ol></li>")
            open_sub = False
        elif parts[-1].endswith("</a>"):
            parts.append("</li>")
        parts.append(f"<li>{link}")
    parts.append("</ol></li>" if open_sub else "</li>" if parts[-1].endswith("</a>") else "")
    parts += ["</ol>", "</nav>\n"]
    return "".join(parts)


def _wrap_tables(page: str) -> str:
    out, depth, last = [], 0, 0
    for match in _TABLE_TOKEN.finditer(page):
        closing = match.group(0).startswith("</")
        if not closing:
            if depth == 0:
                out += [page[last:match.start()], '<div class="table-scroll">']
                last = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                out += [page[last:match.end()], "</div>"]
                last = match.end()
    out.append(page[last:])
    return "".join(out)


def html_to_pdf(page: str, target: Path, base_url: Path | None = None) -> None:
    """Write the A4 PDF of a report page with WeasyPrint (the print rules of report.css)."""
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know (screen-only rules); not for readers.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    HTML(string=page, base_url=str(base_url or target.parent)).write_pdf(str(target))


def _footer(job: Job, lang: str, parameters: dict[str, Any]) -> str:
    from . import __version__

    now = dt.datetime.now().astimezone()
    shown = ", ".join(f"{key}={value}" for key, value in parameters.items() if key != "data_dir")
    return (f"{WORDS['generated'][lang]} {now:%Y-%m-%d %H:%M} {WORDS['by'][lang]} {html_lib.escape(__version__)}; "
            f"{WORDS['notebook'][lang]} {html_lib.escape(job.notebook.name)}; "
            f"{WORDS['parameters'][lang]}: {html_lib.escape(shown)}.")


# --- outputs on disk --------------------------------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    """A cell safe to open in a spreadsheet: text starting with ``= + - @`` (or a tab or carriage
    return) gets a leading ``'`` so it is not run as a formula; numbers are left as they are.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(-0.25), csv_cell("people_reached")
    ("'=HYPERLINK(1)", -0.25, 'people_reached')
    """
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def write_indicators(values: dict[str, Any], path: Path) -> None:
    """``measure,value`` for every computed measure, full precision (``repr`` of floats), as
    ``workbook measures --csv`` prints them."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["measure", "value"])
        for name, value in values.items():
            writer.writerow([csv_cell(name), repr(value) if isinstance(value, float) else csv_cell(value)])


@contextlib.contextmanager
def project_lock(out: Path, name: str) -> Iterator[None]:
    """Hold ``<out>/.<name>.lock`` (flock): runs of one project take turns."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    with open(out / f".{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tidy(out: Path, name: str) -> None:
    """With the project's lock held: put back a report left aside by a run that was killed
    between its two renames, and remove the temporary folders of killed runs."""
    final = out / name
    aside = sorted(out.glob(f".{name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not final.exists() and aside:
        os.rename(aside.pop(), final)
    for leftover in aside + list(out.glob(f".{name}.tmp-*")):
        shutil.rmtree(leftover, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def replace_folder(new: Path, final: Path) -> None:
    """Put the complete folder ``new`` at ``final``, atomically; the old ``final`` is deleted.

    Where the system cannot swap two folders in one step, the old one is
    renamed aside and the new one into place with SIGINT/SIGTERM held, and
    :func:`tidy` puts the old one back if a run was killed in between.
    """
    if not final.exists():
        os.rename(new, final)
        return
    if _exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # it holds the old report now
        return
    aside = final.with_name(f".{final.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    with _signals_held():
        os.rename(final, aside)
        os.rename(new, final)
    shutil.rmtree(aside, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


# --- rendering --------------------------------------------------------------------------------------------------


class Renderer:
    """Renders jobs one after another in this process.

    ``warm=True`` keeps one kernel for every job (reset in between); ``False``
    starts a kernel per job. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, warm: bool = True):
        self.warm = warm
        self.kernel: Kernel | None = None
        self._exporter = None
        self._notebooks: dict[Path, tuple[float, Any]] = {}

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

    def _kernel(self, cwd: Path) -> Kernel:
        kernel = self.kernel
        if kernel is not None and (kernel.broken or kernel.reports >= MAX_REPORTS_PER_KERNEL or not kernel.alive()):
            kernel.close()
            kernel = None
        if kernel is None:
            kernel = self.kernel = Kernel(cwd)
            kernel.launch()
        return kernel

    def _notebook(self, path: Path):
        import nbformat

        mtime = path.stat().st_mtime
        cached = self._notebooks.get(path)
        if cached is None or cached[0] != mtime:
            cached = self._notebooks[path] = (mtime, nbformat.read(path, as_version=4))
        return cached[1]

    def render(self, job: Job) -> Outcome:
        """Render one job; never raises for a bad package or a failing notebook (see :class:`Outcome`)."""
        started = time.perf_counter()
        outcome = Outcome(job.name)
        try:
            self._render(job, outcome)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - one project's failure is reported, not raised
            if self.kernel is not None:
                self.kernel.broken = True  # timeout, dead kernel...: start a clean one next time
            outcome.ok = False
            outcome.error = f"{type(exc).__name__}: {exc}".strip()
            if os.environ.get("WORKBOOK_DEBUG"):
                raise
        finally:
            if not self.warm:
                self.close()
        outcome.seconds["total"] = time.perf_counter() - started
        return outcome

    def _render(self, job: Job, outcome: Outcome) -> None:
        cwd = job.notebook.parent
        kernel = self._kernel(cwd)  # starts while the package is read
        values = None
        if job.folder is not None:
            from .load import read_package
            from .measures import compute

            project, problems = read_package(job.folder)
            if project is None:
                outcome.problems = [str(p) for p in problems if p.is_error]
                outcome.error = (f"the data package is not valid ({len(outcome.problems)} error(s)); "
                                 "no report was written and the previous one, if any, is unchanged")
                return
            outcome.titles = {lang: project.title(lang) for lang in LANGS}
            values = compute(project)
        import papermill
        from papermill.exceptions import PapermillExecutionError

        _register_engine()
        if self._exporter is None and set(job.formats) & {"html", "pdf"}:
            self._exporter = html_exporter()
        template = self._notebook(job.notebook)
        declared = notebook_parameters(template)
        job.out.mkdir(parents=True, exist_ok=True)
        with project_lock(job.out, job.name):
            tidy(job.out, job.name)
            tmp: Path | None = Path(tempfile.mkdtemp(prefix=f".{job.name}.tmp-", dir=job.out))
            try:
                for lang in job.langs:
                    parameters = {"lang": lang, "min_cell": job.min_cell}
                    if job.folder is not None:
                        parameters.update(project=job.folder.name, data_dir=str(job.folder.parent.resolve()))
                    elif job.data_dir is not None:
                        parameters["data_dir"] = str(Path(job.data_dir).resolve())
                    parameters = {k: v for k, v in parameters.items() if k in declared}
                    nb, kept = prepare_notebook(template, lang)
                    ipynb = tmp / output_file("ipynb", lang, job.langs)
                    clock = time.perf_counter()
                    kernel.reset(cwd)
                    kernel.reports += 1
                    try:
                        executed = papermill.execute_notebook(
                            nb, str(ipynb), parameters=parameters, engine_name=ENGINE_NAME,
                            kernel_name=KERNEL_NAME, language="python", progress_bar=False,
                            request_save_on_cell_execute=False, execution_timeout=job.timeout,
                            km=kernel.km, kc=kernel.kc,
                            labels={"input_path": _label(job.notebook),
                                    "output_path": f"{job.name}/{ipynb.name}"},
                        )
                    except PapermillExecutionError as exc:
                        shown_lang = lang if len(job.langs) > 1 else ""
                        outcome.failure = _failure(exc, ipynb, kept, shown_lang, job.notebook.name)
                        outcome.error = "the report notebook failed; the previous report, if any, is unchanged"
                        if ipynb.exists():
                            failed = job.out / f"{job.name}.failed.ipynb"
                            os.replace(ipynb, failed)
                            outcome.failed_notebook = failed
                        return
                    outcome.seconds[f"execute_{lang}"] = time.perf_counter() - clock
                    if lang == job.langs[0] and values is not None:
                        if not self._record(executed, values, outcome):
                            return
                        write_indicators(outcome.values, tmp / "indicators.csv")
                    clock = time.perf_counter()
                    page = notebook_to_html(executed, lang, self._exporter,
                                            footer=_footer(job, lang, parameters))
                    if "html" in job.formats:
                        (tmp / output_file("html", lang, job.langs)).write_text(page, encoding="utf-8")
                    outcome.seconds[f"html_{lang}"] = time.perf_counter() - clock
                    if "pdf" in job.formats:
                        clock = time.perf_counter()
                        html_to_pdf(page, tmp / output_file("pdf", lang, job.langs), base_url=tmp)
                        outcome.seconds[f"pdf_{lang}"] = time.perf_counter() - clock
                for path in tmp.iterdir():
                    os.chmod(path, 0o644)
                os.chmod(tmp, 0o755)
                final = job.out / job.name
                outcome.files = sorted(p.name for p in tmp.iterdir())
                replace_folder(tmp, final)
                tmp = None
                with contextlib.suppress(FileNotFoundError):
                    (job.out / f"{job.name}.failed.ipynb").unlink()
                outcome.ok, outcome.folder = True, final
            finally:
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)


    @staticmethod
    def _record(executed, values: dict, outcome: Outcome) -> bool:
        """Take the figures from the report's own record (what it shows), checked against
        :func:`helpers.measures.compute` of the validated package: one source of truth."""
        from .measures import MEASURES

        record = run_record(executed)
        if record is None:  # a notebook without a record: the package's figures
            outcome.values = dict(values)
            outcome.headline = [name for name in values if MEASURES[name].headline]
            return True
        shown = record.get("values") or {}
        if shown != values:
            differ = sorted(set(shown) ^ set(values) | {k for k in set(shown) & set(values) if shown[k] != values[k]})
            outcome.error = (f"the report shows other figures than compute() gives for {', '.join(differ)}; "
                             "nothing was written")
            return False
        outcome.values = dict(shown)
        outcome.headline = list(record.get("headline") or [])
        outcome.titles = dict(record.get("title") or outcome.titles)
        return True


def _label(path: Path) -> str:
    """A path as recorded in the executed notebook: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return Path(path).name


def _failure(exc, ipynb: Path, kept: list[int], lang: str, notebook: str = "") -> CellFailure:
    import nbformat

    cell = None
    if ipynb.exists():
        executed = nbformat.read(ipynb, as_version=4)
        cell = _source_cell(exc.cell_index, executed, kept)
    first_line = next((line.strip() for line in (exc.source or "").splitlines() if line.strip()), "")
    return CellFailure(cell, exc.exec_count, exc.ename, exc.evalue, first_line[:100], lang, notebook)


# --- batches ----------------------------------------------------------------------------------------------------

_WORKER: Renderer | None = None


def _stop(signum, frame):  # noqa: ARG001
    raise SystemExit(128 + signum)


def _worker_start(warm: bool) -> None:
    """In each pool process: Ctrl-C is the parent's to handle; SIGTERM unwinds (temporary folders
    are removed, the kernel is shut down)."""
    global _WORKER
    import multiprocessing.util

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    _WORKER = Renderer(warm=warm)
    multiprocessing.util.Finalize(_WORKER, _WORKER.close, exitpriority=10)


def _worker_render(job: Job) -> Outcome:
    try:
        return _WORKER.render(job)
    except BaseException:
        # SIGTERM from the parent (SystemExit): the pool would send this back as a result and
        # go on with the next job; stop instead, with the temporary folder already removed.
        _WORKER.close()
        os._exit(128 + signal.SIGTERM)


def render_many(jobs: list[Job], workers: int = 1, warm: bool = True, progress: bool = True) -> list[Outcome]:
    """Render every job, ``workers`` at a time (each process with its own warm kernel).

    A failing job never stops the others. The progress bar counts finished
    jobs. Returns the outcomes in the order of ``jobs``. Ctrl-C or SIGTERM
    stops the workers; their temporary folders are removed and the reports
    already in place are untouched.

    With ``workers`` > 1, in a process that has already rendered in-process,
    the worker processes import the main module, as multiprocessing does:
    call this from a script under ``if __name__ == "__main__":``.
    """
    from tqdm import tqdm

    outcomes: dict[int, Outcome] = {}
    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: worker processes may be forked after the bar starts

    bar = Bar(total=len(jobs), unit="report", desc="reports", disable=not progress or not jobs,
              file=sys.stderr, dynamic_ncols=True)

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        bar.update(1)
        if not outcome.ok and not bar.disable:
            bar.write(f"failed: {outcome.describe()}", file=sys.stderr)

    try:
        if workers <= 1 or len(jobs) <= 1:
            with Renderer(warm=warm) as renderer:
                for index, job in enumerate(jobs):
                    done(index, renderer.render(job))
        else:
            _render_in_pool(jobs, min(workers, len(jobs)), warm, done)
    finally:
        bar.close()
    return [outcomes.get(i) or Outcome(job.name, error="not rendered") for i, job in enumerate(jobs)]


def _render_in_pool(jobs: list[Job], workers: int, warm: bool, done) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # fork starts workers at once, with the modules this process loaded; but a process that ran
    # kernels holds an event loop and sockets that children must not share: forkserver then.
    method = "fork" if sys.platform == "linux" and not _KERNELS_STARTED else "forkserver"
    sys.stdout.flush()
    sys.stderr.flush()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_worker_start, initargs=(warm,))
    futures = {}
    try:
        futures = {pool.submit(_worker_render, job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the system
                outcome = Outcome(jobs[index].name, error=f"the worker process failed: {type(exc).__name__}: {exc}")
            done(index, outcome)
    except BaseException:
        for future in futures:
            future.cancel()
        processes = list(getattr(pool, "_processes", {}).values())  # no public way to stop running tasks
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=10)
        raise
    pool.shutdown(wait=True)


def package_folders(data_dir: Path) -> list[Path]:
    """Every package folder of ``data_dir`` (not hidden, not starting with ``_``), sorted."""
    if not data_dir.is_dir():
        from .errors import ProjectNotFound

        raise ProjectNotFound(f"'{data_dir}' is not a folder: give the folder that holds the project packages")
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


# --- the index of a batch ---------------------------------------------------------------------------------------

INDEX_WORDS = {
    "title": {"vi": "Báo cáo đánh giá các dự án BHYT", "en": "BHYT outreach evaluation reports"},
    "failed": {"vi": "Không tạo được báo cáo", "en": "Reports that could not be made"},
    "previous": {"vi": "báo cáo cũ vẫn giữ nguyên", "en": "the previous report is unchanged"},
    "notebook": {"vi": "sổ tay đã chạy đến chỗ lỗi", "en": "notebook run up to the error"},
    "summary": {"vi": "{ok} báo cáo, {failed} lỗi", "en": "{ok} report(s), {failed} failed"},
    "generated": WORDS["generated"],
    "language": {"vi": {"vi": "Tiếng Việt", "en": "Tiếng Anh"}, "en": {"vi": "Vietnamese", "en": "English"}},
}


def write_index(out: Path, outcomes: list[Outcome], langs: tuple[str, ...], formats: tuple[str, ...],
                notebook: Path | None = None) -> Path:
    """Write ``<out>/index.html``: every report with its title, headline figures and links,
    then the projects that failed with their errors. Self-contained (inline CSS, no scripts)."""
    import jinja2

    from . import __version__, fmt
    from .measures import MEASURES

    lang = langs[0]
    main_kind = "html" if "html" in formats else "pdf"
    projects, failures = [], []
    for outcome in sorted(outcomes, key=lambda o: o.name):
        if outcome.ok:
            headline = outcome.headline or [name for name in outcome.values if MEASURES[name].headline]
            figures = [(MEASURES[name].label[lang], fmt.value(outcome.values[name], MEASURES[name].kind, lang))
                       for name in headline if name in outcome.values and name in MEASURES]
            links = [(INDEX_WORDS["language"][lang][code],
                      [(kind.upper(), f"{outcome.name}/{output_file(kind, code, langs)}") for kind in formats])
                     for code in langs]
            projects.append({"id": outcome.name, "title": outcome.titles.get(lang) or outcome.name,
                             "figures": figures, "links": links,
                             "main": f"{outcome.name}/{output_file(main_kind, lang, langs)}"})
        else:
            previous = out / outcome.name / output_file(main_kind, lang, langs)
            failures.append({
                "id": outcome.name, "error": outcome.error, "problems": outcome.problems[:20],
                "more": max(0, len(outcome.problems) - 20),
                "failure": str(outcome.failure) if outcome.failure else "",
                "notebook": outcome.failed_notebook.name if outcome.failed_notebook else "",
                "previous": f"{outcome.name}/{previous.name}" if previous.exists() else "",
            })
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.TEMPLATES_DIR)), autoescape=True)
    page = environment.get_template("index.html.j2").render(
        lang=lang, words={key: words[lang] for key, words in INDEX_WORDS.items()},
        projects=projects, failures=failures, version=__version__,
        generated=f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M}",
        summary=INDEX_WORDS["summary"][lang].format(ok=len(projects), failed=len(failures)),
        notebook=notebook.name if notebook else "",
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    _write_atomically(path, page)
    return path


# --- the command ------------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?",
                        help="project id (a folder of --data-dir) or the path of a package folder")
    parser.add_argument("--all", action="store_true", help="render every package of --data-dir and write index.html")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of project packages (default: data/projects)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the reports (default: reports/)")
    parser.add_argument("--lang", choices=("vi", "en", "both"), default="vi",
                        help="language of the report; both = vi as report.*, en as report.en.* (default: vi)")
    parser.add_argument("--format", choices=("html", "pdf", "both"), default="both",
                        help="what to write besides report.ipynb and indicators.csv (default: both)")
    parser.add_argument("--min-cell", type=int, default=5,
                        help="groups smaller than this are not shown (small-cell suppression; default: 5)")
    parser.add_argument("--notebook", type=Path, default=None,
                        help="the parameterized notebook to render (default: notebooks/project_report.ipynb)")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                        help="projects rendered at once with --all (default: the CPUs, at most 4)")
    parser.add_argument("--fresh-kernel", action="store_true",
                        help="start a new kernel for every report instead of reusing one per process (slower)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds a notebook cell may run (default: {CELL_TIMEOUT})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from .load import resolve

    notebook = Path(args.notebook) if args.notebook else DEFAULT_NOTEBOOK
    if not notebook.is_file():
        hint = "" if args.notebook else " (the project report notebook is missing from this copy of the workbook)"
        print(f"workbook: no notebook at {notebook}{hint}; give one with --notebook", file=sys.stderr)
        return 2
    if args.all and args.project:
        print("workbook: give a project or --all, not both", file=sys.stderr)
        return 2
    if args.jobs < 1 or args.min_cell < 0 or args.timeout < 1:
        print("workbook: --jobs and --timeout must be at least 1, --min-cell at least 0", file=sys.stderr)
        return 2
    import nbformat

    wants_project = "project" in notebook_parameters(nbformat.read(notebook, as_version=4))
    if wants_project and not args.all and not args.project:
        print("workbook: give a project id, a package folder, or --all", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else config.REPORTS_DIR
    data_dir = Path(args.data_dir) if args.data_dir else config.DATA_DIR
    langs = LANGS if args.lang == "both" else (args.lang,)
    formats = FORMATS if args.format == "both" else (args.format,)
    common = dict(out=out.resolve(), notebook=notebook.resolve(), langs=langs, formats=formats,
                  min_cell=args.min_cell, timeout=args.timeout)
    if not wants_project:
        jobs = [Job(name=notebook.stem, data_dir=data_dir.resolve(), **common)]
    elif args.all:
        jobs = [Job(name=folder.name, folder=folder.resolve(), **common) for folder in package_folders(data_dir)]
    else:
        folder = resolve(args.project, args.data_dir).resolve()
        jobs = [Job(name=folder.name, folder=folder, **common)]

    previous = signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    try:
        outcomes = render_many(jobs, workers=args.jobs if args.all else 1, warm=not args.fresh_kernel,
                               progress=args.all and not args.no_progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    elapsed = time.perf_counter() - started
    if args.all:
        index = write_index(out, outcomes, langs, formats, notebook)
        return _summary(outcomes, out, index, elapsed)
    for outcome in outcomes:
        print(outcome.describe(), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if all(o.ok for o in outcomes) else 1


def _interrupt(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def _summary(outcomes: list[Outcome], out: Path, index: Path, elapsed: float) -> int:
    failed = [o for o in outcomes if not o.ok]
    ok = len(outcomes) - len(failed)
    print(f"{ok} of {len(outcomes)} report(s) written to {out} in {elapsed:.1f} s; index: {index}")
    if failed:
        print(f"{len(failed)} project(s) failed:", file=sys.stderr)
        for outcome in failed:
            print("  " + outcome.describe().replace("\n", "\n  "), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.render ...`` (the same as ``workbook report ...``)."""
    parser = argparse.ArgumentParser(prog="workbook report")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
