"""helpers.portfolio on a folder of tiny packages written by hand; results worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

import helpers
from helpers.measures import MEASURES
from helpers.portfolio import (
    PORTFOLIO_MEASURES,
    format_value,
    load_all,
    missing_notes,
    not_loaded,
    plot_cost_vs_reach,
    plot_ranking,
    plot_rankings,
    portfolio_table,
)

ALPHA_YML = """\
id: alpha
title: {vi: Dự án Alpha, en: Project Alpha}
communes: [Thung Nai, Bình Thanh]
province: Hòa Bình
period: {start: 2021-01-01, end: 2021-12-31}
budget: 1000000
"""
# Two events: 10 + 30 = 40 people reached.
ALPHA_EVENTS = """\
event_id,date,commune,activity,participants
E1,2021-03-01,Thung Nai,meeting,10
E2,2021-04-01,Bình Thanh,training,30
"""
# Three people: P1 a near-poor Kinh woman; P2 a Thái man from an "other" household; P3 on two
# rows, Kinh, sex and household not recorded.
# Served 3; female share 1 of the 2 with a known sex = 0.5; minority 1 of 3; near-poor 1 of 2.
ALPHA_SERVICES = """\
person_id,date,commune,service,sex,ethnicity,household
P1,2021-03-01,Thung Nai,counselling,female,Kinh,near_poor
P2,2021-03-02,Thung Nai,health_check,male,Thái,other
P3,2021-03-03,Bình Thanh,counselling,,Kinh,
P3,2021-03-04,Bình Thanh,health_check,,Kinh,
"""

BETA_YML = """\
id: beta
title: {vi: Dự án Beta, en: Project Beta}
communes: [Hải Hòa]
period: {start: 2022-01-01, end: 2022-12-31}
"""
# Hải Hòa: 800 of 1,000 insured, then 850 of 1,000: coverage 85%, change +5 points.
BETA_COVERAGE = """\
as_of,commune,population,insured
2022-01-01,Hải Hòa,1000,800
2022-12-31,Hải Hòa,1000,850
"""
# Planned 200 + 300 = 500, disbursed 100 + 200 = 300: execution 60%.
BETA_BUDGET = """\
line,planned,disbursed
Meetings,200,100
Leaflets,300,200
"""

BROKEN_YML = """\
id: broken
title: {vi: Hỏng, en: Broken}
communes: [Thung Nai]
period: {start: 2021-01-01, end: 2021-12-31}
"""
BROKEN_EVENTS = """\
event_id,date,commune,activity,participants
E1,2021-03-01,Thung Nai,meeting,many
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from packages import write_package

    base = tmp_path_factory.mktemp("projects")
    write_package(base, {"events.csv": ALPHA_EVENTS, "services.csv": ALPHA_SERVICES}, ALPHA_YML, "alpha")
    write_package(base, {"coverage.csv": BETA_COVERAGE, "budget.csv": BETA_BUDGET}, BETA_YML, "beta")
    write_package(base, {"events.csv": BROKEN_EVENTS}, BROKEN_YML, "broken")
    write_package(base, {}, None, "empty-folder")  # no project.yml at all
    return base


@pytest.fixture(scope="module")
def frame(folder):
    return load_all(folder)


def test_one_row_per_folder_and_failures_do_not_stop_the_others(frame):
    assert list(frame["project"]) == ["alpha", "beta", "broken", "empty-folder"]
    assert list(frame["status"]) == ["loaded", "loaded", "not_loaded", "not_loaded"]
    broken = frame.set_index("project").loc["broken"]
    assert broken["first_error"].startswith("events.csv:2:participants: error:")
    assert "many" in broken["first_error"]
    assert broken["n_errors"] == 1
    assert frame.set_index("project").loc["empty-folder", "first_error"].startswith("project.yml")
    assert frame.set_index("project").loc["alpha", "first_error"] == ""


def test_measures_worked_out_by_hand(frame):
    alpha = frame.set_index("project").loc["alpha"]
    assert alpha["title"] == "Project Alpha" and alpha["province"] == "Hòa Bình"
    assert alpha["events_held"] == 2 and alpha["people_reached"] == 40
    assert alpha["people_served"] == 3 and alpha["people_counselled"] == 2 and alpha["people_examined"] == 2
    assert alpha["female_share_served"] == 0.5
    assert alpha["minority_share_served"] == pytest.approx(1 / 3)
    assert alpha["near_poor_share_served"] == 0.5
    assert alpha["cost_per_person_reached"] == 25_000  # 1,000,000 / 40
    assert alpha["budget"] == 1_000_000
    beta = frame.set_index("project").loc["beta"]
    assert beta["coverage_rate"] == 0.85
    assert beta["coverage_change"] == pytest.approx(0.05)
    assert beta["budget_execution"] == 0.6
    assert bool(beta["has_coverage"]) and not bool(beta["has_events"])


def test_missing_is_blank_never_zero(frame):
    alpha = frame.set_index("project").loc["alpha"]
    assert pd.isna(alpha["coverage_rate"]) and pd.isna(alpha["budget_execution"])
    beta = frame.set_index("project").loc["beta"]
    assert pd.isna(beta["people_reached"]) and pd.isna(beta["cost_per_person_reached"])
    assert frame.loc[frame["status"] == "not_loaded", list(MEASURES)].isna().all().all()


