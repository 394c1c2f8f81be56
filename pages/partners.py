"""国家和地区: with which countries — and, separately, with 港澳台 — does this scope cooperate, and how much?"""

from __future__ import annotations

import streamlit as st

from etl import dictionary as d
from present import charts, fmt
from ui import metrics, state, widgets
from ui.data import fetch

GROUPS = {"": "全部国家", "is_eu": "欧盟", "is_g20": "二十国集团（G20）", "is_oecd": "经合组织（OECD）",
          "is_brics": "金砖国家", "is_asean": "东盟", "is_sco": "上海合作组织"}  # fmt: skip
FIELDS = [f.name for f in d.PARTNER_FIELDS if f.name in (
    "out_person_times", "in_person_times", "proj_active", "papers_coauthored", "fund_src_foreign", "agr_signed_year",
    "joint_training", "experts_introduced", "patents_joint", "tt_contracts", "inst_joint_total", "foreign_fulltime")]  # fmt: skip

f = state.current()
st.title("国家和地区")
widgets.scope_bar(f)
cover = widgets.coverage(f)

c1, c2, c3 = st.columns([2, 2, 2])
many = metrics.aggregated(f)  # the picker's labels: a plain function (it runs outside the script too)
field = c1.selectbox("指标", FIELDS, format_func=lambda k: metrics.label(k, many), key="pt_field")
group = c2.selectbox("国家组别", list(GROUPS), format_func=GROUPS.get, key="pt_group",
                     help="组别成员为 2025 年口径，早于加入年份的年度也按成员统计")  # fmt: skip
df = fetch("partner_values_by_partner", **f.query(), year=f.year, fields=[field])
continents = sorted(df.loc[df["partner_scope"] == "INTL", "continent_zh"].dropna().unique())
chosen = c3.multiselect("大洲", continents, key="pt_continents", placeholder="全部大洲")
unit = metrics.unit(field)
source = widgets.source(f)

if df.empty:
    widgets.empty(
        f"{f.year} 年度该范围内没有按国家（地区）分列的“{metrics.label_for(f, field)}”数据（{cover['text']}）。"
    )
    st.stop()

intl = df[df["partner_scope"] == "INTL"]
if group:
    intl = intl[intl[group]]
if chosen:
    intl = intl[intl["continent_zh"].isin(chosen)]
hmt = df[df["partner_scope"] == "HMT"].set_index("partner_code")
total_intl, total_hmt = intl["value"].sum(), hmt["value"].sum()

# Each card honours the 合作方范围 filter: with 港澳台 selected no country figure is shown, with 国际 no 港澳台 one.
cards = []
if f.partner_scope in ("ALL", "INTL"):
    cards += [(f"国际（{GROUPS[group]}）", fmt.number(total_intl, unit)),
              (f"{metrics.label_for(f, field)}涉及国家数（不含港澳台）", fmt.number(len(intl), "个"))]  # fmt: skip
if f.partner_scope in ("ALL", "HMT"):
    cards.append(("港澳台", fmt.number(total_hmt, unit)))
for col, (name, value) in zip(st.columns(3), cards, strict=False):
    col.metric(name, value)
note = "“合作国家数”只计国家；中国香港、中国澳门、中国台湾单列为港澳台，不作为国家"
if metrics.caveat(field):
    note += f"；{metrics.caveat(field)}"

if f.partner_scope in ("ALL", "INTL"):
    if intl.empty:
        widgets.empty("所选组别和大洲中没有数据。")
    else:
        widgets.chart(charts.world_map(intl, f"{f.year} 年度{metrics.label_for(f, field)}：按国家", unit, source),
                      key="pt_map", fields=[field], note=note, cover=cover)  # fmt: skip
        widgets.chart(charts.bar_ranking(intl, "name_zh", "value", f"{f.year} 年度{metrics.label_for(f, field)}：国家排名（前20）",
                                         unit, source), key="pt_rank", fields=[field], note=note, cover=cover)  # fmt: skip

if f.partner_scope in ("ALL", "HMT"):
    st.subheader("港澳台")
    cols = st.columns(3)
    for col, (code, name) in zip(cols, (("HKG", "中国香港"), ("MAC", "中国澳门"), ("TWN", "中国台湾")), strict=True):
        col.metric(name, fmt.number(hmt["value"].get(code, 0), unit))
    st.caption("港澳台合作单独统计，合计 = 国际 + 港澳台（H-02）。")

shown = df if f.partner_scope == "ALL" else df[df["partner_scope"] == f.partner_scope]
with st.expander({"ALL": "全部国家和地区明细", "INTL": "全部国家明细", "HMT": "港澳台明细"}[f.partner_scope]):
    table = shown[["name_zh", "partner_scope", "continent_zh", "value"]].rename(
        columns={"name_zh": "国家（地区）", "partner_scope": "类别", "continent_zh": "大洲", "value": f"{metrics.label_for(f, field)}（{unit}）"})  # fmt: skip
    table["类别"] = table["类别"].map({"INTL": "国家", "HMT": "港澳台"})
    widgets.table(table, title=f"{f.year}年度{metrics.label_for(f, field)}按国家（地区）", key="pt_table", note=note)
