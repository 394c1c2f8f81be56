"""重点工作监测: international standards, big science, talent, funding input, support policies, organisations."""

from __future__ import annotations

import streamlit as st

from etl.dictionary import sections as sec
from present import charts
from ui import metrics, state, widgets
from ui.data import fetch

FIELDS = ["std_total", "std_led", "std_published_year", "bsp_count", "bsp_led", "bsp_persons", "bsp_fund_reportable",
          "foreign_fulltime", "young_foreign_scientists", "returnees_year", "fund_reportable", "n_units_with_policy",
          "policy_count_year", "org_joined", "org_persons", "org_positions", "org_positions_senior",
          "journal_positions", "n_reported"]  # fmt: skip
CHOICES = {"policy_types": ("支持政策类型", dict(zip(sec.POLICY_TYPES, sec.POLICY_TYPES_ZH, strict=True))),
           "problems": ("主要问题", dict(zip(sec.PROBLEMS, sec.PROBLEMS_ZH, strict=True)))}  # fmt: skip

f = state.current()
st.title("重点工作监测")
widgets.scope_bar(f)
cover = widgets.coverage(f)
values = metrics.by_year(f, FIELDS)
if values["n_reported"].isna().all():
    widgets.empty(f"所选年度范围内没有已提交的监测数据（{cover['text']}）。")
    st.stop()
this, last = metrics.in_year(values, f.year), metrics.in_year(values, f.year - 1)
source, trend_source = widgets.source(f), widgets.source(f, trend=True)


def section(title: str, keys: list[str]) -> None:
    st.subheader(title)
    widgets.kpis([(metrics.short_for(f, k), this(k), metrics.unit(k), last(k)) for k in keys])


section("制订或参与起草国际标准", ["std_total", "std_led", "std_published_year"])
section("国际大科学计划和大科学工程", ["bsp_count", "bsp_led", "bsp_persons", "bsp_fund_reportable"])
st.caption("标准按标准编号、大科学计划按计划代码在每一级去重计数，不是各单位之和（A-02）。")
section("国际合作人才与经费投入", ["foreign_fulltime", "young_foreign_scientists", "returnees_year", "fund_reportable"])
section("参加国际组织与任职", ["org_joined", "org_persons", "org_positions_senior", "journal_positions"])

st.subheader("支持政策与问题建议")
units = this("n_reported") or 0
policy = this("n_units_with_policy") or 0
st.metric(
    "出台国际合作支持政策的单位", f"{int(policy):,} / {int(units):,} 个", help="COUNT_UNITS：统计具备该属性的填报单位数"
)
choices = fetch("choices_by_value", **f.query(), year=f.year)
cols = st.columns(2)
for col, (field, (title, names)) in zip(cols, CHOICES.items(), strict=True):
    part = choices[choices["field"] == field].assign(name=lambda x, n=names: x["value"].map(n).fillna(x["value"]))
    with col:
        if part.empty:
            widgets.empty(f"{f.year} 年度没有单位选择“{title}”。")
        else:
            widgets.chart(charts.bar_ranking(part, "name", "n_units", f"{f.year} 年度{title}（选择该项的单位数）", "个",
                                             source), key=f"mo_{field}", fields=[field], note="多选题，按单位计数", cover=cover)  # fmt: skip

TREND = ["std_total", "bsp_count", "org_joined"]  # tens of standards beside a handful of programmes: one panel each
trend = values.melt("survey_year", TREND, var_name="field").assign(name=lambda x: x["field"].map(
    lambda k: metrics.label_for(f, k)))  # fmt: skip
widgets.chart(charts.small_multiples(trend, "survey_year", "value", "name", [metrics.label_for(f, k) for k in TREND],
                                     "重点工作趋势", "", trend_source, units={metrics.label_for(f, k): metrics.unit(k)
                                     for k in TREND}, columns=3), key="mo_trend", fields=["std_total", "bsp_count", "org_joined"], note="去重计数", cover=cover)  # fmt: skip
