"""人员交流与人才: who travels where and why, how long, and what international talent this scope has."""

from __future__ import annotations

import streamlit as st

from etl.dictionary import PURPOSES
from etl.dictionary.sections import PURPOSES_ZH
from present import charts
from ui import metrics, state, widgets
from ui.data import fetch

TALENT = ["foreign_fulltime", "foreign_visiting", "young_foreign_scientists", "returnees_year", "staff_posted_abroad"]

f = state.current()
st.title("人员交流与人才")
widgets.scope_bar(f)
cover = widgets.coverage(f)
direction = st.segmented_control("方向", ["out", "in"], default="out", key="ex_dir",
                                 format_func={"out": "出访（派出）", "in": "来访（接待）"}.get) or "out"  # fmt: skip
verb = "出访" if direction == "out" else "来访"
purposes = {f"{direction}_pt_{p}": zh for p, zh in zip(PURPOSES, PURPOSES_ZH, strict=True)}
fields = [f"{direction}_person_times", f"{direction}_groups", f"{direction}_pt_long_term", *purposes, *TALENT]
values = metrics.by_year(f, fields)
if values[f"{direction}_person_times"].isna().all():
    widgets.empty(f"所选年度范围内没有已提交的人员交流数据（{cover['text']}）。")
    st.stop()

this, last = metrics.in_year(values, f.year), metrics.in_year(values, f.year - 1)
widgets.kpis([
    (f"{verb}人次", this(f"{direction}_person_times"), "人次", last(f"{direction}_person_times")),
    (f"{verb}团组数", this(f"{direction}_groups"), "批", last(f"{direction}_groups")),
    ("长期（≥90天）人次", this(f"{direction}_pt_long_term"), "人次", last(f"{direction}_pt_long_term")),
    ("外籍全职科研人员", this("foreign_fulltime"), "人", last("foreign_fulltime")),
])  # fmt: skip
st.caption("　·　".join(x for x in (cover["text"], metrics.scope_note(f, fields)) if x))

source, trend_source = widgets.source(f), widgets.source(f, trend=True)
widgets.chart(charts.stacked(values, "survey_year", purposes, f"{verb}人次：按交流目的", "人次", trend_source),
              key=f"ex_purpose_{direction}", fields=[f"{direction}_person_times", *list(purposes)[:2]], note="各目的人次之和 = 人次（C-02）；按目的不分国家（地区）", cover=cover)  # fmt: skip

partners = fetch("partner_values_by_partner", **f.query(), year=f.year, fields=[f"{direction}_person_times"])
if f.partner_scope != "ALL":
    partners = partners[partners["partner_scope"] == f.partner_scope]
if not partners.empty:
    widgets.chart(charts.bar_ranking(partners, "name_zh", "value", f"{f.year} 年度{verb}人次：按国家（地区）", "人次",
                                     source, color="partner_scope"), key=f"ex_partners_{direction}", fields=[f"{direction}_person_times"],
                  note="橙色为港澳台，单列统计，不作为国家", cover=cover)  # fmt: skip

widgets.chart(charts.trend(values, "survey_year", {k: metrics.label_for(f, k) for k in TALENT}, "国际合作人才", "人",
                           trend_source),
              key="ex_talent", fields=TALENT[:3], note="外籍人员按填报单位累计，可能存在重复（A-03）", cover=cover)  # fmt: skip
