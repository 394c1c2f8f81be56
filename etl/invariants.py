"""What every database the ETL builds or patches must satisfy before it is published.

Checked inside the new file (one grouped query an invariant), so a mart that a code change or a patch got
wrong is never served: the run stops with a Chinese error naming the invariant, and readers keep the
previously published database. A build checks every row. A patch checks only what it changed, given that the
database it started from passed (it was checked when it was built or patched):

- the rows it wrote are those past each table's last row id before it (`mark`: DuckDB appends, and a patch
  changes the marts and account tables only by deleting and appending rows, never by updating them in place; in
  core_submissions it updates the flags of the account × years it appends versions to, so those count as changed);
- the rows it deleted from mart_rollup and from the scopes with subordinates of mart_partner_rollup it keeps
  (patch_rollup_gone, patch_partner_old: etl/patch.py), and I-01 proves that list complete by the row counts.

So I-01 compares, per scope with subordinates, how its own row moved with how its children's rows moved
(written minus deleted); an account × year whose own version changed is checked in full (its children's
rows summed). I-02 sums the partner rows of the scopes × years whose rows were written or deleted; I-03 looks
up the keys of the written rows; I-04 checks the closure rows written, or every one if the accounts changed.
At 100,000 units × 1 year a 1 % patch's checks took 0.8 s of CPU when they summed every child of the touched
scopes; see README.md (#22) for what they take now.
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
# The marts' keys (the table spec, etl/tables.py) and the account tables'.
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


# The tables a patch's checks know the last row id of (`mark`), before the patch wrote to them.
MARKED = (*MART_KEYS, "core_accounts", "core_account_closure", "core_submissions")


def mark(con: duckdb.DuckDBPyConnection) -> None:
    """Before a patch writes: each table's last row id and row count (patch_marks), so the checks afterwards
    know which rows it wrote (those past the mark)."""
    con.execute(
        "create temp table patch_marks as\n"
        + "\nunion all\n".join(
            f"select '{t}' as name, coalesce(max(rowid), -1) as mark, count(*) as n_before from {t}" for t in MARKED
        )
    )


def check(con: duckdb.DuckDBPyConnection, *, patch: bool = False) -> None:
    """Raise InvariantError unless every invariant holds; `patch`: only for what a patch changed (its marks taken by
    `mark`, its deleted rows kept, as etl/patch.py does)."""
    failures = []
    for statement in prepared() if patch else ():
        con.execute(statement)
    for code, sql in queries(patch=patch).items():
        n, examples = con.execute(f"select count(*), list(what order by what)[1:{EXAMPLES}] from ({sql})").fetchone()
        if n:
            failures.append((code, n, examples))
    if failures:
        raise InvariantError(failures)


def prepared() -> list[str]:
    """The key sets a patch's checks read more than once, made once before them (inlined, DuckDB evaluated each
    reference again: I-02 took 0.13 s of CPU instead of 0.06)."""
    return [
        f"create or replace temp table check_touched as {_touched_sql()}",
        f"""create or replace temp table check_own_changed as
select distinct s.account_id, s.survey_year
from {_written("core_submissions")} as s
inner join core_accounts as a on a.account_id = s.account_id and a.level <= 2""",
    ]


def queries(*, patch: bool = False) -> dict[str, str]:
    """Per invariant, a query of its failures (one row each, `what` says where); `patch`: over what a patch changed."""
    if patch:
        return {"I-01": _rollup_moves_sql(), "I-02": _partners_sql("check_touched"), "I-03": _unique_written_sql(),
                "I-04": _closure_sql(patch=True)}  # fmt: skip
    return {"I-01": _rollup_sql(None), "I-02": _partners_sql(None), "I-03": _unique_sql(), "I-04": _closure_sql()}


def _written(table: str) -> str:
    """The rows of `table` a patch wrote: past its mark (rowid filters are pushed into the scan: nothing else is read)."""
    return f"(select * from {table} where rowid > (select mark from patch_marks where name = '{table}'))"


def _within(keys: str | None, scope: str = "scope_id") -> str:
    """A condition keeping the rows of `keys`' account × years, and of their accounts' other years in the same set
    (a relation of account_id, survey_year; always true without keys). Two IN lists DuckDB filters by in the scan:
    with the key compared as a struct, I-01's full check of 6 changed accounts took 0.20 s of CPU, not 0.135."""
    if keys is None:
        return "true"
    return f"{scope} in (select account_id from {keys}) and survey_year in (select survey_year from {keys})"


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


