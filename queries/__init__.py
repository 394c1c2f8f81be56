"""The dashboard's questions: one .sql file each, run with bound parameters on a read-only connection.

Every function takes the connection first and returns a pandas DataFrame whose grain the SQL
file's header states. Values are always bound (`$name`); nothing a user types is formatted
into SQL. Every function that reads survey data takes the scope it is allowed to see.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).parent
OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# Dashboard queries read pre-aggregated marts; DuckDB's default buffer pool (80 % of RAM) would let
# a long-running dashboard grow past its 512 MB budget. ISTC_QUERY_MEMORY overrides it.
QUERY_MEMORY = os.environ.get("ISTC_QUERY_MEMORY", "256MB")
BASES = ("finished", "approved")


class QueryError(ValueError):
    """A parameter outside its allowed values (raised before anything reaches DuckDB)."""


def connect(db_file: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to one published warehouse file."""
    return duckdb.connect(str(db_file), read_only=True, config={**OFFLINE, "memory_limit": QUERY_MEMORY})


@cache
def sql(name: str) -> str:
    """The text of queries/<name>.sql."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(name)
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters; a fresh cursor per call (thread-safe)."""
    with con.cursor() as cur:
        return cur.execute(sql(name), params).df()


def _check(basis: str, unit_type: str) -> None:
    from etl.dictionary import UNIT_TYPES

    if basis not in BASES:
        raise QueryError(f"口径参数无效：{basis}")
    if unit_type != "ALL" and unit_type not in UNIT_TYPES:
        raise QueryError(f"单位类型参数无效：{unit_type}")


# --- scope and hierarchy ----------------------------------------------------------------------
def scope_within(con, root_id: str, scope_id: str) -> bool:
    """True when `scope_id` is `root_id` or below it: the check behind every scoped query of a user."""
    if not isinstance(scope_id, str) or not isinstance(root_id, str):
        return False
    return bool(run(con, "scope_within", root_id=root_id, scope_id=scope_id).iloc[0]["allowed"])


def scope_path(con, scope_id: str) -> pd.DataFrame:
    """Ancestors of a scope, 全国 first (breadcrumb)."""
    return run(con, "scope_path", scope_id=scope_id)


def scope_children(con, scope_id: str) -> pd.DataFrame:
    """Direct children of a scope."""
    return run(con, "scope_children", scope_id=scope_id)


def scope_info(con, scope_id: str) -> pd.DataFrame:
    """The scope's own account row."""
    return run(con, "scope_info", scope_id=scope_id)


def scope_search(con, root_id: str, text: str) -> pd.DataFrame:
    """Accounts under `root_id` whose name contains `text`."""
    return run(con, "scope_search", root_id=root_id, text=text.strip()[:50])


def scopes_at_level(con, root_id: str, level: int) -> pd.DataFrame:
    """Accounts of one level under `root_id`, with their parent's name."""
    return run(con, "scopes_at_level", root_id=root_id, level=int(level))


def survey_years(con) -> list[int]:
    """Survey years with finished data."""
    return [int(y) for y in run(con, "survey_years")["survey_year"]]


def build_version(con) -> str | None:
    """The version of the code that built the database (meta_build); None for a file built before it was stored."""
    try:
        versions = run(con, "build_version")["build_version"]
    except duckdb.BinderException:  # no such column: older code made it
        return None
    return versions.iloc[0] if len(versions) else None


# --- roll-ups ---------------------------------------------------------------------------------
def rollup_by_year(con, scope_id: str, year_from: int, year_to: int, basis: str, unit_type: str) -> pd.DataFrame:
    """Every rolled-up indicator of a scope, one row per year."""
    _check(basis, unit_type)
    return run(con, "rollup_by_year", scope_id=scope_id, year_from=year_from, year_to=year_to, basis=basis,
               unit_type=unit_type)  # fmt: skip


