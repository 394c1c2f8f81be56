"""Every page renders on the fixture and demo warehouses; interactions show the hand-worked fixture numbers."""

from __future__ import annotations

import base64
import json
import shutil

import duckdb
import numpy as np
import pytest

from tests.app.conftest import PAGES, every_view, metric, open_page


def assert_clean(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("scope", ["CN", "HB", "SJZ", "U1"])
def test_every_page_renders_on_the_fixture_warehouse(fixture_run, monkeypatch, page, scope):
    for at in every_view(open_page(fixture_run[0], page, monkeypatch, scope=scope, year="2020")):
        assert_clean(at)
        assert at.title[0].value  # a Chinese page title


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("scope", ["CN", "P13", "P13-130100", "M-CAS"])
def test_every_page_renders_on_a_demo_warehouse(demo_warehouse, monkeypatch, page, scope):
    for at in every_view(open_page(demo_warehouse, page, monkeypatch, scope=scope)):
        assert_clean(at)


def test_overview_numbers_and_year_change(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    assert metric(at, "出访人次") == "63 人次"
    assert metric(at, "计入统计经费") == "840.00 万元"
    assert metric(at, "人员交流涉及国家数") == "4 个"  # 出访 and 来访, DISTINCT, not 1+2+1+1+1
    assert metric(at, "在研国际合作项目数（去重）") == "2 项"
    at.sidebar.selectbox(key="f_year").set_value(2019).run()
    assert metric(at, "出访人次") == "46 人次"
    assert metric(at, "计入统计经费") == "530.00 万元"
    assert at.query_params["year"] == "2019"


def test_drill_down_and_back_up(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="CN", year="2020")
    assert metric(at, "出访人次") == "63 人次"
    at.selectbox(key="drill_CN").set_value("HB").run()
    at.selectbox(key="drill_HB").set_value("SJZ").run()
    assert metric(at, "出访人次") == "45 人次"  # U1 40 + U2 5 (its corrected revision)
    assert at.query_params["scope"] == "SJZ"
    at.button(key="crumb_HB").click().run()
    assert metric(at, "出访人次") == "63 人次"
    at.button(key="crumb_CN").click().run()
    assert at.query_params["scope"] == "CN"


def test_url_state_partner_scope_and_basis(fixture_run, monkeypatch):
    hmt = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", ps="HMT")
    assert metric(hmt, "出访人次") == "16 人次"
    assert metric(hmt, "人员交流涉及港澳台地区数") == "3 个"
    intl = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", ps="INTL")
    assert metric(intl, "出访人次") == "47 人次"
    approved = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", basis="approved")
    assert metric(approved, "出访人次") == "58 人次"
    typed = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", ut="university")
    assert metric(typed, "出访人次") == "40 人次"


def test_filters_persist_across_pages(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="BD", year="2019")
    at.switch_page("pages/funding.py").run()
    assert metric(at, "计入统计经费") == "20.00 万元"
    assert at.query_params["scope"] == "BD" and at.query_params["year"] == "2019"


def test_invalid_url_values_fall_back_with_a_message(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="NOPE", year="1999", ps="XX", basis="all")
    assert_clean(at)
    assert at.query_params["scope"] == "CN" and at.query_params["year"] == "2020"
    assert any("不存在" in w.value for w in at.warning)


def test_partners_page_keeps_hmt_apart(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "partners", monkeypatch, scope="HB", year="2020")
    assert metric(at, "国际（全部国家）") == "47 人次"
    assert metric(at, "港澳台") == "16 人次"
    assert metric(at, "出访人次涉及国家数（不含港澳台）") == "3 个"  # USA, DEU, JPN outbound
    assert (metric(at, "中国香港"), metric(at, "中国澳门"), metric(at, "中国台湾")) == ("9 人次", "4 人次", "3 人次")
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"HKG"' not in spec and '"USA"' in spec  # the world map shows countries only


def test_funding_page_separates_memo_money(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "funding", monkeypatch, scope="HB", year="2020")
    assert metric(at, "计入统计经费") == "840.00 万元"
    assert metric(at, "全部来源经费（备查）") == "1,150.00 万元"
    assert metric(at, "中央财政资金（备查，不计入）") == "200.00 万元"
    assert metric(at, "每个在研项目计入统计经费") == "420.00 万元"  # 840 / 2 distinct projects


def test_progress_page_counts_and_chase_list(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "progress", monkeypatch, scope="HB", year="2019")
    assert metric(at, "应报账号") == "7"
    assert metric(at, "已报（已提交+已审核）") == "5"
    assert metric(at, "未完成") == "2"
    chase = at.dataframe[-1].value
    assert list(chase["账号"]) == ["BD", "SJZ"] and list(chase["状态"]) == ["草稿", "未填报"]


def test_quality_page_names_reason_and_field(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "quality", monkeypatch, scope="BD", year="2020")
    table = at.dataframe[-1].value
    row = table[table["代码"] == "C-02"].iloc[0]
    assert row["字段"] == "人员交流·出访各目的人次" and row["字段路径"] == "exchange.out_pt_*"
    assert "各交流目的人次之和 11 ≠ 人次 8" in row["说明"]
    assert "ZZ" not in set(table["账号"])  # unknown accounts only at national scope


def test_an_unreadable_file_is_attributed_to_the_account_its_name_carries(fixture_run, monkeypatch):
    """2019/U1_r2.json is cut off after 300 bytes (E_JSON): it belongs to U1 (under SJZ) and 2019, in Chinese."""
    at = open_page(fixture_run[0], "quality", monkeypatch, scope="SJZ", year="2019")
    table = at.dataframe[-1].value
    row = table[table["代码"] == "E_JSON"].iloc[0]
    assert (row["账号"], row["名称"], row["年度"], row["来源文件"]) == ("U1", "河北甲大学", "2019", "2019/U1_r2.json")
    assert row["取值"].startswith("文件在此处意外结束（可能被截断）（第 1 行第 301 列）")
    national = open_page(fixture_run[0], "quality", monkeypatch, scope="CN", year="2020").dataframe[-1].value
    empty = national[national["来源文件"] == "2020/empty.json"].iloc[0]
    assert (empty["账号"], empty["名称"], empty["年度"]) == ("", "（文件无法读取，未能识别账号）", "2020")


def test_compare_page_per_unit_normalisation(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "compare", monkeypatch, scope="HB", year="2020")
    at.toggle(key="cmp_per_unit").set_value(True).run()
    assert_clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = dict(zip(spec["data"][0]["y"], spec["data"][0]["text"], strict=True))  # labels as displayed
    # 石家庄市: 45 人次 / 3 reporting accounts (the bureau, U1, U2); 保定市: 8 / 3
    assert bars["石家庄市"] == "15" and bars["保定市"] == "2.67"


def test_dashboard_follows_a_republished_warehouse_without_restart(tmp_path, monkeypatch):
    import json as _json

    from etl.run import run
    from tests.conftest import TODAY
    from tests.fixtures.inbox import doc, write_inbox

    inbox = write_inbox(tmp_path / "inbox")
    run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    at = open_page(tmp_path / "wh", "overview", monkeypatch, scope="HB", year="2020")
    assert metric(at, "出访人次") == "63 人次"
    fixed = doc("HB", 2020, revision=2, status="approved", out={"USA": 8, "HKG": 4},
                funds={"provincial": 500, "unit_self": 20})  # fmt: skip
    (inbox / "2020" / "HB_r2.json").write_text(_json.dumps(fixed, ensure_ascii=False), encoding="utf-8")
    run(inbox, tmp_path / "wh", today=TODAY, progress=False)  # publishes a new file, CURRENT moves
    at.run()
    assert metric(at, "出访人次") == "65 人次"


def test_compare_any_two_scopes_of_the_same_level(fixture_run, monkeypatch):
    at = open_page(fixture_run[0], "compare", monkeypatch, scope="SJZ", year="2020")
    at.selectbox(key="cmp_a_3").set_value("U1").run()
    at.selectbox(key="cmp_b_3").set_value("U3").run()  # a unit of another city
    table = at.dataframe[-1].value
    row = table[table["指标"] == "出访人次"].iloc[0]
    assert list(row.iloc[1:]) == ["40 人次", "8 人次"]


def test_a_database_from_older_code_says_so_instead_of_a_traceback(fixture_run, monkeypatch, tmp_path):
    """Between a code upgrade and the next ETL run, the published file lacks what new queries ask for; the file
    says which code built it (meta_build)."""
    wh = tmp_path / "wh"
    shutil.copytree(fixture_run[0], wh)
    con = duckdb.connect(str(wh / (wh / "CURRENT").read_text().strip()))
    con.execute("alter table quality_findings drop column source_file")  # as built before it existed
    con.execute("update meta_build set build_version = '0ldc0de'")
    con.close()
    at = open_page(wh, "quality", monkeypatch, year="2020")
    assert not at.exception
    assert any("较早版本的程序生成" in w.value for w in at.warning)
    assert any("按新版本重建" in e.value for e in at.error)  # the findings list, in Chinese


def _bars(at, title: str) -> dict[str, float]:
    """{category: value} of the bar chart whose title starts with `title`, as the browser receives it."""

    def values(v):  # plotly sends numeric arrays as {"dtype", "bdata"} (base64)
        if isinstance(v, dict):
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
        return list(v)

    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if str(fig["layout"]["title"]["text"]).startswith(title):
            bars = [t for t in fig["data"] if t["type"] == "bar"]
            return {str(y): float(x) for t in bars for y, x in zip(values(t["y"]), values(t["x"]), strict=True)}
    raise AssertionError(f"no chart titled {title!r}")


@pytest.mark.parametrize(("ps", "expected"), [("ALL", {"石家庄市": 45, "保定市": 8}),
                                               ("INTL", {"石家庄市": 37, "保定市": 4}),
                                               ("HMT", {"石家庄市": 8, "保定市": 4})])  # fmt: skip
def test_children_ranking_honours_the_partner_filter_like_the_kpi(fixture_run, monkeypatch, ps, expected):
    """2020 outbound by child of HB: SJZ = U1 (USA 20, DEU 12, HKG 5, TWN 3) + U2 (JPN 5); BD = U3 (USA 4, MAC 4)."""
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020", ps=ps)
    assert _bars(at, "2020 年度下级出访人次排名") == expected


def test_partners_page_shows_only_what_the_partner_filter_selects(fixture_run, monkeypatch):
    hmt = open_page(fixture_run[0], "partners", monkeypatch, scope="HB", year="2020", ps="HMT")
    labels = {m.label for m in hmt.metric}
    assert "港澳台" in labels and not any(x.startswith(("国际", "出访人次涉及国家数")) for x in labels)
    assert metric(hmt, "港澳台") == "16 人次"
    intl = open_page(fixture_run[0], "partners", monkeypatch, scope="HB", year="2020", ps="INTL")
    assert "港澳台" not in {m.label for m in intl.metric}
    assert metric(intl, "出访人次涉及国家数（不含港澳台）") == "3 个"
