"""Roll-ups, filling status and warehouse checks, built inside the new database file.

Static SQL lives in etl/sql/*.sql; the roll-up's column list comes from the dictionary, so a
new field rolls up by the aggregation code the dictionary gives it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

from . import dictionary as d
from .hierarchy import ROOT_ID

SQL_DIR = Path(__file__).parent / "sql"
ADDITIVE = ("SUM", "SUM*")
# The roll-up's columns beside the SUM fields, from the dictionary (etl/dictionary: `counted`, `units_where`):
# DISTINCT field → (detail table, value counted distinct), recounted at every scope with subordinates: the
# units' own fields first, then the roll-up-only ones (A-09's distinct projects). A unit's own count is its measure's.
_ROLLED = (*d.MEASURES, *d.ROLLUP_ONLY)
DISTINCT_SQL: dict[str, tuple[str, str]] = {f.name: f.counted for f in _ROLLED if f.agg == "DISTINCT"}
# DISTINCT field → the measure holding a level-3 unit's own count (the dictionary's `unit_value`).
OWN_DISTINCT: dict[str, str] = {f.name: f.unit_value or f.name for f in _ROLLED if f.agg == "DISTINCT"}
# Fields whose NULL value stands for "an item distinct by construction": counted one by one.
NULL_COUNTS = {f.name for f in _ROLLED if f.nulls_distinct}
# Reporting units counted at every scope: name → which units (SQL over the unit's basis row).
COUNTS = {f.name: f.units_where for f in d.ROLLUP_ONLY if f.agg == "COUNT_UNITS"}
# What a rolled-up SUM field is stored as. DuckDB would sum BIGINT into HUGEINT and DECIMAL(14,2) into
# DECIMAL(38,2), 16 bytes a value; these are 8. Sums of whole numbers are exact in a DOUBLE below 2^53 (9e15
# 人次/项), patches only add and subtract them, and pandas read HUGEINT as float64 already, so pages see the
# same values. A national build's roll-up: 47.7 -> 39.6 s.
SUM_TYPE = {"int": "double", "money": "decimal(18, 2)"}
# A SUM field a unit may leave empty: its roll-up is NULL when every unit left it empty.
OPTIONAL_SUMS = [f.name for f in d.MEASURES if f.agg in ADDITIVE and not f.required]
UNIT_TYPE_KEY = "case when grouping(b.unit_type) = 1 then 'ALL' else b.unit_type end as unit_type"
PARTNER_JOIN = {
    "partner_values": "left join ref_partner_scope as p on p.partner_code = x.partner_code",
    "project_partners": "left join ref_partner_scope as p on p.partner_code = x.partner_code",
}
# Scopes with subordinates keep, per DISTINCT field, how many detail rows carry each value
# (mart_distinct_refs): a resubmission then adds and removes rows instead of recounting a province.
UP_TO_L2 = "inner join core_accounts as scope on scope.account_id = closure.ancestor_id and scope.level <= 2"
CLOSURE_UP_TO_L2 = f"""inner join core_account_closure as closure on closure.descendant_id = b.account_id
    {UP_TO_L2}"""
SELF_AT_L3 = "inner join core_accounts as scope on scope.account_id = b.account_id and scope.level = 3"
# A level-3 unit has one type: its rows for 'ALL' and for its type are the same, made once and listed twice.
UNIT_TYPE_TWICE = "unnest(['ALL', b.unit_type]) as unit_type"


def grouping(scope: str, *more: str) -> str:
    """Every roll-up exists for all unit types together ('ALL') and for each type.

    DISTINCT counts cannot be added up across types afterwards, so both are grouped at once.
    """
    keys = ", ".join((scope, "b.survey_year", "b.basis", *more))
    return f"grouping sets (({keys}), ({keys}, b.unit_type))"


def additive_sql(basis: str, where: str, sign: str = "", only: str = "") -> str:
    """Per scope × year × basis × unit type: the SUM fields and unit counts of `basis` rows.

    `sign` (a column of signed rows) turns the sums into differences for a patch (etl/patch.py);
    `only` is a join that keeps some scopes.
    """
    weight = f"{sign} * " if sign else ""
    counts = [
        f"coalesce(sum({sign}) filter (where {cond}), 0) as {name}"
        if sign
        else f"count(*) filter (where {cond}) as {name}"
        for name, cond in COUNTS.items()
    ]
    sums = [f"{summed(f'{weight}b.{f.name}', f.name)} as {f.name}" for f in d.MEASURES if f.agg in ADDITIVE]
    if sign:  # how many values of an optional field left and came: a sum may have become empty (NULL)
        sums += [f"count(b.{name}) filter (where {sign} {op} 0) as {word}__{name}"
                 for name in OPTIONAL_SUMS for op, word in (("<", "gone"), (">", "came"))]  # fmt: skip
    cols = ",\n    ".join([*counts, *sums])
    return f"""select
    closure.ancestor_id as scope_id,
    b.survey_year,
    b.basis,
    {UNIT_TYPE_KEY},
    {cols}
