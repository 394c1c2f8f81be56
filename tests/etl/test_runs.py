"""Runs are idempotent and incremental; a resubmission supersedes; a killed run leaves nothing half-built."""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import config, intake, reference
from etl.excel.template import workbook_bytes
from etl.hierarchy import RegistryError
from etl.intake import ContextRecipe
from etl.run import run
from etl.store import Warehouse
from tests.conftest import TODAY, connect, run_killed_in
from tests.fixtures.inbox import BROKEN, VALID, doc, write_inbox

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("core_submissions", "core_measures", "core_partner_values", "quality_quarantine", "mart_rollup")


def snapshot(warehouse: Path) -> dict:
    """Row counts and the HB 2020 roll-up: what a reader would see."""
    con = connect(warehouse)
    try:
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
        counts["hb_2020_out"] = con.execute(
            "select out_person_times from mart_rollup where scope_id = 'HB' and survey_year = 2020 and basis = 'finished' and unit_type = 'ALL'"
        ).fetchone()[0]
        return counts
    finally:
        con.close()


def test_second_run_changes_nothing(tmp_path):
    inbox = write_inbox(tmp_path / "inbox")
    first = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    pointer = (tmp_path / "wh" / "CURRENT").read_text()
    before = snapshot(tmp_path / "wh")
    parquet = sorted((tmp_path / "wh" / "parquet").rglob("*.parquet"))
    second = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert second["unchanged"] == first["documents_in"] == 28
    assert (second["loaded"], second["superseded"], second["quarantined"]) == (0, 0, 0)
    assert second["warehouse_rebuilt"] is False
    assert second["registry_problems"] == first["registry_problems"]
    assert (tmp_path / "wh" / "CURRENT").read_text() == pointer
    assert sorted((tmp_path / "wh" / "parquet").rglob("*.parquet")) == parquet
    assert snapshot(tmp_path / "wh") == before
    summary = json.loads((tmp_path / "wh" / "runs" / f"{second['run_id']}.json").read_text())
    assert summary["documents_in"] == sum(summary[k] for k in ("loaded", "superseded", "quarantined", "unchanged"))


def test_resubmission_supersedes_and_history_is_kept(tmp_path, loaded_copy):
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    # HB corrects 2020 outbound from 10 to 12 in revision 2.
    fixed = doc("HB", 2020, revision=2, status="approved", out={"USA": 8, "HKG": 4},
                funds={"provincial": 500, "unit_self": 20})  # fmt: skip
    (inbox / "2020" / "HB_r2.json").write_text(json.dumps(fixed, ensure_ascii=False), encoding="utf-8")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["unchanged"], summary["documents_in"]) == (1, 28, 29)
    assert snapshot(tmp_path / "wh")["hb_2020_out"] == 65
    con = connect(tmp_path / "wh")
    history = con.execute(
        "select revision, is_current from core_submissions where account_id = 'HB' and survey_year = 2020 order by 1"
    ).fetchall()
    con.close()
    assert history == [(1, False), (2, True)]


def test_change_of_registry_revalidates_everything(tmp_path, loaded_copy):
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    registry = (inbox / "accounts.csv").read_text(encoding="utf-8").replace("municipal,true", "municipal,false")
    (inbox / "accounts.csv").write_text(registry, encoding="utf-8")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert summary["unchanged"] == 0 and summary["documents_in"] == 28
    con = connect(tmp_path / "wh")
    # SJZ no longer reports municipal funds, so U1 keeps its 30 and U2 its 10 municipal money: 250 + 40
    assert (
        con.execute(
            "select fund_reportable from mart_rollup where scope_id = 'SJZ' and survey_year = 2020 and basis = 'finished' and unit_type = 'ALL'"
        ).fetchone()[0]
        == 290
    )
    con.close()


def test_run_killed_before_commit_leaves_no_trace(tmp_path, monkeypatch):
    inbox = write_inbox(tmp_path / "inbox")
    clean = tmp_path / "clean"
    run(inbox, clean, today=TODAY, progress=False)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed after the Parquet files were written")

    with monkeypatch.context() as m:
        m.setattr(Warehouse, "commit", killed)
        with pytest.raises(KeyboardInterrupt):
            run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert not (tmp_path / "wh" / "CURRENT").exists()  # readers never saw a half-built warehouse
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert summary["loaded"] == 13 and summary["unchanged"] == 0
    assert snapshot(tmp_path / "wh") == snapshot(clean)


