"""Build one complete DuckDB warehouse file from the committed Parquet history, then publish it."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from . import ddl, invariants, marts
from . import dictionary as d
from .config import OFFLINE, SurveyConfig
from .dictionary.model import number_text
from .dictionary.rules import NOTICES
from .hierarchy import ROOT_ID, ROOT_NAME, Registry
from .reference import REFERENCE_DIR
from .store import Warehouse, discard_db, parquet_select
from .versions import build_version

# DuckDB would otherwise take 80 % of RAM for a national build (measured: 17 GB at 1 million documents);
# beyond this it spills to <warehouse>/db/spill. At 3 GB the whole ETL peaked at 4.6 GB; ISTC_ETL_MEMORY overrides it.
BUILD_MEMORY = os.environ.get("ISTC_ETL_MEMORY", "2GB")
REFERENCE_TABLES = {
    "ref_partners": "partners.csv", "ref_provinces": "provinces.csv", "ref_level2_regions": "level2_regions.csv",
    "ref_hebei_cities": "hebei_cities.csv", "ref_intl_orgs": "intl_orgs.csv",
    "ref_big_science_programmes": "big_science_programmes.csv",
}  # fmt: skip
QUARANTINE_SCHEMA = pa.schema([(n, pa.int32() if n in ("survey_year", "revision") else pa.string()) for n in (
    "sha", "source_file", "account_id", "survey_year", "revision", "code", "severity", "path", "value",
    "message_zh", "message_en", "report_file", "run_id")])  # fmt: skip


def build(wh: Warehouse, runs: list[str], registry: Registry, cfg: SurveyConfig, db_name: str,
          progress: bool = False) -> Path:  # fmt: skip
    """Write db/<db_name> from the given runs' Parquet and ledger; returns its path (not yet published).

    `progress` shows a bar on a terminal: nationally the build is the second half of a full load (~100 s).
    """
    final = wh.root / "db" / db_name
    tmp = wh.unpublished(db_name)
    con = connect(wh, tmp)
    bar = tqdm(total=len(ddl.PARQUET_OF), desc="建库", unit="步", disable=not progress or None, leave=False)

    def step(what: str) -> None:
        bar.set_postfix_str(what, refresh=False)
        bar.update()

    built = False
    try:
        for stmt in ddl.create_statements():
            con.execute(stmt)
        skipped = wh.skipped_versions(runs)
        con.register("_skipped", skipped)
        for table, parquet in ddl.PARQUET_OF.items():
            files = wh.parquet_files(parquet, runs)
            if files:
                con.execute(f"insert into {table} by name {parquet_select(skipped)}", {"files": files})
            step(table)
        con.unregister("_skipped")
        _reference(con)
        _accounts(con, registry, cfg)
        _ledger(con, wh, runs)
        _metadata(con)
        bar.total += marts.n_steps(con)
        marts.create(con, step)
        con.execute(
            "create table meta_build as select $run as run_id, 'build' as kind, count(*) as n_versions, "
            "$version as build_version from core_submissions",
            {"run": runs[-1] if runs else None, "version": build_version()},
        )
        con.execute(
            "comment on table meta_build is '本数据库的来历：一次全量构建（build），其后每次修补（patch）一行及其新增版本数；"
            "build_version = 生成它的程序版本（由数据字典生成的结构、汇总 SQL 和程序源码计算）'"
        )
        invariants.check(con)  # a database that breaks one is not published: the previous one keeps serving
        con.execute("checkpoint")
        built = True
    finally:
        bar.close()
        con.close()
        if not built:  # failed or broke an invariant: nothing half-made (nor its WAL) stays beside the published file
            discard_db(tmp)
        shutil.rmtree(wh.root / "db" / "spill", ignore_errors=True)
    tmp.replace(final)
    return final


def connect(wh: Warehouse, path: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection for building or patching `path`, within the ETL's memory limit."""
    return duckdb.connect(str(path), config={**OFFLINE, "memory_limit": BUILD_MEMORY,
                                             "temp_directory": str(wh.root / "db" / "spill"),
                                             "preserve_insertion_order": False})  # fmt: skip


