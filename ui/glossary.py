"""Indicator definitions (指标解释), generated from the data dictionary: one entry per field and roll-up column."""

from __future__ import annotations

from dataclasses import dataclass

from etl import dictionary as d
from etl.dictionary.model import AGGREGATIONS
from present import fmt
from present.labels import EXTRA

DOUBLE_COUNT = (
    "同一对象（如两个单位共建的实验室、合著论文）由多个单位填报时会重复计数，汇总时注明“按填报单位累计，可能存在重复”。"
)
EXTRA_DEFINITIONS = {
    "n_on_time": ("填报进度", "现行版本为已提交或已审核，且首次提交（北京时间）不晚于本账号适用的截止日期的账号数。"
                  "截止日期为全国统一日期（data/survey.toml），上级账号规定了更早日期的，其下属账号都按更早的日期计；"
                  "修改后再提交保留首次提交的日期，被退回或撤回为草稿的不算按时。按时提交率 = 按时提交账号数 ÷ 应报账号数。",
                  "COUNT_UNITS"),
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One indicator as the 指标解释 page shows it."""

    name: str
    label: str
    unit: str
    section: str
    definition: str
    rollup: str
    rules: tuple[tuple[str, str], ...]  # (rule id, Chinese text)
    by_partner: str


# The record's own fields (§1: schema_version, submission_id, …) and the unit's profile (§2) describe the form, not
# cooperation: an official looks up indicators, so these come last, after the detail records' columns.
SYSTEM_GROUPS = ("unit_profile", "submission")


def _place(group: d.Group | None, section: str) -> tuple[int, int]:
    """Where a section goes: (tier, § number) — indicators and roll-ups, then detail records, then system fields."""
    number = int(section[1:].split()[0]) if section.startswith("§") else 99  # 汇总 after the numbered sections
    if group is None or not (group.is_list or group.key in SYSTEM_GROUPS):
        return 0, number
    return (1, number) if group.is_list else (2 + SYSTEM_GROUPS.index(group.key), number)


def entries() -> list[Entry]:
    """Every field and roll-up column: the survey's indicators by §, then detail records, system fields last."""
    return [e for _, e in sorted(_unordered(), key=lambda x: x[0])]


def _unordered() -> list[tuple[tuple[int, int, int], Entry]]:
    """(place, entry) of every field of every section and detail record, then of the roll-up columns."""
    out = []
    for g in d.GROUPS:
        for f in g.fields:
            rollup = f"{f.agg}：{AGGREGATIONS[f.agg]}" + (f"。{DOUBLE_COUNT}" if f.agg == "SUM*" else "")
            if g.is_list:
                rollup = "明细行：汇总时按" + ("编号去重计数" if f.agg == "KEY" else "所在单位计入")
            computed = f.derived and not f.rollup_only  # a roll-up-only column is no unit's to fill in anyway
            definition = "；".join(x for x in (f.constraint, "由系统根据明细计算，不需填写" if computed else "") if x)
            partner = {"additive": "按国家（地区）分列，分列之和 = 合计（C-03）",
                       "multi": "按国家（地区）分列，多国项目对每个合作方各计一次（C-03b）"}.get(f.by_partner, "")  # fmt: skip
            section = f"{g.number} {g.title_zh}" if g.number.startswith("§") else g.number  # 汇总: the roll-up's
            entry = Entry(f.name, f.label_zh, f.unit, section, definition or f.label_zh, rollup,
                          tuple((r, d.RULES_BY_ID[r].text_zh) for r in f.rules if r in d.RULES_BY_ID), partner)  # fmt: skip
            out.append(((*_place(g, g.number), len(out)), entry))
    for name, (section, definition, agg) in EXTRA_DEFINITIONS.items():
        label, unit = EXTRA[name]
        entry = Entry(name, label, unit, section, definition, f"{agg}：{AGGREGATIONS[agg]}", (), "")
        out.append(((*_place(None, section), len(out)), entry))
    out.append(((*_place(None, YOY.section), len(out)), YOY))
    return out


# 同比 as every card, table and document writes it (present.fmt.change), with its minimum base.
YOY = Entry("yoy", "同比", "%", "汇总",
            f"与上年度相比的增减幅度 =（本年 − 上年）÷ 上年，带正负号、保留一位小数（如 +12.3%）；四舍五入为 0.0% 时写"
            f"“{fmt.FLAT}”。上年数值不足 {fmt.MIN_BASE}（人次、项、个等按指标本身的单位，经费按万元）时不计算百分比，写"
            f"“{fmt.SMALL_BASE}”：如 1 人增至 2 人不写作 +100.0%。上年无数据时不显示。",
            "RECOMPUTE：由汇总后的本年、上年数值重新计算", (), "")  # fmt: skip


def by_name() -> dict[str, Entry]:
    """Entries keyed by field name (a detail record's field keeps the first entry of that name)."""
    out: dict[str, Entry] = {}
    for e in entries():
        out.setdefault(e.name, e)
    return out