def test_run_killed_before_publishing_is_rebuilt(tmp_path, loaded_copy, monkeypatch):
    inbox, _ = loaded_copy(tmp_path, only=[k for k in VALID if k.startswith("2019/")])  # 2019 loaded
    old_pointer = (tmp_path / "wh" / "CURRENT").read_text()
    write_inbox(inbox)  # the 2020 documents arrive
    run_killed_in("etl.build.build", inbox, tmp_path / "wh", monkeypatch)
    assert (tmp_path / "wh" / "CURRENT").read_text() == old_pointer  # readers still see the old, complete one
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    # the killed run had committed its documents: nothing is re-read, but the database is rebuilt
    assert (summary["unchanged"], summary["warehouse_rebuilt"]) == (28, True)
    assert snapshot(tmp_path / "wh")["hb_2020_out"] == 63


def test_sigkill_mid_run_then_rerun_is_correct(tmp_path, demo_warehouse):
    """A real process killed at an arbitrary moment, then re-run, gives the same warehouse as a clean run (the
    session's demo, loaded from the same inbox)."""
    inbox, clean = tmp_path / "inbox", demo_warehouse
    shutil.copytree(demo_warehouse.parent / "inbox", inbox)
    proc = subprocess.Popen([sys.executable, "-m", "etl", "run", "--inbox", str(inbox), "--warehouse",
                             str(tmp_path / "wh"), "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.2)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    subprocess.run([sys.executable, "-m", "etl", "run", "--inbox", str(inbox), "--warehouse", str(tmp_path / "wh"),
                    "--quiet"], check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    a, b = connect(clean), connect(tmp_path / "wh")
    q = "select scope_id, survey_year, basis, n_reported, out_person_times, fund_reportable from mart_rollup where unit_type = 'ALL' order by 1, 2, 3"
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    a.close()
    b.close()


def test_worker_processes_load_the_same_warehouse(tmp_path, monkeypatch):
    """Checking in two processes, in chunks of 5, gives what one process gives — duplicates across chunks included."""
    inbox = write_inbox(tmp_path / "inbox")
    copy = inbox / "2020" / "zz_copy_of_HB.json"  # the same bytes under another name, in a later chunk
    copy.write_bytes((inbox / "2020" / "HB_r1.json").read_bytes())
    one = run(inbox, tmp_path / "one", today=TODAY, progress=False, workers=1)
    monkeypatch.setattr("etl.intake.PARALLEL_FROM", 0)
    monkeypatch.setattr("etl.intake.CHUNK", 5)
    two = run(inbox, tmp_path / "two", today=TODAY, progress=False, workers=2)
    keys = ("documents_in", "loaded", "superseded", "quarantined", "unchanged", "quarantine_codes")
    assert {k: two[k] for k in keys} == {k: one[k] for k in keys}
    assert (two["documents_in"], two["unchanged"]) == (29, 1)
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")


def _rerun_in_one_process_and_early_workers(tmp_path, monkeypatch, before: dict[str, bytes], extra: dict[str, bytes]):
    """The fixture inbox plus `before`, loaded; then `extra` added and run again: in one process that looks up the whole
    history first (as a batch of SEND_SEEN_FROM documents or more does), and in workers started before the history is
    read (looking up only the new documents, as every smaller batch does). Both warehouses must come out the same."""
    results = []
    for workers in (1, 2):
        inbox = write_inbox(tmp_path / f"inbox{workers}")
        for rel, raw in before.items():
            (inbox / rel).write_bytes(raw)
        run(inbox, tmp_path / f"wh{workers}", today=TODAY, progress=False)
        for rel, raw in extra.items():
            (inbox / rel).write_bytes(raw)
        with monkeypatch.context() as m:
            m.setattr("etl.intake.PARALLEL_FROM", 0)
            m.setattr("etl.intake.CHUNK", 1)
            if workers == 1:
                m.setattr("etl.intake.SEND_SEEN_FROM", 0)
            results.append(run(inbox, tmp_path / f"wh{workers}", today=TODAY, progress=False, workers=workers))
    one, two = results
    assert "registry" in one["steps_s"] and "registry" not in two["steps_s"]  # two: the workers parsed it
    keys = ("documents_in", "loaded", "superseded", "quarantined", "unchanged", "quarantine_codes")
    assert {k: two[k] for k in keys} == {k: one[k] for k in keys}
    assert snapshot(tmp_path / "wh2") == snapshot(tmp_path / "wh1")
    return two


def _u1_workbook(revision: int) -> bytes:
    return workbook_bytes(2020, {**VALID["2020/U1_r1.json"], "revision": revision, "submission_id": f"r{revision}"})


def test_workers_started_before_the_history_judge_a_rerun_as_one_process_does(tmp_path, monkeypatch):
    """A small re-run starts its workers before reading the history, and looks up only its own documents' hashes
    and keys (in the ledger rows of their accounts and of none; in all rows when one is read without its account): a
    copy of loaded content, copies of quarantined files (one of no account: empty), a copy of a loaded workbook filed
    under another year (read without its account), a revision conflict (other figures) and a new revision come out
    as in one process."""
    hb = doc("HB", 2020, status="approved", out={"USA": 6, "HKG": 4}, funds={"provincial": 500, "unit_self": 20})
    other = doc("HB", 2020, status="approved", out={"USA": 5, "HKG": 5}, funds={"provincial": 500, "unit_self": 20})
    assert json.dumps(hb, ensure_ascii=False) == json.dumps(VALID["2020/HB_r1.json"], ensure_ascii=False)
    workbook = _u1_workbook(5)  # made once: a workbook's bytes carry the time it was made
    extra = {
        "2020/zz_copy.json": json.dumps(hb, ensure_ascii=False).encode(),  # the bytes of 2020/HB_r1.json
        "2020/HB_r1_other.json": json.dumps({**other, "submission_id": "other"}, ensure_ascii=False).encode(),
        "2020/HB_r9.json": json.dumps({**hb, "revision": 9, "submission_id": "r9"}, ensure_ascii=False).encode(),
        "2020/zz_empty_copy.json": BROKEN["2020/empty.json"][0],
        "2020/zz_unknown_copy.json": BROKEN["2020/ZZ_r1.json"][0],
        "2019/zz_U1_2020_r5.xlsx": workbook,  # in 2019/ its year is wrong: read without its account
    }
    two = _rerun_in_one_process_and_early_workers(tmp_path, monkeypatch, {"2020/U1_r5.xlsx": workbook}, extra)
    assert (two["unchanged"], two["loaded"], two["quarantined"]) == (33, 1, 1)
    assert two["quarantine_codes"] == {"E_REVISION_CONFLICT": 1}


def test_early_workers_find_content_first_ledgered_without_its_account(tmp_path, monkeypatch):
    """A workbook first filed under another year is ledgered without its account; the same bytes filed right are read
    with it, and are still content met before (as in one process), however few documents the re-run looks up."""
    misfiled = _u1_workbook(6)
    two = _rerun_in_one_process_and_early_workers(
        tmp_path, monkeypatch, {"2019/U1_2020_r6.xlsx": misfiled}, {"2020/zz_U1_r6.xlsx": misfiled}
    )
    assert (two["unchanged"], two["loaded"], two["quarantined"]) == (30, 0, 0)


def test_a_worker_that_cannot_parse_the_registry_fails_the_run_instead_of_hanging(tmp_path):
    """Workers given a recipe parse the registry themselves; a failure surfaces at the first chunk, in Chinese."""
    recipe = ContextRecipe(tmp_path / "missing.csv", reference.load(), config.load(), TODAY)
    intake._init_pickled(pickle.dumps({"inbox": tmp_path, "ctx": recipe, "seen": frozenset(), "run_id": "r"}))
    try:
        with pytest.raises(RegistryError, match="账号注册表不存在"):
            intake.check_chunk([])
    finally:
        intake._STATE.clear()
        gc.unfreeze()  # _init_pickled set a worker's collector up in this process
        gc.set_threshold(700, 10, 10)


def test_unchanged_files_are_not_read_again(tmp_path, loaded_copy, monkeypatch):
    """A re-run recognises unchanged files by path, size and mtime; --rehash reads everything again."""
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    read: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real(self))
    assert run(inbox, tmp_path / "wh", today=TODAY, progress=False)["unchanged"] == 28
    assert [name for name in read if name.endswith(".json")] == []
    # Same size and mtime but other bytes (a copy tool that keeps times): only a rehash can tell.
    path = inbox / "2020" / "HB_r1.json"
    st = path.stat()
    path.write_bytes(path.read_bytes().replace(b"2021-07-01T10:00", b"2021-07-01T11:00"))  # another submission
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run(inbox, tmp_path / "wh", today=TODAY, progress=False)["unchanged"] == 28
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False, rehash=True)
    assert (summary["unchanged"], summary["quarantined"]) == (27, 1)  # revision 1 again, with other content
    assert summary["quarantine_codes"] == {"E_REVISION_CONFLICT": 1}


