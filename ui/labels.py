"""Labels and units of roll-up columns, from the data dictionary (no Streamlit: reports use it too)."""

from __future__ import annotations

from etl import dictionary as d

# Roll-up columns that are not dictionary fields.
EXTRA = {
    "n_reported": ("填报单位数", "个"),
    "n_units_active": ("开展国际合作的单位数", "个"),
    "n_units_with_policy": ("出台支持政策的单位数", "个"),
    "n_units_with_base": ("有国际科技合作基地的单位数", "个"),
    "proj_active_distinct": ("在研国际合作项目数（去重）", "项"),
    "n_on_time": ("按时提交账号数", "个"),
}
PARTNER_FIELD_NAMES = {f.name for f in d.PARTNER_FIELDS}


def label(name: str) -> str:
    """Chinese label of a roll-up column."""
    return EXTRA[name][0] if name in EXTRA else d.field(name).label_zh


def unit(name: str) -> str:
    """Unit of a roll-up column."""
    return EXTRA[name][1] if name in EXTRA else d.field(name).unit


def caveat(name: str) -> str:
    """The roll-up caveat of a column (A-03 for SUM*, A-02 for DISTINCT), if any."""
    agg = "DISTINCT" if name in EXTRA and name.endswith("distinct") else (None if name in EXTRA else d.field(name).agg)
    return {"SUM*": "按填报单位累计，可能存在重复", "DISTINCT": "逐级按明细去重，不能相加"}.get(agg or "", "")
