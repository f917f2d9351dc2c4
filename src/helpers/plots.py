"""The report's charts: one visual style, readable in black-and-white print.

Every function takes small tidy frames (made by :mod:`helpers.report`) and
``lang``, and returns a :class:`matplotlib.figure.Figure`. Figures are made
without pyplot, so nothing is kept in a global figure list and no seaborn or
notebook theme leaks in; the style is applied with ``rc_context`` when a figure
is built and again when it is drawn (:func:`to_svg`).

Series differ in lightness *and* pattern (solid dark, solid mid, solid light,
then white with hatching), so they stay apart when printed in grey.

>>> import pandas as pd
>>> frame = pd.DataFrame({"line": ["Đào tạo", "Truyền thông"], "planned": [226e6, 133e6],
...                       "disbursed": [221e6, 105e6]})
>>> fig = budget_lines(frame, lang="vi")
>>> fig.axes[0].get_title(loc="left")
'Dự toán và giải ngân theo hạng mục'
"""
from __future__ import annotations

import base64
import io
import textwrap
from contextlib import contextmanager

import numpy as np
import pandas as pd
from cycler import cycler

from . import fmt
from .i18n import activity_label, t

INK = "#1a1a1a"
DARK = "#1f3a5f"
MID = "#6f8fb5"
LIGHT = "#d3deeb"
GRID = "#d0d0d0"
TARGET = "#000000"

#: (face colour, hatch, edge colour) of the n-th series: lightness first, then patterns.
SERIES = (
    (DARK, "", DARK),
    (MID, "", MID),
    (LIGHT, "", "#7d8fa5"),
    ("#ffffff", "////", DARK),
    ("#ffffff", "....", DARK),
    ("#ffffff", "\\\\\\\\", "#444444"),
    ("#b3b3b3", "----", "#333333"),
    ("#ffffff", "xxxx", "#444444"),
)

STYLE = {
    "font.family": "DejaVu Sans",  # has every Vietnamese letter; ships with matplotlib
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.edgecolor": "#444444",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.facecolor": "#ffffff",
    "axes.prop_cycle": cycler(color=[s[0] for s in SERIES]),
    "figure.facecolor": "#ffffff",
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "hatch.linewidth": 0.7,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "text.color": INK,
    "axes.labelcolor": INK,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    # Text stays text: selectable and searchable in the PDF, a third of the size of outlines,
    # and WeasyPrint draws it with the same DejaVu Sans as the page (every Vietnamese letter).
    "svg.fonttype": "none",
    "svg.hashsalt": "bhyt-workbook",  # stable ids: the same chart gives the same SVG
    "figure.dpi": 100,
}

#: Width of a chart in inches (fits an A4 page with margins, and a phone screen when scaled).
WIDTH = 7.0


@contextmanager
def style():
    """The report's matplotlib style, for the duration of a ``with`` block."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def new_figure(height: float, width: float = WIDTH):
    """A Figure in the report's style, made without pyplot (no global state)."""
    from matplotlib.figure import Figure

    with style():
        return Figure(figsize=(width, height), layout="constrained")


def series_style(index: int) -> dict:
    """Keyword arguments for ``bar``/``barh`` of the n-th series (cycles after eight)."""
    face, hatch, edge = SERIES[index % len(SERIES)]
    return {"color": face, "hatch": hatch or None, "edgecolor": edge, "linewidth": 0.6}


def to_svg(figure) -> str:
    """The figure as an SVG document (text kept as text, in DejaVu Sans)."""
    buffer = io.StringIO()
    with style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def to_html(figure, alt: str) -> str:
    """An ``<img>`` with the figure as an embedded SVG data URI: self-contained, sharp in print."""
    import html

    svg = to_svg(figure).encode("utf-8")
    data = base64.b64encode(svg).decode("ascii")
    width_px = int(round(figure.get_figwidth() * 72))  # SVG user units are points
    return (f'<img class="chart" alt="{html.escape(alt, quote=True)}" width="{width_px}" '
            f'src="data:image/svg+xml;base64,{data}">')


def _wrap(label: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _percent_axis(axis, lang: str, digits: int = 0) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    # Steps of 1, 2 or 5 (× 10^n) only: a tick at 77.5 % must not be labelled "78%".
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.percent(v, lang, digits)))


def _number_axis(axis, lang: str) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.number(v, lang, 0 if float(v).is_integer() else 1)))


# --- activities ---------------------------------------------------------------------------


