"""A run killed at any step boundary never wedges the warehouse: the next run publishes what a clean build makes.

A kill comes in two kinds here: `run_killed_in` (the kill propagates, so `finally` blocks run, as for
Ctrl-C or SIGTERM) and a hard kill (the process ends on the spot, as for SIGKILL or the OOM killer: no
cleanup runs, so a temporary database and its WAL stay on disk).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from etl import config, hierarchy
from etl.build import build
from etl.run import run
from etl.store import Warehouse
from tests.conftest import TODAY, run_killed_in
from tests.etl.test_patch import _assert_same_tables, resubmit
from tests.fixtures.inbox import VALID, write_inbox

ROOT = Path(__file__).resolve().parents[2]
# Where a run can die between steps while it patches a published database (the run's own steps, then the patch's:
# after the copy and the first inserts the temporary database and its WAL exist).
PATCH_BOUNDARIES = (
    "etl.intake.scan",
    "etl.intake.check_all",
    "etl.run._read_history",
    "etl.store.Warehouse.commit",
    "etl.store.Warehouse.write_intake_cache",
    "etl.patch.patch",
    "etl.patch._patchable",
    "etl.patch._rollup",
    "etl.patch.quarantine_rows",
    "etl.store.Warehouse.publish",
    "etl.store.Warehouse.write_summary",
)
# … and while it builds one afresh (a new survey year arrives).
BUILD_BOUNDARIES = ("etl.build.build", "etl.build._reference", "etl.marts.create", "etl.build._ledger")
HARD_KILL = """
import datetime as dt, os, sys
from pathlib import Path
import pytest
from etl.run import run

def killed(*args, **kwargs):
    os._exit(137)  # as SIGKILL: no finally block, no DuckDB close, no checkpoint

mp = pytest.MonkeyPatch()
mp.setattr(sys.argv[1], killed)
run(Path(sys.argv[2]), Path(sys.argv[3]), today=dt.date.fromisoformat(sys.argv[4]), progress=False)
"""


def run_hard_killed_in(target: str, inbox: Path, warehouse: Path) -> None:
    """Run the ETL in a process that dies on the spot when it reaches `target` (a dotted function path)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(HARD_KILL), target, str(inbox), str(warehouse),
                           TODAY.isoformat()], cwd=ROOT, capture_output=True, timeout=120)  # fmt: skip
    assert done.returncode == 137, done.stderr.decode()[-2000:]


def _kill(kind: str, target: str, inbox: Path, wh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if kind == "hard":
        run_hard_killed_in(target, inbox, wh)
    else:
        run_killed_in(target, inbox, wh, monkeypatch)


def _assert_like_clean_build(inbox: Path, wh_root: Path, clean_root: Path) -> None:
    """The published database equals a rebuild of its committed runs, and its figures equal a clean load's."""
    wh = Warehouse(wh_root)
    full = build(wh, wh.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb")
    _assert_same_tables(wh.current_db(), full)
    full.unlink()
    clean = Warehouse(clean_root)
    con = duckdb.connect()
    con.execute(f"attach '{wh.current_db()}' as k (read_only)")
    con.execute(f"attach '{clean.current_db()}' as c (read_only)")
    # Tables that name no run or build: row for row what a clean load of the same inbox makes.
    for t in ("mart_rollup", "mart_partner_rollup", "mart_filling_rollup", "mart_distinct_refs", "core_accounts"):
        diff = con.execute(f"select count(*) from ((from k.{t} except all from c.{t}) union all "
                           f"(from c.{t} except all from k.{t}))").fetchone()[0]  # fmt: skip
        assert (t, diff) == (t, 0)
    con.close()
    assert not [p.name for p in (wh_root / "db").iterdir() if not p.name.endswith(".duckdb")]


@pytest.fixture(scope="module")
def clean_patched(tmp_path_factory) -> Path:
    """A warehouse loaded in one clean run from the inbox the patch scenario ends with."""
    root = tmp_path_factory.mktemp("clean_patched")
    inbox = write_inbox(root / "inbox")
    resubmit(inbox)
    run(inbox, root / "wh", today=TODAY, progress=False)
    return root / "wh"


@pytest.fixture(scope="module")
def clean_full(tmp_path_factory, loaded_copy) -> Path:
    """A warehouse loaded in one clean run from the whole fixture inbox."""
    return loaded_copy(tmp_path_factory.mktemp("clean_full"))[1]


# A hard kill differs from a soft one only where files are left behind: the run's own Parquet before its ledger
# entry, the intake cache, a temporary database (patch copy or new build) and the summary. Every boundary gets a
# soft kill and those a hard one too (each is a subprocess of its own, the slow part of this file).
HARD = {"etl.store.Warehouse.commit", "etl.store.Warehouse.write_intake_cache", "etl.patch._patchable",
        "etl.patch._rollup", "etl.patch.quarantine_rows", "etl.store.Warehouse.publish",
        "etl.store.Warehouse.write_summary", "etl.build._reference", "etl.marts.create", "etl.build._ledger"}  # fmt: skip


def kills(boundaries: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(t, k) for t in boundaries for k in ("soft", "hard") if k == "soft" or t in HARD]


@pytest.mark.parametrize(("target", "kind"), kills(PATCH_BOUNDARIES))
def test_killed_patch_run_then_next_run_publishes_a_clean_build(
    tmp_path, monkeypatch, loaded_copy, clean_patched, target, kind
):
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    resubmit(inbox)
    _kill(kind, target, inbox, wh, monkeypatch)
    run(inbox, wh, today=TODAY, progress=False)
    # and once more: a later run (patching or not) is not wedged by what the killed one left
    run(inbox, wh, today=TODAY, progress=False)
    _assert_like_clean_build(inbox, wh, clean_patched)


@pytest.mark.parametrize(("target", "kind"), kills(BUILD_BOUNDARIES))
def test_killed_build_then_next_run_publishes_a_clean_build(
    tmp_path, monkeypatch, loaded_copy, clean_full, target, kind
):
    inbox, wh = loaded_copy(tmp_path, only=[k for k in VALID if k.startswith("2019/")])  # 2019 loaded
    write_inbox(inbox)  # the 2020 documents arrive: a new survey year is built afresh
    _kill(kind, target, inbox, wh, monkeypatch)
    run(inbox, wh, today=TODAY, progress=False)
    _assert_like_clean_build(inbox, wh, clean_full)


def test_stale_wal_of_a_killed_run_is_not_replayed(tmp_path, monkeypatch, loaded_copy, clean_patched):
    """A killed patch left `<db>.tmp` and `<db>.tmp.wal` (planted here, under the names that run used): the
    next run patches the same run again and publishes what a clean build makes, without replaying them."""
    from etl.run import _db_name

    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    published = Warehouse(wh).current_db()
    resubmit(inbox)
    run_killed_in("etl.patch.patch", inbox, wh, monkeypatch)  # committed, not yet patched
    left = wh / "db" / f"{_db_name(Warehouse(wh).committed_runs()[-1])}.tmp"
    # The WAL of a copy of the published file with rows inserted: it matches any fresh copy of that file.
    scratch = tmp_path / "scratch.duckdb"
    scratch.write_bytes(published.read_bytes())
    con = duckdb.connect(str(scratch))
    con.execute("set checkpoint_threshold = '1GB'")
    con.execute("insert into core_choices select * from core_choices")
    Path(f"{left}.wal").write_bytes(Path(f"{scratch}.wal").read_bytes())
    left.write_bytes(published.read_bytes())
    con.close()
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert summary["warehouse_patched"]
    _assert_like_clean_build(inbox, wh, clean_patched)
