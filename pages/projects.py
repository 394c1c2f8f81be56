"""项目与成果: what cooperation projects run under this scope, with whom, and what do they produce?"""

from __future__ import annotations

import streamlit as st

from etl.dictionary import sections as sec
from present import charts
from ui import metrics, state, widgets
from ui.data import fetch

DIMENSIONS = {
    "funding_level": ("立项级别", dict(zip(sec.FUNDING_LEVELS, sec.FUNDING_LEVELS_ZH, strict=True))),
    "field": ("技术领域", dict(zip(sec.PROJECT_FIELDS, sec.PROJECT_FIELDS_ZH, strict=True))),
    "role": ("本单位角色", {"lead": "牵头", "participant": "参与"}),
    "coop_form": ("合作形式", dict(zip(sec.PROJECT_DETAIL.field("coop_form").enum,
                                      sec.PROJECT_DETAIL.field("coop_form").enum_zh, strict=True))),
}  # fmt: skip
OUTCOMES = ["papers_coauthored", "patents_joint", "tech_import_items", "tech_export_items", "tt_contracts",
            "new_products", "joint_training", "intl_awards"]  # fmt: skip
INSTITUTIONS = [
    "inst_joint_total",
    "inst_new",
    "inst_overseas",
    "inst_bri_joint_lab",
    "agr_signed_year",
    "agr_in_force",
]

f = state.current()
st.title("项目与成果")
widgets.scope_bar(f)
cover = widgets.coverage(f)
fields = ["proj_active_distinct", "proj_active", "proj_new", "proj_led", "tt_contract_value", *OUTCOMES, *INSTITUTIONS]
values = metrics.by_year(f, fields)
if values["proj_active"].isna().all():
    widgets.empty(f"所选年度范围内没有已提交的项目数据（{cover['text']}）。")
    st.stop()

this, last = metrics.in_year(values, f.year), metrics.in_year(values, f.year - 1)
widgets.kpis([
    ("在研国际合作项目（去重）", this("proj_active_distinct"), "项", last("proj_active_distinct")),
    ("其中本年新立项", this("proj_new"), "项", last("proj_new")),
    ("牵头项目" if metrics.aggregated(f) else "本单位牵头项目", this("proj_led"), "项", last("proj_led")),
    ("国际（港澳台）合著论文", this("papers_coauthored"), "篇", last("papers_coauthored")),
    ("联合申请专利", this("patents_joint"), "件", last("patents_joint")),
    ("涉外技术转让/许可合同", this("tt_contracts"), "项", last("tt_contracts")),
    ("合同金额", this("tt_contract_value"), "万元", last("tt_contract_value")),
    ("与外方共建科技机构", this("inst_joint_total"), "个", last("inst_joint_total")),
])  # fmt: skip
st.caption(
    f"“项目数（去重）”按计划项目编号去重（A-09）；新立项、合著论文等按填报单位累计，可能存在重复（A-03）。　·　{cover['text']}"
)

source, trend_source = widgets.source(f), widgets.source(f, trend=True)


def dimensions() -> None:
    """This year's active projects by level, field, role and form, and by partner country (region)."""
    dims = fetch("projects_by_dimension", **f.query(), year=f.year)
    if dims.empty:
        widgets.empty(f"{f.year} 年度该范围内没有在研国际合作项目。")
    else:
        cols = st.columns(2)
        for i, (dim, (title, names)) in enumerate(DIMENSIONS.items()):
            title = "承担角色" if dim == "role" and metrics.aggregated(f) else title  # not 本单位角色 over many units
            part = dims[dims["dimension"] == dim].assign(
                name=lambda x, n=names: x["category"].map(n).fillna(x["category"])
            )
            with cols[i % 2]:
                widgets.chart(charts.bar_ranking(part, "name", "projects_distinct", f"{f.year} 年度在研项目：按{title}", "项",
                                                 source), key=f"pj_{dim}", fields=["proj_active_distinct"], note="按项目编号去重",
                              cover=cover)  # fmt: skip
    partners = fetch("partner_values_by_partner", **f.query(), year=f.year, fields=["proj_active"])
    if f.partner_scope != "ALL":
        partners = partners[partners["partner_scope"] == f.partner_scope]
    if not partners.empty:
        widgets.chart(charts.bar_ranking(partners, "name_zh", "value", f"{f.year} 年度在研项目：按合作国家（地区）", "项",
                                         source, color="partner_scope"), key="pj_partners", fields=["proj_active"],
                      note="多国合作项目对每个合作方各计一次，分列之和可大于项目总数（C-03b）；橙色为港澳台", cover=cover)  # fmt: skip


def panels(fields: list[str], title: str) -> object:
    """One small chart per indicator, each on its own axis: thousands of papers would flatten tens of awards to 0."""
    names = {k: metrics.label_for(f, k) for k in fields}
    long = values.melt("survey_year", fields, var_name="field").assign(name=lambda x: x["field"].map(names))
    return charts.small_multiples(long, "survey_year", "value", "name", list(names.values()), title, "", trend_source,
                                  units={names[k]: metrics.unit(k) for k in fields}, columns=3)  # fmt: skip


def outcomes() -> None:
    """Outcomes, joint institutions and agreements over the year range, one small chart per indicator."""
    widgets.chart(panels(OUTCOMES[:6], "合作成果"), key="pj_outcomes", fields=OUTCOMES[:3], note="按填报单位累计，可能存在重复",
                  cover=cover)  # fmt: skip
    widgets.chart(panels(INSTITUTIONS, "合作机构与协议"), key="pj_institutions",
                  fields=["inst_joint_total", "agr_signed_year"], note="按填报单位累计，可能存在重复", cover=cover)  # fmt: skip


# Only the open tab's charts are built and drawn: all seven at once kept a provincial user waiting for the browser.
widgets.views({"在研项目构成": dimensions, "成果与机构（历年）": outcomes}, key="pj_view")
