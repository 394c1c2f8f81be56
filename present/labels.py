"""Labels and units of roll-up columns, from the data dictionary (no Streamlit: reports use it too)."""

from __future__ import annotations

from functools import cache

from etl import dictionary as d

# Columns shown beside the dictionary's fields that are not in it: the filling progress mart's. (The roll-up's
# own extra columns, n_reported … proj_active_distinct, are the dictionary's roll-up-only fields.)
EXTRA = {
    "n_on_time": ("按时提交账号数", "个"),
}
PARTNER_FIELD_NAMES = {f.name for f in d.PARTNER_FIELDS}


# The dictionary's labels speak to one unit filling in its own form (本单位…); a figure rolled up over many
# units (全国, 省, 市) is not one unit's, so it is named without 本单位.
AGGREGATED = {
    "fund_reportable": "国际科技合作经费投入（计入统计）",
    "proj_led": "其中：牵头项目",
    "org_joined": "参加国际科技组织（团体会员）",
}


def label(name: str, aggregated: bool = False) -> str:
    """Chinese label of a roll-up column; `aggregated` for a scope that sums many units (not 本单位…)."""
    if aggregated and name in AGGREGATED:
        return AGGREGATED[name]
    return EXTRA[name][0] if name in EXTRA else d.field(name).label_zh


# Labels too long for a KPI card (about 14 characters fit): the card shows these, its help the full label.
SHORT = {
    "org_positions_senior": "其中：高级职务",
    "journal_positions": "SCI国际期刊任职",
}


def short_label(name: str, aggregated: bool = False) -> str:
    """A label that fits a KPI card (the full one goes to the card's help)."""
    return SHORT.get(name) or label(name, aggregated)


def unit(name: str) -> str:
    """Unit of a roll-up column."""
    return EXTRA[name][1] if name in EXTRA else d.field(name).unit


def caveat(name: str) -> str:
    """The roll-up caveat of a column (A-03 for SUM*, A-02 for DISTINCT), if any."""
    agg = None if name in EXTRA else d.field(name).agg
    return {"SUM*": "按填报单位累计，可能存在重复", "DISTINCT": "逐级按明细去重，不能相加"}.get(agg or "", "")


@cache
def _field_labels() -> dict[str, str]:
    """Every field of every group (header, sections, detail records) by name → Chinese label; first one wins."""
    out: dict[str, str] = {}
    for g in d.GROUPS:
        for f in g.fields:
            out.setdefault(f.name, f.label_zh)
    return out


@cache
def _group_titles() -> dict[str, str]:
    return {g.key: g.title_zh for g in d.GROUPS}


def path_label(path: object) -> str:
    """A finding's field path in Chinese: `by_partner.in_person_times.CHN` → `来访人次·CHN`, `projects[2].role` →
    `国际合作项目·第3行·…`. Unknown parts are kept as they are, so nothing is hidden from the reader."""
    if not isinstance(path, str) or not path:  # None, or NaN from a frame
        return ""
    fields, titles, parts = _field_labels(), _group_titles(), []
    for part in path.split("."):
        name, _, index = part.partition("[")
        if name in fields:
            parts.append(fields[name])
        elif name in titles:
            parts.append(titles[name])
        elif name.endswith("_*") and name[:-2] in {"out_pt", "in_pt"}:
            parts.append("出访各目的人次" if name.startswith("out") else "来访各目的人次")
        elif name != "by_partner":
            parts.append(name)
        if index.rstrip("]").isdigit():
            parts.append(f"第{int(index.rstrip(']')) + 1}行")
    return "·".join(parts)
