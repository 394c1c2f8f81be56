"""地区对比: how do this scope's children compare — ranked, mapped, over time, per unit — and any two side by side?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.hierarchy import ROOT_ID
from present import charts, fmt
from ui import data, metrics, state, widgets
from ui.data import fetch

INDICATORS = ["out_person_times", "in_person_times", "fund_reportable", "proj_active_distinct", "proj_led",
              "papers_coauthored", "agr_signed_year", "inst_joint_total", "n_partner_countries_exchange",
              "foreign_fulltime", "std_total", "n_reported"]  # fmt: skip
PER_UNIT_OK = {"out_person_times", "in_person_times", "fund_reportable", "proj_led", "papers_coauthored",
               "agr_signed_year", "inst_joint_total", "foreign_fulltime"}  # additive: dividing by units is meaningful  # fmt: skip

f = state.current()
st.title("地区对比")
widgets.scope_bar(f)
cover = widgets.coverage(f)
c1, c2 = st.columns([3, 2])
many = metrics.aggregated(f)  # the picker's labels: a plain function (it runs outside the script too)
indicator = c1.selectbox("指标", INDICATORS, format_func=lambda k: metrics.label(k, many), key="cmp_indicator")
per_unit = c2.toggle("按每个填报单位计", key="cmp_per_unit", disabled=indicator not in PER_UNIT_OK,
                     help="合计 ÷ 已报单位数，便于比较规模不同的地区（去重类指标不适用）")  # fmt: skip
per_unit = per_unit and indicator in PER_UNIT_OK
unit = metrics.unit(indicator) + ("/单位" if per_unit else "")
title = metrics.label_for(f, indicator) + ("（每个填报单位）" if per_unit else "")

rows = metrics.children_by_year(f, [indicator, "n_reported"], f.year_from, f.year_to)
if rows.empty:
    widgets.empty("该范围没有下级账号的已提交数据：请上移一级或换一个年度。")
    st.stop()
rows = rows.assign(value=rows[indicator] / rows["n_reported"] if per_unit else rows[indicator])
year_rows = rows[rows["survey_year"] == f.year]
info = fetch("scope_info", scope_id=f.scope_id).iloc[0]
source, trend_source = widgets.source(f), widgets.source(f, trend=True)
note = "；".join(x for x in ("每个填报单位 = 合计 ÷ 已报单位数" if per_unit else "", metrics.caveat(indicator),
                             metrics.scope_note(f, [indicator])) if x)  # fmt: skip

left, right = st.columns([3, 2])
with left:
    widgets.chart(charts.bar_ranking(year_rows, "child_name", "value", f"{f.year} 年度下级{title}", unit, source,
                                     ids="child_id"), key=f"cmp_rank_{f.scope_id}", fields=[indicator], note=note, cover=cover,
                  drill=True)  # fmt: skip
with right:
    mapped = year_rows.rename(columns={"child_division_code": "code", "child_name": "name"})
    province = info["admin_division_code"] if isinstance(info["admin_division_code"], str) else ""
    if f.scope_id == ROOT_ID:
        # provincial S&T departments only: ministries share Beijing's code, 计划单列市 are cities, 兵团 is no region
        mapped = mapped[(mapped["child_funder_level"] == "provincial") & mapped["code"].str.endswith("0000")]
    mapped = mapped.drop_duplicates("code", keep=False)  # two accounts on one region: neither is the region
    on_map = f.scope_id == ROOT_ID or (int(info["level"]) == 1 and province in charts.map_provinces()
                                    and mapped["code"].isin(charts.level2_codes(province)).any())  # fmt: skip
    if on_map:
        widgets.chart(charts.region_map(mapped, f"{f.year} 年度{title}", unit, source, ids="child_id",
                                        province=None if f.scope_id == ROOT_ID else province),
                      key=f"cmp_map_{f.scope_id}", fields=[indicator],
                      note="；".join(x for x in ("地图按省级行政区绘制，计划单列市、新疆生产建设兵团和国务院部门的数值不在图上"
                                                 if f.scope_id == ROOT_ID else "", note) if x),
                      cover=cover, drill=True)  # fmt: skip
    else:
        widgets.empty("下级不是按行政区划设置的地区（如填报单位、部门直属机构），不绘制地图，请看左侧排名。")

if f.year_from < f.year_to:
    st.subheader(f"{f.year_from}–{f.year_to} 年度变化（小图）")
    top = year_rows.sort_values("value", ascending=False)["child_name"].head(12).tolist()
    small = rows[rows["child_name"].isin(top)]
    widgets.chart(charts.small_multiples(small, "survey_year", "value", "child_name", top, f"下级{title}（前12）", unit,
                                         trend_source),
                  key="cmp_small", fields=[indicator], note=note, cover=cover)  # fmt: skip

st.subheader("两个同级范围并列比较")
level = int(year_rows["child_level"].iloc[0]) if not year_rows.empty else int(info["level"]) + 1
peers = fetch("scopes_at_level", root_id=data.user_root(), level=level)
labels = {r.account_id: r.name_short + (f"（{r.parent_name}）" if level > 1 else "") for r in peers.itertuples()}
children_ids = [c for c in year_rows.sort_values("value", ascending=False)["child_id"] if c in labels]
p1, p2 = st.columns(2)
first = p1.selectbox("范围甲", list(labels), index=list(labels).index(children_ids[0]) if children_ids else 0,
                     format_func=labels.get, key=f"cmp_a_{level}")  # fmt: skip
second = p2.selectbox("范围乙", list(labels), index=list(labels).index(children_ids[1]) if len(children_ids) > 1 else 0,
                      format_func=labels.get, key=f"cmp_b_{level}")  # fmt: skip
both = fetch("rollup_of_scopes", scope_ids=[first, second], year_from=f.year, year_to=f.year, basis=f.basis,
             unit_type=f.unit_type, fields=INDICATORS).set_index("scope_id")  # fmt: skip
cells = {s: [fmt.number(both.loc[s, k], metrics.unit(k)) if s in both.index else "—" for k in INDICATORS]
         for s in (first, second)}  # fmt: skip
widgets.table(pd.DataFrame({"指标": [metrics.label_for(f, k) for k in INDICATORS], f"甲：{labels[first]}": cells[first],
                            f"乙：{labels[second]}": cells[second]}), title=f"{f.year}年度同级范围对比", key="cmp_pair")  # fmt: skip
st.caption(f"可在全部 {len(labels):,} 个同级范围中任选两个（输入名称可搜索）；{widgets.source(f, scope=False)}。"
           + ("并列比较的各项指标为全部合作方（国际 + 港澳台）的合计，不按所选合作方范围拆分。" if f.partner_scope != "ALL" else ""))  # fmt: skip