from {basis} as b
inner join core_account_closure as closure on closure.descendant_id = b.account_id
{only}
where {where}
group by {grouping("closure.ancestor_id")}"""


def summed(expr: str, field: str) -> str:
    """SUM(expr) of the dictionary's `field`, as the roll-up stores it (SUM_TYPE)."""
    return f"cast(sum({expr}) as {SUM_TYPE[d.field(field).kind]})"


def unit_additive_sql(basis: str, where: str, scope_join: str = SELF_AT_L3, *, distinct: bool = False) -> str:
    """Per level-3 unit × year × basis × unit type: its own SUM fields and unit counts (additive_sql's columns), and
    with `distinct` its DISTINCT fields: a mart_rollup row.

    A unit has no subordinates, so its row is its version's, not a sum: grouping 150,000 rows a year
    into groups of one took 2.5× as long. A UNION with additive_sql gives the same column types.
    A unit's DISTINCT counts are those etl/flatten_sql.py derived from its document (OWN_DISTINCT): the dictionary's
    `counted` SQL over its own detail rows gives the same numbers (A-02 and A-09 quarantine the repeats that would
    not); regrouping every unit's detail rows again took about 6 % of a build's CPU.
    `scope_join` keeps the level-3 units; without it, every account's own row (etl/invariants.py).
    """
    counts = [f"coalesce(({cond})::bigint, 0) as {name}" for name, cond in COUNTS.items()]
    sums = [f"cast(b.{f.name} as {SUM_TYPE[f.kind]}) as {f.name}" for f in d.MEASURES if f.agg in ADDITIVE]
    own = [f"cast(b.{measure} as bigint) as {name}" for name, measure in OWN_DISTINCT.items()] if distinct else []
    cols = ",\n    ".join([*counts, *sums, *own])
    return f"""select
    b.account_id as scope_id,
    b.survey_year,
    b.basis,
    {UNIT_TYPE_TWICE},
    {cols}
from {basis} as b
{scope_join}
where {where}"""


def _by_source() -> dict[str, list[tuple[str, str]]]:
    """DISTINCT fields grouped by the detail table they are counted in."""
    distinct_fields = {f.name for f in d.MEASURES if f.agg == "DISTINCT"}
    assert distinct_fields <= DISTINCT_SQL.keys(), distinct_fields - DISTINCT_SQL.keys()
    by_source: dict[str, list[tuple[str, str]]] = {}
    for name, (source, expr) in DISTINCT_SQL.items():
        by_source.setdefault(source, []).append((name, expr))
    return by_source


def refs_sql(basis: str, where: str, count: str = "count(*)", *, moved_only: bool = False) -> str:
    """Scopes with subordinates × year × basis × unit type × DISTINCT field × value: `count` of detail rows with it.

    One SELECT per field: a list of (field, value) pairs unnested per detail row was measured 10× slower.
    `moved_only` keeps only the values whose `count` is not 0 (a patch's signed rows that did not cancel out).
    """
    parts = []
    having = f"\nhaving {count} <> 0" if moved_only else ""
    for source, fields in _by_source().items():
        for name, expr in fields:
            keep = "true" if name in NULL_COUNTS else f"({expr}) is not null"
            parts.append(f"""select closure.ancestor_id as scope_id, b.survey_year, b.basis, {UNIT_TYPE_KEY},
    '{name}' as field, ({expr})::varchar as value, {count} as n
from {basis} as b
inner join core_{source} as x on x.version_id = b.version_id
{PARTNER_JOIN.get(source, "")}
{CLOSURE_UP_TO_L2}
where ({where}) and {keep}
group by {grouping("closure.ancestor_id", f"({expr})::varchar")}{having}""")
    return "\nunion all\n".join(parts)


