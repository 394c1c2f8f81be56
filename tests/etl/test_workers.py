"""A checking worker that dies (as under the OOM killer) never hangs the run: its document is quarantined (E_WORKER)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl import intake, validate
from etl.run import run
from tests.conftest import TODAY, connect
from tests.etl.test_patch import resubmit
from tests.fixtures.inbox import doc, write_inbox

CRASH_ON = "ISTC_TEST_CRASH_ON"  # read in the workers, which inherit the environment


class CrashingRecipe(intake.ContextRecipe):
    """A worker's context recipe that makes the worker SIGKILL itself when it checks the documents named in
    $ISTC_TEST_CRASH_ON (comma-separated sources): the worker dies as under the OOM killer."""

    def make(self) -> validate.Context:
        doomed = set(os.environ.get(CRASH_ON, "").split(","))
        check = validate.check

        def check_or_die(raw, ctx, source="", sha="", defer=False):
            if source in doomed:
                os.kill(os.getpid(), signal.SIGKILL)
            return check(raw, ctx, source=source, sha=sha, defer=defer)

        validate.check = check_or_die
        return super().make()


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging) when the block takes longer than `seconds`."""

    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _second_run_with_dying_workers(
    loaded_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doomed: list[str]
) -> tuple:
    """The fixture load, then resubmissions and a batch checked by 2 workers that die on `doomed`."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    resubmit(inbox)
    lines = [doc("U2", 2020, revision=7, out={"USA": 7}), doc("U4", 2019, revision=8, out={"JPN": 8}),
             doc("BD", 2020, revision=9, funds={"municipal": 9})]  # fmt: skip
    (inbox / "2020" / "batch.jsonl").write_text("".join(json.dumps(d) + "\n" for d in lines), encoding="utf-8")
    monkeypatch.setattr("etl.intake.PARALLEL_FROM", 0)
    monkeypatch.setattr("etl.intake.ContextRecipe", CrashingRecipe)  # the run's workers get their context from it
    monkeypatch.setenv(CRASH_ON, ",".join(doomed))
    with deadline(180):
        return inbox, wh, run(inbox, wh, today=TODAY, progress=False, workers=2)


def test_a_worker_killed_on_one_file_quarantines_that_file_and_loads_the_rest(loaded_copy, tmp_path, monkeypatch):
    inbox, wh, summary = _second_run_with_dying_workers(loaded_copy, tmp_path, monkeypatch, ["2020/U1_r5.json"])
    # resubmit(): U3_r3, SJZ_r1 loaded, U3_r2b superseded, U4_r9 quarantined (H-02); U1_r5 killed its worker;
    # the batch's three lines load.
    counts = tuple(summary[k] for k in ("documents_in", "unchanged", "loaded", "superseded", "quarantined"))
    assert counts == (36, 28, 5, 1, 2)
    assert summary["quarantine_codes"]["E_WORKER"] == 1
    con = connect(wh)
    assert con.execute("select source_file, message_zh from quality_quarantine where code = 'E_WORKER'").fetchall() == [
        ("2020/U1_r5.json", "校验“2020/U1_r5.json”时校验进程异常退出（可能内存不足或文件异常），该记录未载入")
    ]
    loaded = con.execute("select source_file from core_submissions where run_id = $r order by 1",
                         {"r": summary["run_id"]}).fetchall()  # fmt: skip
    assert loaded == [("2019/SJZ_r1.json",), ("2020/U3_r2b.json",), ("2020/U3_r3.json",), ("2020/batch.jsonl#1",),
                      ("2020/batch.jsonl#2",), ("2020/batch.jsonl#3",)]  # fmt: skip
    con.close()
    kept = list((wh / "quarantine" / "2020").glob("U1_r5__*.json"))
    assert sorted(p.name.endswith(".report.json") for p in kept) == [False, True]  # the bytes and the report
    raw = next(p for p in kept if not p.name.endswith(".report.json"))
    assert raw.read_bytes() == (inbox / "2020" / "U1_r5.json").read_bytes()


def test_a_worker_killed_on_one_line_of_a_batch_quarantines_that_line_alone(loaded_copy, tmp_path, monkeypatch):
    _, wh, summary = _second_run_with_dying_workers(loaded_copy, tmp_path, monkeypatch, ["2020/batch.jsonl#2"])
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]["E_WORKER"]) == (5, 2, 1)
    con = connect(wh)
    assert con.execute("select source_file from quality_quarantine where code = 'E_WORKER'").fetchall() == [
        ("2020/batch.jsonl#2",)
    ]
    con.close()


def test_the_tasks_in_flight_at_a_death_are_checked_again_in_one_worker_started_again_only_after_a_death(
    loaded_copy, tmp_path, monkeypatch
):
    """Many tasks are in flight (etl/intake.py IN_FLIGHT_DOCS): a worker started for each cost a second apiece."""
    started = []
    new_pool = intake._Pool._new_pool

    def counted(self, n):
        started.append(n)
        return new_pool(self, n)

    monkeypatch.setattr(intake._Pool, "_new_pool", counted)
    monkeypatch.setattr("etl.intake.CHUNK", 4)  # the run's new files in 2 tasks (of 4 items and 2), both in flight
    *_, summary = _second_run_with_dying_workers(loaded_copy, tmp_path, monkeypatch, ["2020/U1_r5.json"])
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]["E_WORKER"]) == (5, 2, 1)
    # U1_r5's task of 4 kills the lone worker, then its half of 2, then U1_r5 alone: 3 deaths, 4 lone workers,
    # whether or not the other task was finished when its worker died; the pool of 2 before and after.
    assert started == [2, 1, 1, 1, 1, 2]


def test_a_file_gone_before_its_worker_reads_it_is_named_by_its_full_path(tmp_path):
    """Workers open single files relative to the inbox's open folder; the error still names the whole path."""
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "folder.json").mkdir()
    for rel, error in (("2020/gone.json", FileNotFoundError), ("2020/folder.json", IsADirectoryError)):
        with pytest.raises(error) as raised:
            list(intake._documents(tmp_path, [intake.InboxFile(rel, 1, 0)]))
        assert raised.value.filename == str(tmp_path / rel)


