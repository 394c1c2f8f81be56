"""Where every field of the survey sits in the Excel form: shared by the template writer and the reader."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from .. import dictionary as d
from ..dictionary.sections import DETAILS, HEADER
from ..reference import read_csv

FIRST_ROW = 3  # row 1: sheet title; row 2: column headings
VALUE_COL = "C"
INFO_SHEET, CODES_SHEET, PARTNER_SHEET = "填报说明", "代码表", "按国家（地区）分列"
YEAR_CELL, VERSION_CELL = "B3", "B4"
PARTNER_SLOTS = 5  # projects: up to five partner countries or regions, each a drop-down
YES, NO = "是", "否"
# Form sheets: (sheet name, section key, field names or None for all typed fields of the section).
HEADER_FIELDS = ("account_id", "account_level", "parent_account_id", "revision", "status", "submitted_at",
                 "approved_at", "reviewer_account_id", "reports_municipal_funds")  # fmt: skip
FORM_SHEETS = (
    ("基本信息", "submission", HEADER_FIELDS), ("单位情况", "unit_profile", None), ("人员交流", "exchange", None),
    ("会议", "conference", None), ("经费投入", "funding", None), ("合作机构", "institution", None),
    ("协议", "agreement", None), ("国际组织任职", "intl_org", None), ("合作成效", "outcome", None),
    ("国际合作人才", "talent", None), ("支持政策", "policy", None),
)  # fmt: skip
LIST_SHEETS = {
    "projects": "项目明细",
    "intl_orgs": "国际组织明细",
    "standards": "国际标准明细",
    "big_science": "大科学计划明细",
}


@dataclass(frozen=True)
class Row:
    """One value cell of a form sheet: the document path it fills and how to read it."""

    sheet: str
    row: int
    path: str  # e.g. "exchange.out_groups" or "policy.policy_types=funding" (one row per option)
    field: d.Field
    label: str

    @property
    def cell(self) -> str:
        """The value cell, as in 人员交流!C12."""
        return f"{self.sheet}!{VALUE_COL}{self.row}"


def _group(key: str) -> d.Group:
    return HEADER if key == "submission" else next(g for g in d.SECTIONS if g.key == key)


@cache
def form_rows() -> tuple[Row, ...]:
    """Every value cell of every form sheet, in order."""
    rows = []
    for sheet, key, names in FORM_SHEETS:
        group = _group(key)
        fields = [group.field(n) for n in names] if names else [f for f in group.fields if not f.derived]
        r = FIRST_ROW
        for f in fields:
            prefix = "" if key == "submission" else f"{key}."
            if f.kind == "multi_enum" and f.enum:
                for value, zh in zip(f.enum, f.enum_zh, strict=True):
                    rows.append(Row(sheet, r, f"{prefix}{f.name}={value}", f, f"{f.label_zh}：{zh}"))
                    r += 1
            else:
                rows.append(Row(sheet, r, f"{prefix}{f.name}", f, f.label_zh))
                r += 1
    return tuple(rows)


@cache
def list_columns(key: str) -> tuple[tuple[str, d.Field, str], ...]:
    """Columns of a detail sheet: (column key, field, heading); partner lists become several columns."""
    group = next(g for g in DETAILS if g.key == key)
    out = []
    for f in group.fields:
        if f.kind == "partner_list":
            slots = PARTNER_SLOTS if key == "projects" else 2
            out += [(f"{f.name}#{i}", f, f"{f.label_zh}{i}") for i in range(1, slots + 1)]
        elif f.kind == "multi_enum":  # a project's partner organisation: one drop-down
            out.append((f"{f.name}#1", f, f.label_zh))
        else:
            unit = f"（{f.unit}）" if f.unit != "–" else ""
            out.append((f.name, f, f"{f.label_zh}{unit}"))
    return tuple(out)


@cache
def partners() -> dict[str, str]:
    """Chinese partner name → ISO code, 港澳台 first (as they are listed in partners.csv)."""
    return {r["name_zh"]: r["iso3"] for r in read_csv("partners.csv") if r["iso3"] != "CHN"}


@cache
def orgs() -> dict[str, str]:
    """Chinese organisation name → org code."""
    return {r["name_zh"]: r["org_code"] for r in read_csv("intl_orgs.csv")}


@cache
def programmes() -> dict[str, str]:
    """Chinese programme name → programme code."""
    return {r["name_zh"]: r["programme_code"] for r in read_csv("big_science_programmes.csv")}


def enum_labels(f: d.Field) -> dict[str, str]:
    """Chinese label → code for an enumeration (codes themselves when unlabelled)."""
    return dict(zip(f.enum_zh or f.enum, f.enum, strict=True))


@cache
def fingerprint() -> str:
    """A short hash of the layout: a workbook made from another layout is refused (E_XLSX_TEMPLATE)."""
    text = "|".join(f"{r.sheet}:{r.row}:{r.path}" for r in form_rows())
    text += "|".join(f"{k}:{c}" for k in LIST_SHEETS for c, _, _ in list_columns(k))
    return hashlib.sha256(f"{d.SCHEMA_VERSION}|{text}".encode()).hexdigest()[:10]