def _from_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Create table `name` from an Arrow table."""
    con.register("_arrow_in", table)
    try:
        con.execute(f"create table {name} as select * from _arrow_in")
    finally:
        con.unregister("_arrow_in")


def _reference(con: duckdb.DuckDBPyConnection) -> None:
    for table, name in REFERENCE_TABLES.items():
        con.execute(
            f"create table {table} as select * from read_csv($path, header = true, all_varchar = true)",
            {"path": str(REFERENCE_DIR / name)},
        )
    con.execute("""
        create table ref_partner_scope as
        select iso3 as partner_code, name_zh, continent_zh, cn_stat_region_zh,
               case when partner_category = 'HMT_region_of_China' then 'HMT' else 'INTL' end as partner_scope
        from ref_partners
    """)


def _accounts(con: duckdb.DuckDBPyConnection, reg: Registry, cfg: SurveyConfig) -> None:
    """core_accounts (with the virtual 全国 root), the closure table, deadlines and registry problems."""
    valid = [a for a in reg.accounts.values() if a.account_id in reg.ancestors]
    closure = [(ROOT_ID, ROOT_ID, 0), *reg.closure()]  # 全国 is its own ancestor too, like every account
    below = Counter(ancestor for ancestor, _, depth in closure if depth > 0)
    rows = [{"account_id": ROOT_ID, "parent_account_id": None, "level": 0, "name": ROOT_NAME, "name_short": ROOT_NAME,
             "admin_division_code": None, "unit_type": None, "funder_level": "central", "reports_municipal_funds": False,
             "l1_id": None, "l2_id": None, "path": ROOT_ID, "n_descendants": below[ROOT_ID]}]  # fmt: skip
    for a in valid:
        chain = list(reversed(reg.ancestors[a.account_id]))  # CN, l1, l2, …, self
        rows.append({
            "account_id": a.account_id, "parent_account_id": a.parent_account_id or ROOT_ID, "level": a.level,
            "name": a.name, "name_short": a.name_short, "admin_division_code": a.admin_division_code,
            "unit_type": a.unit_type, "funder_level": a.funder_level, "reports_municipal_funds": a.reports_municipal_funds,
            "l1_id": chain[1] if len(chain) > 1 else None, "l2_id": chain[2] if len(chain) > 2 else None,
            "path": "/".join(chain), "n_descendants": below[a.account_id],
        })  # fmt: skip
    _from_arrow(con, "core_accounts", pa.Table.from_pylist(rows))
    _from_arrow(
        con, "core_account_closure",
        pa.table({"ancestor_id": [c[0] for c in closure], "descendant_id": [c[1] for c in closure],
                        "depth": pa.array([c[2] for c in closure], pa.int8())}),
    )  # fmt: skip
    con.execute("comment on table core_accounts is '账号（含虚拟根节点 CN = 全国）；path 为自上而下的祖先路径'")
    con.execute("comment on column core_accounts.n_descendants is '下属账号数（各级，不含自身）'")
    con.execute("comment on table core_account_closure is '闭包表：每个账号与其每个祖先（含自身 depth=0、全国）一行'")
    problems = pa.table({"account_id": [p[0] for p in reg.problems], "code": [p[1] for p in reg.problems],
                         "message_zh": [p[2] for p in reg.problems]})  # fmt: skip
    _from_arrow(con, "quality_registry", problems)
    years = [r[0] for r in con.execute("select distinct survey_year from core_submissions order by 1").fetchall()]
    _from_arrow(
        con,
        "ref_deadlines",
        pa.table({"survey_year": pa.array(years, pa.int32()), "deadline": [cfg.deadline(y) for y in years]}),
    )
    own = [(a, y, d) for a, by_year in cfg.account_deadlines.items() for y, d in by_year.items() if y in years]
    _from_arrow(
        con,
        "ref_account_deadlines",
        pa.table({"account_id": pa.array([o[0] for o in own], pa.string()),
                  "survey_year": pa.array([o[1] for o in own], pa.int32()),
                  "deadline": pa.array([o[2] for o in own], pa.date32())}),
    )  # fmt: skip


def _ledger(con: duckdb.DuckDBPyConnection, wh: Warehouse, runs: list[str]) -> None:
    """meta_ledger and quality_quarantine: one row per problem of every quarantined document."""
    ledger = wh.ledger(runs)
    _from_arrow(con, "meta_ledger", ledger)
    _from_arrow(con, "quality_quarantine", quarantine_rows(wh, ledger))


def quarantine_rows(wh: Warehouse, ledger: pa.Table) -> pa.Table:
    """One row per problem of every quarantined document of `ledger`, read from its report."""
    rows = []
    for rec in ledger.filter(pc.equal(ledger.column("outcome"), "quarantined")).to_pylist():
        report = orjson.loads((wh.root / rec["report_file"]).read_bytes())
        for p in report["problems"]:
            rows.append({"sha": rec["sha"], "source_file": rec["source_file"], "account_id": rec["account_id"],
                         "survey_year": rec["survey_year"], "revision": rec["revision"], "code": p["code"],
                         "severity": p["severity"], "path": p["path"],
                         "value": None if p["value"] is None else str(p["value"]), "message_zh": p["message_zh"],
                         "message_en": p["message_en"], "report_file": rec["report_file"], "run_id": rec["run_id"]})  # fmt: skip
    return pa.Table.from_pylist(rows, QUARANTINE_SCHEMA)


def _metadata(con: duckdb.DuckDBPyConnection) -> None:
    """The dictionary and rule catalogue inside the warehouse, for the app's indicator pages."""
    fields = [{"section": g.key, "section_no": g.number, "section_zh": g.title_zh, "name": f.name,
               "label_zh": f.label_zh, "unit": f.unit, "kind": f.kind, "aggregation": f.agg,
               "by_partner": f.by_partner or None, "derived": f.derived, "required": f.required,
               "constraint_zh": f.constraint or None, "rules": list(f.rules)}
              for g in d.GROUPS for f in g.fields]  # fmt: skip
    _from_arrow(con, "meta_fields", pa.Table.from_pylist(fields))
    rules = [{"rule_id": r.id, "severity": r.severity, "checked_in": r.where, "text_zh": r.text_zh, "text_en": r.text_en}
             for r in d.RULES]  # fmt: skip
    rules += [{"rule_id": k, "severity": "H", "checked_in": "document", "text_zh": zh, "text_en": en}
              for k, (zh, en) in d.REASONS.items()]  # fmt: skip
    rules += [{"rule_id": k, "severity": "S", "checked_in": "intake", "text_zh": zh, "text_en": en}
              for k, (zh, en) in NOTICES.items()]  # fmt: skip
    _from_arrow(con, "meta_rules", pa.Table.from_pylist(rules))
    # The thresholds the warehouse rules read (rule_param(), etl/marts.py), bound as data: never formatted into SQL.
    params = [(r.id, name, float(value), number_text(value)) for r in d.RULES for name, value in r.params.items()]
    _from_arrow(
        con, "meta_rule_params",
        pa.table({"rule_id": [p[0] for p in params], "param": [p[1] for p in params],
                  "value": pa.array([p[2] for p in params], pa.float64()), "value_text": [p[3] for p in params]}),
    )  # fmt: skip
    con.execute(
        "comment on table meta_rule_params is '规则参数（阈值）：由规则目录生成，仓库级检查与规则说明读取同一数值'"
    )
