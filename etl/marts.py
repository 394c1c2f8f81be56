"""Roll-ups, filling status and warehouse checks, built inside the new database file.

Static SQL lives in etl/sql/*.sql; the roll-up's column list comes from the dictionary, so a
new field rolls up by the aggregation code the dictionary gives it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import dictionary as d

SQL_DIR = Path(__file__).parent / "sql"
ADDITIVE = ("SUM", "SUM*")
DISTINCT_SQL = {
    # field → (detail source, expression counted distinct); recomputed at every level.
    "n_partner_countries_exchange": ("partner_values", "case when p.partner_scope = 'INTL' and x.field in "
                                     "('out_person_times', 'in_person_times') and x.value > 0 then x.partner_code end"),
    "n_partner_hmt_exchange": ("partner_values", "case when p.partner_scope = 'HMT' and x.field in "
                               "('out_person_times', 'in_person_times') and x.value > 0 then x.partner_code end"),
    "n_partner_countries_project": ("project_partners", "case when p.partner_scope = 'INTL' then x.partner_code end"),
    "org_joined": ("orgs", "x.org_code || case when x.org_code = 'OTHER' then ':' || coalesce(x.org_name, '') else '' end"),
    "std_total": ("standards", "x.standard_no"),
    "std_led": ("standards", "case when x.role = 'lead' then x.standard_no end"),
    "std_published_year": ("standards", "case when x.stage = 'published' and x.year_of_stage = b.survey_year "
                           "then x.standard_no end"),
    "bsp_count": ("big_science", "x.programme_code"),
    "bsp_led": ("big_science", "case when x.role = 'initiator' then x.programme_code end"),
    # headline 项目数 dedups projects that carry a programme number; others count per unit.
    "proj_active_distinct": ("projects", "case when x.programme is not null then x.project_key "
                             "else x.version_id || '/' || x.project_key end"),
}  # fmt: skip
# Every roll-up exists for all unit types together ('ALL') and for each type: DISTINCT counts
# cannot be added up across types afterwards.
GROUPING = ("grouping sets ((closure.ancestor_id, b.survey_year, b.basis), "
            "(closure.ancestor_id, b.survey_year, b.basis, b.unit_type))")  # fmt: skip
UNIT_TYPE_KEY = "case when grouping(b.unit_type) = 1 then 'ALL' else b.unit_type end as unit_type"
PARTNER_JOIN = {
    "partner_values": "left join ref_partner_scope as p on p.partner_code = x.partner_code",
    "project_partners": "left join ref_partner_scope as p on p.partner_code = x.partner_code",
}


def rollup_sql() -> str:
    """mart_rollup: every scope × year × basis with SUM fields summed and DISTINCT fields recounted."""
    sums = ",\n    ".join(f"sum(b.{f.name}) as {f.name}" for f in d.MEASURES if f.agg in ADDITIVE)
    distinct_fields = {f.name for f in d.MEASURES if f.agg == "DISTINCT"}
    assert distinct_fields <= DISTINCT_SQL.keys(), distinct_fields - DISTINCT_SQL.keys()
    ctes, joins, cols = [], [], []
    for i, (name, (source, expr)) in enumerate(DISTINCT_SQL.items()):
        ctes.append(f"""d{i} as (
    select closure.ancestor_id as scope_id, b.survey_year, b.basis, {UNIT_TYPE_KEY},
           count(distinct {expr}) as {name}
    from cur_basis as b
    inner join core_{source} as x on x.version_id = b.version_id
    {PARTNER_JOIN.get(source, "")}
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    group by {GROUPING}
)""")
        joins.append(f"left join d{i} using (scope_id, survey_year, basis, unit_type)")
        cols.append(f"coalesce(d{i}.{name}, 0) as {name}")
    cte_sql, join_sql = ",\n".join(ctes), "\n".join(joins)
    return f"""create table mart_rollup as
with summed as (
    select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    {UNIT_TYPE_KEY},
    count(*) as n_reported,
    count(*) filter (where b.has_intl_activity) as n_units_active,
    count(*) filter (where b.has_support_policy) as n_units_with_policy,
    count(*) filter (where b.intl_base_level <> 'none') as n_units_with_base,
    {sums}
    from cur_basis as b
    inner join core_account_closure as closure on closure.descendant_id = b.account_id
    group by {GROUPING}
),
{cte_sql}
select summed.*, {", ".join(cols)}
from summed
{join_sql}"""


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Run the mart SQL in order: current versions, roll-up, ratios, filling status, checks."""
    for path in sorted(SQL_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
        if path.name.startswith("10_"):  # the roll-up comes right after the current versions
            con.execute(rollup_sql())
            con.execute("comment on table mart_rollup is '逐级汇总：范围（账号或全国 CN）×年度×口径（finished 已提交+已审核 / "
                        "approved 仅已审核）×单位类型（ALL 为全部类型）一行；SUM 类相加，DISTINCT 类按明细去重重算（A-01、A-02）'")  # fmt: skip
