"""Reading the inbox: list its files, and check new ones in chunks — in worker processes when there are many.

Checking is the ETL's hot path (read, hash, parse, schema, rules, flatten to Arrow) and pure CPU, so
big loads run it in one process per core. Workers only check; the main process keeps every decision
that depends on order or on the history (duplicates, revision conflicts, quarantine files, Parquet).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime as dt
import gc
import hashlib
import multiprocessing
import os
import pickle
import sys
import tempfile
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from . import dictionary as d
from . import flatten, hierarchy, listing, validate
from .config import SurveyConfig
from .flatten import Rows
from .problems import Findings
from .reference import Reference
from .startup import skip_pandas_probe

SUFFIXES, REGISTRY_FILE, BATCH_SUFFIX = listing.SUFFIXES, listing.REGISTRY_FILE, listing.BATCH_SUFFIX
READ_BYTES = 2**16  # a read's request: a document of 2–8 KB, as most are, is read in one
BATCH_BYTES_PER_DOC = 4096  # a batch not yet read counts as one document per this many bytes (demo: 4–5 KB)
CHUNK = 400  # files per task: big enough to amortise the hand-over, small enough to stream
PARALLEL_FROM = 4 * CHUNK  # fewer new files than this are checked in-process: workers cost ~1 s to start
SEND_SEEN_FROM = 20_000  # new files from which workers skip content already loaded themselves
SCAN_PARALLEL_FROM = 20_000  # files in the first folder from which a second process helps list the rest
# Tasks in flight: AHEAD a worker, and at least IN_FLIGHT_DOCS documents' worth. The main process takes no result
# while it settles a spool batch (etl/run.py: the rule query and the detail tables of flatten_sql.Spool.FLUSH_DOCS
# documents, a second or two): with 4 tasks a worker, two workers then sat idle a third of the time. Counted in
# documents, the results waiting in the main process stay bounded however many cores check.
AHEAD = 4
IN_FLIGHT_DOCS = 25_600
MAX_WORKER_DEATHS = 3  # documents that may each kill a checking worker before the run stops
HEAD_KEYS = ("account_id", "survey_year", "revision", "status")


class InboxFile(NamedTuple):
    """One submission file: its path under the inbox and what `stat` says of it."""

    rel: str
    size: int
    mtime_ns: int

    @property
    def is_batch(self) -> bool:
        """A batch export (JSON Lines): one document per line."""
        return self.rel.endswith(BATCH_SUFFIX)

    @property
    def weight(self) -> int:
        """The documents it holds, as far as known before reading it."""
        return max(1, self.size // BATCH_BYTES_PER_DOC) if self.is_batch else 1


class BatchPart(NamedTuple):
    """Consecutive lines of a batch file, checked as one piece (a batch of 100,000 lines is spread over workers)."""

    file: InboxFile
    start: int  # byte offset of the first line
    end: int  # byte offset just past the last line's newline
    first_line: int  # 1-based
    n_lines: int


@dataclass
class Outcome:
    """What checking one file found; `raw` is kept only for quarantined files (their bytes are archived)."""

    file: InboxFile
    sha: str
    source: str  # the document's name in the ledger: the file's path, or path#line for a line of a batch
    span: tuple[int, int] | None = None  # a batch line's bytes in the file
    known: bool = False  # content already in the ledger: nothing to do
    accepted: bool = False
    head: dict[str, Any] = field(default_factory=dict)  # account_id, survey_year, revision, status
    codes: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    raw: bytes | None = None
    pending: bool = False  # accepted, but etl/rule_sql.py's query is still to clear it (validate.Checked.pending)


@dataclass(frozen=True)
class ContextRecipe:
    """What workers build their validate.Context from: each parses the registry itself instead of unpickling it.

    Workers started this way parse the registry while the main process reads the history, instead of
    waiting for it to parse (1.1 s nationally) and pickle it (~20 MB).
    """

    registry_file: Path
    reference: Reference
    config: SurveyConfig
    today: dt.date
    registry_cache: Path | None = None  # where a parsed registry is kept (hierarchy.load)

    def make(self) -> validate.Context:
        """The context, with the registry parsed (or read back from where it is kept) here."""
        registry = hierarchy.load(self.registry_file, self.registry_cache)
        return validate.Context(registry, self.reference, self.config, self.today)


LISTING = pa.schema([("source_file", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64())])
# The intake cache: a listing with each file's content hash (null for a batch) and the documents it held.
CACHE = LISTING.append(pa.field("sha", pa.string())).append(pa.field("n_docs", pa.int64()))


def scan(inbox: Path, workers: int = 1) -> tuple[pa.Table, list[str]]:
    """Submission files of the inbox as columns (source_file, size, mtime_ns; unsorted) and the other files (ignored).

    Listing is bound by Python's per-file work (a million files: 3.6 s in one process). When the first
    folder shows the inbox is big, a helper process lists half of the remaining folders meanwhile.
    """
    rels, sizes, mtimes, ignored, folders = listing.list_folder(str(inbox), "")
    parts = [(rels, sizes, mtimes, ignored)]
    if folders:
        parts.append(listing.list_tree([folders.pop()])[:4])
    if workers > 1 and len(folders) >= 2 and len(parts[-1][0]) >= SCAN_PARALLEL_FROM:
        mp = multiprocessing.get_context("spawn")
        theirs, ours = folders[: len(folders) // 2], folders[len(folders) // 2 :]
        with _nothing_to_import_as_main():
            pool = mp.Pool(1)
        with pool:
            helped = pool.apply_async(listing.list_tree, (theirs,))
            parts.append(listing.list_tree(ours)[:4])
            parts.append(helped.get()[:4])
    elif folders:
        parts.append(listing.list_tree(folders)[:4])
    columns = [[x for part in parts for x in part[i]] for i in range(3)]
    return pa.table(columns, schema=LISTING), sorted(x for part in parts for x in part[3])


class Unseen(NamedTuple):
    """A listing compared with the intake cache."""

    todo: list[InboxFile]  # new or changed files, in path order
    same: pa.ChunkedArray | None  # per listed file: unchanged since the cache (None when there is no cache)
    at: pa.Array | None  # per listed file: its row in the cache (None when the cache lists the same files in order)
    unchanged: int = 0  # documents in the unchanged files


def unseen(found: pa.Table, cache: pa.Table | None) -> Unseen:
    """Which listed files are new or changed: a file is unchanged when its path, size and mtime match the cache.

    The comparison runs in Arrow, so a re-run with nothing new builds no Python object per file. The cache
    is kept in listing order, so an unchanged inbox is recognised by comparing the columns directly;
    otherwise each path is looked up in the cache's hash table.
    """
    n_docs = None
    if cache is None:
        same, at = None, None
    elif (
        cache.num_rows == found.num_rows
        and pc.all(pc.equal(cache.column("source_file"), found.column("source_file"))).as_py()
    ):
        same = pc.and_(pc.equal(cache.column("size"), found.column("size")),
                       pc.equal(cache.column("mtime_ns"), found.column("mtime_ns")))  # fmt: skip
        at = None
        n_docs = cache.column("n_docs")
    else:
        at = pc.index_in(found.column("source_file"), value_set=cache.column("source_file"))
        same = pc.fill_null(pc.and_(pc.equal(pc.take(cache.column("size"), at), found.column("size")),
                                    pc.equal(pc.take(cache.column("mtime_ns"), at), found.column("mtime_ns"))), False)  # fmt: skip
        n_docs = pc.take(cache.column("n_docs"), at)
    unchanged = 0 if same is None else pc.sum(pc.if_else(same, n_docs, 0)).as_py() or 0
    todo = found if same is None else found.filter(pc.invert(same))
    todo = todo.sort_by("source_file")
    files = [InboxFile(*row) for row in zip(*(todo.column(c).to_pylist() for c in LISTING.names), strict=True)]
    return Unseen(files, same, at, unchanged)


def next_cache(found: pa.Table, seen_before: Unseen, old_cache, fresh: dict[str, list]) -> pa.Table:
    """The new intake cache, in listing order: unchanged files keep their row, the others get what this run read.

    `old_cache()` reads the previous cache's sha and n_docs (only needed here: the hashes are most of the file);
    `fresh` maps each file this run read to [sha, n_docs].
    """
    read = ("sha", "n_docs")  # the columns this run fills in, in the order of `fresh`'s values
    if seen_before.same is None:
        rels = found.column("source_file").to_pylist()
        columns = [pa.array([fresh[rel][i] for rel in rels], CACHE.field(name).type) for i, name in enumerate(read)]
    else:
        old = old_cache()
        changed = pc.invert(seen_before.same).combine_chunks()
        rels = found.column("source_file").filter(changed).to_pylist()
        columns = []
        for i, name in enumerate(read):
            kept = old.column(name) if seen_before.at is None else pc.take(old.column(name), seen_before.at)
            now = pa.array([fresh[rel][i] for rel in rels], CACHE.field(name).type)
            columns.append(pc.replace_with_mask(kept.combine_chunks(), changed, now))
    return found.append_column("sha", columns[0]).append_column("n_docs", columns[1])


_STATE: dict[str, Any] = {}


def _init(inbox: Path, ctx: validate.Context, seen: frozenset[str], run_id: str, spool: Path | None = None) -> None:
    """Per-process state: what documents are checked against, the content already loaded, and where accepted
    documents' JSON lines go (flatten_sql.Spool's folder; None: back with the results)."""
    _STATE.update(inbox=inbox, ctx=ctx, seen=seen, run_id=run_id, spool=spool)


def _init_from_file(path: str) -> None:
    """_init_pickled with the state read from a file (a worker's first call: it starts with skip_pandas_probe).

    A spawned worker is sent its process object through a pipe the parent writes in full before going on, and
    that pipe's read end stays open in the parent: a worker killed while starting would leave the parent
    blocked on a write of the state (20 MB nationally) for ever. Only the file's name goes through the pipe.
    """
    skip_pandas_probe()
    try:
        with open(path, "rb") as f:
            state = f.read()
    except FileNotFoundError:  # a worker that starts only after the results are in: it will get no task
        return
    _init_pickled(state)


def _init_pickled(state: bytes) -> None:
    """_init in a worker, from arguments pickled once for all workers (the registry alone is ~20 MB)."""
    _STATE.update(pickle.loads(state))
    if isinstance(_STATE["ctx"], ContextRecipe):
        try:
            _STATE["ctx"] = _STATE["ctx"].make()
        except Exception as exc:  # raised from check_chunk: a pool whose initializer fails respawns forever
            _STATE["ctx"] = exc
    _quiet_collector()


QUIET_THRESHOLD = (50_000, 50, 100)  # a full collection only ~250 million allocations apart: in practice never


def _quiet_collector() -> None:
    """A checking worker's collector, once its registry and reference are loaded."""
    gc.freeze()  # they never die: keep them out of every collection
    gc.set_threshold(*QUIET_THRESHOLD)  # documents are acyclic; frequent young collections only cost time


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Within it, the collector's thresholds of a checking worker (`_quiet_collector`): no full collection walks again
    and again what the process holds for as long as the block. Afterwards they are as they were (a process that runs the
    ETL more than once, such as the tests', gets its collector back; a block within another gives back the outer's)."""
    threshold = gc.get_threshold()
    gc.set_threshold(*QUIET_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def check_chunk(items: list[InboxFile | BatchPart]) -> tuple[list[Outcome], dict[str, pa.Table]]:
    """Check documents in order; accepted documents come back flattened, one Arrow table per warehouse table."""
    inbox, ctx, seen, run_id = _STATE["inbox"], _STATE["ctx"], _STATE["seen"], _STATE["run_id"]
    if isinstance(ctx, Exception):
        raise ctx
    rows, out, here = Rows(), [], set()
    defer = _STATE.get("spool") is not None  # the spool's documents go through etl/rule_sql.py's query
    for f, source, raw, span in _documents(inbox, items):
        sha = hashlib.sha256(raw).hexdigest()
        if sha in seen or sha in here:
            out.append(Outcome(f, sha, source, span, known=True))
            continue
        here.add(sha)
        out.append(_outcome(Outcome(f, sha, source, span), raw, ctx, run_id, rows, defer))
    return out, Tables(_spooled(rows.tables(), _STATE.get("spool")))


def _outcome(o: Outcome, raw: bytes, ctx: validate.Context, run_id: str, rows: Rows, defer: bool) -> Outcome:
    """Check one document (validate.check's `defer`) into `o`; an accepted one's rows go to `rows`."""
    checked = validate.check(raw, ctx, source=o.source, sha=o.sha, defer=defer)
    head = checked.doc or checked.hint or {}
    o.head = {k: _fits(k, head.get(k)) for k in HEAD_KEYS}
    o.codes = sorted({p.code for p in checked.findings.items})
    if checked.quarantined:
        o.problems, o.raw = [p.as_dict() for p in checked.findings.hard], raw
        return o
    o.accepted, o.pending, doc = True, checked.pending, checked.doc
    o.head.update(approved_at=_utc(doc.get("approved_at")), submitted_at=_utc(doc.get("submitted_at")))
    # The figures' hash is made from the spool (etl/run.py _settle, flatten_sql.figures_sql): a draft's or returned
    # form's too, read as a finished document, so that a status event of a revision is told from a conflict.
    as_finished = None
    if doc["status"] not in d.FINISHED_STATUSES and (as_finished := validate.as_finished(doc)) is None:
        o.head["figures"] = figures_sha(doc)  # figures no finished document has: never equal to a spool hash
    rows.add(doc, version_id=o.sha[:32], source_file=o.source, run_id=run_id,
             excluded=ctx.registry.excluded_sources(doc["account_id"], ctx.config),
             warnings=checked.findings.soft, text=checked.text, as_finished=as_finished)  # fmt: skip
    return o


def recheck(inbox: Path, o: Outcome, ctx: validate.Context, run_id: str) -> tuple[Outcome, dict[str, pa.Table]]:
    """A pending document etl/rule_sql.py's query named, checked again with every rule: its outcome, and its header
    rows (submissions, warnings) when it is still accepted."""
    try:
        raw = read_raw(inbox, o)
    except OSError:
        raw = None
    if raw is None or hashlib.sha256(raw).hexdigest() != o.sha:  # written over or moved since: what was checked is gone
        raise RuntimeError(
            f"{o.source} 在本次运行中被改写或移走，与校验时读到的内容不同：请等收件箱写完后重新运行（本次未提交任何内容）"
        )
    rows = Rows()
    again = _outcome(Outcome(o.file, o.sha, o.source, o.span), raw, ctx, run_id, rows, defer=False)
    tables = rows.tables()
    del tables["documents"]  # its line is in the spool already
    return again, tables


def _spooled(tables: dict[str, pa.Table], folder: Path | None) -> dict[str, pa.Table]:
    """The chunk's tables with its documents' JSON lines written to a file of `folder` (named in the `documents`
    table's metadata) instead of sent back through the pipe (~10 KB a document)."""
    documents = tables["documents"]
    if folder is None or documents.num_rows == 0:
        return tables
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".jsonl", delete=False) as f:  # a new name, whichever process
        longest = flatten.write_lines(documents.column("line"), f)
        path = Path(f.name)
    meta = {b"spool": str(path).encode(), b"longest": str(longest).encode()}
    return tables | {"documents": documents.drop_columns(["line"]).replace_schema_metadata(meta)}


class Tables(dict):
    """A chunk's tables (name → Arrow table), pickled as Arrow IPC streams on their way back from a worker.

    Pickling the tables themselves cost 16 µs a document in the worker and 10 µs in the main process
    (an object per column); one IPC stream per table, 6 and 3 µs.
    """

    def __reduce__(self) -> tuple:
        streams = {}
        for name, table in self.items():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            streams[name] = sink.getvalue()
        return _read_tables, (streams,)


def _read_tables(streams: dict[str, pa.Buffer]) -> Tables:
    """The tables of `Tables.__reduce__`."""
    return Tables({name: pa.ipc.open_stream(stream).read_all() for name, stream in streams.items()})


def figures_sha(doc: dict[str, Any]) -> str:
    """The hash of the figures of a draft or returned form that no finished document has (validate.as_finished):
    two such versions of one revision with the same figures are one submission at two status events. Left out: the
    status fields, the submission's id and empty optional values (a workbook leaves them out, JSON writes null)."""
    rest = {k: _filled(v) for k, v in doc.items() if v is not None and k not in flatten.NOT_FIGURES}
    return hashlib.sha256(orjson.dumps(rest, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:32]


def _filled(value: Any) -> Any:
    """A section, or a list of detail rows, without its None values: where a document's optional fields are.

    Only copied when it holds a None (`None in values()` runs in C): ~7 µs a document, not ~100 µs for a walk.
    """
    if type(value) is dict:
        return {k: v for k, v in value.items() if v is not None} if None in value.values() else value
    if type(value) is list and value and type(value[0]) is dict:
        return [_filled(row) for row in value]
    return value


def _utc(value: Any) -> str | None:
    """A timestamp as sortable UTC text (microseconds, as the warehouse's timestamp columns hold it)."""
    if not isinstance(value, dt.datetime):
        return None
    utc = value.astimezone(dt.UTC)
    if utc.year < 1000:  # strftime writes such a year without leading zeros
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # strftime's text, ~4× faster


def _fits(key: str, value: Any) -> Any:
    """A header value as the ledger can hold it: a year or revision beyond 32 bits (a quarantined document's) is None."""
    if key in ("survey_year", "revision") and isinstance(value, int) and not -(2**31) <= value < 2**31:
        return None
    return value


def _documents(inbox: Path, items: list[InboxFile | BatchPart]) -> Iterator[tuple[InboxFile, str, bytes, tuple | None]]:
    """(file, source, bytes, span) of every document: a whole file, or each non-blank line of a batch part."""
    folder = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY)  # single files are opened relative to it (_read_in)
    try:
        for item in items:
            if isinstance(item, InboxFile):
                yield item, item.rel, _read_in(folder, inbox, item.rel), None
                continue
            with open(inbox / item.file.rel, "rb") as f:
                f.seek(item.start)
                data = f.read(item.end - item.start)
            at = item.start
            for number, line in enumerate(data.split(b"\n")[: item.n_lines], start=item.first_line):
                span, at = (at, at + len(line)), at + len(line) + 1
                line = line.rstrip(b"\r")
                if line.strip():
                    yield item.file, f"{item.file.rel}#{number}", line, span
    finally:
        os.close(folder)


def _read_in(folder: int, inbox: Path, rel: str) -> bytes:
    """The bytes of file `rel` of the inbox, open as `folder`. A file is read this way at every single-file document:
    pathlib's `(inbox / rel).read_bytes()` took 13–18 µs of CPU a cached file, building path objects; this takes ~7.
    An error names the file by its full path, as one opening it by path would."""
    try:
        fd = os.open(rel, os.O_RDONLY, dir_fd=folder)
        try:
            parts = []
            while part := os.read(fd, READ_BYTES):
                parts.append(part)
            return b"".join(parts)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(inbox / rel)) from exc


def read_raw(inbox: Path, outcome: Outcome) -> bytes:
    """The bytes of the document an outcome is about (the line alone, for a batch)."""
    if outcome.span is None:
        return (inbox / outcome.file.rel).read_bytes()
    with open(inbox / outcome.file.rel, "rb") as f:
        f.seek(outcome.span[0])
        return f.read(outcome.span[1] - outcome.span[0]).rstrip(b"\r")


def _batch_parts(inbox: Path, f: InboxFile) -> Iterator[BatchPart]:
    """A batch file cut at line ends into parts of CHUNK lines.

    Each part's end is found by skipping CHUNK newlines with `bytes.find` (memchr, in C): the main process
    hands out a national load's 4 GB of batches while it writes what the workers send back. NumPy's
    `frombuffer(data) == "\\n"` made a byte of booleans per byte of the file first (2 s of the main process a year).
    """
    data = (inbox / f.rel).read_bytes()
    start, first, find = 0, 1, data.find
    while start < len(data):
        end, n = start, 0
        while n < CHUNK and end < len(data):
            at = find(b"\n", end)
            end = len(data) if at < 0 else at + 1  # a last line without a newline ends with the file
            n += 1
        yield BatchPart(f, start, end, first, n)
        start, first = end, first + n


def _tasks(inbox: Path, files: list[InboxFile]) -> Iterator[list[InboxFile | BatchPart]]:
    """Files and batch parts grouped into tasks of about CHUNK documents, in inbox order."""
    task: list[InboxFile | BatchPart] = []
    size = 0
    for f in files:
        for item in _batch_parts(inbox, f) if f.is_batch else (f,):
            task.append(item)
            size += item.n_lines if isinstance(item, BatchPart) else 1
            if size >= CHUNK:
                yield task
                task, size = [], 0
    if task:
        yield task


def workers_take_recipe(files: list[InboxFile], workers: int) -> bool:
    """Whether check_all would start workers that need nothing from the history: they can take a ContextRecipe
    and start before the caller has read the history."""
    return workers > 1 and PARALLEL_FROM <= sum(f.weight for f in files) < SEND_SEEN_FROM


def check_all(
    inbox: Path,
    files: list[InboxFile],
    ctx: validate.Context | ContextRecipe,
    seen: frozenset[str],
    run_id: str,
    workers: int,
    spool: Path | None = None,
) -> Iterator[tuple[list[Outcome], dict[str, pa.Table]]]:
    """Check every document, chunk by chunk, results in inbox order; `workers` > 1 uses that many processes.
    Accepted documents' JSON lines go to files in `spool` (None: in the `documents` table).

    Workers start when this is called, not when the results are first asked for: the caller can do other
    work meanwhile. Batch files are cut into parts as the workers ask for more.
    """
    chunks = _tasks(inbox, files)
    n_docs = sum(f.weight for f in files)
    if workers <= 1 or n_docs < PARALLEL_FROM:
        return _in_process(chunks, inbox, ctx.make() if isinstance(ctx, ContextRecipe) else ctx, seen, run_id, spool)
    if n_docs < SEND_SEEN_FROM:
        # The caller checks every hash against what is loaded anyway; handing a million hashes to each worker
        # costs more (~1.2 s) than checking again the few known documents a small batch may hold.
        seen = frozenset()
    state = {"inbox": inbox, "ctx": ctx, "seen": seen, "run_id": run_id, "spool": spool}
    state = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)

    return _Pool(state, chunks, inbox, workers).results()


