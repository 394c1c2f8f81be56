"""What a brief says about one scope and year: sections of text with 同比 and what drove it, charts and tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

import queries
from etl import config
from present import charts, fmt
from present.labels import label, unit

from .drivers import children_change, drivers_text, partners_change
from .tables import Table

KEY_FIGURES = ["out_person_times", "in_person_times", "n_partner_countries_exchange", "proj_active_distinct",
               "proj_new", "fund_reportable", "papers_coauthored", "patents_joint", "agr_signed_year",
               "inst_joint_total", "std_total", "bsp_count", "foreign_fulltime"]  # fmt: skip
# Headlines whose 同比 the brief explains by the parts that moved; distinct counts have no additive parts.
EXPLAINED = {"out_person_times": "出访", "in_person_times": "来访", "fund_reportable": "计入统计经费",
             "proj_active_distinct": "在研项目", "papers_coauthored": "国际合著论文"}  # fmt: skip
CHILD_COLUMNS = {"n_reported": "填报单位（个）", "out_person_times": "出访（人次）", "in_person_times": "来访（人次）",
                 "proj_active_distinct": "在研项目（项）", "fund_reportable": "计入统计经费（万元）",
                 "papers_coauthored": "合著论文（篇）"}  # fmt: skip
TOP_CHILDREN = 20  # bars in a ranking of children
NATIONAL_GROUPS = {
    "地方": "地方（省、自治区、直辖市、计划单列市、新疆生产建设兵团）",
    "部门": "部门（国务院有关部门和单位）",
}


@dataclass
class Section:
    """A heading and what follows it, in order: paragraphs (str), ("figure", i) and ("table", i) into the brief's lists."""

    heading: str
    blocks: list[str | tuple[str, int]] = field(default_factory=list)


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
    sections: list[Section] = field(default_factory=list)
    compiler: str = ""  # 编制单位 on the cover ("" = none printed)
    aggregated: bool = True  # the scope rolls up subordinates (False for a single reporting unit)
    compiled_on: dt.date = field(default_factory=dt.date.today)

    def add_figure(self, section: Section, caption: str, figure: go.Figure, note: str) -> None:
        """Place a figure in `section`; figures are numbered 图1… in the order they are added."""
        self.figures.append((caption, figure, note))
        section.blocks.append(("figure", len(self.figures) - 1))

    def add_table(self, section: Section, table: Table) -> None:
        """Place a table in `section`; tables are numbered 表1… in the order they are added."""
        self.tables.append(table)
        section.blocks.append(("table", len(self.tables) - 1))

    def say(self, section: Section, text: str) -> None:
        """A paragraph of `section` (empty text is skipped)."""
        if text:
            self.sentences.append(text)
            section.blocks.append(text)


def level_label(name: str, aggregated: bool) -> str:
    """The label of a roll-up column as a scope of this kind reads it: an aggregated scope has no '本单位'."""
    text = label(name)
    if not aggregated:
        return text
    return {"proj_led": "牵头项目数"}.get(name, text.replace("其中：", "").replace("本单位", ""))


def trend_text(current: object, previous: object) -> str:
    """同比 in a sentence, as the dashboard says it: '比上年增长12.0%', '与上年持平', or why there is no percentage."""
    return fmt.trend_phrase(current, previous)


def leaders(values: pd.Series, unit_: str, n: int = 3, max_tied: int = 5) -> str:
    """Who leads `values` (name → value), ties said as ties: 'A（50 人次）、B（40 人次），C、D 并列第三（各 30 人次）'.

    Names are taken rank by rank until at least `n` are named; a tie that crosses the n-th place is named
    whole (or counted, beyond `max_tied` names), so four names tied for third are never called '前三位'.
    """
    s = values[values > 0].sort_values(ascending=False, kind="stable")
    if s.empty:
        return ""
    groups = [(v, list(g.index)) for v, g in s.groupby(s, sort=False)]
    groups.sort(key=lambda x: -x[0])
    parts, named = [], 0
    for value, names in groups:
        if named >= n:
            break
        amount = fmt.number(value, unit_)
        if len(names) == 1:
            parts.append(f"{names[0]}（{amount}）")
        else:
            place = named + 1
            who = "、".join(names) if len(names) <= max_tied else f"{'、'.join(names[:max_tied])}等 {len(names)} 个"
            parts.append(f"{who}并列第{_cn_ordinal(place)}（各{amount}）")
        named += len(names)
    return "、".join(parts)


def _cn_ordinal(k: int) -> str:
    return "一二三四五六七八九十"[k - 1] if 1 <= k <= 10 else str(k)


