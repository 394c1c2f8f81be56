"""The table spec: every table the ETL writes, declared once, from the data dictionary.

Each core table's columns are listed here with their warehouse type and Chinese comment; the Parquet (Arrow)
schema that etl/flatten.py writes and the DDL that etl/ddl.py creates are both made from this list, so the two
cannot drift. A column's Parquet type follows from its warehouse type (PARQUET_TYPE): money travels as float64 and
becomes DECIMAL on load, a project's dates travel as text and become DATE.

The marts a patch merges into (MARTS) are declared here too: their keys and the columns a patch adds to, from which
etl/patch.py generates the keyed delete/insert.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from . import dictionary as d
from .dictionary.sections import PROJECT_DETAIL

# How each warehouse type is written to Parquet.
PARQUET_TYPE: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DATE": pa.string(),  # ISO text in the document; DuckDB casts on insert
    "VARCHAR[]": pa.list_(pa.string()),
    "BOOLEAN": pa.bool_(),
    "TINYINT": pa.int8(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "DECIMAL(14,2)": pa.float64(),  # 万元 with two decimals; DuckDB rounds on insert
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
}

PROFILE_TEXT = ("unit_name", "uscc", "unit_type", "enterprise_ownership", "admin_division_code",
                "supervising_dept", "intl_base_level", "intl_base_type")  # fmt: skip
PROFILE_BOOL = ("has_intl_activity", "has_support_policy")
PROJECT_TEXT = tuple(f.name for f in PROJECT_DETAIL.fields if f.kind in ("string", "text", "enum", "date"))
PROJECT_MONEY = tuple(f.name for f in PROJECT_DETAIL.fields if f.kind == "money")
SRC = tuple(f"fund_src_{s}" for s in d.FUND_SOURCES)


@dataclass(frozen=True)
class Column:
    """One column: name, warehouse (DuckDB) type, Chinese comment."""

    name: str
    sql: str
    comment: str

    @property
    def arrow(self) -> pa.DataType:
        """The column's type in Parquet."""
        return PARQUET_TYPE[self.sql]


@dataclass(frozen=True)
class Table:
    """A core table: warehouse name, Parquet dataset name, comment, columns in order (the keys first)."""

    name: str
    parquet: str
    comment: str
    columns: tuple[Column, ...]

    def arrow_schema(self) -> pa.Schema:
        """The Parquet schema etl/flatten.py writes the table's rows in."""
        return pa.schema([(c.name, c.arrow) for c in self.columns])


KEY_COLUMNS = (
    Column("version_id", "VARCHAR", "文档版本ID（文件内容的SHA-256前32位）"),
    Column("account_id", "VARCHAR", "账号ID"),
    Column("survey_year", "INTEGER", "统计年度"),
)
_PROJECT = d.DETAILS[0]


def _field_comment(f: d.Field) -> str:
    unit = f"（{f.unit}）" if f.unit != "–" else ""
    return f"{f.label_zh}{unit}；汇总：{f.agg}" + ("；由明细计算" if f.derived else "")


def _table(name: str, parquet: str, comment: str, *columns: tuple[str, str, str]) -> Table:
    return Table(name, parquet, comment, (*KEY_COLUMNS, *(Column(*c) for c in columns)))


