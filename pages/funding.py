"""经费投入: how much does this scope put into international cooperation, from which sources, counted once?"""

from __future__ import annotations

import streamlit as st

from etl.dictionary import FUND_SOURCES, FUND_SOURCES_ZH
from present import charts, fmt
from ui import metrics, state, widgets
from ui.data import fetch

SOURCES = {f"fund_src_{s}": zh for s, zh in zip(FUND_SOURCES, FUND_SOURCES_ZH, strict=True)}
USES = {
    "fund_on_exchange": "用于人员交流",
    "fund_on_projects": "用于合作项目",
    "fund_on_platforms": "用于平台/机构建设",
}

f = state.current()
st.title("经费投入")
widgets.scope_bar(f)
cover = widgets.coverage(f)
fields = ["fund_reportable", "fund_total_all", "proj_active_distinct", "proj_fund_reportable", *SOURCES, *USES]
values = metrics.by_year(f, fields)
if values["fund_reportable"].isna().all():
    widgets.empty(f"所选年度范围内没有已提交的经费数据（{cover['text']}）。")
    st.stop()

this, last = metrics.in_year(values, f.year), metrics.in_year(values, f.year - 1)
per_project = fmt.ratio(this("fund_reportable"), this("proj_active_distinct"))
per_project_last = fmt.ratio(last("fund_reportable"), last("proj_active_distinct"))
# The page's totals and their charts share one money unit, decided by the largest of them (全部来源经费).
money, per = fmt.money_unit(values["fund_total_all"])
values = values.assign(**{k: values[k] / per for k in ["fund_reportable", "fund_total_all", *SOURCES, *USES]})
widgets.kpis([
    ("计入统计经费", this("fund_reportable"), money, last("fund_reportable")),
    ("全部来源经费（备查）", this("fund_total_all"), money, last("fund_total_all")),
    ("每个在研项目计入统计经费", per_project, "万元", per_project_last),
    ("中央财政资金（备查，不计入）", this("fund_src_central"), money, last("fund_src_central")),
], columns=4)  # fmt: skip

with st.expander("口径说明：哪些经费计入统计（F-03、F-04、F-07）", expanded=False):
    st.markdown(
        "- **计入统计经费**：各单位只填本单位经费，逐级相加。为避免重复统计，单位填报的经费**不含国家级（中央）、省级"
        "财政资金**；上级科技局单独填报市级财政经费时，其下级单位还须剔除**市级财政资金**。这些资金在出资的政府部门"
        "账号中计入一次。\n"
        "- **全部来源经费（备查）**：包含被剔除的中央、省级、市级资金，只用于核对，**不能逐级相加作为合计**。\n"
        "- 每个在研项目经费 = 计入统计经费 ÷ 在研项目数（去重），由汇总后的分子分母重新计算（A-04）。"
    )

source, trend_source = widgets.source(f), widgets.source(f, trend=True)
left, right = st.columns(2)
with left:
    widgets.chart(charts.trend(values, "survey_year", {"fund_reportable": "计入统计经费"}, "计入统计经费趋势", money,
                               trend_source), key="fd_trend", fields=["fund_reportable"], note="已剔除中央、省级（及按规定的市级）财政资金", cover=cover)  # fmt: skip
with right:
    widgets.chart(charts.stacked(values, "survey_year", SOURCES, "经费来源构成（全部来源，备查）", money, trend_source),
                  key="fd_sources", fields=["fund_total_all", "fund_src_central", "fund_src_provincial"], note="含中央、省级、市级备查资金，不能作为逐级合计", cover=cover)  # fmt: skip
widgets.chart(charts.stacked(values, "survey_year", USES, "计入统计经费的用途", money, trend_source), key="fd_uses", fields=list(USES),
              note="各用途之和不超过计入统计经费（F-13）", cover=cover)  # fmt: skip

children = fetch(
    "rollup_of_children_by_year", **f.query(), year_from=f.year, year_to=f.year, fields=["fund_reportable"]
)
if not children.empty:
    widgets.chart(charts.bar_ranking(children, "child_name", "fund_reportable", f"{f.year} 年度下级计入统计经费排名",
                                     "万元", source, ids="child_id"), key=f"fd_children_{f.scope_id}", fields=["fund_reportable"],
                  note="下级合计 + 本级 = 本范围合计（F-07）", cover=cover, drill=True)  # fmt: skip
