"""What the pages show follows present.fmt: years without separators, whole count axes, one money unit per figure
and its card, 同比 that says 持平 or 基数过小, labels that fit the level, notes without internal codes."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from present import charts, fmt
from tests.app.conftest import PAGES, every_view, metric, open_page
from ui import widgets

# Every page app.py registers (ui/navigation.py) draws charts but these: lists, exports and help texts.
CHART_PAGES = [page for page in PAGES if page not in ("quality", "reports", "glossary", "guide")]
TREND = {"year": "2020", "from": "2019", "to": "2020"}


def specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(array) -> list:
    """A trace's x or y as a list (plotly sends numeric arrays as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array or [])


def is_years(xs: list) -> bool:
    return bool(xs) and all(isinstance(v, int | float) and float(v).is_integer() and 1990 <= v <= 2100 for v in xs)


def axis_of(spec: dict, trace: dict, letter: str) -> dict:
    name = trace.get(f"{letter}axis", letter)  # "x", "x2", …
    return spec["layout"].get(f"{letter}axis{name[1:]}", {})


@pytest.mark.parametrize("page", CHART_PAGES)
def test_no_axis_or_table_writes_a_year_with_a_separator(fixture_run, monkeypatch, page):
    checked = 0
    for at in every_view(open_page(fixture_run[0], page, monkeypatch, scope="HB", **TREND)):
        for spec in specs(at):
            for trace in spec["data"]:
                for letter in "xy":
                    if is_years(values(trace.get(letter))):
                        fmt_ = axis_of(spec, trace, letter).get("tickformat")
                        assert fmt_ == "d", f"{page}: {spec['layout']['meta']['title']} years drawn as {fmt_!r}"
                        checked += 1
        for frame in at.dataframe:
            config = json.loads(frame.proto.columns or "{}")
            for column in frame.value.columns:
                if column in fmt.YEAR_COLUMNS:
                    assert config[column]["type_config"]["format"] == "%d", f"{page}: table column {column}"
                    checked += 1
    if page in ("overview", "funding", "exchange", "projects", "monitoring", "compare"):
        assert checked, f"{page}: no year axis or column found to check"