def _in_process(
    chunks: Iterator[list[InboxFile | BatchPart]], *state: Any
) -> Iterator[tuple[list[Outcome], dict[str, pa.Table]]]:
    with quiet_collector():
        _init(*state)
        yield from map(check_chunk, chunks)


STATE_PREFIX = "istc-etl-"  # + the run's pid: the workers' state file in the temporary folder


def _release(live: list[concurrent.futures.ProcessPoolExecutor], state_file: str) -> None:
    """Stop a run's checking workers and remove their state file."""
    for pool in live:
        pool.shutdown(wait=False, cancel_futures=True)
    Path(state_file).unlink(missing_ok=True)


def _sweep_orphaned_state() -> None:
    """Remove the state files of runs killed on the spot (SIGKILL, the OOM killer): nothing else would."""
    for path in Path(tempfile.gettempdir()).glob(f"{STATE_PREFIX}*-*.pickle"):
        pid = path.name.removeprefix(STATE_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):  # another user's file
                path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class _Pool:
    """Worker processes checking chunks, `in_flight` at a time, results in order; a worker that dies is noticed.

    A dead worker (killed by the OOM killer, or crashed in a library) breaks the pool: every chunk still in
    flight is then checked again, one at a time in a worker of their own, halved while it kills that worker, and a document
    that kills it alone is quarantined (E_WORKER). multiprocessing.Pool, used before, waited for ever for the
    lost result. Workers start in the constructor: the caller can do other work meanwhile.
    """

    def __init__(self, state: bytes, chunks: Iterator[list[InboxFile | BatchPart]], inbox: Path, workers: int) -> None:
        _sweep_orphaned_state()
        fd, self.state_file = tempfile.mkstemp(prefix=f"{STATE_PREFIX}{os.getpid()}-", suffix=".pickle")  # 0600
        with open(fd, "wb") as f:
            f.write(state)
        self.chunks, self.inbox, self.workers = chunks, inbox, workers
        self.in_flight = max(AHEAD * workers, IN_FLIGHT_DOCS // CHUNK)
        self.window: collections.deque = collections.deque()  # (items, future) in inbox order
        self.deaths = 0
        self.live: list[concurrent.futures.ProcessPoolExecutor] = []  # the current pool (replaced after a death)
        # A run that fails before it reads the results (the history unreadable, Ctrl-C) never starts results():
        # the workers and the state file then go with this object, or at exit.
        self.release = weakref.finalize(self, _release, self.live, self.state_file)
        self.pool = self._new_pool(workers)
        self._fill()

    @property
    def pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return self.live[0]

    @pool.setter
    def pool(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        self.live[:] = [pool]

    def _new_pool(self, n: int) -> concurrent.futures.ProcessPoolExecutor:
        # spawn, not fork: the parent has Arrow thread pools running, which a forked child would inherit half-locked.
        return concurrent.futures.ProcessPoolExecutor(
            n, mp_context=multiprocessing.get_context("spawn"), initializer=_init_from_file, initargs=(self.state_file,)
        )

    def _fill(self) -> None:
        """Submit chunks until `in_flight` are (the first `workers` submissions start the workers)."""
        with _nothing_to_import_as_main():
            while len(self.window) < self.in_flight and (items := next(self.chunks, None)) is not None:
                try:
                    future = self.pool.submit(check_chunk, items)
                except concurrent.futures.process.BrokenProcessPool as exc:  # a worker died since the last result:
                    future = concurrent.futures.Future()  # the chunk waits in order, for results() to check again
                    future.set_exception(exc)
                self.window.append((items, future))

    def results(self) -> Iterator[tuple[list[Outcome], dict[str, pa.Table]]]:
        """(outcomes, tables) of every chunk, in inbox order."""
        try:
            while self.window:
                items, future = self.window.popleft()
                try:
                    result = future.result()
                except concurrent.futures.process.BrokenProcessPool:
                    self.pool.shutdown(wait=True, cancel_futures=True)
                    suspects = [(items, future), *self.window]
                    self.window.clear()
                    yield from self._isolated(suspects)
                    self.pool = self._new_pool(self.workers)
                else:
                    yield result
                self._fill()
        finally:
            self.release()  # workers read the state file when they start: all have

    def _isolated(self, suspects: list[tuple[list[InboxFile | BatchPart], concurrent.futures.Future]]
                  ) -> Iterator[tuple[list[Outcome], dict[str, pa.Table]]]:  # fmt: skip
        """The results of the tasks in flight when a worker died, in order: those finished before the break are kept,
        the others checked again one at a time in a worker of their own, started again only when one kills it. A task
        that kills it is halved while it does, and the document that kills it alone is quarantined. Each document is
        checked once in all.

        More than MAX_WORKER_DEATHS such documents in one run mean something other than the documents is wrong
        (a memory limit too small for any): the run stops with a clear message instead of quarantining everything.
        """
        todo = collections.deque(suspects)
        pool = None
        try:
            while todo:
                items, done = todo.popleft()
                if done is not None and done.done() and not done.cancelled() and done.exception() is None:
                    yield done.result()
                    continue
                pool = pool or self._started_alone()
                try:
                    result = pool.submit(check_chunk, items).result()
                except concurrent.futures.process.BrokenProcessPool:
                    pool.shutdown(wait=True)
                    pool = None
                else:
                    yield result
                    continue
                if len(items) == 1 and (isinstance(items[0], InboxFile) or items[0].n_lines == 1):
                    self.deaths += 1
                    if self.deaths > MAX_WORKER_DEATHS:
                        raise RuntimeError(
                            f"校验进程异常退出（可能内存不足）已超过 {MAX_WORKER_DEATHS} 次，本次运行中止，未载入任何记录；"
                            "请检查服务器内存或调低并行进程数（--workers）后重新运行"
                        )
                    yield [_killed_worker(self.inbox, items[0])], {}
                else:
                    todo.extendleft((half, None) for half in reversed(_halves(self.inbox, items)))
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def _started_alone(self) -> concurrent.futures.ProcessPoolExecutor:
        """A pool of one worker, started; a worker that cannot even start stops the run (no document is to blame)."""
        pool = self._new_pool(1)
        try:
            with _nothing_to_import_as_main():
                error = pool.submit(int).exception()
        except BaseException:
            pool.shutdown(wait=True)
            raise
        if error is not None:
            pool.shutdown(wait=True)
            raise RuntimeError(f"校验进程无法启动，本次运行中止，未载入任何记录：{error}")
        return pool


def _halves(inbox: Path, items: list[InboxFile | BatchPart]) -> list[list[InboxFile | BatchPart]]:
    """Two consecutive halves of a task; a lone batch part is cut between its lines."""
    if len(items) > 1:
        return [items[: len(items) // 2], items[len(items) // 2 :]]
    part = items[0]
    with open(inbox / part.file.rel, "rb") as f:
        f.seek(part.start)
        data = f.read(part.end - part.start)
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n")) + 1 + part.start
    if len(ends) < part.n_lines:  # the file's last line, without a newline
        ends = np.append(ends, part.end)
    cut = part.n_lines // 2
    return [[BatchPart(part.file, part.start, int(ends[cut - 1]), part.first_line, cut)],
            [BatchPart(part.file, int(ends[cut - 1]), part.end, part.first_line + cut, part.n_lines - cut)]]  # fmt: skip


def _killed_worker(inbox: Path, item: InboxFile | BatchPart) -> Outcome:
    """The quarantine outcome of a document whose checking killed the worker process by itself."""
    if isinstance(item, InboxFile):
        f, source, span, raw = item, item.rel, None, (inbox / item.rel).read_bytes()
    else:
        f, source, raw, span = next(iter(_documents(inbox, [item])), (item.file, f"{item.file.rel}#{item.first_line}",
                                                                     b"", (item.start, item.start)))  # fmt: skip
    findings = Findings()
    findings.add("E_WORKER", "", source, f"校验“{source}”时校验进程异常退出（可能内存不足或文件异常），该记录未载入",
                 f"the checking process died while checking {source}", severity="H")  # fmt: skip
    return Outcome(f, hashlib.sha256(raw).hexdigest(), source, span, head=dict.fromkeys(HEAD_KEYS),
                   codes=["E_WORKER"], problems=[p.as_dict() for p in findings.items], raw=raw)  # fmt: skip


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
