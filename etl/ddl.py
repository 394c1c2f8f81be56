"""Warehouse DDL with Chinese column comments, generated from the data dictionary."""

from __future__ import annotations

from . import dictionary as d
from .flatten import PROFILE_BOOL, PROFILE_TEXT, PROJECT_MONEY, PROJECT_TEXT, SRC

KEY_COLUMNS = [
    ("version_id", "VARCHAR", "文档版本ID（文件内容的SHA-256前32位）"),
    ("account_id", "VARCHAR", "账号ID"),
    ("survey_year", "INTEGER", "统计年度"),
]
_PROJECT = d.DETAILS[0]


def _money(name: str) -> str:
    return "DECIMAL(14,2)" if name.startswith("fund_") or name.endswith("_value") else "DOUBLE"


def _field_comment(f: d.Field) -> str:
    unit = f"（{f.unit}）" if f.unit != "–" else ""
    return f"{f.label_zh}{unit}；汇总：{f.agg}" + ("；由明细计算" if f.derived else "")


# table → (comment, [(column, type, comment)]) for every core table loaded from Parquet.
TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "core_submissions": ("每个账号×年度×版次一行，包括被取代的旧版次和草稿", KEY_COLUMNS + [
        ("revision", "INTEGER", "修订版次"), ("status", "VARCHAR", "填报状态 draft/submitted/returned/approved"),
        ("submission_id", "VARCHAR", "填报记录ID（采集系统）"), ("account_level", "TINYINT", "账号级别"),
        ("parent_account_id", "VARCHAR", "上级账号ID"), ("submitted_at", "TIMESTAMPTZ", "提交时间"),
        ("approved_at", "TIMESTAMPTZ", "审核时间"), ("reviewer_account_id", "VARCHAR", "审核账号"),
        ("reports_municipal_funds", "BOOLEAN", "本账号是否单独填报市级财政经费"),
        ("source_file", "VARCHAR", "收件箱中的文件（相对路径）"), ("run_id", "VARCHAR", "载入该版本的运行ID"),
        ("n_warnings", "INTEGER", "软规则提示条数"), ("excluded_sources", "VARCHAR[]", "本账号须剔除的经费来源（F-03/F-04）"),
    ]),
    "core_measures": ("每个已提交/已审核版本一行：本账号本级填报值（宽表，列见数据字典）", KEY_COLUMNS
        + [(n, "VARCHAR", d.field(n).label_zh) for n in PROFILE_TEXT]
        + [(n, "BOOLEAN", d.field(n).label_zh) for n in PROFILE_BOOL]
        + [(f.name, f.sql_type, _field_comment(f)) for f in d.MEASURES]
        + [("suggestions_text", "VARCHAR", d.field("suggestions_text").label_zh)]),
    "core_partner_values": ("按国家（地区）分列的指标（长表）：版本×指标×合作方一行", KEY_COLUMNS + [
        ("field", "VARCHAR", "指标（数据字典字段名）"), ("partner_code", "VARCHAR", "合作国家（地区）ISO 3166-1 alpha-3"),
        ("value", "DOUBLE", "数值（单位见指标）"),
    ]),
    "core_projects": ("国际合作项目明细：版本×项目一行", KEY_COLUMNS
        + [(n, "DATE" if n.endswith("_date") else "VARCHAR", _PROJECT.field(n).label_zh) for n in PROJECT_TEXT]
        + [(n, "DECIMAL(14,2)", _PROJECT.field(n).label_zh + "（万元）") for n in PROJECT_MONEY]
        + [("fund_reportable", "DECIMAL(14,2)", "本年到位经费中计入统计部分（万元，F-03）")]),
    "core_project_partners": ("项目的合作国家（地区）或国际组织：项目×合作方一行", KEY_COLUMNS + [
        ("project_key", "VARCHAR", "项目编号"), ("partner_code", "VARCHAR", "合作国家（地区）"),
        ("org_code", "VARCHAR", "合作国际组织"),
    ]),
    "core_orgs": ("参加的国际科技组织：版本×组织一行", KEY_COLUMNS + [
        ("org_code", "VARCHAR", "国际组织代码"), ("org_name", "VARCHAR", "组织名称")]),
    "core_standards": ("国际标准明细：版本×标准一行", KEY_COLUMNS + [
        ("standard_no", "VARCHAR", "标准编号"), ("standard_name", "VARCHAR", "标准名称"), ("sdo", "VARCHAR", "标准组织"),
        ("role", "VARCHAR", "本单位角色"), ("stage", "VARCHAR", "所处阶段"), ("year_of_stage", "INTEGER", "进入该阶段年份"),
    ]),
    "core_big_science": ("国际大科学计划明细：版本×计划一行", KEY_COLUMNS + [
        ("programme_code", "VARCHAR", "大科学计划代码"), ("role", "VARCHAR", "本单位角色"), ("persons", "BIGINT", "参与人员（人）"),
    ] + [(s, "DECIMAL(14,2)", f"投入经费：{zh}（万元）") for s, zh in zip(SRC, d.FUND_SOURCES_ZH, strict=True)]
      + [("fund_reportable", "DECIMAL(14,2)", "投入经费（计入统计，万元）")]),
    "core_choices": ("多选题（政策类型、主要问题）：版本×选项一行", KEY_COLUMNS + [
        ("field", "VARCHAR", "题目"), ("value", "VARCHAR", "选项")]),
    "quality_warnings": ("软规则提示（随数据载入，可查询）", KEY_COLUMNS + [
        ("code", "VARCHAR", "规则编号"), ("severity", "VARCHAR", "S = 软规则"), ("path", "VARCHAR", "字段路径"),
        ("value", "VARCHAR", "取值"), ("message_zh", "VARCHAR", "中文说明"), ("message_en", "VARCHAR", "English message"),
    ]),
}  # fmt: skip

PARQUET_OF = {
    "core_submissions": "submissions", "core_measures": "measures", "core_partner_values": "partner_values",
    "core_projects": "projects", "core_project_partners": "project_partners", "core_orgs": "orgs",
    "core_standards": "standards", "core_big_science": "big_science", "core_choices": "choices",
    "quality_warnings": "warnings",
}  # fmt: skip


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_statements() -> list[str]:
    """CREATE TABLE and COMMENT statements for every core table."""
    out = []
    for table, (comment, cols) in TABLES.items():
        body = ",\n    ".join(f"{name} {sql}" for name, sql, _ in cols)
        out.append(f"create table {table} (\n    {body}\n)")
        out.append(f"comment on table {table} is {_quote(comment)}")
        out += [f"comment on column {table}.{name} is {_quote(c)}" for name, _, c in cols]
    return out


def ddl_text() -> str:
    """The DDL as one SQL script, for docs/warehouse_ddl.sql."""
    head = "-- 由 etl/dictionary 生成，请勿手改（python -m etl docs）。\n-- Generated from etl/dictionary; do not edit.\n\n"
    return head + ";\n\n".join(create_statements()) + ";\n"
