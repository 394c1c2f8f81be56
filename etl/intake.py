"""Reading the inbox: list its files, and check new ones in chunks — in worker processes when there are many.

Checking is the ETL's hot path (read, hash, parse, schema, rules, flatten to Arrow) and pure CPU, so
big loads run it in one process per core. Workers only check; the main process keeps every decision
that depends on order or on the history (duplicates, revision conflicts, quarantine files, Parquet).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa

from . import validate
from .flatten import Rows

SUFFIXES = (".json", ".xlsx")  # submissions as JSON documents or filled survey workbooks
REGISTRY_FILE = "accounts.csv"
CHUNK = 400  # files per task: big enough to amortise the hand-over, small enough to stream
PARALLEL_FROM = 4 * CHUNK  # fewer new files than this are checked in-process: workers cost ~1 s to start


class InboxFile(NamedTuple):
    """One submission file: its path under the inbox and what `stat` says of it."""

    rel: str
    size: int
    mtime_ns: int


@dataclass
class Outcome:
    """What checking one file found; `raw` is kept only for quarantined files (their bytes are archived)."""

    file: InboxFile
    sha: str
    known: bool = False  # content already in the ledger: nothing to do
    accepted: bool = False
    head: dict[str, Any] = field(default_factory=dict)  # account_id, survey_year, revision, status
    codes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    raw: bytes | None = None


def scan(inbox: Path) -> tuple[list[InboxFile], list[str]]:
    """Submission files of the inbox (sorted by path) and the other files it holds (ignored, reported)."""
    wanted: list[InboxFile] = []
    ignored: list[str] = []
    folders = [(str(inbox), "")]
    while folders:  # scandir: one stat per file, from the directory entry, and no path joins
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir():
                    folders.append((entry.path, rel + "/"))
                elif rel == REGISTRY_FILE:
                    continue
                elif entry.name.endswith(SUFFIXES) and not entry.name.startswith("~$"):
                    st = entry.stat()
                    wanted.append(InboxFile(rel, st.st_size, st.st_mtime_ns))
                else:
                    ignored.append(rel)
    wanted.sort()
    return wanted, sorted(ignored)


_STATE: dict[str, Any] = {}


def _init(inbox: Path, ctx: validate.Context, seen: frozenset[str], run_id: str) -> None:
    """Per-process state: what documents are checked against, and the content already loaded."""
    _STATE.update(inbox=inbox, ctx=ctx, seen=seen, run_id=run_id)
    gc.freeze()  # the registry and reference never die: keep them out of every collection
    gc.set_threshold(50_000, 50, 100)  # documents are acyclic; frequent young collections only cost time


def check_chunk(files: list[InboxFile]) -> tuple[list[Outcome], dict[str, pa.Table]]:
    """Check files in order; accepted documents come back flattened, one Arrow table per warehouse table."""
    inbox, ctx, seen, run_id = _STATE["inbox"], _STATE["ctx"], _STATE["seen"], _STATE["run_id"]
    rows, out, here = Rows(), [], set()
    for f in files:
        raw = (inbox / f.rel).read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if sha in seen or sha in here:
            out.append(Outcome(f, sha, known=True))
            continue
        here.add(sha)
        checked = validate.check(raw, ctx, source=f.rel, sha=sha)
        head = checked.doc or checked.hint or {}
        outcome = Outcome(f, sha, head={k: head.get(k) for k in ("account_id", "survey_year", "revision", "status")},
                          codes=sorted({p.code for p in checked.findings.items}))  # fmt: skip
        if checked.quarantined:
            outcome.problems, outcome.raw = [p.as_dict() for p in checked.findings.hard], raw
        else:
            outcome.accepted = True
            doc = checked.doc
            rows.add(doc, version_id=sha[:32], source_file=f.rel, run_id=run_id,
                     excluded=ctx.registry.excluded_sources(doc["account_id"], ctx.config),
                     warnings=checked.findings.soft)  # fmt: skip
        out.append(outcome)
    return out, rows.tables()


def check_all(
    inbox: Path, files: list[InboxFile], ctx: validate.Context, seen: frozenset[str], run_id: str, workers: int
) -> Iterator[tuple[list[Outcome], dict[str, pa.Table]]]:
    """Check every file, chunk by chunk, results in inbox order; `workers` > 1 uses that many processes."""
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    if workers <= 1 or len(files) < PARALLEL_FROM:
        _init(inbox, ctx, seen, run_id)
        try:
            yield from map(check_chunk, chunks)
        finally:
            gc.unfreeze()
            gc.set_threshold(700, 10, 10)
        return
    # spawn, not fork: the parent has Arrow thread pools running, which a forked child would inherit half-locked.
    mp = multiprocessing.get_context("spawn")
    with _nothing_to_import_as_main():
        pool = mp.Pool(workers, initializer=_init, initargs=(inbox, ctx, seen, run_id))
    with pool:
        yield from pool.imap(check_chunk, chunks)


@contextlib.contextmanager
def _nothing_to_import_as_main() -> Iterator[None]:
    """Start workers without re-importing the caller's `__main__` (spawn does that by default).

    Workers need only this module. A host that put a script of its own in `__main__` (Streamlit
    runs a page there; so do its tests) would otherwise have that script run in every worker.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
