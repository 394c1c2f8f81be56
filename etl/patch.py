"""Patch a copy of the published database with one committed run, instead of rebuilding it (#6).

A rebuild reads the whole history: about 100 s at 100,000 units × 10 years. A run that brings
a few thousand resubmissions changes only those units' rows and their ancestors' roll-ups. The patch
signs the versions of the account × years the run touched (-1: counted before, +1: counts now):

- a level-3 unit's own rows (most of mart_rollup and mart_partner_rollup) are made afresh from the
  versions that count now, as a build makes them, and its old rows are deleted unread;
- additive marts (SUM fields, unit counts, partner values, project rows, choices, filling counts) add
  the signed sums at every scope with subordinates; a row whose units all left is dropped, as a rebuild
  would not make it; a sum that adds exactly nothing (a correction left that value as it was) is dropped,
  so only the rows that change are rewritten (partner values, choices, projects, refs);
- DISTINCT fields move the row counts of their values in mart_distinct_refs, and by the values that
  came (0 → some rows) or left (some → 0);
- a roll-up whose optional field came to 0 as values left (it may have become all-empty, NULL) is summed again
  from its units;
- the changed accounts' filling status and warehouse checks (with their ancestors' and the next
  year's) are computed again.

The result is row for row what a rebuild makes (tests/etl/test_patch.py). The copy is published like
a build, so readers never see it half-done. A run that adds a survey year, or finds the file already
patched MAX_PATCHES times (or past MAX_PATCHED_SHARE of the versions), gets a rebuild instead.
"""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from . import ddl, invariants, marts, tables
from . import dictionary as d
from .build import connect, quarantine_rows
from .store import Warehouse, discard_db, parquet_select
from .timing import Stopwatch
from .versions import build_version

# Each patch appends its rows at the end of every mart, and a lookup reads one more stretch per patch:
# nationally, 国别逐年合计 took 7.4 ms on a rebuilt file and 8.4 ms after three 1 % patches (15.8 ms after
# five, before the appended partner rows were sorted by scope). So a run rebuilds (and re-sorts) once the
# file carries MAX_PATCHES patches, or patched versions past a tenth of all (at least 10,000 are allowed:
# in a small warehouse the order cannot matter).
MAX_PATCHES, MAX_PATCHED_SHARE, MIN_PATCHED_ALLOWANCE = 3, 0.1, 10_000
SQL_DIR = marts.SQL_DIR / "patch"
ROLLUP_KEYS = tables.MARTS["mart_rollup"].keys