def events_by_month(counts: pd.DataFrame, lang: str = "vi"):
    """Events held per month, stacked by type of activity.

    Parameters
    ----------
    counts : pandas.DataFrame
        One row per month (index: the first day of the month), one column per
        activity code (``communication``, ``meeting``, ...), numbers of events.
    lang : {"vi", "en"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> months = pd.to_datetime(["2020-10-01", "2020-11-01"])
    >>> fig = events_by_month(pd.DataFrame({"meeting": [1, 0], "training": [2, 3]}, index=months), "en")
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['Meeting', 'Training']
    """
    fmt.check_lang(lang)
    figure = new_figure(height=3.0)
    with style():
        ax = figure.add_subplot()
        positions = np.arange(len(counts))
        bottom = np.zeros(len(counts))
        for index, activity in enumerate(counts.columns):
            values = counts[activity].to_numpy(dtype=float)
            ax.bar(positions, values, bottom=bottom, width=0.7, label=activity_label(activity, lang),
                   **series_style(index))
            bottom += values
        labels = [fmt.month(m, lang) for m in counts.index]
        step = max(1, int(np.ceil(len(labels) / 12)))
        ax.set_xticks(positions[::step], labels[::step], rotation=0 if len(labels) <= 8 else 45,
                      ha="center" if len(labels) <= 8 else "right")
        ax.set_ylabel(t("events", lang))
        _number_axis(ax.yaxis, lang)
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, axis="y")
        ax.set_axisbelow(True)
        ax.set_title(t("chart_events_by_month", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return figure


# --- people --------------------------------------------------------------------------------


def profile(panels: list[tuple[str, pd.DataFrame]], lang: str = "vi", title: str | None = None):
    """Who the people were: one panel per characteristic, a bar per category.

    Parameters
    ----------
    panels : list of (title, frame)
        Each frame has columns ``label`` (category as shown), ``share``
        (fraction, NaN when it may not be shown) and ``text`` (what to write
        at the end of the bar, e.g. ``"451 (62,8%)"`` or ``"<5"``).
    lang : {"vi", "en"}
    title : str, optional
        Title above the panels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> sex = pd.DataFrame({"label": ["Nữ", "Nam"], "share": [0.6, 0.4], "text": ["60 (60%)", "40 (40%)"]})
    >>> len(profile([("Giới tính", sex)], "vi").axes)
    1
    """
    fmt.check_lang(lang)
    rows = [len(frame) for _title, frame in panels]
    height = 0.6 + sum(0.26 * n + 0.55 for n in rows)
    figure = new_figure(height=height)
    with style():
        axes = figure.subplots(len(panels), 1, squeeze=False, height_ratios=[n + 1.2 for n in rows])[:, 0]
        for ax, (panel_title, frame) in zip(axes, panels):
            positions = np.arange(len(frame))[::-1]
            shares = pd.to_numeric(frame["share"], errors="coerce").to_numpy(dtype=float)
            ax.barh(positions, np.nan_to_num(shares), height=0.65, **series_style(0))
            for y, share, text in zip(positions, shares, frame["text"]):
                x = 0 if np.isnan(share) else share
                ax.text(x + 0.01, y, text, va="center", ha="left", fontsize=8,
                        color="#444444" if np.isnan(share) else INK)
            ax.set_yticks(positions, [_wrap(label, 28) for label in frame["label"]])
            ax.set_xlim(0, 1.22)
            ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
            _percent_axis(ax.xaxis, lang)
            ax.grid(True, axis="x")
            ax.set_axisbelow(True)
            ax.set_title(panel_title, fontsize=9)
        if title:
            figure.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    return figure


# --- coverage ------------------------------------------------------------------------------


def coverage_by_area(frame: pd.DataFrame, lang: str = "vi", as_of=None):
    """Coverage of each area at one date, with its target.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``commune``, ``group`` (intervention / comparison),
        ``coverage`` (fraction) and optionally ``target_rate``.
    lang : {"vi", "en"}
    as_of : date, optional
        Shown in the title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"commune": ["A", "B"], "group": ["intervention"] * 2,
    ...                       "coverage": [0.9, 0.95], "target_rate": [0.956, 0.956]})
    >>> fig = coverage_by_area(frame, "en")
    >>> fig.axes[0].get_xlabel()
    'Share of residents insured (axis not starting at 0%)'
    """
    fmt.check_lang(lang)
    frame = frame.reset_index(drop=True)
    order = frame.sort_values(["group", "coverage"], ascending=[False, True], kind="stable")
    n = len(order)
    figure = new_figure(height=0.24 * n + 1.3)
    with style():
        ax = figure.add_subplot()
        positions = np.arange(n)
        groups = list(dict.fromkeys(order["group"]))
        for index, group in enumerate(groups):
            part = order["group"].to_numpy() == group
            style_index = 0 if group == "intervention" else 3
            ax.barh(positions[part], order["coverage"].to_numpy(dtype=float)[part], height=0.7,
                    label=t(f"area_{group}", lang) if len(groups) > 1 else None, **series_style(style_index))
        has_target = "target_rate" in order and order["target_rate"].notna().any()
        if has_target:
            targets = order["target_rate"].to_numpy(dtype=float)
            uniform = np.nanmax(targets) == np.nanmin(targets)
            if uniform:
                ax.axvline(np.nanmax(targets), color=TARGET, linestyle="--", linewidth=1.2,
                           label=f"{t('target', lang)} {fmt.percent(np.nanmax(targets), lang)}")
            else:
                ax.scatter(targets, positions, marker="|", s=160, color=TARGET, linewidths=1.6,
                           label=t("target", lang), zorder=3)
        low = float(np.nanmin(order["coverage"]))
        if has_target:
            low = min(low, float(np.nanmin(order["target_rate"])))
        left = 0.0 if low < 0.5 else max(0.0, np.floor(low * 20) / 20 - 0.05)
        ax.set_xlim(left, 1.0)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_yticks(positions, order["commune"].tolist())
        _percent_axis(ax.xaxis, lang)
        label = t("coverage_axis", lang)
        ax.set_xlabel(f"{label} ({t('axis_not_from_zero', lang)})" if left > 0 else label)
        ax.grid(True, axis="x")
        ax.set_axisbelow(True)
        title = t("chart_coverage_by_area", lang)
        if as_of is not None:
            title += f" ({fmt.date(as_of, lang)})"
        ax.set_title(title)
        if ax.get_legend_handles_labels()[0]:
            figure.legend(loc="outside lower center", ncols=3, fontsize=8)
    return figure


def coverage_change(frame: pd.DataFrame, lang: str = "vi", first=None, last=None):
    """Coverage of each area at the first (○) and the last (●) date.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``commune``, ``group``, ``first``, ``last`` (fractions).
    lang : {"vi", "en"}
    first, last : date, optional
        The two dates, for the title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"commune": ["A", "B"], "group": ["intervention", "comparison"],
    ...                       "first": [0.80, 0.82], "last": [0.86, 0.83]})
    >>> fig = coverage_change(frame, "vi")
    >>> fig.axes[0].get_xlabel()
    'Tỷ lệ người dân có thẻ BHYT'
    """
    fmt.check_lang(lang)
    order = frame.sort_values(["group", "last"], ascending=[False, True], kind="stable").reset_index(drop=True)
    n = len(order)
    figure = new_figure(height=0.24 * n + 1.4)
    with style():
        ax = figure.add_subplot()
        for y, row in order.iterrows():
            colour = DARK if row["group"] == "intervention" else "#777777"
            ax.plot([row["first"], row["last"]], [y, y], color=colour, linewidth=1.4, zorder=2)
            ax.plot(row["first"], y, "o", markerfacecolor="white", markeredgecolor=colour, markersize=5.5, zorder=3)
            ax.plot(row["last"], y, "o", color=colour, markersize=5.5, zorder=3)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=INK,
                          label=fmt.date(first, lang) if first is not None else t("first_date", lang)),
                   Line2D([], [], marker="o", linestyle="", color=INK,
                          label=fmt.date(last, lang) if last is not None else t("last_date", lang))]
        if order["group"].nunique() > 1:
            handles += [Line2D([], [], color=DARK, label=t("area_intervention", lang)),
                        Line2D([], [], color="#777777", label=t("area_comparison", lang))]
        figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8)
        labels = [f"{c}" if g == "intervention" else f"{c} ({t('area_comparison_short', lang)})"
                  for c, g in zip(order["commune"], order["group"])]
        ax.set_yticks(range(n), labels)
        ax.set_ylim(-0.6, n - 0.4)
        _percent_axis(ax.xaxis, lang)
        ax.set_xlabel(t("coverage_axis", lang))
        ax.grid(True, axis="x")
        ax.set_axisbelow(True)
        ax.set_title(t("chart_coverage_change", lang))
    return figure


