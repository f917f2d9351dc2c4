"""The charts: a Figure each, labels in the report's language, one style that leaks nowhere,
series told apart in grey, and no pyplot state."""
from __future__ import annotations

import base64
import colorsys
import doctest

import matplotlib
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from helpers import plots

MONTHS = pd.to_datetime(["2020-10-01", "2020-11-01", "2020-12-01"])


def events_counts() -> pd.DataFrame:
    return pd.DataFrame({"communication": [2, 1, 0], "meeting": [0, 1, 1], "training": [1, 0, 2]}, index=MONTHS)


def coverage_frame() -> pd.DataFrame:
    return pd.DataFrame({"commune": ["Hải Hậu", "Thịnh Long", "Đakrông"], "group": ["intervention"] * 2 + ["comparison"],
                         "coverage": [0.9238, 0.8976, 0.80], "target_rate": [0.956, 0.956, 0.956]})


def profile_panels() -> list:
    sex = pd.DataFrame({"label": ["Nữ", "Nam"], "share": [0.628, 0.372], "text": ["449 (62,8%)", "266 (37,2%)"]})
    ethnicity = pd.DataFrame({"label": ["Mường", "Thái", "Kinh"], "share": [0.97, float("nan"), float("nan")],
                              "text": ["699 (97,4%)", "<5", "x"]})
    return [("Giới tính", sex), ("Dân tộc", ethnicity)]


def change_frame() -> pd.DataFrame:
    return pd.DataFrame({"commune": ["Ea Bia", "Sơn Giang"], "group": ["intervention", "comparison"],
                         "first": [0.78, 0.80], "last": [0.84, 0.81]})


def budget_frame() -> pd.DataFrame:
    return pd.DataFrame({"line": ["Tư vấn, trợ giúp pháp lý về chính sách BHYT tại cộng đồng", "Hội nghị tổng kết"],
                         "planned": [347e6, 63e6], "disbursed": [343.8e6, 60.4e6]})


CHARTS = {
    "events_by_month": lambda lang: plots.events_by_month(events_counts(), lang),
    "profile": lambda lang: plots.profile(profile_panels(), lang, title="Người được phục vụ"),
    "coverage_by_area": lambda lang: plots.coverage_by_area(coverage_frame(), lang, as_of=pd.Timestamp("2023-11-15")),
    "coverage_change": lambda lang: plots.coverage_change(change_frame(), lang, pd.Timestamp("2024-06-01"),
                                                          pd.Timestamp("2024-11-30")),
    "budget_lines": lambda lang: plots.budget_lines(budget_frame(), lang),
}


def texts(figure) -> list[str]:
    found = [t.get_text() for t in figure.findobj(matplotlib.text.Text)]
    return [t for t in found if t]


def test_doctests():
    assert doctest.testmod(plots).failed == 0


@pytest.mark.parametrize("name", sorted(CHARTS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_chart_is_a_figure_drawn_without_pyplot(name, lang):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figure = CHARTS[name](lang)
    assert isinstance(figure, Figure)
    assert plt.get_fignums() == before  # nothing kept in pyplot's global list
    svg = plots.to_svg(figure)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_style_does_not_leak(name):
    before = dict(matplotlib.rcParams)
    CHARTS[name]("vi")
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_labels_follow_the_language():
    vi = " ".join(texts(CHARTS["events_by_month"]("vi")))
    en = " ".join(texts(CHARTS["events_by_month"]("en")))
    assert "Truyền thông" in vi and "Hội nghị, họp" in vi and "10/2020" in vi
    assert "Communication" in en and "Meeting" in en and "Oct 2020" in en
    assert "Communication" not in vi and "Truyền thông" not in en


def test_percent_axes_use_the_language_format():
    figure = CHARTS["coverage_by_area"]("vi")
    plots.to_svg(figure)  # draws the figure, which sets the tick labels
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any(t.endswith("%") for t in ticks) and all("." not in t for t in ticks if t)


def test_target_is_a_line_with_its_value_in_the_legend():
    figure = CHARTS["coverage_by_area"]("en")
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "Target 95.60%" in legend
    assert "Intervention areas" in legend and "Comparison areas" in legend


def test_hidden_shares_have_no_bar_and_say_why():
    figure = CHARTS["profile"]("vi")
    ethnicity = figure.axes[1]
    widths = [p.get_width() for p in ethnicity.patches]
    assert widths[0] == pytest.approx(0.97) and widths[1:] == [0, 0]
    assert {"<5", "x"} <= set(texts(figure))


def test_vietnamese_text_stays_text_in_the_svg():
    svg = plots.to_svg(CHARTS["coverage_by_area"]("vi"))
    assert "Thịnh Long" in svg and "Đakrông" in svg  # selectable in the PDF, exact diacritics
    assert "DejaVu Sans" in svg


def test_embedded_chart_is_self_contained():
    img = plots.to_html(CHARTS["budget_lines"]("vi"), alt="Dự toán")
    assert img.startswith('<img class="chart" alt="Dự toán"')
    data = img.split("base64,", 1)[1].rstrip('">')
    svg = base64.b64decode(data).decode("utf-8")
    assert "<svg" in svg
    assert 'href="http' not in svg and "@import" not in svg  # nothing fetched from the network


def _lightness(colour: str) -> float:
    return colorsys.rgb_to_hls(*to_rgb(colour))[1]


def test_series_differ_in_grey():
    """Two series printed in black and white differ in lightness or in pattern."""
    seen = set()
    for face, hatch, _edge in plots.SERIES:
        key = (round(_lightness(face), 1), hatch)
        assert key not in seen, f"{face} {hatch!r} looks like another series in grey"
        seen.add(key)


def test_stacked_series_use_different_patterns_after_three():
    figure = CHARTS["events_by_month"]("en")
    hatches = {p.get_hatch() for p in figure.axes[0].patches}
    faces = {p.get_facecolor() for p in figure.axes[0].patches}
    assert len(faces) == 3 and hatches == {None}
    counts = pd.DataFrame({f"k{i}": [1, 2] for i in range(5)}, index=MONTHS[:2])
    figure = plots.events_by_month(counts, "en")
    assert {p.get_hatch() for p in figure.axes[0].patches} >= {"////", "...."}


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="lang"):
        plots.events_by_month(events_counts(), "fr")