def leader_phrase(values: pd.Series, unit_: str, noun: str, n: int = 3) -> str:
    """'居前三位的国家是…' when exactly n lead, else '居前的国家是…' (ties make it more, or fewer exist)."""
    text = leaders(values, unit_, n)
    if not text:
        return ""
    s = values[values > 0].sort_values(ascending=False)
    exact = len(s) >= n and (len(s) == n or s.iloc[n - 1] != s.iloc[n])
    return f"居前{'三位' if exact and n == 3 else ''}的{noun}是{text}"


def _date(value: object) -> str:
    """2021年7月31日 (no leading zeros, as dates are written in Chinese text)."""
    d = pd.Timestamp(value)
    return f"{d.year}年{d.month}月{d.day}日"


def build_brief(con, scope_id: str, year: int, basis: str = "finished", compiler: str | None = None) -> Brief:
    """Gather the brief for `scope_id` in `year` from the warehouse (finished or approved basis).

    `compiler` is the 编制单位 on the cover; None takes data/survey.toml [report] compiler, and when that is
    empty the scope's own unit (nothing for 全国, which is no unit).
    """
    info = queries.scope_info(con, scope_id)
    if info.empty:
        raise ValueError(f"填报单位不存在：{scope_id}")
    row = info.iloc[0]
    name, full, level = row["name_short"], row["name"], int(row["level"])
    root = pd.isna(row["parent_account_id"])
    aggregated = level < 3
    if compiler is None:
        compiler = config.load().compiler or ("" if root else full)
    brief = Brief(scope_id, name, full, year, compiler=compiler, aggregated=aggregated)
    roll = queries.rollup_by_year(con, scope_id, year - 4, year, basis, "ALL").set_index("survey_year")
    if year not in roll.index:
        raise ValueError(f"{name}在 {year} 年度没有已提交的填报数据")
    cur = roll.loc[year]
    prev = roll.loc[year - 1] if year - 1 in roll.index else None
    p = prev if prev is not None else pd.Series(dtype=float)
    basis_zh = "已提交+已审核" if basis == "finished" else "仅已审核"
    source = f"{name}；{year}年度；{basis_zh}"
    years = f"{int(roll.index.min())}—{year}年度" if roll.index.min() < year else f"{year}年度"
    trend_source = f"{name}；{years}；{basis_zh}"

    children = queries.rollup_of_children_by_year(con, scope_id, year - 1, year, basis, "ALL")
    now = children[children["survey_year"] == year]
    before = children[children["survey_year"] == year - 1]
    partners = queries.partner_values_by_partner(
        con, scope_id, year, basis, "ALL", ["out_person_times", "in_person_times"]
    )
    partners_before = (queries.partner_values_by_partner(con, scope_id, year - 1, basis, "ALL",
                                                         ["out_person_times", "in_person_times"])
                       if prev is not None else partners.iloc[:0])  # fmt: skip

    def explained(field_: str) -> str:
        """'增长主要来自…' for a headline: the children (and the scope's own form) that moved it."""
        if prev is None or now.empty:
            return ""
        additive = field_ != "proj_active_distinct"
        d = children_change(now, before, field_, cur[field_], p[field_], f"{name}本级", additive=additive)
        text = drivers_text(d, unit(field_), "从下级看，")
        return text + ("（项目按编号在各级分别去重，各下级的变化不可相加）" if text and not additive else "")

    def partner_explained(field_: str) -> str:
        if prev is None:
            return ""
        return drivers_text(partners_change(partners, partners_before, field_), unit(field_), "从合作国家和地区看，")

    # 一、总体情况 with the key figures (表1)
    overview = Section("一、总体情况")
    brief.sections.append(overview)
    rows = [(level_label(k, aggregated), unit(k), cur[k], p.get(k)) for k in KEY_FIGURES]
    key = pd.DataFrame(rows, columns=["指标", "单位", f"{year}年度", f"{year - 1}年度"])
    key["同比"] = [fmt.change(a, b) or "—" for a, b in zip(key[f"{year}年度"], key[f"{year - 1}年度"], strict=True)]
    brief.key = key
    filling = queries.filling_summary_by_year(con, scope_id, year, year, "ALL")
    reported = ""
    if aggregated and not filling.empty:
        f = filling.iloc[0]
        reported = f"共有{int(f.n_finished):,}个填报单位报送了数据（应报{int(f.n_expected):,}个），"
    brief.say(overview, f"{year}年度，{name}{reported}出访{fmt.number(cur['out_person_times'], '人次')}，"
              f"来访{fmt.number(cur['in_person_times'], '人次')}；计入统计的国际科技合作经费"
              f"{fmt.number(cur['fund_reportable'], '万元')}，{trend_text(cur['fund_reportable'], p.get('fund_reportable'))}；"
              f"在研国际合作项目{fmt.number(cur['proj_active_distinct'], '项')}，"
              f"{trend_text(cur['proj_active_distinct'], p.get('proj_active_distinct'))}。主要指标见表1。")  # fmt: skip
    brief.add_table(overview, Table("主要指标", key, note="项目数按计划项目编号去重；合作国家数不含港澳台"))

    # 二、人员交流
    exchange = Section("二、人员交流")
    brief.sections.append(exchange)
    for field_, verb in (("out_person_times", "出访"), ("in_person_times", "来访")):
        why = "；".join(t for t in (explained(field_), partner_explained(field_)) if t)
        brief.say(exchange, f"{verb}{fmt.number(cur[field_], '人次')}，{trend_text(cur[field_], p.get(field_))}"
                  + (f"。{why}。" if why else "。"))  # fmt: skip
    intl = partners[partners["partner_scope"] == "INTL"].groupby("name_zh")["value"].sum().sort_values(ascending=False)
    hmt_total = partners.loc[partners["partner_scope"] == "HMT", "value"].sum()
    total_pt = partners["value"].sum()
    lead = leader_phrase(intl, "人次", "国家")
    brief.say(exchange, f"人员交流涉及{int(cur['n_partner_countries_exchange'])}个国家（不含港澳台）"
              + (f"，出访和来访人次{lead}" if lead else "")
              + (f"；与港澳台的人员交流{fmt.number(hmt_total, '人次')}，占{hmt_total / total_pt:.1%}。" if total_pt
                 else "。"))  # fmt: skip
    brief.add_figure(exchange, f"{name}人员交流趋势（{years}）", charts.trend(
        roll.reset_index(), "survey_year", {"out_person_times": "出访人次", "in_person_times": "来访人次"},
        "人员交流趋势", "人次", trend_source), "出访与来访分别统计，人次可加")  # fmt: skip
    if len(intl):
        top = intl.head(15).rename_axis("name_zh").reset_index()
        shown = f"前 15 / 共 {len(intl)} 个" if len(intl) > 15 else f"共 {len(intl)} 个"
        brief.add_figure(exchange, f"{year}年度人员交流主要合作国家（{shown}）", charts.bar_ranking(
            top, "name_zh", "value", f"{year}年度人员交流主要合作国家", "人次", source),
            "出访+来访；港澳台单列，不计入国家")  # fmt: skip

    # 三、经费投入
    funding = Section("三、经费投入")
    brief.sections.append(funding)
    why = explained("fund_reportable")
    brief.say(funding, f"计入统计的国际科技合作经费{fmt.number(cur['fund_reportable'], '万元')}"
              f"（已剔除中央、省级及按规定的市级财政资金），{trend_text(cur['fund_reportable'], p.get('fund_reportable'))}"
              + (f"。{why}。" if why else "。"))  # fmt: skip
    on_projects, n_projects = cur.get("fund_on_projects"), cur["proj_active_distinct"]
    if not fmt.is_missing(on_projects) and on_projects > 0 and n_projects:
        share = f"，占计入统计经费的{on_projects / cur['fund_reportable']:.1%}" if cur["fund_reportable"] else ""
        brief.say(funding, f"其中用于合作项目的经费{fmt.number(on_projects, '万元')}{share}；按在研项目"
                  f"{fmt.number(n_projects, '项')}计，平均每项{fmt.number(on_projects / n_projects, '万元')}。")  # fmt: skip
    brief.add_figure(funding, f"{name}计入统计经费趋势（{years}）", charts.trend(
        roll.reset_index(), "survey_year", {"fund_reportable": "计入统计经费"}, "计入统计经费趋势", "万元",
        trend_source), "已剔除中央、省级（及按规定的市级）财政资金")  # fmt: skip

    # 四、合作项目与成果
    projects = Section("四、合作项目与成果")
    brief.sections.append(projects)
    why = explained("proj_active_distinct")
    led = "牵头" if aggregated else "本单位牵头"
    if n_projects or p.get("proj_active_distinct"):
        brief.say(projects, f"在研国际合作项目{fmt.number(n_projects, '项')}（按项目编号去重），"
                  f"{trend_text(n_projects, p.get('proj_active_distinct'))}，其中本年新立项"
                  f"{fmt.number(cur['proj_new'], '项')}、{led}{fmt.number(cur['proj_led'], '项')}"
                  + (f"。{why}。" if why else "。"))  # fmt: skip
    else:
        brief.say(projects, f"{year}年度和上一年度均没有在研的国际合作项目。")
    why = explained("papers_coauthored")
    brief.say(projects, f"国际合著论文{fmt.number(cur['papers_coauthored'], '篇')}，"
              f"{trend_text(cur['papers_coauthored'], p.get('papers_coauthored'))}"
              + (f"（{why}）" if why else "") + f"；新签合作协议{fmt.number(cur['agr_signed_year'], '项')}，"
              f"共建合作机构{fmt.number(cur['inst_joint_total'], '个')}。")  # fmt: skip

    # 五、下级情况: rankings, split into 地方 and 部门 at the national level
    if not now.empty:
        lower = Section("五、下级情况")
        brief.sections.append(lower)
        groups = _child_groups(now, root)
        counts = "、".join(f"{g}{len(d)}个" for g, d in groups.items())
        text = f"{name}共有直接下级{len(now)}个" + (f"，其中{counts}" if len(groups) > 1 else "") + "。"
        for group, d in groups.items():
            noun = "下级" if len(groups) == 1 else group
            lead = leader_phrase(d.set_index("child_name")["out_person_times"], "人次", noun)
            if lead:
                text += f"{'' if len(groups) == 1 else NATIONAL_GROUPS[group]}出访人次{lead}。"
        brief.say(lower, text)
        for group, d in groups.items():
            what = "下级" if len(groups) == 1 else group
            shown = f"前 {TOP_CHILDREN} / 共 {len(d)} 个" if len(d) > TOP_CHILDREN else f"共 {len(d)} 个"
            brief.add_figure(lower, f"{year}年度{what}出访人次（{shown}）", charts.bar_ranking(
                d, "child_name", "out_person_times", f"{year}年度{what}出访人次", "人次", source, top=TOP_CHILDREN),
                "各下级含其全部下属填报单位")  # fmt: skip
        for group, d in groups.items():
            what = "下级" if len(groups) == 1 else group
            table = d[["child_name", *CHILD_COLUMNS]].rename(columns={"child_name": what, **CHILD_COLUMNS})
            note = "各下级含其全部下属填报单位；下级合计 + 本级 = 本范围合计"
            brief.add_table(lower, Table(f"{what}主要指标", table.sort_values("出访（人次）",
                            ascending=False, kind="stable"), money_columns=["计入统计经费（万元）"], note=note))  # fmt: skip

    # 数据完整性与口径
    last = Section(f"{'六' if not now.empty else '五'}、数据完整性与口径说明")
    brief.sections.append(last)
    if not filling.empty:
        f = filling.iloc[0]
        brief.coverage = (f"应报填报单位 {int(f.n_expected):,} 个，已报（已提交+已审核）{int(f.n_finished):,} 个"
                          f"（{f.n_finished / f.n_expected:.1%}），其中已审核 {int(f.n_approved):,} 个；"
                          f"填报截止日期 {_date(f.deadline)}。")  # fmt: skip
        brief.say(last, f"数据完整性：{brief.coverage}")
        brief.add_table(last, Table("填报情况", pd.DataFrame([{
            "统计年度": year, "应报（个）": int(f.n_expected), "已报（个）": int(f.n_finished),
            "已审核（个）": int(f.n_approved), "按时提交（个）": int(f.n_on_time)}])))  # fmt: skip
    brief.notes = [
        "各级填报单位只填报本单位数据，上级数据由本级与下级逐级汇总，不重复填报。",
        "计入统计经费不含中央（国家级）、省级财政资金；上级科技局单独填报市级财政经费时，下级单位也不含市级资金。"
        "被剔除的资金只作备查，在出资部门计入一次。",
        "中国香港、中国澳门、中国台湾单列为港澳台，不作为国家；“合作国家数”只计国家，合计 = 国际 + 港澳台。",
        "合著论文、共建机构、协议、外籍人员等按填报单位累计，同一对象由多个单位填报时可能重复；"
        "项目数、国际标准、大科学计划、国际组织按编号在每一级去重。",
        "变化的来源按“本范围合计 = 本级 + 各下级合计”逐项分解，份额为该项变化占总变化的比例。",
        "数据为已提交和已审核的填报；未审核的数据以后可能修改。" if basis == "finished" else "只含已审核的填报。",
    ]  # fmt: skip
    return brief


def _child_groups(children: pd.DataFrame, national: bool) -> dict[str, pd.DataFrame]:
    """Children as shown in rankings: at the national level 地方 (provinces, 计划单列市, 兵团) apart from 部门 (the
    central ministries and agencies, the registry's central funders); elsewhere one group."""
    if not national:
        return {"下级": children}
    central = children["child_funder_level"].eq("central")
    groups = {"地方": children[~central], "部门": children[central]}
    return {g: d for g, d in groups.items() if not d.empty}