def distinct_counts_sql(refs: str) -> str:
    """Per scope × year × basis × unit type: each DISTINCT field counted from `refs` rows (refs_sql's grain)."""
    cols = []
    for name in DISTINCT_SQL:
        n = f"count(*) filter (where field = '{name}' and value is not null)"
        if name in NULL_COUNTS:
            n = f"{n} + coalesce(sum(n) filter (where field = '{name}' and value is null), 0)"
        cols.append(f"cast({n} as bigint) as {name}")
    return f"""select scope_id, survey_year, basis, unit_type,
    {", ".join(cols)}
from {refs}
where n > 0
group by all"""


def distinct_moves_sql(changed: str) -> str:
    """Per scope × year × basis × unit type: how far each DISTINCT field moves when the `changed` refs rows go
    from old_n to n rows (distinct_counts_sql's count, over the rows that changed only)."""
    cols = []
    for name in DISTINCT_SQL:
        n = f"coalesce(sum((n > 0)::int - (old_n > 0)::int) filter (where field = '{name}' and value is not null), 0)"
        if name in NULL_COUNTS:
            n = f"{n} + coalesce(sum(n - old_n) filter (where field = '{name}' and value is null), 0)"
        cols.append(f"cast({n} as bigint) as {name}")
    return f"""select scope_id, survey_year, basis, unit_type,
    {", ".join(cols)}
from {changed}
group by all"""


def rollup_sql() -> str:
    """mart_rollup for survey year $year: every scope × basis with SUM fields summed and DISTINCT fields recounted.

    A scope with subordinates' DISTINCT fields are counted from mart_distinct_refs (built first), a unit's are its
    version's own (unit_additive_sql).
    """
    zeros = ", ".join(f"coalesce(c.{name}, 0) as {name}" for name in DISTINCT_SQL)
    return f"""select summed.*, {zeros}
from (
{additive_sql("cur_basis", "b.survey_year = $year", only=UP_TO_L2)}
) as summed
left join (
{distinct_counts_sql("(select * from mart_distinct_refs where survey_year = $year)")}
) as c using (scope_id, survey_year, basis, unit_type)
union all by name
{unit_additive_sql("cur_basis", "b.survey_year = $year", distinct=True)}"""  # unsorted: mart_rollup sorts every year at once


COMMENTS = {
    "mart_rollup": "逐级汇总：范围（账号或全国 CN）×年度×口径（finished 已提交+已审核 / approved 仅已审核）×单位类型"
                   "（ALL 为全部类型）一行；SUM 类相加，DISTINCT 类按明细去重重算（A-01、A-02）",
    "mart_distinct_refs": "去重计数的明细：有下属的范围（全国、一级、二级账号）×年度×口径×单位类型×去重指标×取值一行，"
                          "n = 带该取值的明细行数；n > 0 的取值个数即该指标（value 为空的行计 n 个按构造互异的项目，A-09）",
    "mart_partner_rollup": "按国家（地区）分列的逐级汇总（A-01）；partner_scope = INTL/HMT，合计 = 国际 + 港澳台（H-02）",
}  # fmt: skip
COLUMN_COMMENTS = {
    "mart_partner_rollup": {
        "scope_level": "范围的级别（0 全国，1、2 有下属的账号，3 单位）：每年先存有下属的范围，再存单位"
    },
}