def test_an_unreadable_intake_cache_means_reading_everything_again(tmp_path, loaded_copy):
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    (tmp_path / "wh" / "intake.parquet").write_bytes(b"not parquet")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["unchanged"], summary["loaded"], summary["warehouse_rebuilt"]) == (28, 0, False)


def test_an_upgrade_that_changes_the_marts_rebuilds_without_new_documents(tmp_path, loaded_copy, monkeypatch):
    """The database file is named after the build version: new mart SQL is never served from a stale file."""
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    before = snapshot(tmp_path / "wh")
    monkeypatch.setattr("etl.run.build_version", lambda: "upgraded")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["unchanged"], summary["loaded"], summary["warehouse_rebuilt"]) == (28, 0, True)
    assert summary["database"].endswith("-upgraded.duckdb")
    assert snapshot(tmp_path / "wh") == before
    assert run(inbox, tmp_path / "wh", today=TODAY, progress=False)["warehouse_rebuilt"] is False


def test_a_rerun_with_nothing_new_does_not_parse_the_registry(tmp_path, monkeypatch):
    """Parsing 100,000 accounts costs 1.5 s: a no-op re-run recognises the registry by its hash and keeps its count."""
    inbox = write_inbox(tmp_path / "inbox")
    lines = (inbox / "accounts.csv").read_text(encoding="utf-8").splitlines()
    (inbox / "accounts.csv").write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")  # a duplicate id
    first = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert first["registry_problems"] >= 1

    def parsed(path):
        raise AssertionError(f"registry parsed: {path}")

    monkeypatch.setattr("etl.hierarchy.load", parsed)
    second = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (second["unchanged"], second["registry_problems"]) == (28, first["registry_problems"])