def rollup_of_children_by_year(con, scope_id: str, year_from: int, year_to: int, basis: str, unit_type: str,
                               fields: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:  # fmt: skip
    """Rolled-up indicators of each direct child, one row per child × year; only `fields` when given (else all)."""
    _check(basis, unit_type)
    if fields is not None:
        _check_fields(fields)
    return run(con, "rollup_of_children_by_year", scope_id=scope_id, year_from=year_from, year_to=year_to,
               basis=basis, unit_type=unit_type, fields=None if fields is None else list(fields))  # fmt: skip


def _check_fields(fields) -> None:
    from etl.dictionary import MEASURES, ROLLUP_ONLY

    allowed = {f.name for f in (*MEASURES, *ROLLUP_ONLY)}  # the columns of mart_rollup
    if unknown := sorted(set(fields) - allowed):
        raise QueryError(f"指标参数无效：{unknown}")


def rollup_of_scopes(con, scope_ids: list[str], year_from: int, year_to: int, basis: str, unit_type: str,
                     fields: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:  # fmt: skip
    """Rolled-up indicators of several accounts side by side; only `fields` when given (else all)."""
    _check(basis, unit_type)
    if fields is not None:
        _check_fields(fields)
    return run(con, "rollup_of_scopes", scope_ids=list(scope_ids), year_from=year_from, year_to=year_to, basis=basis,
               unit_type=unit_type, fields=None if fields is None else list(fields))  # fmt: skip


def partner_values_by_partner(con, scope_id: str, year: int, basis: str, unit_type: str,
                              fields: list[str]) -> pd.DataFrame:  # fmt: skip
    """Partner-broken values of a scope in a year, with partner names, scope and groups."""
    _check(basis, unit_type)
    return run(con, "partner_values_by_partner", scope_id=scope_id, year=year, basis=basis, unit_type=unit_type,
               fields=list(fields))  # fmt: skip


def partner_totals_by_year(con, scope_id: str, year_from: int, year_to: int, basis: str, unit_type: str,
                           fields: list[str]) -> pd.DataFrame:  # fmt: skip
    """INTL and HMT sums of partner-broken fields, one row per year × field × partner scope."""
    _check(basis, unit_type)
    return run(con, "partner_totals_by_year", scope_id=scope_id, year_from=year_from, year_to=year_to, basis=basis,
               unit_type=unit_type, fields=list(fields))  # fmt: skip


def partner_totals_of_children_by_year(con, scope_id: str, year_from: int, year_to: int, basis: str, unit_type: str,
                                       fields: list[str]) -> pd.DataFrame:  # fmt: skip
    """INTL and HMT sums of partner-broken fields for each direct child, one row per child × year × field × scope."""
    _check(basis, unit_type)
    return run(con, "partner_totals_of_children_by_year", scope_id=scope_id, year_from=year_from, year_to=year_to,
               basis=basis, unit_type=unit_type, fields=list(fields))  # fmt: skip


def projects_by_dimension(con, scope_id: str, year: int, basis: str, unit_type: str) -> pd.DataFrame:
    """Projects under a scope by field, funding level, role, form and status."""
    _check(basis, unit_type)
    params = {"scope_id": scope_id, "year": year, "basis": basis, "unit_type": unit_type}
    # The ETL pre-counts scopes with subordinates; only when it has nothing can the scope be a single unit.
    # (One SQL for both would scan the fact tables for a province's own rows: measured 20 vs 3 ms.)
    df = run(con, "projects_by_dimension", **params)
    return df if not df.empty else unit_projects_by_dimension(con, **params)


def unit_projects_by_dimension(con, scope_id: str, year: int, basis: str, unit_type: str) -> pd.DataFrame:
    """A single unit's projects by field, funding level, role, form and status (empty for other scopes)."""
    _check(basis, unit_type)
    return run(con, "unit_projects_by_dimension", scope_id=scope_id, year=year, basis=basis, unit_type=unit_type)


def choices_by_value(con, scope_id: str, year: int, basis: str, unit_type: str) -> pd.DataFrame:
    """Units choosing each support-policy type and each problem."""
    _check(basis, unit_type)
    params = {"scope_id": scope_id, "year": year, "basis": basis, "unit_type": unit_type}
    df = run(con, "choices_by_value", **params)  # pre-counted for scopes with subordinates, as for projects
    return df if not df.empty else unit_choices_by_value(con, **params)


def unit_choices_by_value(con, scope_id: str, year: int, basis: str, unit_type: str) -> pd.DataFrame:
    """A single unit's own multiple-choice answers (empty for other scopes)."""
    _check(basis, unit_type)
    return run(con, "unit_choices_by_value", scope_id=scope_id, year=year, basis=basis, unit_type=unit_type)


# --- filling progress and data quality --------------------------------------------------------
def filling_by_child(con, scope_id: str, year: int, unit_type: str) -> pd.DataFrame:
    """Filling status per direct child's subtree (and the scope's own form)."""
    _check("finished", unit_type)
    return run(con, "filling_by_child", scope_id=scope_id, year=year, unit_type=unit_type)


def filling_outstanding(con, scope_id: str, year: int, unit_type: str, limit: int | None = None,
                        offset: int = 0) -> pd.DataFrame:  # fmt: skip
    """Accounts under a scope whose form is missing, a draft or returned (returned first); `limit` rows from `offset`."""
    _check("finished", unit_type)
    return run(con, "filling_outstanding", scope_id=scope_id, year=year, unit_type=unit_type, limit=limit,
               offset=offset)  # fmt: skip


def filling_summary_by_year(con, scope_id: str, year_from: int, year_to: int, unit_type: str) -> pd.DataFrame:
    """已报 / 应报 / 已审核 / 按时 counts under a scope, one row per year."""
    _check("finished", unit_type)
    return run(con, "filling_summary_by_year", scope_id=scope_id, year_from=year_from, year_to=year_to,
               unit_type=unit_type)  # fmt: skip


QUALITY_KINDS = ("quarantine", "check", "warning", "duplicate")


def quality_summary_by_code(con, scope_id: str, year: int) -> pd.DataFrame:
    """Findings per kind and code on accounts under a scope: the data-quality page's summary."""
    return run(con, "quality_summary_by_code", scope_id=scope_id, year=year)


def quality_findings_by_account(con, scope_id: str, year: int, kinds: list[str] | tuple[str, ...] = QUALITY_KINDS,
                                codes: list[str] | tuple[str, ...] = (), limit: int | None = None,
                                offset: int = 0) -> pd.DataFrame:  # fmt: skip
    """Quarantine problems, warnings, checks and copied files on accounts under a scope, of some kinds and codes (none = all)."""
    if not set(kinds) <= set(QUALITY_KINDS):
        raise QueryError(f"问题类别参数无效：{sorted(set(kinds) - set(QUALITY_KINDS))}")
    return run(con, "quality_findings_by_account", scope_id=scope_id, year=year, kinds=list(kinds),
               codes=[str(c) for c in codes], limit=limit, offset=offset)  # fmt: skip


def meta_fields(con) -> pd.DataFrame:
    """The data dictionary as stored in the warehouse."""
    return run(con, "meta_fields")