def patch(wh: Warehouse, base: Path, run_id: str, db_name: str, watch: Stopwatch | None = None,
          copied: concurrent.futures.Future | None = None) -> Path | None:  # fmt: skip
    """Write db/<db_name>: `base` plus the committed run `run_id`; None when a rebuild is due instead.

    `watch` times the steps (as patch.<step>); `copied` is a copy of `base` to a wh.unpublished(db_name) being made.
    """
    step = (watch or Stopwatch()).step
    files = {table: wh.parquet_files(parquet, [run_id]) for table, parquet in ddl.PARQUET_OF.items()}
    final = wh.root / "db" / db_name
    # Readers keep the published file open and are never disturbed; it is not even opened here, since a
    # reader in this process (other settings) would refuse a second connection to it.
    with step("patch.copy"):
        if copied is None:
            tmp = wh.unpublished(db_name)
            shutil.copyfile(base, tmp)
        else:
            tmp = copied.result()
            if tmp.parent != final.parent or not tmp.name.startswith(f"{db_name}."):
                raise ValueError(f"copied to {tmp}, not to a temporary {db_name}")
    con = connect(wh, tmp)
    try:
        if not _patchable(con, files["core_submissions"]):
            con.close()
            discard_db(tmp)
            return None
        con.execute("set checkpoint_threshold = '64GB'")  # one checkpoint at the end, not one per 16 MB of log
        invariants.mark(con)  # the checks after the patch look at what it wrote past these marks
        with step("patch.core"):
            skipped = wh.skipped_versions([run_id])
            con.register("_skipped", skipped)
            for table, paths in files.items():
                if paths:
                    con.execute(f"insert into {table} by name {parquet_select(skipped)}", {"files": paths})
            con.unregister("_skipped")
            n_new = con.execute("select count(*) from core_submissions where is_current is null").fetchone()[0]
            _script(con, "10_versions.sql")
        with step("patch.rollup"):
            _rollup(con)
        with step("patch.partners"):  # scopes with subordinates merge the signed rows; units' rows are made afresh
            _script(con, "20_partners.sql")
            _execute(con, merge_sql("mart_partner_rollup", "patch_partner_delta", "patch_partner", "scope_level <= 2"))
            _script(con, "21_partner_units.sql")
        with step("patch.projects"):
            _script(con, "30_projects.sql")
            _execute(con, merge_sql("mart_project_dimensions", "patch_project_delta", "patch_project"))
        with step("patch.choices"):
            _script(con, "40_choices.sql")
            _execute(con, merge_sql("mart_choices", "patch_choice_delta", "patch_choice"))
        with step("patch.filling"):
            _execute(
                con,
                replace_sql("mart_filling_status", "patch_changed", "select * from filling_status_of('patch_changed')"),
            )
            _script(con, "50_filling.sql")
            _execute(con, merge_sql("mart_filling_rollup", "patch_filling_delta", "patch_filling"))
        with step("patch.checks"):
            ledger = wh.ledger([run_id])
            con.register("_ledger", ledger)
            con.execute("insert into meta_ledger by name select * from _ledger")
            con.register("_quarantine", quarantine_rows(wh, ledger))
            con.execute("insert into quality_quarantine by name select * from _quarantine")
            _script(con, "60_checks.sql")
            _execute(
                con, replace_sql("quality_checks", "patch_check_keys", "select * from checks_of('patch_check_keys')")
            )
            # The page's list is stored in the order it shows (the quarantine first): made again, after the new
            # quarantine rows and checks.
            con.execute("drop table quality_findings")
            con.execute((marts.SQL_DIR / "41_findings.sql").read_text(encoding="utf-8"))
        with step("patch.invariants"):  # over the rows the patch wrote or deleted
            invariants.check(con, patch=True)
        con.execute(
            "insert into meta_build values ($run, 'patch', $n, $version)",
            {"run": run_id, "n": n_new, "version": build_version()},
        )
        with step("patch.checkpoint"):
            con.execute("checkpoint")
    except BaseException:
        con.close()
        discard_db(tmp)
        raise
    finally:
        shutil.rmtree(wh.root / "db" / "spill", ignore_errors=True)
    con.close()
    tmp.replace(final)
    return final


def _patchable(con: duckdb.DuckDBPyConnection, new_submissions: list[str]) -> bool:
    """Whether the file can take these new versions: no new survey year, and not too many patches in it already."""
    years = {int(Path(f).parent.name.split("=", 1)[1]) for f in new_submissions}
    n_new = sum(pq.ParquetFile(f).metadata.num_rows for f in new_submissions)
    known = {r[0] for r in con.execute("select survey_year from ref_deadlines").fetchall()}
    patches, patched, total = con.execute(
        "select (select count(*) from meta_build where kind = 'patch'), "
        "(select coalesce(sum(n_versions), 0) from meta_build where kind = 'patch'), "
        "(select count(*) from core_submissions)"
    ).fetchone()
    return (
        years <= known
        and patches < MAX_PATCHES
        and patched + n_new <= max(MAX_PATCHED_SHARE * total, MIN_PATCHED_ALLOWANCE)
    )


def _script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute((SQL_DIR / name).read_text(encoding="utf-8"))


