"""总览: how is international S&T cooperation under this scope doing this year, and over the years?"""

from __future__ import annotations

import streamlit as st

from present import charts, fmt
from present.safe import md
from ui import metrics, state, widgets
from ui.data import fetch

f = state.current()
st.title("总览")
widgets.scope_bar(f)
cover = widgets.coverage(f)

PARTNER_NOTE = {"ALL": "全部合作方（含港澳台）", "INTL": "国际合作方（不含港澳台）", "HMT": "港澳台合作方"}
KPI = ["out_person_times", "in_person_times", "n_partner_countries_exchange", "proj_active_distinct",
       "fund_reportable", "papers_coauthored", "agr_signed_year", "inst_joint_total"]  # fmt: skip
values = metrics.by_year(f, [*KPI, "n_partner_hmt_exchange"])
if values[KPI].isna().all().all():
    widgets.empty(f"{f.year_from}–{f.year_to} 年度该范围内没有已提交的填报（{cover['text']}）。可换一个年度或范围。")
    st.stop()

# 变化来自哪里 speaks in the fields' own units (万元), whatever unit the funding card picks below.
CHANGE = {"out_person_times": "出访人次", "in_person_times": "来访人次", "fund_reportable": "计入统计经费"}
sources = metrics.change_sources(f, list(CHANGE))

countries = "n_partner_hmt_exchange" if f.partner_scope == "HMT" else "n_partner_countries_exchange"
# One money unit for the funding card and the funding chart beside it, decided from the chart's data.
money, per = fmt.money_unit(values["fund_reportable"])
values = values.assign(fund_reportable=values["fund_reportable"] / per)
this, last = metrics.in_year(values, f.year), metrics.in_year(values, f.year - 1)
cards = [(metrics.label_for(f, k), this(k), money if k == "fund_reportable" else metrics.unit(k), last(k))
         for k in KPI]  # fmt: skip
cards[4] = ("计入统计经费", *cards[4][1:])
cards[2] = ("人员交流涉及港澳台地区数" if f.partner_scope == "HMT" else "人员交流涉及国家数",
            this(countries), "个", last(countries))  # fmt: skip
st.subheader(f"{f.year} 年度主要指标")
widgets.kpis(cards)
st.caption("　·　".join(x for x in (cover["text"], metrics.scope_note(f, KPI), md(widgets.source(f))) if x))

if any(sources.values()):
    st.subheader("变化来自哪里")
    for name, texts in sources.items():
        if texts:  # the sentences carry unit and partner names: data, shown literally
            st.markdown(
                f"**{CHANGE[name]}**（{f.year} 年比 {f.year - 1} 年）：" + "；".join(md(t) for t in texts) + "。"
            )
    st.caption(
        f"下级 = 直接下级的合计；本级 = 本范围自身填报的数；占比按{PARTNER_NOTE[f.partner_scope]}计算"
        + ("；计入统计经费不按国家（地区）分列，为全部合作方" if f.partner_scope != "ALL" else "")
    )

source, trend_source = widgets.source(f), widgets.source(f, trend=True)
left, right = st.columns(2)
with left:
    fig = charts.trend(values, "survey_year", {"out_person_times": "出访人次", "in_person_times": "来访人次"},
                       "人员交流趋势", "人次", trend_source)  # fmt: skip
    widgets.chart(
        fig,
        key="ov_exchange",
        fields=["out_person_times", "in_person_times"],
        note="出访与来访分别统计，人次可加",
        cover=cover,
    )
with right:
    fig = charts.trend(
        values, "survey_year", {"fund_reportable": "计入统计经费"}, "国际合作经费投入趋势", money, trend_source
    )
    widgets.chart(
        fig,
        key="ov_funding",
        fields=["fund_reportable"],
        note="计入统计经费已剔除中央、省级（及按规定的市级）财政资金",
        cover=cover,
    )

children = metrics.children_by_year(f, ["out_person_times"], f.year, f.year)
if not children.empty:
    fig = charts.bar_ranking(children, "child_name", "out_person_times", f"{f.year} 年度下级出访人次排名", "人次",
                             source, ids="child_id")  # fmt: skip
    widgets.chart(
        fig,
        key=f"ov_children_{f.scope_id}",
        fields=["out_person_times"],
        note={"ALL": "含港澳台", "INTL": "只计国际（不含港澳台）", "HMT": "只计港澳台"}[f.partner_scope]
        + "；下级合计 + 本级 = 本范围合计",
        cover=cover,
        drill=True,
    )

completeness = fetch("filling_summary_by_year", scope_id=f.scope_id, year_from=f.year_from, year_to=f.year_to,
                     unit_type=f.unit_type)  # fmt: skip
if not completeness.empty:
    st.subheader("数据完整性")
    table = completeness.drop(columns=["deadline_earliest"]).rename(columns={
        "survey_year": "统计年度", "deadline": "截止日期", "deadline_set_by": "截止日期规定方", "n_expected": "应报",
        "n_finished": "已报", "n_approved": "已审核", "n_on_time": "按时提交"})  # fmt: skip
    table["截止日期"] = table["截止日期"].map(lambda d: f"{d:%Y-%m-%d}")
    table["已报比例"] = (table["已报"] / table["应报"]).map(lambda r: f"{r:.1%}")
    widgets.table(
        table,
        title="数据完整性",
        key="ov_completeness",
        note="已报 = 已提交 + 已审核；按时 = 已报且首次提交不晚于本账号适用的截止日期",
    )