def macros() -> list[str]:
    """Macros the mart SQL, the patch and the dashboard's queries share, made from the dictionary before the marts.

    is_finished(status): a status that counts in the analytics (submitted or approved, A-05).
    counts_in(basis, status): whether a current version of `status` counts in `basis` ('finished' | 'approved').
    bases(): the bases, one row each (column basis).
    status_event_rank(status): within one revision, which status event is the later (higher: later).
    version_ranks(versions): each version of the relation named `versions` (account_id, survey_year, version_id,
    revision, status, approved_at) ranked within its account × year; rn = 1 is the one that counts (version_ranking).
    rule_param(rule, name), rule_param_text(rule, name): a rule's threshold (meta_rule_params, from the rule
    catalogue) as a number for the check and as the rule's text writes it for the message.
    national_scope(): the scope id of 全国 (the virtual root above every level-1 account).
    """

    def listed(values: tuple[str, ...]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    in_basis = " ".join(f"when '{b}' then status in ({listed(statuses)})" for b, statuses in d.BASES.items())
    return [f"create macro is_finished(status) as status in ({listed(d.FINISHED_STATUSES)})",
            f"create macro counts_in(basis, status) as case basis {in_basis} else false end",
            f"create macro bases() as table select * from (values {', '.join(f'({listed((b,))})' for b in d.BASES)})"
            " as b (basis)",
            *version_ranking(),
            f"create macro national_scope() as '{ROOT_ID}'",
            "create macro rule_param(rule, name) as "
            "(select p.value from meta_rule_params as p where p.rule_id = rule and p.param = name)",
            "create macro rule_param_text(rule, name) as "
            "(select p.value_text from meta_rule_params as p where p.rule_id = rule and p.param = name)"]  # fmt: skip


def version_ranking() -> list[str]:
    """The macros that decide which version of an account × year counts: the highest revision (A-05), within one
    revision the later status event (dictionary STATUS_EVENT_ORDER: a re-export with only its status changed), then
    the later approval, then the lower version_id. The build (10_current.sql), the patch (patch/10_versions.sql) and
    the run's ledger (etl/run.py, which settles each accepted document into loaded or superseded) all rank by these."""
    ranks = " ".join(f"when '{s}' then {i}" for i, s in enumerate(d.STATUS_EVENT_ORDER))
    return [f"create macro status_event_rank(status) as case status {ranks} else -1 end",
            "create macro version_ranks(versions) as table select version_id, row_number() over (partition by "
            "account_id, survey_year order by revision desc, status_event_rank(status) desc, approved_at desc nulls last, "
            "version_id) as rn from query_table(versions)"]  # fmt: skip


def n_steps(con: duckdb.DuckDBPyConnection) -> int:
    """How many times `create` calls its `step`: once per statement, a yearly one once per survey year."""
    years = len(_years(con)) or 1
    texts = [path.read_text(encoding="utf-8") for path in SQL_DIR.glob("*.sql")]
    return sum(years if "$year" in text else 1 for text in texts) + 2 * years + 1


def create(con: duckdb.DuckDBPyConnection, step: Callable[[str], None] = lambda what: None) -> None:
    """Run the mart SQL in order: current versions, roll-ups (year by year), ratios, filling status, checks.

    A file whose SQL takes $year is one SELECT that fills the table named after the file
    (15_mart_partner_rollup.sql → mart_partner_rollup), once per survey year: a national
    build then needs a tenth of the memory, and each year's rows stay sorted by scope.
    `step(what)` is called after each statement, for a progress bar (a national build takes minutes).
    """
    for statement in macros():
        con.execute(statement)
    for path in sorted(SQL_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if "$year" in text:
            yearly(con, path.stem.split("_", 1)[1], text, step)
        else:
            con.execute(text)
            step(path.stem.split("_", 1)[1])
        if path.name.startswith("10_"):  # the roll-up comes right after the current versions
            yearly(con, "mart_distinct_refs", refs_sql("cur_basis", "b.survey_year = $year"), step)
            yearly(con, "mart_rollup_by_year", rollup_sql(), step)
            # One scope's rows (every year) in one place, children of a scope next to each other: a lookup
            # then reads one row group of 110 columns instead of one per year (measured 19 → 12 ms nationally).
            con.execute("""create table mart_rollup as
                select r.*, a.parent_account_id as parent_id
                from mart_rollup_by_year as r
                left join core_accounts as a on a.account_id = r.scope_id
                order by parent_id nulls first, scope_id, basis, unit_type, survey_year""")
            con.execute("drop table mart_rollup_by_year")
            step("mart_rollup")
            con.execute(f"comment on table mart_rollup is '{COMMENTS['mart_rollup']}'")
            con.execute("comment on column mart_rollup.parent_id is '范围的上级账号（全国为空）：按上级、范围排序存放'")


def _years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute("select distinct survey_year from core_submissions order by 1").fetchall()]


def yearly(con: duckdb.DuckDBPyConnection, table: str, select: str,
           step: Callable[[str], None] = lambda what: None) -> None:  # fmt: skip
    """Create `table` from `select` ($year bound), one survey year at a time, oldest first."""
    for i, year in enumerate(_years(con) or [None]):
        verb = f"create table {table} as" if i == 0 else f"insert into {table}"
        con.execute(f"{verb}\n{select}", {"year": year})
        step(f"{table} {year or ''}".strip())
    if table in COMMENTS:
        con.execute(f"comment on table {table} is '{COMMENTS[table]}'")
    for column, text in COLUMN_COMMENTS.get(table, {}).items():
        con.execute(f"comment on column {table}.{column} is '{text}'")