def _execute(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    for statement in statements:
        con.execute(statement)


def _on(mart: tables.Mart, left: str, right: str) -> str:
    """`left` and `right` rows have the same keys of `mart` (a nullable key's NULL equal to NULL)."""
    return " and ".join(
        f"{left}.{k} is not distinct from {right}.{k}" if k in mart.nullable else f"{left}.{k} = {right}.{k}"
        for k in mart.keys
    )


def merge_sql(mart: str, delta: str, name: str, only: str = "", *, keep_before: bool = False) -> list[str]:
    """The keyed merge of a patch's signed rows into `mart`, from its spec (etl/tables.py MARTS).

    `delta` has the mart's keys and the signed sums of its `sums`; a delta row that adds exactly nothing changes
    nothing. The mart's rows with those keys are read once with their row ids (`name`_old), the sums added
    (`name`_rows; `keep_before` keeps each sum's value before as old_<sum>), the old rows deleted and the merged
    ones appended, but for a row no unit is behind any more (its `alive` column ≤ 0). `only` (a condition on a
    column both have, e.g. `scope_level <= 2`) keeps the mart rows and delta rows merged here.
    """
    m = tables.MARTS[mart]
    changed = " or ".join(f"d.{c} is distinct from 0" for c in m.sums)
    d_only, t_only = (f" and d.{only}", f"\nwhere t.{only}") if only else ("", "")
    if m.keep_old:
        rows = f"""select o.* exclude (rid) replace ({", ".join(f"o.{c} + d.{c} as {c}" for c in m.sums)})
from {delta} as d
inner join {name}_old as o on {_on(m, "o", "d")}"""
    else:
        before = "".join(f", coalesce(o.{c}, 0) as old_{c}" for c in m.sums) if keep_before else ""
        rows = f"""select d.* replace ({", ".join(f"coalesce(o.{c}, 0) + d.{c} as {c}" for c in m.sums)}){before}
from {delta} as d
left join {name}_old as o on {_on(m, "o", "d")}
where ({changed}){d_only}"""
    exclude = f" exclude ({', '.join(f'old_{c}' for c in m.sums)})" if keep_before else ""
    alive = f" where {m.alive} > 0" if m.alive else ""
    return [
        f"""create temp table {name}_old as
select t.rowid as rid, t.*
from {mart} as t
semi join {delta} as d on {_on(m, "t", "d")}{d_only} and ({changed}){t_only}""",
        f"create temp table {name}_rows as\n{rows}",
        f"delete from {mart} where rowid in (select rid from {name}_old)",
        f"insert into {mart} by name\nselect *{exclude} from {name}_rows{alive}\norder by {', '.join(m.order)}",
    ]


def replace_sql(mart: str, keys: str, select: str) -> list[str]:
    """The rows of `mart` (etl/tables.py MARTS) whose keys the table `keys` lists, replaced by those `select` makes."""
    m = tables.MARTS[mart]
    order = f"\norder by {', '.join(m.order)}" if m.order else ""
    return [
        f"delete from {mart} as t using {keys} as k where {_on(m, 't', 'k')}",
        f"insert into {mart} by name\n{select}{order}",
    ]


def _rollup(con: duckdb.DuckDBPyConnection) -> None:
    """mart_rollup and mart_distinct_refs: the signed rows added to every ancestor, DISTINCT fields moved.

    A level-3 unit's rows (97 % of the mart) are made afresh from its +1 rows, as a build makes them.
    """
    delta = marts.additive_sql("patch_signed_basis", "true", "b.sign", only=marts.UP_TO_L2)
    con.execute(f"create temp table patch_rollup_delta as\n{delta}")
    plus = "(select * from patch_signed_basis where sign > 0)"
    con.execute(f"create temp table patch_rollup_units as\n{marts.unit_additive_sql(plus, 'true', distinct=True)}")
    _refs(con)
    keys = ", ".join(ROLLUP_KEYS)
    on = " and ".join(f"t.{k} = d.{k}" for k in ROLLUP_KEYS)
    # Found by their keys, then read by row id: the mart is 110 columns wide (2,700 rows nationally: 0.35 → 0.09 s).
    con.execute(f"""create temp table patch_rollup_old as
        select rowid as rid, * from mart_rollup
        where rowid in (select t.rowid from mart_rollup as t semi join patch_rollup_delta as d on {on})""")
    # A sum that is not 0 after the patch has a value behind it, so it cannot be empty: only a sum that came to 0 (all of
    # its values may have left, or those left are 0) is summed again. The sums are exact (marts.SUM_TYPE). Otherwise every
    # form sent back would have its province and 全国 summed again from their units.
    uncertain = " or ".join(f"(o.{n} is not null and d.gone__{n} > 0 and d.came__{n} = 0 and o.{n} + coalesce(d.{n}, 0) = 0)"
                            for n in marts.OPTIONAL_SUMS)  # fmt: skip
    con.execute(f"""create temp table patch_rollup_recheck as
        select distinct d.scope_id, d.survey_year
        from patch_rollup_delta as d
        inner join patch_rollup_old as o using ({keys})
        where {uncertain or "false"}""")
    # An optional field's sum is summed again where the units that left may have been the last to fill it in.
    exact = ", ".join(f"{marts.summed(f'b.{n}', n)} as {n}" for n in marts.OPTIONAL_SUMS) or "null as none"
    recheck = con.execute("select count(*) from patch_rollup_recheck").fetchone()[0]
    con.execute(f"""create temp table patch_rollup_exact as
        select closure.ancestor_id as scope_id, b.survey_year, b.basis, {marts.UNIT_TYPE_KEY}, {exact}
        from {"cur_basis" if recheck else "(from cur_basis limit 0)"} as b  -- nothing to recheck: no scan
        inner join core_account_closure as closure on closure.descendant_id = b.account_id
        semi join patch_rollup_recheck as k on k.scope_id = closure.ancestor_id and k.survey_year = b.survey_year
        where b.account_id in (select c.descendant_id from core_account_closure as c
                               inner join patch_rollup_recheck as k on k.scope_id = c.ancestor_id)
        group by {marts.grouping("closure.ancestor_id")}""")
    # A scope with subordinates moves by the values that came to or left its refs: only the changed refs are read.
    con.execute(f"create temp table patch_rollup_moved as\n{marts.distinct_moves_sql('patch_refs_rows')}")
    optional = set(marts.OPTIONAL_SUMS)
    cols = []
    for n in [*marts.COUNTS, *(f.name for f in d.MEASURES if f.agg in marts.ADDITIVE)]:
        recheck = f"when e.scope_id is not null then e.{n}\n" if n in optional else ""
        cols.append(f"""case {recheck}when o.{n} is null and d.{n} is null then null
                     else coalesce(o.{n}, 0) + coalesce(d.{n}, 0) end as {n}""")
    cols += [f"coalesce(o.{n}, 0) + coalesce(m.{n}, 0) as {n}" for n in marts.DISTINCT_SQL]
    con.execute(f"""create temp table patch_rollup_rows as
        select {", ".join(f"d.{k}" for k in ROLLUP_KEYS)}, {", ".join(cols)}, a.parent_account_id as parent_id
        from patch_rollup_delta as d
        left join patch_rollup_old as o using ({keys})
        left join patch_rollup_exact as e using ({keys})
        left join patch_rollup_moved as m using ({keys})
        left join core_accounts as a on a.account_id = d.scope_id
        where coalesce(o.n_reported, 0) + d.n_reported > 0
        union all by name
        select u.*, a.parent_account_id as parent_id
        from patch_rollup_units as u
        left join core_accounts as a on a.account_id = u.scope_id""")
    # The rows that go are kept for the checks (etl/invariants.py): the scopes' read above, the units' read here.
    con.execute("""create temp table patch_rollup_gone as
        select * from patch_rollup_old
        union all by name
        select rowid as rid, * from mart_rollup where rowid in (
            select t.rowid from mart_rollup as t semi join patch_unit_keys as k using (scope_id, survey_year, basis))""")
    con.execute("delete from mart_rollup where rowid in (select rid from patch_rollup_gone)")
    con.execute(f"""insert into mart_rollup by name
        select * from patch_rollup_rows order by {", ".join(tables.MARTS["mart_rollup"].order)}""")


def _refs(con: duckdb.DuckDBPyConnection) -> None:
    """mart_distinct_refs: each value's row count moved by the signed rows; a value no row carries goes.

    Values whose count did not move (a correction that left them as they were) are not rewritten.

    patch_refs_rows keeps each changed value's count before (old_n) and after (n).
    """
    delta = marts.refs_sql("patch_signed_basis", "true", count="sum(b.sign)", moved_only=True)
    con.execute(f"create temp table patch_refs_delta as\n{delta}")
    _execute(con, merge_sql("mart_distinct_refs", "patch_refs_delta", "patch_refs", keep_before=True))