def test_the_intake_cache_follows_files_that_leave_the_inbox(tmp_path, loaded_copy):
    """History is kept when a file leaves the inbox; the cache then lists what is there, in listing order."""
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    (inbox / "2020" / "HB_r1.json").unlink()
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["documents_in"], summary["unchanged"], summary["warehouse_rebuilt"]) == (27, 27, False)
    cache = Warehouse(tmp_path / "wh").intake_cache(*_fingerprint_and_runs(tmp_path / "wh"))
    assert cache.num_rows == 27 and "2020/HB_r1.json" not in cache.column("source_file").to_pylist()
    assert run(inbox, tmp_path / "wh", today=TODAY, progress=False)["unchanged"] == 27


def _fingerprint_and_runs(warehouse: Path) -> tuple[str, list[str]]:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(warehouse / "intake.parquet").schema_arrow.metadata
    return meta[b"fingerprint"].decode(), [meta[b"last_run"].decode()]


def test_run_writer_files_rows_by_year_whether_a_chunk_holds_one_year_or_several(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from etl.store import RunWriter

    schema = pa.schema([("account_id", pa.string()), ("survey_year", pa.int32()), ("value", pa.float64())])
    with RunWriter(tmp_path, "r1") as writer:
        writer.write({"t": pa.table([["A", "B"], [2020, 2020], [1.0, 2.0]], schema=schema)})
        writer.write({"t": pa.table([["C", "D", "E"], [2021, 2020, 2021], [3.0, 4.0, 5.0]], schema=schema)})
        writer.write({"t": pa.table([[], [], []], schema=schema)})
    read = {year: pq.read_table(tmp_path / "t" / f"survey_year={year}" / "r1.parquet").to_pydict()
            for year in (2020, 2021)}  # fmt: skip
    assert read == {2020: {"account_id": ["A", "B", "D"], "value": [1.0, 2.0, 4.0]},
                    2021: {"account_id": ["C", "E"], "value": [3.0, 5.0]}}  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == ["survey_year=2020", "survey_year=2021"]


def test_run_writer_writes_earlier_years_once_its_buffers_are_full(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from etl.store import RunWriter

    monkeypatch.setattr(RunWriter, "BUFFER_BYTES", 100)  # a few rows' worth
    schema = pa.schema([("account_id", pa.string()), ("survey_year", pa.int32()), ("value", pa.float64())])
    rows = {year: pa.table([[f"U{i}" for i in range(10)], [year] * 10, [float(i) for i in range(10)]], schema=schema)
            for year in (2019, 2020)}  # fmt: skip
    with RunWriter(tmp_path, "r1") as writer:
        writer.write({"t": rows[2019]})
        assert list(writer.buffers) == [("t", 2019)]  # its own year waits for more rows
        writer.write({"t": rows[2020]})
        assert list(writer.buffers) == [("t", 2020)] and list(writer.writers) == [("t", 2019)]  # 2019 went to disk
        assert writer.buffered == rows[2020].drop_columns(["survey_year"]).nbytes
    for year in (2019, 2020):
        written = pq.read_table(tmp_path / "t" / f"survey_year={year}" / "r1.parquet")
        assert written.column("value").to_pylist() == [float(i) for i in range(10)]


def test_build_progress_bar_counts_every_step_it_announces(tmp_path, monkeypatch):
    """The 建库 bar's total is known before the marts are built, and the build ends exactly on it."""
    import etl.build

    bars = []

    class Bar:
        def __init__(self, total, **kwargs):
            self.total, self.n, self.what = total, 0, []
            bars.append(self)

        def set_postfix_str(self, what, refresh=True):
            self.what.append(what)

        def update(self, n=1):
            self.n += n

        def close(self):
            pass

    monkeypatch.setattr(etl.build, "tqdm", Bar)
    inbox = write_inbox(tmp_path / "inbox")
    run(inbox, tmp_path / "wh", today=TODAY, progress=True)
    (bar,) = bars
    assert bar.n == bar.total > 20
    assert "mart_rollup_by_year 2020" in bar.what and bar.what[-1] not in ("", None)