def test_the_completeness_table_writes_years_plain_and_counts_with_separators(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", **TREND)
    table = at.dataframe[-1]
    config = json.loads(table.proto.columns)
    assert config["统计年度"]["type_config"]["format"] == "%d"
    assert config["应报"]["type_config"]["format"] == "%,d"
    assert list(table.value["统计年度"]) == [2019, 2020]


@pytest.mark.parametrize("page", CHART_PAGES)
def test_count_axes_have_whole_number_ticks_from_zero(fixture_run, monkeypatch, page):
    views = every_view(open_page(fixture_run[0], page, monkeypatch, scope="HB", **TREND))
    for spec in [spec for at in views for spec in specs(at)]:
        meta = spec["layout"]["meta"]
        for trace in spec["data"]:
            if trace["type"] not in ("bar", "scatter"):
                continue
            unit = meta["unit"] or re.search(r"（([^（）]+)）$", trace.get("name", "")).group(1)  # a panel's own unit
            if not fmt.is_count_unit(unit):
                continue
            letter = "x" if trace.get("orientation") == "h" else "y"
            axis = axis_of(spec, trace, letter)
            assert axis.get("tickformat") == ",d", f"{page}: {meta['title']} ({unit}) ticks {axis.get('tickformat')!r}"
            assert axis.get("rangemode") == "tozero" or axis.get("range", [None])[0] == 0, meta["title"]


def test_small_count_axes_step_by_one(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "projects", monkeypatch, scope="HB", year="2020")
    ranking = next(s for s in specs(at) if s["layout"]["meta"]["title"] == "2020 年度在研项目：按立项级别")
    assert max(values(ranking["data"][0]["x"])) <= 5  # a handful of projects: plotly would step by 0.5
    assert ranking["layout"]["xaxis"]["dtick"] == 1 and ranking["layout"]["xaxis"]["tickformat"] == ",d"


def test_overview_funding_card_and_its_chart_share_one_money_unit(demo_warehouse, fixture_run, monkeypatch):
    at = open_page(demo_warehouse, "overview", monkeypatch, scope="CN", year="2020", **{"from": "2019"})
    card = metric(at, "计入统计经费")
    chart = next(s for s in specs(at) if s["layout"]["meta"]["title"] == "国际合作经费投入趋势")
    assert card.endswith(" 亿元") and chart["layout"]["meta"]["unit"] == "亿元"
    assert chart["layout"]["yaxis"]["title"]["text"] == "单位：亿元"
    drawn = values(chart["data"][0]["y"])[-1]  # 2020, in 亿元 like the card (not 万元 in the tens of thousands)
    assert f"{drawn:,.2f} 亿元" == card
    small = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    chart = next(s for s in specs(small) if s["layout"]["meta"]["title"] == "国际合作经费投入趋势")
    assert metric(small, "计入统计经费") == "840.00 万元" and chart["layout"]["meta"]["unit"] == "万元"


def test_change_is_signed_flat_or_says_the_base_is_too_small(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    deltas = {m.label: m.proto.delta for m in at.metric}
    assert deltas["出访人次"] == "+37.0%"  # 63 on 46
    assert deltas["计入统计经费"] == "+58.5%"  # 840 on 530 万元
    assert deltas["来访人次"] == "—（基数过小）"  # last year under 10
    assert deltas["本年新签科技合作与交流协议"] == "持平"


def test_labels_fit_the_level(fixture_run, monkeypatch):
    province = open_page(fixture_run[0], "projects", monkeypatch, scope="HB", year="2020")
    assert metric(province, "牵头项目")
    unit = open_page(fixture_run[0], "projects", monkeypatch, scope="U1", year="2020")
    assert metric(unit, "本单位牵头项目")
    monitoring = open_page(fixture_run[0], "monitoring", monkeypatch, scope="HB", year="2020")
    labels = [m.label for m in monitoring.metric]
    assert "国际科技合作经费投入" in labels and not [x for x in labels if "本单位" in x]


@pytest.mark.parametrize("page", ["overview", "funding", "exchange", "projects", "monitoring"])
def test_kpi_labels_are_never_cut_off(fixture_run, monkeypatch, page):
    at = open_page(fixture_run[0], page, monkeypatch, scope="HB", year="2020")
    assert at.metric
    for m in at.metric:
        assert len(m.label) <= widgets.KPI_LABEL_MAX, m.label


def test_sources_state_their_years_and_notes_drop_internal_text(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", **TREND)
    sources = {s["layout"]["meta"]["title"]: s["layout"]["meta"]["source"] for s in specs(at)}
    assert sources["人员交流趋势"] == "河北省；2019–2020年度；口径：已提交+已审核"
    assert sources["2020 年度下级出访人次排名"] == "河北省；2020年度；口径：已提交+已审核"
    hmt = open_page(fixture_run[0], "partners", monkeypatch, scope="HB", year="2020", ps="HMT")
    captions = " ".join(c.value for c in hmt.caption)
    assert "H-01" not in captions and "全部单位类型" not in captions
    national = open_page(fixture_run[0], "compare", monkeypatch, scope="CN", year="2020")
    assert "见左侧排名" not in " ".join(c.value for c in national.caption)


def test_a_ranking_exports_its_rows_as_shown_with_whole_numbers():
    df = pd.DataFrame({"name": ["甲", "乙", "丙"], "value": [5.0, 120872.0, 30.0]})
    fig = charts.bar_ranking(df, "name", "value", "排名", "人次", "全国；2020年度")
    rows = widgets.figure_rows(fig)
    assert list(rows["类别"]) == ["乙", "丙", "甲"]  # largest first, as read on the chart
    assert rows.to_csv(index=False).splitlines()[1] == "乙,120872"