def test_workers_that_keep_dying_stop_the_run_with_a_clear_message(loaded_copy, tmp_path, monkeypatch):
    doomed = ["2020/U1_r5.json", "2020/U3_r3.json", "2019/SJZ_r1.json", "2020/U3_r2b.json"]
    with pytest.raises(RuntimeError, match="校验进程异常退出（可能内存不足）已超过 3 次"):
        _second_run_with_dying_workers(loaded_copy, tmp_path, monkeypatch, doomed)


def test_a_pool_found_broken_when_submitting_checks_that_chunk_again(tmp_path, monkeypatch):
    """A worker that dies between two results breaks the pool before the next chunk is submitted: that chunk is
    checked again in order, like those in flight (a real kill found it: the run failed with BrokenProcessPool)."""
    import concurrent.futures

    from etl import config, hierarchy, reference

    inbox = write_inbox(tmp_path / "inbox")
    files = intake.unseen(intake.scan(inbox)[0], None).todo
    ctx = validate.Context(hierarchy.load(inbox / "accounts.csv"), reference.load(), config.load(None), TODAY)
    monkeypatch.setattr("etl.intake.CHUNK", 5)  # six chunks
    monkeypatch.setattr("etl.intake.AHEAD", 1)
    monkeypatch.setattr("etl.intake.IN_FLIGHT_DOCS", 0)  # one task a worker in flight
    alone = [o.source for outcomes, _ in intake.check_all(inbox, files, ctx, frozenset(), "r", 1) for o in outcomes]
    real, calls = concurrent.futures.ProcessPoolExecutor.submit, []

    def submit(self, fn, *args):
        calls.append(fn)
        if len(calls) == 3:  # the first submission after a result
            raise concurrent.futures.process.BrokenProcessPool("a worker died")
        return real(self, fn, *args)

    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "submit", submit)
    monkeypatch.setattr("etl.intake.PARALLEL_FROM", 0)
    with deadline(180):
        pooled = [
            o.source for outcomes, _ in intake.check_all(inbox, files, ctx, frozenset(), "r", 2) for o in outcomes
        ]
    assert pooled == alone and len(alone) == 28


def test_workers_whose_results_are_never_read_stop_and_leave_no_state_file(tmp_path, monkeypatch):
    """A run that fails after its workers started and before it read their results (its history unreadable,
    Ctrl-C) stops them and removes their state file; a state file left by a run killed on the spot (SIGKILL, the
    OOM killer) is removed by the next run that starts workers, and a running run's is kept."""
    import gc
    import multiprocessing
    import subprocess
    import sys
    import tempfile
    import time

    from etl import config, hierarchy, reference

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = temp / f"istc-etl-{gone.stdout.strip()}-abc.pickle"  # its process has ended
    running = temp / f"istc-etl-{os.getpid()}-def.pickle"  # this process runs
    killed.write_bytes(b"state"), running.write_bytes(b"state")
    inbox = write_inbox(tmp_path / "inbox")
    files = intake.unseen(intake.scan(inbox)[0], None).todo
    ctx = validate.Context(hierarchy.load(inbox / "accounts.csv"), reference.load(), config.load(None), TODAY)
    monkeypatch.setattr("etl.intake.PARALLEL_FROM", 0)

    results = intake.check_all(inbox, files, ctx, frozenset(), "r", 2)  # workers start here
    assert sorted(p.name for p in temp.iterdir())[-1].startswith(f"istc-etl-{os.getpid()}-")
    assert not killed.exists() and running.exists()
    del results  # never read
    gc.collect()
    assert [p.name for p in temp.iterdir()] == [running.name]
    for _ in range(100):
        if not multiprocessing.active_children():
            break
        time.sleep(0.1)
    assert not multiprocessing.active_children()
