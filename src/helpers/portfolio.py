"""Every project of a data folder side by side: one tidy frame, a table, charts.

:func:`load_all` loads every package of a folder and computes every measure
of each: one row per project. A package that fails validation is a row too,
with ``status == "not_loaded"`` and its first error, and never stops the
others. A measure a project has no data for is blank (``<NA>``), never 0;
:func:`missing_notes` says why it is blank.

>>> from helpers import load_all
>>> frame = load_all()                                          # doctest: +SKIP
>>> frame.loc[frame.status == "loaded", ["project", "people_reached"]]   # doctest: +SKIP
>>> plot_rankings(frame, lang="vi")                             # doctest: +SKIP
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, fmt, plots
from .errors import ProjectNotFound
from .load import read_package
from .measures import MEASURES, compute

#: The columns of the side-by-side table, in order: reach, people served, who
#: they were, coverage and its change, money.
PORTFOLIO_MEASURES = (
    "people_reached",
    "people_served",
    "female_share_served",
    "minority_share_served",
    "near_poor_share_served",
    "coverage_rate",
    "coverage_change",
    "budget_execution",
    "cost_per_person_reached",
    "cost_per_person_served",
)

#: The side-by-side table in two parts that fit a page: who was reached, then coverage and money.
PEOPLE_MEASURES = PORTFOLIO_MEASURES[:5]
COVERAGE_MONEY_MEASURES = PORTFOLIO_MEASURES[5:]

#: Short column headers of :func:`portfolio_table` (the full label is ``MEASURES[name].label``).
SHORT_LABELS = {
    "people_reached": {"vi": "Lượt tiếp cận", "en": "Reached"},
    "people_served": {"vi": "Người được phục vụ", "en": "Served"},
    "female_share_served": {"vi": "Nữ", "en": "Women"},
    "minority_share_served": {"vi": "DTTS", "en": "Minority"},
    "near_poor_share_served": {"vi": "Cận nghèo", "en": "Near-poor"},
    "coverage_rate": {"vi": "Bao phủ BHYT", "en": "Coverage"},
    "coverage_change": {"vi": "Thay đổi bao phủ", "en": "Coverage change"},
    "budget_execution": {"vi": "Giải ngân", "en": "Budget spent"},
    "cost_per_person_reached": {"vi": "Chi phí / lượt", "en": "Cost / reached"},
    "cost_per_person_served": {"vi": "Chi phí / người", "en": "Cost / served"},
}

#: Columns of :func:`load_all` before the measures.
INFO_COLUMNS = ("project", "title", "province", "donor", "period_start", "period_end", "status", "first_error",
                "n_errors", "n_warnings", "has_events", "has_services", "has_coverage", "has_budget", "budget")

TABLES = ("events", "services", "coverage", "budget")

_WORDS = {
    "project": {"vi": "Dự án", "en": "Project"},
    "title": {"vi": "Tên dự án", "en": "Title"},
    "first_error": {"vi": "Lỗi đầu tiên", "en": "First error"},
    "n_errors": {"vi": "Số lỗi", "en": "Errors"},
    "blank": {"vi": "Để trống", "en": "Left blank"},
    "why": {"vi": "Lý do", "en": "Why"},
    "no_data": {"vi": "không có số liệu", "en": "no data"},
    "not_shown": {"vi": "Không thể hiện (thiếu số liệu)", "en": "Not shown (no data)"},
    "scatter_title": {"vi": "Chi phí trên mỗi người so với số người được tiếp cận",
                      "en": "Cost per person against reach"},
    "log_scale": {"vi": "thang logarit", "en": "log scale"},
    "points": {"vi": "điểm phần trăm", "en": "percentage points"},
    "none": {"vi": "Không có.", "en": "None."},
    "rankings": {"vi": "Xếp hạng các dự án theo từng chỉ số", "en": "Projects ranked on each measure"},
}

#: Why a column is blank, by cause.
_REASONS = {
    "no_events": {"vi": "không có bảng hoạt động (events)", "en": "no events table"},
    "no_services": {"vi": "không có bảng dịch vụ theo người (services)", "en": "no services table"},
    "no_coverage": {"vi": "không có bảng bao phủ (coverage)", "en": "no coverage table"},
    "no_budget_table": {"vi": "không có bảng ngân sách (budget)", "en": "no budget table"},
    "no_budget_total": {"vi": "project.yml không có tổng kinh phí (budget)", "en": "no total budget in project.yml"},
    "one_date": {"vi": "số liệu bao phủ chỉ có một thời điểm", "en": "coverage measured at one date only"},
    "not_recorded": {"vi": "không ghi giới tính / dân tộc / loại hộ", "en": "sex / ethnicity / household not recorded"},
    "no_people": {"vi": "số người bằng 0", "en": "no people to divide by"},
    "no_intervention": {"vi": "bảng bao phủ không có địa bàn can thiệp", "en": "no intervention area in coverage"},
}


# --- loading ------------------------------------------------------------------------


def _is_count(name: str) -> bool:
    return MEASURES[name].kind == "count"


def load_all(data_dir: str | Path | None = None, lang: str = "en") -> pd.DataFrame:
    """Load every data package of a folder and compute every measure: one row per project.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder of packages; default ``data/projects`` (``WORKBOOK_DATA_DIR`` overrides).
    lang : {"vi", "en"}
        Language of the ``title`` column.

    Returns
    -------
    pandas.DataFrame
        One row per sub-folder, sorted by id. Columns :data:`INFO_COLUMNS`
        (``status`` is ``"loaded"`` or ``"not_loaded"``; ``first_error`` is the
        first validation error of a package that did not load; ``has_<table>``
        says which tables the package has; ``budget`` is project.yml's total),
        then one column per measure of :data:`helpers.measures.MEASURES`:
        counts as ``Int64``, the rest as ``Float64``, ``<NA>`` where the
        project lacks the inputs (never 0).

    Raises
    ------
    ProjectNotFound
        ``data_dir`` is not a folder.

    Examples
    --------
    >>> from helpers import load_all
    >>> frame = load_all()                                               # doctest: +SKIP
    >>> frame[["project", "status", "people_reached", "coverage_change"]]  # doctest: +SKIP
    >>> frame.set_index("project").loc["cao-phong-2021", "people_examined"]   # doctest: +SKIP
    521
    """
    base = Path(data_dir) if data_dir is not None else config.DATA_DIR
    if not base.is_dir():
        raise ProjectNotFound(f"'{base}' is not a folder: give the folder that holds the project packages")
    folders = sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    rows = []
    for folder in folders:
        project, problems = read_package(folder)
        errors = [p for p in problems if p.is_error]
        row: dict = {"project": folder.name, "n_errors": len(errors), "n_warnings": len(problems) - len(errors)}
        if project is None:
            row.update(status="not_loaded", first_error=str(errors[0]) if errors else "")
            rows.append(row)
            continue
        meta = project.meta
        period = meta.get("period") or {}
        row.update(
            project=project.id, title=project.title(lang), province=meta.get("province"), donor=meta.get("donor"),
            period_start=period.get("start"), period_end=period.get("end"), status="loaded", first_error="",
            budget=meta.get("budget"),
            **{f"has_{t}": project.table(t) is not None for t in TABLES},
        )
        row.update(compute(project))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(INFO_COLUMNS) + list(MEASURES))
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("n_errors", "n_warnings"):
        frame[column] = frame[column].astype("Int64")
    for table in TABLES:
        frame[f"has_{table}"] = frame[f"has_{table}"].astype("boolean")
    frame["budget"] = frame["budget"].astype("Float64")
    for name in MEASURES:
        frame[name] = frame[name].astype("Int64" if _is_count(name) else "Float64")
    return frame


def loaded(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`load_all` whose package loaded."""
    return frame[frame["status"] == "loaded"].reset_index(drop=True)


def not_loaded(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Packages that failed validation: project, first error, number of errors (labelled in ``lang``)."""
    failed = frame.loc[frame["status"] != "loaded", ["project", "first_error", "n_errors"]]
    return failed.rename(columns={c: _WORDS[c][lang] for c in failed.columns}).reset_index(drop=True)


def load_summary(frame: pd.DataFrame, lang: str = "en") -> str:
    """One sentence: how many packages, how many loaded, how many did not.

    >>> frame = pd.DataFrame({"status": ["loaded", "loaded", "not_loaded"]})
    >>> load_summary(frame, "en")
    '3 data packages: 2 loaded, 1 not loaded (listed below with its first error).'
    >>> load_summary(frame.iloc[:2], "vi")
    '2 gói dữ liệu: cả 2 gói đều đọc được.'
    """
    total = len(frame)
    ok = int((frame["status"] == "loaded").sum())
    failed = total - ok
    if lang == "vi":
        if not failed:
            return f"{total} gói dữ liệu: cả {ok} gói đều đọc được."
        return (f"{total} gói dữ liệu: {ok} gói đọc được, {failed} gói không đọc được vì lỗi "
                "(liệt kê bên dưới cùng lỗi đầu tiên).")
    if not failed:
        return f"{total} data package{'s' if total != 1 else ''}: all loaded."
    return (f"{total} data packages: {ok} loaded, {failed} not loaded "
            f"(listed below with {'its' if failed == 1 else 'their'} first error).")


# --- the table ----------------------------------------------------------------------


def format_value(value, kind: str, lang: str = "en") -> str:
    """A measure's value as text in ``lang`` (through :mod:`helpers.fmt`); blank when missing, never 0.

    Shares and rates get one decimal, changes are in percentage points, and
    money of a million or more is written in words (``2,55 triệu VND``).

    >>> format_value(0.6526, "share", "vi"), format_value(1741540, "count", "vi")
    ('65,3%', '1.741.540')
    >>> format_value(0.0529, "change", "en"), format_value(None, "count", "en")
    ('+5.3\xa0points', '')
    """
    if fmt.is_missing(value):
        return ""
    if kind in ("share", "rate"):
        return fmt.percent(value, lang, 1)
    if kind == "change":
        return fmt.points(value, lang, 1, short=True)
    if kind == "money":
        return fmt.money(value, lang, compact=True)
    return fmt.value(value, kind, lang)


def portfolio_table(frame: pd.DataFrame, lang: str = "en", measures=PORTFOLIO_MEASURES,
                    short: bool = False) -> pd.DataFrame:
    """The loaded projects side by side, formatted for reading, headers in ``lang``.

    A project without the data for a column has a blank cell there (see
    :func:`missing_notes` for why).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`load_all`.
    lang : {"vi", "en"}
    measures : sequence of str
        Measure names, in column order; default :data:`PORTFOLIO_MEASURES`
        (:data:`PEOPLE_MEASURES` and :data:`COVERAGE_MONEY_MEASURES` are its
        two halves, each narrow enough for a page).
    short : bool, default False
        Head the columns with :data:`SHORT_LABELS` instead of the measures' full labels.

    Returns
    -------
    pandas.DataFrame
        Text cells, indexed by project id.

    Examples
    --------
    >>> portfolio_table(load_all(), lang="vi")     # doctest: +SKIP
    """
    rows = loaded(frame)
    table = pd.DataFrame(index=pd.Index(rows["project"], name=_WORDS["project"][lang]))
    for name in measures:
        measure = MEASURES[name]
        label = SHORT_LABELS[name][lang] if short and name in SHORT_LABELS else measure.label[lang]
        table[label] = [format_value(v, measure.kind, lang) for v in rows[name]]
    return table


def _why_blank(row: pd.Series, name: str) -> str:
    """The cause (a key of _REASONS) of a blank measure in a loaded project's row."""
    if name in ("people_reached", "events_held", "communes_reached"):
        return "no_events"
    if name.startswith("people_") or "_share_" in name:
        return "no_services" if not row["has_services"] else "not_recorded"
    if name.startswith("coverage") or name in ("people_to_mobilise", "plan_achievement", "renewals_due"):
        if not row["has_coverage"]:
            return "no_coverage"
        return "one_date" if name in ("coverage_change", "coverage_did") else "no_intervention"
    if name.startswith("budget_"):
        return "no_budget_table"
    if name.startswith("cost_per_person"):
        if pd.isna(row["budget"]):
            return "no_budget_total"
        table = "events" if name.endswith("reached") else "services"
        return f"no_{table}" if not row[f"has_{table}"] else "no_people"
    return "not_recorded"


def missing_notes(frame: pd.DataFrame, lang: str = "en", measures=PORTFOLIO_MEASURES) -> pd.DataFrame:
    """Why cells of :func:`portfolio_table` are blank: one row per project and cause.

    Returns
    -------
    pandas.DataFrame
        Columns project, the blank columns (labels in ``lang``, joined), why.
        Empty when no cell is blank.

    Examples
    --------
    >>> missing_notes(load_all(), "en")    # doctest: +SKIP
    """
    notes = []
    for _, row in loaded(frame).iterrows():
        by_reason: dict[str, list[str]] = {}
        for name in measures:
            if pd.isna(row[name]):
                by_reason.setdefault(_why_blank(row, name), []).append(MEASURES[name].label[lang])
        for reason, labels in by_reason.items():
            notes.append((row["project"], "; ".join(labels), _REASONS[reason][lang]))
    columns = [_WORDS["project"][lang], _WORDS["blank"][lang], _WORDS["why"][lang]]
    return pd.DataFrame(notes, columns=columns)


def table(frame: pd.DataFrame, lang: str = "en"):
    """A table shown the way the reports show tables: every cell whole, numbers right-aligned.

    Notebooks call it on the tables of this module and of
    :mod:`helpers.evaluation` (pandas would cut long cells and show its own
    row numbers). An empty table is one line saying there is nothing.

    Returns
    -------
    IPython.display.HTML

    Examples
    --------
    >>> table(missing_notes(load_all(), "vi"), "vi")     # doctest: +SKIP
    """
    import re

    from IPython.display import HTML

    from .report import html_table, paragraph

    if frame.empty:
        return HTML(paragraph(_WORDS["none"][lang], "note"))
    cells = frame.astype(object).where(frame.notna(), "").astype(str)
    number = re.compile(r"^[+\-−]?\d")
    numeric = {c for c in cells.columns if cells[c].ne("").any() and cells[c][cells[c].ne("")].str.match(number).all()}
    return HTML(html_table(cells, numeric=numeric, index_label=frame.index.name))


# --- charts -------------------------------------------------------------------------

_MISSING_COLOUR = "#777777"


def chart(*figures, alt: str | None = None):
    """A Figure shown the way the reports show charts: an embedded SVG in the report's style.

    Notebooks call it on what a plotting function returns, so that a rendered
    report (``workbook report --notebook ...``) keeps every chart, sharp in
    the PDF. At the prompt a Figure can also be used directly
    (``fig.savefig("chart.png")``).

    Parameters
    ----------
    *figures : matplotlib.figure.Figure
        One or more figures, shown one under the other.
    alt : str, optional
        Text for readers who cannot see the chart; default: each figure's titles.

    Returns
    -------
    IPython.display.HTML

    Examples
    --------
    >>> chart(plot_ranking(load_all(), "people_reached", lang="vi"))    # doctest: +SKIP
    """
    from IPython.display import HTML

    from .report import chart as chart_html

    shown = []
    for figure in figures:
        text = alt
        if text is None:
            titles = [figure._suptitle.get_text()] if getattr(figure, "_suptitle", None) else []
            titles += [ax.get_title(loc="left") or ax.get_title() for ax in figure.axes if ax.get_visible()]
            text = "; ".join(t for t in titles if t)
        shown.append(chart_html(figure, text))
    return HTML("".join(shown))


def _axis_formatter(kind: str, lang: str):
    from matplotlib.ticker import FuncFormatter

    def label(value, _position):
        if kind in ("share", "rate"):
            return fmt.percent(value, lang, 0)
        if kind == "change":
            return fmt.decimal(value * 100, lang, 0, sign=True)
        if abs(value) >= 1e6:
            return fmt.decimal(value / 1e6, lang, 1, trim=True) + (" tr" if lang == "vi" else "M")
        return fmt.number(value, lang)

    return FuncFormatter(label)


def _draw_ranking(ax, frame: pd.DataFrame, name: str, lang: str) -> None:
    measure = MEASURES[name]
    rows = loaded(frame)[["project", name]]
    present = rows[rows[name].notna()].sort_values(name, ascending=True, kind="stable")
    missing = rows[rows[name].isna()]
    labels = list(missing["project"]) + list(present["project"])
    values = present[name].astype(float).to_numpy()
    positions = np.arange(len(labels))
    ax.barh(positions[len(missing):], values, color=plots.DARK)
    for y in positions[:len(missing)]:
        ax.text(0.02, y, _WORDS["no_data"][lang], va="center", ha="left", color=_MISSING_COLOUR, fontsize=8,
                style="italic", transform=ax.get_yaxis_transform())
    for y, value in zip(positions[len(missing):], values):
        ax.text(value, y, " " + format_value(value, measure.kind, lang), va="center",
                ha="left" if value >= 0 else "right", fontsize=7)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_ylim(-0.6, max(len(labels), 1) - 0.4)
    if measure.kind == "change":
        ax.set_xlabel(_WORDS["points"][lang], fontsize=8)
    ax.set_title(measure.label[lang], fontsize=9)
    ax.xaxis.set_major_formatter(_axis_formatter(measure.kind, lang))
    ax.axvline(0, color=plots.INK, linewidth=0.6)
    if measure.kind in ("share", "rate") and (not len(values) or 0 <= values.min() and values.max() <= 1):
        ax.set_xlim(0, 1.3)  # room for the value labels; ticks stop at 100%
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    elif len(values):
        low, high = min(0.0, values.min()), max(0.0, values.max())
        ax.set_xlim(low - 0.05 * (high - low or 1), high + 0.35 * (high - low or 1))  # room for value labels


def plot_ranking(frame: pd.DataFrame, measure: str, lang: str = "en"):
    """Projects ranked on one measure, largest at the top; a project without data says so (no bar).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`load_all`.
    measure : str
        A measure name (see ``helpers.measures.MEASURES``).
    lang : {"vi", "en"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_ranking(load_all(), "people_reached", lang="vi")   # doctest: +SKIP
    >>> fig.savefig("reach.png")                                      # doctest: +SKIP
    """
    if measure not in MEASURES:
        raise KeyError(f"unknown measure {measure!r}; measures are: {', '.join(MEASURES)}")
    n = max(1, int((frame["status"] == "loaded").sum()))
    figure = plots.new_figure(height=0.24 * n + 0.9)
    with plots.style():
        _draw_ranking(figure.add_subplot(), frame, measure, lang)
    return figure


def plot_rankings(frame: pd.DataFrame, measures=PORTFOLIO_MEASURES, lang: str = "en", columns: int = 2):
    """One ranking panel per measure (default: the portfolio's headline measures), in one Figure.

    Examples
    --------
    >>> plot_rankings(load_all(), lang="en")     # doctest: +SKIP
    """
    measures = list(measures)
    n = max(1, int((frame["status"] == "loaded").sum()))
    grid_rows = math.ceil(len(measures) / columns)
    figure = plots.new_figure(height=grid_rows * (0.3 * n + 0.9))
    with plots.style():
        axes = figure.subplots(grid_rows, columns, squeeze=False)
        for ax, name in zip(axes.flat, measures):
            _draw_ranking(ax, frame, name, lang)
        for ax in list(axes.flat)[len(measures):]:
            ax.set_visible(False)
        figure.suptitle(_WORDS["rankings"][lang], fontsize=11, fontweight="bold")
    return figure


def plot_cost_vs_reach(frame: pd.DataFrame, lang: str = "en", cost: str = "cost_per_person_reached",
                       reach: str = "people_reached"):
    """Scatter of cost per person against reach, one labelled point per project.

    Axes are logarithmic when the values span more than a factor of 100
    (sample projects reach from under a hundred to over a million people).
    Projects lacking either value are named under the chart, not drawn at 0.

    Examples
    --------
    >>> plot_cost_vs_reach(load_all(), lang="vi")     # doctest: +SKIP
    """
    rows = loaded(frame)[["project", reach, cost]]
    present = rows.dropna()
    missing = rows.loc[rows[[reach, cost]].isna().any(axis=1), "project"].tolist()
    figure = plots.new_figure(height=4.4)
    with plots.style():
        ax = figure.add_subplot()
        x = present[reach].astype(float).to_numpy()
        y = present[cost].astype(float).to_numpy()
        ax.scatter(x, y, s=40, color=plots.DARK, zorder=3)
        for px, py, name in zip(x, y, present["project"]):
            ax.annotate(name, (px, py), xytext=(4, 4), textcoords="offset points", fontsize=8)
        suffix = {}
        for axis, values, name in (("x", x, reach), ("y", y, cost)):
            logarithmic = len(values) > 1 and values.min() > 0 and values.max() / values.min() > 100
            getattr(ax, f"set_{axis}scale")("log" if logarithmic else "linear")
            suffix[axis] = f" ({_WORDS['log_scale'][lang]})" if logarithmic else ""
            getattr(ax, f"{axis}axis").set_major_formatter(_axis_formatter(MEASURES[name].kind, lang))
        ax.set_xlabel(MEASURES[reach].label[lang] + suffix["x"])
        ax.set_ylabel(MEASURES[cost].label[lang] + (" (đ)" if lang == "vi" else " (VND)") + suffix["y"])
        ax.set_title(_WORDS["scatter_title"][lang])
        ax.grid(True)
        ax.set_axisbelow(True)
        if len(x):
            ax.margins(0.15)
        if missing:  # as a legend entry without a marker, placed where no point is
            from matplotlib.lines import Line2D

            note = f"{_WORDS['not_shown'][lang]}:\n" + "\n".join(missing)
            ax.legend([Line2D([], [], linestyle="none")], [note], loc="best", handlelength=0, handletextpad=0,
                      fontsize=8, labelcolor=_MISSING_COLOUR, frameon=False)
    return figure