# --- money ---------------------------------------------------------------------------------


def budget_lines(frame: pd.DataFrame, lang: str = "vi", currency: str = "VND"):
    """Planned against disbursed, per budget line.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``line``, ``planned``, ``disbursed`` (amounts).
    lang : {"vi", "en"}
    currency : str
        ISO code; amounts on the axis are in millions of it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fmt.check_lang(lang)
    frame = frame.reset_index(drop=True)
    n = len(frame)
    labels = [_wrap(line, 44) for line in frame["line"]]
    lines_of_text = sum(label.count("\n") + 1 for label in labels)
    figure = new_figure(height=0.2 * lines_of_text + 0.2 * n + 1.3)
    with style():
        ax = figure.add_subplot()
        positions = np.arange(n)[::-1]
        millions = 1e6
        ax.barh(positions + 0.18, frame["planned"].to_numpy(dtype=float) / millions, height=0.36,
                label=t("planned", lang), **series_style(2))
        ax.barh(positions - 0.18, frame["disbursed"].fillna(0).to_numpy(dtype=float) / millions, height=0.36,
                label=t("disbursed", lang), **series_style(0))
        ax.set_yticks(positions, labels)
        _number_axis(ax.xaxis, lang)
        ax.set_xlabel(t("million_unit", lang, unit=fmt.currency_unit(lang, currency)))
        ax.grid(True, axis="x")
        ax.set_axisbelow(True)
        ax.set_title(t("chart_budget", lang))
        figure.legend(loc="outside lower center", ncols=2, fontsize=8)
    return figure