def test_every_measure_is_a_column_with_a_nullable_type(frame):
    for name, measure in MEASURES.items():
        assert str(frame[name].dtype) == ("Int64" if measure.kind == "count" else "Float64"), name


def test_title_follows_the_language(folder):
    assert load_all(folder, lang="vi").set_index("project").loc["alpha", "title"] == "Dự án Alpha"


def test_load_all_is_exported():
    assert helpers.load_all is load_all and "load_all" in helpers.__all__


def test_format_value():
    assert format_value(1741540, "count", "vi") == "1.741.540"
    assert format_value(1741540, "count", "en") == "1,741,540"
    assert format_value(0.6526, "share", "vi") == "65,3%"
    assert format_value(-0.021, "change", "en") == "−2.1\u00a0points"
    assert format_value(2552553.2, "money", "vi") == "2,55\u00a0triệu\u00a0VND"
    assert format_value(25000, "money", "en") == "25,000\u00a0VND"
    assert format_value(pd.NA, "count", "en") == "" and format_value(float("nan"), "share", "vi") == ""


def test_table_has_blank_cells_and_labels_in_the_language(frame):
    table = portfolio_table(frame, "vi")
    assert list(table.index) == ["alpha", "beta"]  # not-loaded packages are listed apart
    assert list(table.columns) == [MEASURES[m].label["vi"] for m in PORTFOLIO_MEASURES]
    assert table.loc["alpha", MEASURES["people_reached"].label["vi"]] == "40"
    assert table.loc["alpha", MEASURES["female_share_served"].label["vi"]] == "50,0%"
    assert table.loc["beta", MEASURES["coverage_change"].label["vi"]] == "+5,0\u00a0điểm %"
    assert table.loc["beta", MEASURES["people_reached"].label["vi"]] == ""


def test_table_in_two_halves_with_short_headers(frame):
    from helpers.portfolio import COVERAGE_MONEY_MEASURES, PEOPLE_MEASURES

    assert PEOPLE_MEASURES + COVERAGE_MONEY_MEASURES == PORTFOLIO_MEASURES
    people = portfolio_table(frame, "en", PEOPLE_MEASURES, short=True)
    assert list(people.columns) == ["Reached", "Served", "Women", "Minority", "Near-poor"]
    money = portfolio_table(frame, "vi", COVERAGE_MONEY_MEASURES, short=True)
    assert money.loc["beta", "Giải ngân"] == "60,0%"
    assert money.loc["alpha", "Chi phí / lượt"] == "25.000\u00a0VND"


def test_missing_notes_say_why(frame):
    notes = missing_notes(frame, "en")
    by_project = {(p, why) for p, _, why in notes.itertuples(index=False)}
    assert ("alpha", "no coverage table") in by_project
    assert ("alpha", "no budget table") in by_project
    assert ("beta", "no events table") in by_project
    assert ("beta", "no services table") in by_project
    assert ("beta", "no total budget in project.yml") in by_project
    assert list(missing_notes(frame, "vi").columns) == ["Dự án", "Để trống", "Lý do"]


def test_not_loaded_lists_the_first_error(frame):
    failed = not_loaded(frame, "en")
    assert list(failed["Project"]) == ["broken", "empty-folder"]
    assert list(not_loaded(frame, "vi").columns) == ["Dự án", "Lỗi đầu tiên", "Số lỗi"]


def test_ranking_draws_no_bar_for_missing_values(frame):
    figure = plot_ranking(frame, "people_reached", lang="vi")
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_title(loc="left") == MEASURES["people_reached"].label["vi"]
    assert len(ax.patches) == 1  # alpha only; beta has no events
    assert "không có số liệu" in [t.get_text() for t in ax.texts]
    with pytest.raises(KeyError, match="unknown measure"):
        plot_ranking(frame, "people_reachd")


def test_rankings_one_panel_per_measure(frame):
    figure = plot_rankings(frame, lang="en")
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == [MEASURES[m].label["en"] for m in PORTFOLIO_MEASURES]


def test_scatter_names_projects_it_cannot_draw(frame):
    figure = plot_cost_vs_reach(frame, lang="en")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.texts] == ["alpha"]
    assert "beta" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_xlabel().startswith("People reached")


def test_a_missing_folder_is_a_clear_error(tmp_path):
    from helpers.errors import ProjectNotFound

    with pytest.raises(ProjectNotFound, match="is not a folder"):
        load_all(tmp_path / "nowhere")


def test_chart_embeds_the_figure_as_svg_with_its_title_as_alt(frame):
    from helpers.portfolio import chart

    shown = chart(plot_ranking(frame, "people_reached", lang="en"))
    assert shown.data.startswith('<figure class="chart"><img class="chart" alt="People reached"')
    assert "data:image/svg+xml;base64," in shown.data
    assert 'alt="Mine"' in chart(plot_cost_vs_reach(frame), alt="Mine").data
    both = chart(plot_ranking(frame, "people_reached"), plot_ranking(frame, "people_served")).data
    assert both.count('<figure class="chart">') == 2 and 'alt="People served"' in both


def test_table_shows_whole_cells_and_says_when_empty(frame):
    from helpers.portfolio import table

    shown = table(missing_notes(frame, "en"), "en").data
    assert "no total budget in project.yml" in shown and "..." not in shown
    numbers = table(portfolio_table(frame, "en"), "en").data
    assert '<td class="num">40</td>' in numbers
    assert table(not_loaded(frame.iloc[:2], "vi"), "vi").data == '<p class="note">Không có.</p>'
