"""`python -m etl run`: validate new documents, append them to the history, rebuild and publish."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from . import config, hierarchy, reference, validate
from .build import build
from .flatten import Rows
from .store import LEDGER_SCHEMA, Warehouse, new_run_id

ETL_VERSION = "6"  # bump when validation or derivation changes: every document is then re-validated
SUFFIXES = (".json", ".xlsx")  # submissions as JSON documents or filled survey workbooks
SUMMARY_KEYS = ("documents_in", "loaded", "superseded", "quarantined", "unchanged")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join((ETL_VERSION, *parts)).encode()).hexdigest()[:16]


def _generation(wh: Warehouse, fingerprint: str) -> tuple[list[str], pa.Table]:
    """The trailing committed runs made under the same context (registry, reference, config, code)."""
    runs = wh.committed_runs()
    keep: list[str] = []
    for run_id in reversed(runs):
        led = wh.ledger([run_id])
        if led.num_rows and led.column("fingerprint")[0].as_py() != fingerprint:
            break
        keep.insert(0, run_id)
    return keep, wh.ledger(keep)


def run(inbox: Path, warehouse: Path, *, config_path: Path | None = None, today: dt.date | None = None,
        progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """Load every new document of `inbox` into `warehouse`; returns the reconciled summary."""
    started = time.perf_counter()
    cfg = config.load(config_path)
    registry = hierarchy.load(inbox / "accounts.csv")
    ref = reference.load()
    ctx = validate.Context(registry, ref, cfg, today or dt.date.today())
    fingerprint = _fingerprint(ref.fingerprint, registry.fingerprint, cfg.fingerprint)
    wh = Warehouse(warehouse)
    gen_runs, ledger = _generation(wh, fingerprint)
    wh.drop_uncommitted(keep=gen_runs)
    seen = set(ledger.column("sha").to_pylist())
    versions: dict[tuple, str] = {}  # (account, year, revision) → sha of accepted versions
    for rec in ledger.filter(pc.is_in(ledger.column("outcome"), pa.array(["loaded", "superseded"]))).to_pylist():
        versions[(rec["account_id"], rec["survey_year"], rec["revision"])] = rec["sha"]

    run_id, rows, new = new_run_id(), Rows(), []
    counts: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    files = sorted(p for p in inbox.rglob("*") if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith("~$"))
    wanted = set(files)
    ignored = sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file() and p not in wanted
                     and p.name != "accounts.csv")  # fmt: skip
    for path in tqdm(files, desc="校验填报记录", unit="份", disable=not progress or None, leave=False):
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        rel = str(path.relative_to(inbox))
        if sha in seen:
            counts["unchanged"] += 1
            continue
        seen.add(sha)
        checked = validate.check(raw, ctx, source=rel, sha=sha)
        doc = checked.doc
        key = (doc["account_id"], doc["survey_year"], doc["revision"]) if doc else None
        if not checked.quarantined and key in versions and versions[key] != sha:
            checked.findings.add("E_REVISION_CONFLICT", "revision", doc["revision"],
                                 "同一账号、同一年度已有该版次但内容不同；修改后请提高版次", severity="H")  # fmt: skip
        head = doc or checked.hint or {}
        base = {"sha": sha, "source_file": rel, "run_id": run_id, "fingerprint": fingerprint,
                "account_id": head.get("account_id"), "survey_year": head.get("survey_year"),
                "revision": head.get("revision"), "status": head.get("status"),
                "codes": sorted({p.code for p in checked.findings.items})}  # fmt: skip
        if checked.quarantined:
            problems = [p.as_dict() for p in checked.findings.hard]
            report = {"source_file": rel, "sha256": sha, "run_id": run_id, "problems": problems}
            codes.update(p["code"] for p in problems)
            new.append({**base, "outcome": "quarantined", "version_id": None,
                        "report_file": wh.quarantine(raw, rel, sha, report)})  # fmt: skip
            counts["quarantined"] += 1
            continue
        versions[key] = sha
        excluded = registry.excluded_sources(doc["account_id"], cfg)
        rows.add(doc, version_id=sha[:32], source_file=rel, run_id=run_id, excluded=excluded,
                 warnings=checked.findings.soft)  # fmt: skip
        new.append({**base, "outcome": "accepted", "version_id": sha[:32], "report_file": None})

    current = _current_revisions(versions)
    for rec in new:
        if rec["outcome"] == "accepted":
            is_current = current[(rec["account_id"], rec["survey_year"])] == rec["revision"]
            rec["outcome"] = "loaded" if is_current else "superseded"
            counts[rec["outcome"]] += 1
    if new:
        wh.write_parquet(run_id, rows.tables())
        wh.commit(run_id, pa.Table.from_pylist(new, LEDGER_SCHEMA))
        gen_runs.append(run_id)
    db_file = wh.current_db()
    expected = f"warehouse-{gen_runs[-1]}.duckdb" if gen_runs else None
    rebuilt = False
    if expected and (db_file is None or db_file.name != expected or not db_file.exists()):
        db_file = build(wh, gen_runs, registry, cfg, expected)
        wh.publish(db_file)
        rebuilt = True
    summary = {
        "run_id": run_id,
        "documents_in": len(files),
        **{k: counts[k] for k in SUMMARY_KEYS[1:]},
        "quarantine_codes": dict(codes.most_common()),
        "registry_problems": len(registry.problems),
        "ignored_files": ignored,
        "warehouse_rebuilt": rebuilt,
        "database": str(db_file.relative_to(wh.root)) if db_file else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    assert summary["documents_in"] == sum(summary[k] for k in SUMMARY_KEYS[1:]), summary
    wh.write_summary(run_id, summary)
    return summary


def _current_revisions(versions: dict[tuple, str]) -> dict[tuple, int]:
    """Highest accepted revision per account × year."""
    out: dict[tuple, int] = {}
    for acc, year, rev in versions:
        out[(acc, year)] = max(rev, out.get((acc, year), 0))
    return out