CORE_TABLES: tuple[Table, ...] = (
    _table("core_submissions", "submissions", "每个账号×年度×版次一行，包括被取代的旧版次和草稿",
        ("revision", "INTEGER", "修订版次"), ("status", "VARCHAR", "填报状态 draft/submitted/returned/approved"),
        ("submission_id", "VARCHAR", "填报记录ID（采集系统）"), ("account_level", "TINYINT", "账号级别"),
        ("parent_account_id", "VARCHAR", "上级账号ID"), ("submitted_at", "TIMESTAMPTZ", "提交时间"),
        ("approved_at", "TIMESTAMPTZ", "审核时间"), ("reviewer_account_id", "VARCHAR", "审核账号"),
        ("reports_municipal_funds", "BOOLEAN", "本账号是否单独填报市级财政经费"),
        ("source_file", "VARCHAR", "收件箱中的文件（相对路径）"), ("run_id", "VARCHAR", "载入该版本的运行ID"),
        ("n_warnings", "INTEGER", "软规则提示条数"), ("excluded_sources", "VARCHAR[]", "本账号须剔除的经费来源（F-03/F-04）"),
    ),
    _table("core_measures", "measures", "每个已提交/已审核版本一行：本账号本级填报值（宽表，列见数据字典）",
        *[(n, "VARCHAR", d.field(n).label_zh) for n in PROFILE_TEXT],
        *[(n, "BOOLEAN", d.field(n).label_zh) for n in PROFILE_BOOL],
        *[(f.name, f.sql_type, _field_comment(f)) for f in d.MEASURES],
        ("suggestions_text", "VARCHAR", d.field("suggestions_text").label_zh),
    ),
    _table("core_partner_values", "partner_values", "按国家（地区）分列的指标（长表）：版本×指标×合作方一行",
        ("field", "VARCHAR", "指标（数据字典字段名）"), ("partner_code", "VARCHAR", "合作国家（地区）ISO 3166-1 alpha-3"),
        ("value", "DOUBLE", "数值（单位见指标）"),
    ),
    _table("core_projects", "projects", "国际合作项目明细：版本×项目一行",
        *[(n, _PROJECT.field(n).sql_type, _PROJECT.field(n).label_zh) for n in PROJECT_TEXT],
        *[(n, "DECIMAL(14,2)", _PROJECT.field(n).label_zh + "（万元）") for n in PROJECT_MONEY],
        ("fund_reportable", "DECIMAL(14,2)", "本年到位经费中计入统计部分（万元，F-03）"),
    ),
    _table("core_project_partners", "project_partners", "项目的合作国家（地区）或国际组织：项目×合作方一行",
        ("project_key", "VARCHAR", "项目编号"), ("partner_code", "VARCHAR", "合作国家（地区）"),
        ("org_code", "VARCHAR", "合作国际组织"),
    ),
    _table("core_orgs", "orgs", "参加的国际科技组织：版本×组织一行",
        ("org_code", "VARCHAR", "国际组织代码"), ("org_name", "VARCHAR", "组织名称"),
    ),
    _table("core_standards", "standards", "国际标准明细：版本×标准一行",
        ("standard_no", "VARCHAR", "标准编号"), ("standard_name", "VARCHAR", "标准名称"), ("sdo", "VARCHAR", "标准组织"),
        ("role", "VARCHAR", "本单位角色"), ("stage", "VARCHAR", "所处阶段"), ("year_of_stage", "INTEGER", "进入该阶段年份"),
    ),
    _table("core_big_science", "big_science", "国际大科学计划明细：版本×计划一行",
        ("programme_code", "VARCHAR", "大科学计划代码"), ("role", "VARCHAR", "本单位角色"),
        ("persons", "BIGINT", "参与人员（人）"),
        *[(s, "DECIMAL(14,2)", f"投入经费：{zh}（万元）") for s, zh in zip(SRC, d.FUND_SOURCES_ZH, strict=True)],
        ("fund_reportable", "DECIMAL(14,2)", "投入经费（计入统计，万元）"),
    ),
    _table("core_choices", "choices", "多选题（政策类型、主要问题）：版本×选项一行",
        ("field", "VARCHAR", "题目"), ("value", "VARCHAR", "选项"),
    ),
    _table("quality_warnings", "warnings", "软规则提示（随数据载入，可查询）",
        ("code", "VARCHAR", "规则编号"), ("severity", "VARCHAR", "S = 软规则"), ("path", "VARCHAR", "字段路径"),
        ("value", "VARCHAR", "取值"), ("message_zh", "VARCHAR", "中文说明"), ("message_en", "VARCHAR", "English message"),
    ),
)  # fmt: skip
CORE: dict[str, Table] = {t.name: t for t in CORE_TABLES}


@dataclass(frozen=True)
class Mart:
    """A derived table a patch updates by key (etl/patch.py generates its keyed delete/insert from this).

    A patch either merges signed rows into it (a delta with the mart's keys and `sums`: the sums are added, a
    row whose `alive` column is no longer above 0 goes, as a rebuild would not make it), or replaces the rows of
    the keys it names with rows made afresh. `nullable` keys are compared with IS NOT DISTINCT FROM (a NULL there
    is a value). `keep_old`: a merged row keeps the mart's other columns (the delta lacks some), and only rows the
    mart has are merged. `order`: how new rows are appended (by scope first, as the mart is read). `unique`: the keys
    name one row (checked on every build and patch, etl/invariants.py I-03); a table of findings has several.
    """

    name: str
    keys: tuple[str, ...]
    sums: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    alive: str = ""
    nullable: tuple[str, ...] = ()
    keep_old: bool = False
    unique: bool = True


SCOPE_KEYS = ("scope_id", "survey_year", "basis", "unit_type")
ACCOUNT_YEAR = ("account_id", "survey_year")
MARTS: dict[str, Mart] = {m.name: m for m in (
    Mart("mart_rollup", SCOPE_KEYS, order=("parent_id nulls first", "scope_id", "basis", "unit_type", "survey_year")),
    Mart("mart_distinct_refs", (*SCOPE_KEYS, "field", "value"), ("n",), ("survey_year", "scope_id"), alive="n",
         nullable=("value",)),  # value is NULL for A-09's unnumbered projects
    Mart("mart_partner_rollup", (*SCOPE_KEYS, "field", "partner_code"), ("value", "n_units"),
         ("scope_level", "scope_id", "field", "survey_year"), alive="n_units"),
    Mart("mart_project_dimensions", (*SCOPE_KEYS, "dimension", "category"),
         ("project_rows", "projects_distinct", "fund_reportable"),
         ("survey_year", "scope_id", "basis", "unit_type", "dimension"), alive="project_rows"),
    Mart("mart_choices", (*SCOPE_KEYS, "field", "value"), ("n_units",),
         ("survey_year", "scope_id", "basis", "unit_type", "field"), alive="n_units"),
    Mart("mart_filling_status", ACCOUNT_YEAR, order=("survey_year", "l1_id", "l2_id", "account_id")),
    # A registry account may have no unit type.
    Mart("mart_filling_rollup", ("scope_id", "survey_year", "unit_type"),
         ("n_expected", "n_finished", *(f"n_{s}" for s in d.STATUSES), "n_missing", "n_on_time"),
         ("parent_id nulls first", "scope_id", "unit_type", "survey_year"), nullable=("unit_type",), keep_old=True),
    Mart("quality_checks", ACCOUNT_YEAR, unique=False),  # findings of an account × year, replaced together
)}  # fmt: skip