def _rollup_moves_sql() -> str:
    """I-01 after a patch: per scope with subordinates × year × basis × unit type, its own row moved as much as its
    children's rows did (rows written minus rows deleted). An account × year whose own version changed is checked
    in full instead (_rollup_sql over its children), and the deleted rows the patch kept must be all it deleted."""
    fields = [*marts.COUNTS, *(f.name for f in d.MEASURES if f.agg in marts.ADDITIVE)]
    key = ", ".join(KEYS["mart_rollup"])
    written = _written("mart_rollup")
    # a scope's own row moves it up, its children's rows move it down: every sum must come to nothing
    up = ", ".join(f"sign * coalesce({n}, 0) as {n}" for n in fields)
    down = ", ".join(f"-sign * coalesce({n}, 0) as {n}" for n in fields)
    net = ", ".join(f"sum({n}) as {n}" for n in fields)
    which = " || ".join(f"case when {n} <> 0 then ' {n}' else '' end" for n in fields)
    return f"""with
signed as materialized (
    select 1 as sign, parent_id, {key}, {", ".join(fields)} from {written}
    union all
    select -1 as sign, parent_id, {key}, {", ".join(fields)} from patch_rollup_gone
),
moves as (
    select {key}, {net}
    from (
        select {key}, {up} from signed where {WITH_SUBORDINATES}
        union all
        select parent_id as scope_id, survey_year, basis, unit_type, {down} from signed where parent_id is not null
    )
    group by all
),
counted as (
    select (select n_before from patch_marks where name = 'mart_rollup') + (select count(*) from {written})
               - (select count(*) from mart_rollup) as deleted,
           (select count(*) from patch_rollup_gone) as kept
)
select {_label("scope_id", "survey_year", "basis", "unit_type")} || ':' || {which} as what
from moves as m
where ({" or ".join(f"{n} <> 0" for n in fields)})
    and not exists (select 1 from check_own_changed as o where o.account_id = m.scope_id and o.survey_year = m.survey_year)
union all
select what from ({_rollup_sql("check_own_changed")})
union all
select 'mart_rollup 删除 ' || deleted || ' 行，检查只拿到其中 ' || kept || ' 行' as what
from counted
where deleted <> kept"""  # fmt: skip


def _touched_sql() -> str:
    """The scopes × years whose roll-up or partner rows a patch wrote or deleted (as account_id, survey_year)."""
    return f"""(select scope_id as account_id, survey_year from {_written("mart_rollup")}
    union select scope_id, survey_year from patch_rollup_gone
    union select scope_id, survey_year from {_written("mart_partner_rollup")}
    union select scope_id, survey_year from patch_partner_old)"""


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


def _unique_sql(tables: dict[str, tuple[str, ...]] = KEYS) -> str:
    """I-03: no key of a mart or account table stands twice.

    The keys' hashes are grouped first (8 bytes a row, not the key's strings: the partner mart has tens of millions of
    rows nationally), and only the keys of a repeated hash are compared.
    """
    parts = []
    for table, cols in tables.items():
        key = ", ".join(cols)
        parts.append(f"""select '{table} ' || {_label(*cols)} as what
from {table}
where hash({key}) in (select hash({key}) from {table} group by 1 having count(*) > 1)
group by {key}
having count(*) > 1""")
    return "\nunion all\n".join(parts)


def _unique_written_sql() -> str:
    """I-03 after a patch: the keys of the rows it wrote each stand once in their table (a key it did not write stood
    once before).

    The table's rows are found by their key's hash (one 8-byte probe a row, not one per key column: the partner mart
    has tens of millions of rows), and only those are grouped by the key itself, so a shared hash is no failure.
    """
    parts = []
    for table, cols in KEYS.items():
        key = ", ".join(cols)
        parts.append(f"""select '{table} ' || {_label(*cols)} as what
from {table}
where hash({key}) in (select hash({key}) from {_written(table)})
group by {key}
having count(*) > 1""")
    return "\nunion all\n".join(parts)


def _closure_sql(*, patch: bool = False) -> str:
    """I-04: every closure row joins an account at both ends (`patch`: the closure rows a patch wrote, or all of them
    when it wrote or deleted accounts)."""
    closure = "core_account_closure"
    if patch:
        accounts_moved = (f"(select count(*) from {_written('core_accounts')}) > 0 or (select n_before from patch_marks "
                          "where name = 'core_accounts') <> (select count(*) from core_accounts)")  # fmt: skip
        closure = f"""(select * from {_written(closure)}
    union
    select * from core_account_closure where {accounts_moved})"""
    return f"""select 'core_account_closure ' || {_label("c.ancestor_id", "c.descendant_id")} as what
from {closure} as c
left join core_accounts as a on a.account_id = c.ancestor_id
left join core_accounts as s on s.account_id = c.descendant_id
where a.account_id is null or s.account_id is null"""
