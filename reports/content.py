"""What a brief says about one scope and year: key figures with 同比, sentences, charts and tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

import queries
from ui import charts, fmt
from ui.labels import label, unit

from .tables import Table

KEY_FIGURES = ["out_person_times", "in_person_times", "n_partner_countries_exchange", "proj_active_distinct",
               "proj_new", "fund_reportable", "papers_coauthored", "patents_joint", "agr_signed_year",
               "inst_joint_total", "std_total", "bsp_count", "foreign_fulltime"]  # fmt: skip


@dataclass
class Brief:
    """Everything the report pack and the app's preview show for a scope and year."""

    scope_id: str
    scope_name: str
    scope_full_name: str
    year: int
    figures: list[tuple[str, go.Figure, str]] = field(default_factory=list)  # (caption, figure, 口径)
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    coverage: str = ""
    key: pd.DataFrame | None = None


def _trend(a: object, b: object) -> str:
    pct = fmt.change(a, b)
    if pct is None:
        return "上年无可比数据"
    return f"比上年{'增长' if not pct.startswith('-') else '下降'}{pct.lstrip('+-')}"


def build_brief(con, scope_id: str, year: int, basis: str = "finished") -> Brief:
    """Gather the brief for `scope_id` in `year` from the warehouse (finished or approved basis)."""
    info = queries.scope_info(con, scope_id)
    if info.empty:
        raise ValueError(f"账号不存在：{scope_id}")
    name, full = info.iloc[0]["name_short"], info.iloc[0]["name"]
    brief = Brief(scope_id, name, full, year)
    roll = queries.rollup_by_year(con, scope_id, year - 4, year, basis, "ALL").set_index("survey_year")
    if year not in roll.index:
        raise ValueError(f"{name}在 {year} 年度没有已提交的填报数据")
    cur = roll.loc[year]
    prev = roll.loc[year - 1] if year - 1 in roll.index else None
    source = f"{name}；{year}年度；{'已提交+已审核' if basis == 'finished' else '仅已审核'}"

    # Key figures with 同比 (表1)
    rows = [(label(k), unit(k), cur[k], None if prev is None else prev[k]) for k in KEY_FIGURES]
    key = pd.DataFrame(rows, columns=["指标", "单位", f"{year}年度", f"{year - 1}年度"])
    key["同比"] = [fmt.change(a, b) or "—" for a, b in zip(key[f"{year}年度"], key[f"{year - 1}年度"], strict=True)]
    brief.key = key
    brief.tables.append(Table("主要指标", key, note="项目数按计划项目编号去重；合作国家数不含港澳台"))

    # Sentences
    partners = queries.partner_values_by_partner(
        con, scope_id, year, basis, "ALL", ["out_person_times", "in_person_times"]
    )
    intl = partners[partners["partner_scope"] == "INTL"].groupby("name_zh")["value"].sum().sort_values(ascending=False)
    hmt_total = partners.loc[partners["partner_scope"] == "HMT", "value"].sum()
    total_pt = partners["value"].sum()
    p = prev if prev is not None else {}
    brief.sentences += [
        f"{year}年度，{name}共出访{fmt.number(cur['out_person_times'], '人次')}、来访"
        f"{fmt.number(cur['in_person_times'], '人次')}，出访{_trend(cur['out_person_times'], p.get('out_person_times'))}，"
        f"来访{_trend(cur['in_person_times'], p.get('in_person_times'))}。",
        f"人员交流涉及{int(cur['n_partner_countries_exchange'])}个国家（不含港澳台）"
        + (f"，出访和来访人次居前三位的国家是{'、'.join(intl.index[:3])}" if len(intl) >= 3 else "")
        + (f"；与港澳台的人员交流{fmt.number(hmt_total, '人次')}，占{hmt_total / total_pt:.1%}。" if total_pt else "。"),
        f"计入统计的国际科技合作经费{fmt.number(cur['fund_reportable'], '万元')}（已剔除中央、省级及按规定的市级财政资金），"
        f"{_trend(cur['fund_reportable'], p.get('fund_reportable'))}"
        + (f"；每个在研项目平均{fmt.number(cur['fund_reportable'] / cur['proj_active_distinct'], '万元')}。"
           if cur["proj_active_distinct"] else "。"),
        f"在研国际合作项目{int(cur['proj_active_distinct'])}项（按项目编号去重），其中本年新立项{int(cur['proj_new'])}项、"
        f"本单位牵头{int(cur['proj_led'])}项；国际合著论文{int(cur['papers_coauthored'])}篇，新签合作协议{int(cur['agr_signed_year'])}项。",
    ]  # fmt: skip

    # Charts (图1…)
    trend = roll.reset_index()
    brief.figures.append(("人员交流趋势", charts.trend(trend, "survey_year", {"out_person_times": "出访人次",
                          "in_person_times": "来访人次"}, "人员交流趋势", "人次", source), "出访与来访分别统计，人次可加"))  # fmt: skip
    brief.figures.append(("计入统计经费趋势", charts.trend(trend, "survey_year", {"fund_reportable": "计入统计经费"},
                          "计入统计经费趋势", "万元", source), "已剔除中央、省级（及按规定的市级）财政资金"))  # fmt: skip
    if len(intl):
        top = intl.head(15).rename_axis("name_zh").reset_index()
        brief.figures.append(("人员交流主要合作国家", charts.bar_ranking(top, "name_zh", "value",
                              f"{year}年度人员交流主要合作国家（前15）", "人次", source), "出访+来访；港澳台单列，不计入国家"))  # fmt: skip
    children = queries.rollup_of_children_by_year(con, scope_id, year, year, basis, "ALL")
    if not children.empty:
        brief.figures.append(("下级出访人次", charts.bar_ranking(children, "child_name", "out_person_times",
                              f"{year}年度下级出访人次", "人次", source), "下级合计 + 本级 = 本范围合计"))  # fmt: skip
        table = children[["child_name", "n_reported", "out_person_times", "in_person_times", "proj_active_distinct",
                          "fund_reportable", "papers_coauthored"]].rename(columns={
            "child_name": "下级", "n_reported": "已报账号（个）", "out_person_times": "出访（人次）",
            "in_person_times": "来访（人次）", "proj_active_distinct": "在研项目（项）",
            "fund_reportable": "计入统计经费（万元）", "papers_coauthored": "合著论文（篇）"})  # fmt: skip
        brief.tables.append(Table("下级主要指标", table.sort_values("出访（人次）", ascending=False),
                                  money_columns=["计入统计经费（万元）"], note="各下级含其全部下属账号"))  # fmt: skip

    # Completeness and 口径
    filling = queries.filling_summary_by_year(con, scope_id, year, year, "ALL")
    if not filling.empty:
        f = filling.iloc[0]
        brief.coverage = (f"应报 {int(f.n_expected):,} 个账号，已报（已提交+已审核）{int(f.n_finished):,} 个"
                          f"（{f.n_finished / f.n_expected:.1%}），其中已审核 {int(f.n_approved):,} 个；"
                          f"填报截止日期 {pd.Timestamp(f.deadline):%Y年%m月%d日}。")  # fmt: skip
        brief.tables.append(Table("填报情况", pd.DataFrame([{
            "统计年度": year, "应报（个）": int(f.n_expected), "已报（个）": int(f.n_finished),
            "已审核（个）": int(f.n_approved), "按时提交（个）": int(f.n_on_time)}])))  # fmt: skip
    brief.notes = [
        "各级账号只填报本单位数据，上级数据由本级与下级逐级汇总，不重复填报。",
        "计入统计经费不含中央（国家级）、省级财政资金；上级科技局单独填报市级财政经费时，下级单位也不含市级资金。"
        "被剔除的资金只作备查，在出资部门计入一次。",
        "中国香港、中国澳门、中国台湾单列为港澳台，不作为国家；“合作国家数”只计国家，合计 = 国际 + 港澳台。",
        "合著论文、共建机构、协议、外籍人员等按填报单位累计，同一对象由多个单位填报时可能重复；"
        "项目数、国际标准、大科学计划、国际组织按编号在每一级去重。",
        "数据为已提交和已审核的填报；未审核的数据以后可能修改。" if basis == "finished" else "只含已审核的填报。",
    ]  # fmt: skip
    return brief
