"""What every database the ETL builds or patches must satisfy before it is published.

Checked inside the new file (one grouped query an invariant), so a mart that a code change or a patch got
wrong is never served: the run stops with a Chinese error naming the invariant, and readers keep the
previously published database. A patch checks only the account × years it may have changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import dictionary as d
from . import marts
from .doc_rules import HARD_MUST_BREAK_DOWN, TOL
from .tables import MARTS

if TYPE_CHECKING:
    import duckdb

# code → what must hold, in the words the error message uses
INVARIANTS = {
    "I-01": "逐级汇总：上级 = 本级 + 下级之和（有下属的范围，mart_rollup 的每个可加指标和单位计数，按口径、单位类型、年度）",
    "I-02": "合计 = 国际 + 港澳台（有下属的范围，须按国家（地区）分列的可加指标：mart_partner_rollup 之和 = mart_rollup 合计）",
    "I-03": "主键唯一（各汇总表、账号表和闭包表）",
    "I-04": "闭包表无孤立行（祖先和下属都是账号表中的账号）",
}
# The marts' keys (the table spec, etl/tables.py) and the account tables'. Rows of the marts are restricted by scope
# and year in a patch.
MART_KEYS = {m.name: m.keys for m in MARTS.values() if m.unique}
KEYS = {**MART_KEYS, "core_accounts": ("account_id",), "core_account_closure": ("ancestor_id", "descendant_id")}
# The scopes whose roll-ups are sums (全国, level-1 and level-2 accounts). A unit's rows are its own version's
# values, and its breakdown was reconciled with its totals when the document was checked (C-03, F-10); a wrong unit
# row shows in its parent's sum. Checking 3 % of the rows also keeps a national check within the ETL's memory.
WITH_SUBORDINATES = "scope_id in (select account_id from core_accounts where level <= 2)"
# Fields every unit must break down by partner when it reports any (C-03, F-10): only for these does the
# breakdown add up to the total at every scope; others may be left without one.
BROKEN_DOWN = [f for f in d.MEASURES if f.by_partner == "additive" and f.name in HARD_MUST_BREAK_DOWN]
EXAMPLES = 3  # keys of failing rows named in the message


class InvariantError(RuntimeError):
    """A database just built or patched breaks invariants (`codes`); it was not published."""

    def __init__(self, failures: list[tuple[str, int, list[str]]]) -> None:
        self.codes = [code for code, _, _ in failures]
        lines = [f"{code} {INVARIANTS[code]}：{n} 处不符，例如 {'；'.join(examples)}" for code, n, examples in failures]
        super().__init__("数据仓库一致性检查未通过，本次数据库未发布（继续使用上一版）：\n" + "\n".join(lines))


def check(con: duckdb.DuckDBPyConnection, keys: str | None = None) -> None:
    """Raise InvariantError unless every invariant holds; `keys` (a table of account_id, survey_year) limits the
    mart rows checked to those scopes and years (a patch's changed account × years and their ancestors)."""
    failures = []
    for code, sql in queries(keys).items():
        n, examples = con.execute(f"select count(*), list(what order by what)[1:{EXAMPLES}] from ({sql})").fetchone()
        if n:
            failures.append((code, n, examples))
    if failures:
        raise InvariantError(failures)


def queries(keys: str | None = None) -> dict[str, str]:
    """Per invariant, a query of its failures (one row each, `what` says where).

    A patch (`keys`) writes the marts only: the account and closure tables it leaves as the build made and checked
    them (a changed registry is a new generation, built anew), so it checks the marts' keys and not those tables
    (at 100,000 units, 0.1 s of CPU a patch spent on the accounts' keys and the closure's joins).
    """
    if keys is not None:
        return {"I-01": _rollup_sql(keys), "I-02": _partners_sql(keys), "I-03": _unique_sql(keys, MART_KEYS)}
    return {"I-01": _rollup_sql(keys), "I-02": _partners_sql(keys), "I-03": _unique_sql(keys), "I-04": _closure_sql()}


def _within(keys: str | None, scope: str = "scope_id") -> str:
    """A condition keeping the rows of `keys`' account × years (always true without keys)."""
    if keys is None:
        return "true"
    return f"{{'a': {scope}, 'y': survey_year}} in (select {{'a': account_id, 'y': survey_year}} from {keys})"


def _label(*cols: str) -> str:
    return " || ' ' || ".join(f"coalesce({c}::varchar, '∅')" for c in cols)


def _rollup_sql(keys: str | None) -> str:
    """I-01: a scope with subordinates' additive fields against its own version's plus its children's rows."""
    fields = [*marts.COUNTS, *(f.name for f in d.MEASURES if f.agg in marts.ADDITIVE)]
    self_up_to_l2 = "inner join core_accounts as scope on scope.account_id = b.account_id and scope.level <= 2"
    own = marts.unit_additive_sql("cur_basis", _within(keys, "b.account_id"), scope_join=self_up_to_l2)
    sums = ", ".join(f"sum(coalesce({n}, 0)) as {n}" for n in fields)
    differs = " or ".join(f"coalesce(r.{n}, 0) <> coalesce(w.{n}, 0)" for n in fields)
    which = " || ".join(f"case when coalesce(r.{n}, 0) <> coalesce(w.{n}, 0) then ' {n}' else '' end" for n in fields)
    on = " and ".join(f"r.{k} is not distinct from w.{k}" for k in KEYS["mart_rollup"])
    return f"""with
parts as (
    select parent_id as scope_id, survey_year, basis, unit_type, {", ".join(fields)}
    from mart_rollup
    where parent_id is not null and {_within(keys, "parent_id")}
    union all by name
    {own}
),
wanted as (select scope_id, survey_year, basis, unit_type, {sums} from parts group by all),
found as (select * from mart_rollup where {WITH_SUBORDINATES} and {_within(keys)})
select {_label("coalesce(r.scope_id, w.scope_id)", "coalesce(r.survey_year, w.survey_year)",
               "coalesce(r.basis, w.basis)", "coalesce(r.unit_type, w.unit_type)")} || ':' || {which} as what
from found as r
full join wanted as w on {on}
where r.scope_id is null or w.scope_id is null or {differs}"""  # fmt: skip


def _partners_sql(keys: str | None) -> str:
    """I-02: per scope with subordinates × year × basis × unit type, a broken-down field's partner values add up to its
    total."""
    names = ", ".join(f"'{f.name}'" for f in BROKEN_DOWN)
    totals = " union all ".join(
        f"select scope_id, survey_year, basis, unit_type, '{f.name}' as field, {f.name}::double as total, "
        f"{TOL if f.kind == 'money' else 0} * n_reported as tolerance from found"
        for f in BROKEN_DOWN
    )
    on = " and ".join(f"t.{k} is not distinct from p.{k}" for k in (*KEYS["mart_rollup"], "field"))
    return f"""with
found as (select * from mart_rollup where {WITH_SUBORDINATES} and {_within(keys)}),
totals as ({totals}),
partners as (
    select scope_id, survey_year, basis, case when grouping(unit_type) = 1 then 'ALL' else unit_type end as unit_type,
        field, sum(value) as value
    from mart_partner_rollup
    where scope_level <= 2 and field in ({names}) and {_within(keys)}
    group by grouping sets ((scope_id, survey_year, basis, field), (scope_id, survey_year, basis, unit_type, field))
)
select {_label("coalesce(t.scope_id, p.scope_id)", "coalesce(t.survey_year, p.survey_year)",
               "coalesce(t.basis, p.basis)", "coalesce(t.unit_type, p.unit_type)", "coalesce(t.field, p.field)")}
    || ': ' || coalesce(t.total, 0) || ' ≠ ' || coalesce(p.value, 0) as what
from totals as t
full join partners as p on {on}
where abs(coalesce(t.total, 0) - coalesce(p.value, 0)) > coalesce(t.tolerance, 0) + 1e-6"""  # fmt: skip


def _unique_sql(keys: str | None, tables: dict[str, tuple[str, ...]] = KEYS) -> str:
    """I-03: no key of a mart or account table stands twice.

    The keys' hashes are grouped first (8 bytes a row, not the key's strings: the partner mart has tens of millions of
    rows nationally), and only the keys of a repeated hash are compared.
    """
    parts = []
    for table, cols in tables.items():
        where = _within(keys, cols[0]) if table.startswith("mart_") else "true"
        key = ", ".join(cols)
        parts.append(f"""select '{table} ' || {_label(*cols)} as what
from {table}
where {where} and hash({key}) in (select hash({key}) from {table} where {where} group by 1 having count(*) > 1)
group by {key}
having count(*) > 1""")
    return "\nunion all\n".join(parts)


def _closure_sql() -> str:
    """I-04: every closure row joins an account at both ends."""
    return f"""select 'core_account_closure ' || {_label("c.ancestor_id", "c.descendant_id")} as what
from core_account_closure as c
left join core_accounts as a on a.account_id = c.ancestor_id
left join core_accounts as s on s.account_id = c.descendant_id
where a.account_id is null or s.account_id is null"""
