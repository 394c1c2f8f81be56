"""`python -m etl run`: validate new documents, append them to the history, rebuild and publish.

A run goes through four phases, each returning what the next needs and nothing more:
intake (which inbox files are new), check (judge their documents, write their rows), commit (settle
the versions, write the ledger: from here the documents count) and publish (patch or build the
database, point CURRENT at it). What judged the documents is dropped after the commit, before the
database is built with up to BUILD_MEMORY of its own.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from . import config, flatten_sql, hierarchy, intake, marts, reference, rule_sql, validate
from .lock import run_lock
from .problems import Findings
from .store import LEDGER_SCHEMA, RunWriter, Warehouse, copy_flushed, discard_db, new_run_id
from .timing import Stopwatch
from .versions import build_version, etl_version, frozen

# What ranks a version among its account × year's (marts.version_ranking), as the ledger holds it.
VERSION_COLUMNS = ["account_id", "survey_year", "version_id", "revision", "status", "approved_at"]
KEY_SEP = "\x1f"  # between account, year and revision in a version key: no account id holds it
SUMMARY_KEYS = ("documents_in", "loaded", "superseded", "quarantined", "unchanged")


def _fingerprint(*parts: str) -> str:
    """The context a document is judged in: the code (etl_version, derived: a change re-validates every document),
    DuckDB's version (its hash is the figures', flatten_sql.figures_sql) and the given parts (reference, registry,
    survey settings)."""
    return hashlib.sha256("|".join((etl_version(), duckdb.__version__, *parts)).encode()).hexdigest()[:16]


def _generation(wh: Warehouse, fingerprint: str) -> list[str]:
    """The trailing committed runs made under the same context (registry, reference, config, code)."""
    keep: list[str] = []
    for run_id in reversed(wh.committed_runs()):
        made_under = wh.run_fingerprint(run_id)
        if made_under is not None and made_under != fingerprint:
            break
        keep.insert(0, run_id)
    return keep


def run(inbox: Path, warehouse: Path, *, config_path: Path | None = None, today: dt.date | None = None,
        progress: bool = True, workers: int | None = None, rehash: bool = False, wait: bool = True) -> dict[str, Any]:  # fmt: skip
    """Load every new document of `inbox` into `warehouse`; returns the reconciled summary.

    Files whose path, size and modification time match the last run are not read again (`rehash`
    reads everything); `workers` processes check new files (default: one per core). The run holds the
    warehouse's lock throughout: another run on it waits for it (`wait`) or raises lock.WarehouseBusy.
    """
    # Full collections as rare as in the checking workers (intake.quiet_collector): this process holds millions of
    # objects for the whole run (the registry, the history, the ledger's columns), every full collection walked them all
    # again (22 times in a national load), and the checking waits for this process.
    with run_lock(warehouse, wait=wait), frozen(), intake.quiet_collector():  # a wait for another run is not this run's
        started = time.perf_counter()
        job = _start(inbox, warehouse, config_path, today, progress, workers)
        found = _intake(job, rehash)
        checked = _check(job, found)
        committed = _commit(job, checked)
        # What judged this run's documents (nationally ~1 GB of Python strings) goes before the database is built
        # with up to BUILD_MEMORY of its own: the ETL's peak memory is the two together.
        del checked
        published = _publish(job, found, committed)
        summary = _summary(job, found, committed, published, time.perf_counter() - started)
        job.wh.write_summary(job.run_id, summary)
    return summary


def _summary(job: _Run, found: _Intake, committed: _Committed, published: _Published, seconds: float) -> dict:
    """The run's summary: every document in is counted once among the outcomes (asserted)."""
    summary = {
        "run_id": job.run_id,
        "documents_in": found.compared.unchanged + committed.n_docs,
        **{k: committed.counts[k] for k in SUMMARY_KEYS[1:]},
        "quarantine_codes": dict(committed.codes.most_common()),
        "registry_problems": published.registry_problems,
        "ignored_files": found.ignored,
        "duplicates": [{k: dup[k] for k in ("source_file", "same_as")} for dup in committed.duplicates],
        "warehouse_rebuilt": published.rebuilt,
        "warehouse_patched": published.patched,
        "database": str(published.db_file.relative_to(job.wh.root)) if published.db_file else None,
        "seconds": round(seconds, 2),
        "steps_s": job.watch.rounded(),
        "steps_cpu_s": job.watch.rounded_cpu(),  # with `steps_s`: a step that computed, or one that waited
    }
    assert summary["documents_in"] == sum(summary[k] for k in SUMMARY_KEYS[1:]), summary
    return summary


@dataclass
class _Run:
    """What every phase of one run reads: the warehouse, the run's id, and the context its documents are judged in."""

    wh: Warehouse
    inbox: Path
    run_id: str
    fingerprint: str
    gen_runs: list[str]  # the committed runs of this generation, oldest first; the commit appends this run
    cfg: config.SurveyConfig
    ref: reference.Reference
    registry_file: Path
    registry: Callable[[], hierarchy.Registry]  # parsed on the first call only
    today: dt.date
    n_workers: int
    progress: bool
    watch: Stopwatch = field(default_factory=Stopwatch)


def _start(inbox: Path, warehouse: Path, config_path: Path | None, today: dt.date | None, progress: bool,
           workers: int | None) -> _Run:  # fmt: skip
    """The run's context, and a warehouse rid of what runs of another generation or killed runs left."""
    cfg = config.load(config_path)
    registry_file = inbox / intake.REGISTRY_FILE
    # Parsing and resolving 100,000 accounts takes 1.5 s: a run parses the registry only when it has files to
    # check or a database to build; recognising a changed registry needs only its hash.
    wh = Warehouse(warehouse)
    registry = functools.cache(functools.partial(hierarchy.load, registry_file, wh.registry_cache))
    ref = reference.load()
    fingerprint = _fingerprint(ref.fingerprint, hierarchy.fingerprint(registry_file), cfg.fingerprint)
    gen_runs = _generation(wh, fingerprint)
    wh.drop_uncommitted(keep=gen_runs)
    wh.drop_unpublished()  # a killed run's temporary databases and WALs: never reused, never replayed
    return _Run(wh, inbox, new_run_id(), fingerprint, gen_runs, cfg, ref, registry_file, registry,
                today or dt.date.today(), workers or os.cpu_count() or 1, progress)  # fmt: skip


@dataclass
class _Intake:
    """The inbox listed and compared with the intake cache: which files this run reads."""

    listing: pa.Table
    ignored: list[str]
    compared: intake.Unseen
    old_cache: pa.Table | None  # the last run's intake cache (None: none of this generation, or `rehash`)
    cached_problems: bytes | None  # the registry's problem count, kept with the cache (None: parse to know)
    # What this run read, filled in by the check: path → [sha (of a single-document file), documents in it]; size
    # and mtime are the listing's
    fresh: dict[str, list]

    @property
    def todo(self) -> list[intake.InboxFile]:
        """New or changed files, in path order."""
        return self.compared.todo


def _intake(job: _Run, rehash: bool) -> _Intake:
    """List the inbox and tell new or changed files from those the last run saw (by stat alone)."""
    with job.watch.step("scan"):
        listing, ignored = intake.scan(job.inbox, job.n_workers)
    with job.watch.step("compare"):
        old_cache = None if rehash else job.wh.intake_cache(job.fingerprint, job.gen_runs)
        compared = intake.unseen(listing, old_cache)  # unchanged files are recognised by stat alone
    cached_problems = (old_cache.schema.metadata or {}).get(b"registry_problems") if old_cache is not None else None
    fresh: dict[str, list] = {f.rel: [None, 0] for f in compared.todo}
    return _Intake(listing, ignored, compared, old_cache, cached_problems, fresh)


@dataclass
class _Checked:
    """This run's documents judged, their rows written (not yet counting: the ledger is not committed)."""

    new: LedgerRows
    history: pa.Table | None  # the accepted versions before this run (None: nothing new to judge)
    copies: list[tuple[str, str]]  # (source, sha) of documents whose content was met before
    counts: Counter[str]  # unchanged and quarantined so far; loaded and superseded are settled at the commit
    codes: Counter[str]  # quarantine codes
    n_docs: int  # documents read from new or changed files
    copied: concurrent.futures.Future | None  # the published database being copied for a patch


def _check(job: _Run, found: _Intake) -> _Checked:
    """Check the documents of new or changed files against the history and write the accepted ones' rows."""
    with flatten_sql.Spool(under=job.wh.root) as spool:
        return _check_into(job, found, spool)


def _check_into(job: _Run, found: _Intake, spool: flatten_sql.Spool) -> _Checked:
    """_check, the accepted documents' JSON going through `spool` to their detail tables."""
    todo, watch = found.todo, job.watch
    judge = _Judge(job, found.fresh, Counter(unchanged=found.compared.unchanged))
    history = None  # the accepted versions before this run
    checked: Any = ()
    # A batch of fewer than SEND_SEEN_FROM documents is checked whole before it is judged, and only its own documents
    # are looked up in the history (_lookups): a million loaded hashes in Python would cost more than checking again the
    # few known documents it may hold. The history is read meanwhile. Workers that need nothing from the history start
    # at once and parse the registry themselves; only when the registry is known to parse (a run of this generation
    # cached its count).
    held_whole = sum(f.weight for f in todo) < intake.SEND_SEEN_FROM
    early = found.cached_problems is not None and intake.workers_take_recipe(todo, job.n_workers)
    if early:
        recipe = intake.ContextRecipe(job.registry_file, job.ref, job.cfg, job.today, job.wh.registry_cache)
        checked = intake.check_all(job.inbox, todo, recipe, frozenset(), job.run_id, job.n_workers, spool.folder)
    copied = _copy_for_patch(job.wh, job.gen_runs, job.run_id) if todo else None
    bar = tqdm(
        total=sum(f.weight for f in todo), desc="校验填报记录", unit="份", disable=not job.progress or None, leave=False
    )
    if todo and held_whole:
        ledger = _in_thread(_read_history, job.wh, job.gen_runs)
        if not early:
            checked = intake.check_all(job.inbox, todo, _context(job), frozenset(), job.run_id, job.n_workers,
                                       spool.folder)  # fmt: skip
        with watch.step("check"):
            checked = list(_counted(checked, bar))
        with watch.step("history"):
            judge.seen, judge.versions, history = _lookups(ledger.result(), [o for out, _ in checked for o in out])
    elif todo:  # the history is needed only to judge new content
        with watch.step("history"):
            judge.seen, judge.versions, history = _lookups(_read_history(job.wh, job.gen_runs))
        checked = intake.check_all(job.inbox, todo, _context(job), frozenset(judge.seen), job.run_id, job.n_workers,
                                   spool.folder)  # fmt: skip
        checked = _counted(checked, bar)
    n_docs = 0
    held: list[_Held] = []  # the chunks whose documents wait in the spool
    n_held = raw_held = 0  # ... and their documents, and the bytes of those quarantined (kept to be archived)
    with watch.step("check"), job.wh.parquet_writer(job.run_id) as parquet:
        for outcomes, tables in checked:
            held.append((outcomes, tables, spool.take(tables.pop("documents", None))))
            n_docs += len(outcomes)
            n_held += len(outcomes)
            raw_held += sum(len(o.raw) for o in outcomes if o.raw is not None)
            if spool.full or n_held >= spool.FLUSH_DOCS or raw_held >= spool.FLUSH_BYTES:
                _settle(job, judge, spool, held, parquet)
                held, n_held, raw_held = [], 0, 0
        _settle(job, judge, spool, held, parquet)
    bar.total = bar.n  # batches were counted by their size until read
    bar.close()
    return _Checked(judge.new, history, judge.copies, judge.counts, judge.codes, n_docs, copied)


def _counted(chunks: Any, bar: tqdm) -> Iterator[tuple[list[intake.Outcome], dict[str, pa.Table]]]:
    """The checked chunks, counted on the progress bar as they come."""
    for chunk in chunks:
        bar.update(len(chunk[0]))
        yield chunk


def _context(job: _Run) -> validate.Context:
    """What this process checks documents against (the registry parsed here)."""
    with job.watch.step("registry"):
        return validate.Context(job.registry(), job.ref, job.cfg, job.today)


# A checked chunk waiting to be judged: its outcomes, its header rows and the spool file of its documents' lines.
_Held = tuple[list[intake.Outcome], dict[str, pa.Table], Path | None]


def _settle(job: _Run, judge: _Judge, spool: flatten_sql.Spool, held: list[_Held], parquet: RunWriter) -> None:
    """Judge the held chunks' documents in order and write their rows: first etl/rule_sql.py's query names the
    pending documents of the spool that may break one of its rules, and those are checked again with every rule;
    the accepted ones' figures are hashed from the spool (flatten_sql.figures_sql)."""
    with spool.batch() as docs:
        # Every spooled document's figures, drafts' and returned forms' too; then only finished documents stay.
        figures = flatten_sql.figures(docs) if docs is not None else {}
        pending = any(o.pending for outcomes, _, _ in held for o in outcomes)
        named = rule_sql.suspects(docs, job.ref) if pending else set()
        ctx = None
        dropped: set[tuple[int, int, str]] = set()  # the lines to leave out of the detail tables (detail_tables)
        for outcomes, tables, path in held:
            again = [i for i, o in enumerate(outcomes) if o.pending and o.sha[:32] in named]
            if again:
                ctx = ctx or validate.Context(job.registry(), job.ref, job.cfg, job.today)
                outcomes, tables = _rechecked(job, ctx, outcomes, tables, again)
            for o in outcomes:  # an accepted document's line is in the spool, unless the worker hashed its figures;
                if o.accepted and "figures" not in o.head:  # submitted_at as checked (UTC), not as the line writes it
                    o.head["figures"] = f"{figures[o.sha[:32]]} {o.head['submitted_at'] or ''}"
            drop = [vid for o in outcomes if (vid := judge.judge(o, parquet)) is not None]
            drop += [outcomes[i].sha[:32] for i in again if not outcomes[i].accepted]
            if drop:
                tables = {name: t.filter(pc.invert(pc.is_in(t.column("version_id"), pa.array(drop))))
                          for name, t in tables.items()}  # fmt: skip
                if path is not None:  # the chunk has lines in the spool
                    first, last = spool.spans[path]
                    dropped.update((first, last, vid) for vid in drop)
            parquet.write(tables)
        if docs is not None:
            parquet.write(flatten_sql.detail_tables(docs, dropped))


def _rechecked(job: _Run, ctx: validate.Context, outcomes: list[intake.Outcome], tables: dict[str, pa.Table],
               again: list[int]) -> tuple[list[intake.Outcome], dict[str, pa.Table]]:  # fmt: skip
    """A chunk's outcomes and header rows with those at `again` checked again with every rule (intake.recheck)."""
    outcomes, vids, rows = list(outcomes), [], []
    for i in again:  # each file on its own: two files may hold the same bytes
        outcomes[i], mine = intake.recheck(job.inbox, outcomes[i], ctx, job.run_id)
        vids.append(outcomes[i].sha[:32])
        rows.append(mine)
    keep = {name: t.filter(pc.invert(pc.is_in(t.column("version_id"), pa.array(vids)))) for name, t in tables.items()}
    return outcomes, {name: pa.concat_tables([t, *(r[name] for r in rows)]) for name, t in keep.items()}


class _Judge:
    """Decides each checked document's outcome against the history and the run's earlier documents."""

    def __init__(self, job: _Run, fresh: dict[str, list], counts: Counter[str]) -> None:
        self.job, self.fresh, self.counts = job, fresh, counts
        self.new = LedgerRows(job.run_id, job.fingerprint)
        self.codes: Counter[str] = Counter()
        self.seen: set[str] = set()
        self.versions: dict[str, str] = {}  # _key(account, year, revision) → figures (flatten_sql.figures_sql) accepted
        self.copies: list[tuple[str, str]] = []  # (source, sha) of documents whose content was met before
        self.rivals: dict[str, tuple] = {}  # key first accepted in this run → (ledger row, file, span, submitted_at)

    def judge(self, o: intake.Outcome, parquet: RunWriter) -> str | None:
        """Record one document's outcome; returns its version_id when its rows must not be written."""
        new, versions, counts = self.new, self.versions, self.counts
        drop = None
        read = self.fresh[o.file.rel]
        read[1] += 1
        if o.span is None:
            read[0] = o.sha
        if o.known or o.sha in self.seen:  # loaded before, or met earlier in this run
            counts["unchanged"] += 1
            self.copies.append((o.source, o.sha))
            return o.sha[:32] if o.accepted else None
        self.seen.add(o.sha)
        key = _key(o.head["account_id"], o.head["survey_year"], o.head["revision"])
        # The same revision again with other figures is a conflict; with the same figures (a parent's
        # approval re-exported) it is a status event of that revision, loaded as a version of its own.
        if o.accepted and key in versions and versions[key] != o.head["figures"]:
            # Against a version loaded before, the new one loses. Between two of this run, the later
            # submitted_at wins and a tie loses both, each naming the other: never the files' order.
            rival = self.rivals.pop(key, None)
            mine = o.head["submitted_at"] or ""
            theirs = rival[3] if rival else mine
            if rival is not None and mine >= theirs:
                at, rival_file, rival_span, _ = rival
                loser = intake.Outcome(rival_file, new.cols["sha"][at], new.cols["source_file"][at], rival_span)
                loser.raw = intake.read_raw(self.job.inbox, loser)
                _conflict(loser, o.source, later=mine > theirs)
                new.quarantine_row(at, loser, self._quarantine(loser))
                parquet.retract(loser.sha[:32])
                counts["quarantined"] += 1
                del versions[key]  # o is the key's first version now, or (a tie) neither counts
            if rival is None or mine <= theirs:
                o.raw = intake.read_raw(self.job.inbox, o)
                _conflict(o, rival and new.cols["source_file"][rival[0]], later=mine < theirs)
                drop = o.sha[:32]
        if not o.accepted:
            new.add(o, "quarantined", self._quarantine(o))
            counts["quarantined"] += 1
            return drop
        if key not in versions:  # the first version of the key: one with other figures may still come
            self.rivals[key] = (len(new), o.file, o.span, o.head["submitted_at"] or "")
        versions[key] = o.head["figures"]
        new.add(o, "accepted", None)
        return drop

    def _quarantine(self, o: intake.Outcome) -> str:
        """Archive a rejected document with its report; returns the report's path."""
        report = {"source_file": o.source, "sha256": o.sha, "run_id": self.job.run_id, "problems": o.problems}
        self.codes.update(p["code"] for p in o.problems)
        return self.job.wh.quarantine(o.raw, o.source, o.sha, report)


@dataclass
class _Committed:
    """What the run counts once its ledger is written: the only part of the check the publish phase needs."""

    n_new: int  # ledger rows this run wrote
    n_docs: int
    counts: Counter[str]  # every outcome, settled
    codes: Counter[str]
    duplicates: list[dict]
    copied: concurrent.futures.Future | None


def _commit(job: _Run, checked: _Checked) -> _Committed:
    """Settle accepted documents into loaded or superseded, and write the ledger: from here they count."""
    new, counts = checked.new, checked.counts
    with job.watch.step("commit"):
        accepted = new.accepted()
        counts.update(new.settle(accepted, _current_versions(accepted, checked.history)))
        duplicates = _duplicates(checked.copies, new, job.wh, job.gen_runs) if checked.copies else []
        for dup in duplicates:  # kept in the ledger, so 数据质量 names them too
            new.duplicate(dup["source_file"], dup["sha"])
        if len(new):
            job.wh.commit(job.run_id, new.table())
            job.gen_runs.append(job.run_id)
    return _Committed(len(new), checked.n_docs, counts, checked.codes, duplicates, checked.copied)


@dataclass
class _Published:
    """The database in force after the run."""

    db_file: Path | None
    rebuilt: bool
    patched: bool
    registry_problems: int


def _publish(job: _Run, found: _Intake, committed: _Committed) -> _Published:
    """Write the intake cache, and patch or build the database of the generation and point CURRENT at it."""
    wh, gen_runs, watch, old_cache, cached_problems = (
        job.wh,
        job.gen_runs,
        job.watch,
        found.old_cache,
        found.cached_problems,
    )
    copied = committed.copied
    # The same fingerprint means the same registry bytes, so its problem count can be kept with the cache.
    problems = (
        int(cached_problems)
        if cached_problems and not job.registry.cache_info().currsize
        else len(job.registry().problems)
    )
    moved = old_cache is not None and (
        found.compared.at is not None or (pc.sum(found.compared.same).as_py() or 0) < old_cache.num_rows
    )

    # The intake cache (1 s for a million files, mostly in Arrow and Parquet, which release the GIL) is written in a
    # thread while the database is patched or built; the run ends only once it is written.
    def write_intake_cache() -> None:
        with watch.step("intake_cache"):
            cache = intake.next_cache(found.listing, found.compared, wh.intake_rest, found.fresh)
            wh.write_intake_cache(cache, job.fingerprint, gen_runs[-1], problems)

    cache_written = None
    if gen_runs and (committed.n_new or found.fresh or moved or old_cache is None or cached_problems is None):
        cache_written = _in_thread(write_intake_cache)
    db_file = wh.current_db()
    expected = _db_name(gen_runs[-1]) if gen_runs else None
    rebuilt = patched = False
    if expected and (db_file is None or db_file.name != expected or not db_file.exists()):
        from .build import build  # DuckDB is loaded only when there is a database to build
        from .patch import patch

        made = None
        # The published database holds every run of this generation but the last (this one, or one killed
        # before it published), under this build version: that run is patched in.
        if db_file is not None and db_file.exists() and len(gen_runs) > 1 \
                and db_file.name == _db_name(gen_runs[-2]):  # fmt: skip
            with watch.step("patch"):
                made = patch(wh, db_file, gen_runs[-1], expected, watch, copied)
            patched, copied = made is not None, None
        if copied is not None:  # not patched: the copy goes before the build writes the same path
            discard_db(copied.result())
            copied = None
        if made is None:
            with watch.step("build"):
                made = build(wh, gen_runs, job.registry(), job.cfg, expected, job.progress)
        db_file = made
        wh.publish(db_file)
        rebuilt = True
    if copied is not None:  # nothing to patch after all
        discard_db(copied.result())
    if cache_written is not None:
        cache_written.result()  # raises what the writer raised
    return _Published(db_file, rebuilt, patched, problems)


def _conflict(o: intake.Outcome, other: str | None, *, later: bool) -> None:
    """Mark an accepted document as losing a revision conflict: against a version loaded before (`other` None), or
    against `other` of this run, submitted later (`later`) or at the same time."""
    found = Findings()
    if other is None:
        found.add("E_REVISION_CONFLICT", "revision", o.head.get("revision"),
                  "同一账号、同一年度已有该版次但内容不同；修改后请提高版次", severity="H")  # fmt: skip
    elif later:
        found.add("E_REVISION_CONFLICT", "submitted_at", other,
                  f"同一账号、同一年度、同一版次另有内容不同且提交时间更晚的文件“{other}”，以该文件为准；修改后请提高版次",
                  f"{other} holds the same revision with other figures and a later submitted_at: it was kept",
                  severity="H")  # fmt: skip
    else:
        found.add("E_REVISION_CONFLICT", "submitted_at", other,
                  f"同一账号、同一年度、同一版次另有内容不同且提交时间相同的文件“{other}”，无法判断以哪份为准，两份均未载入",
                  f"{other} holds the same revision with other figures and the same submitted_at: neither was loaded",
                  severity="H")  # fmt: skip
    o.accepted = False
    o.problems = [p.as_dict() for p in found.items]
    o.codes = sorted({*o.codes, "E_REVISION_CONFLICT"})


class LedgerRows:
    """This run's ledger, kept as columns (a national load has a million of them)."""

    COLUMNS = ("sha", "source_file", "outcome", "version_id", "account_id", "survey_year", "revision", "status",
               "codes", "report_file", "figures", "approved_at")  # fmt: skip

    def __init__(self, run_id: str, fingerprint: str) -> None:
        self.run_id, self.fingerprint = run_id, fingerprint
        self.cols: dict[str, list] = {c: [] for c in self.COLUMNS}

    def __len__(self) -> int:
        return len(self.cols["sha"])

    def add(self, o: intake.Outcome, outcome: str, report_file: str | None) -> None:
        """One document: accepted (settled later into loaded or superseded) or quarantined."""
        c, h = self.cols, o.head
        c["sha"].append(o.sha)
        c["source_file"].append(o.source)
        c["outcome"].append(outcome)
        c["version_id"].append(o.sha[:32] if outcome == "accepted" else None)
        for k in ("account_id", "survey_year", "revision", "status", "figures", "approved_at"):
            c[k].append(h.get(k) if outcome == "accepted" or k not in ("figures", "approved_at") else None)
        c["codes"].append(o.codes)
        c["report_file"].append(report_file)

    def duplicate(self, source: str, sha: str) -> None:
        """A document whose bytes were met before: named in the ledger, loaded nowhere (its original is)."""
        c = self.cols
        for k in self.COLUMNS:
            c[k].append({"sha": sha, "source_file": source, "outcome": "duplicate", "codes": []}.get(k))

    def quarantine_row(self, at: int, o: intake.Outcome, report_file: str) -> None:
        """An accepted document of this run quarantined after all (it lost a conflict to a later one)."""
        c = self.cols
        c["outcome"][at], c["report_file"][at], c["codes"][at] = "quarantined", report_file, o.codes
        c["version_id"][at] = c["figures"][at] = c["approved_at"][at] = None

    def accepted(self) -> pa.Table:
        """The accepted documents' versions (VERSION_COLUMNS), and their rows here (`at`)."""
        c = self.cols
        accepted = pc.equal(pa.array(c["outcome"], pa.string()), "accepted")
        columns = {k: pa.array(c[k], LEDGER_SCHEMA.field(k).type) for k in VERSION_COLUMNS}
        return pa.table(columns).filter(accepted).append_column("at", pc.indices_nonzero(accepted))

    def settle(self, accepted: pa.Table, current: pa.Array) -> Counter[str]:
        """The `accepted` documents (`accepted()`) become loaded (their version_id is in `current`) or superseded;
        returns the counts."""
        outcome, settled = self.cols["outcome"], Counter()
        is_current = pc.is_in(accepted.column("version_id"), value_set=current).to_pylist()
        for at, counts in zip(accepted.column("at").to_pylist(), is_current, strict=True):
            outcome[at] = "loaded" if counts else "superseded"
            settled[outcome[at]] += 1
        return settled

    def table(self) -> pa.Table:
        """The ledger rows in LEDGER_SCHEMA."""
        n = len(self)
        return pa.table({**self.cols, "run_id": [self.run_id] * n, "fingerprint": [self.fingerprint] * n},
                        schema=LEDGER_SCHEMA)  # fmt: skip


def _copy_for_patch(wh: Warehouse, gen_runs: list[str], run_id: str) -> concurrent.futures.Future | None:
    """Start copying the published database for this run's patch, in a thread, when it may be patched.

    Copying and flushing 2 GB took 0.6–5 s depending on the page cache; a thread does it while the documents
    are checked, and the patch waits for it. A run that ends up not patching deletes the copy.
    """
    db_file = wh.current_db()
    if not gen_runs or db_file is None or db_file.name != _db_name(gen_runs[-1]) or not db_file.exists():
        return None
    return _in_thread(copy_flushed, db_file, wh.unpublished(_db_name(run_id)))


def _db_name(run_id: str) -> str:
    """The database file that holds the generation up to `run_id`, as this code's build version makes it."""
    return f"warehouse-{run_id}-{build_version()}.duckdb"


def _in_thread(fn: Any, *args: Any) -> concurrent.futures.Future:
    """Run fn(*args) in a thread of its own; the future gives its result or raises its exception."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)


def _read_history(wh: Warehouse, gen_runs: list[str]) -> pa.Table:
    """Every document the generation's ledger holds: what tells it apart and orders it among the versions."""
    return wh.ledger(gen_runs, columns=["sha", "outcome", "version_id", "account_id", "survey_year", "revision",
                                        "status", "figures", "approved_at"])  # fmt: skip


def _lookups(
    ledger: pa.Table, outcomes: list[intake.Outcome] | None = None
) -> tuple[set[str], dict[str, str], pa.Table]:
    """The content hashes already loaded, the figures of each accepted revision by key, and the accepted versions.

    With `outcomes`, the hashes and keys are only those of these documents: a million Python strings
    (1 s nationally) are not built for a run that checked a few thousand. The ledger is first cut to the rows that
    may hold these documents' content (_of_accounts): hashing every 64-character hash and copying every accepted row
    took 0.4 s nationally for a 1 % re-run.
    """
    if outcomes is not None and (rows := _of_accounts(ledger.column("account_id"), outcomes)) is not None:
        ledger = ledger.filter(rows)
    shas = ledger.column("sha")
    history = ledger.filter(pc.is_in(ledger.column("outcome"), pa.array(["loaded", "superseded"])))
    # Keys joined in Arrow: a million (account, year, revision) tuples took 1.5 s to build.
    keys = pc.binary_join_element_wise(
        *(pc.cast(history.column(c), pa.string()) for c in ("account_id", "survey_year", "revision")), KEY_SEP
    )
    version_shas = history.column("figures")
    if outcomes is not None:
        shas = shas.filter(pc.is_in(shas, value_set=pa.array([o.sha for o in outcomes], pa.string())))
        wanted = [_key(o.head["account_id"], o.head["survey_year"], o.head["revision"]) for o in outcomes if o.accepted]
        hit = pc.is_in(keys, value_set=pa.array(wanted, pa.string()))
        keys, version_shas = keys.filter(hit), version_shas.filter(hit)
    versions = dict(zip(keys.to_pylist(), version_shas.to_pylist(), strict=True))
    return (
        set(shas.to_pylist()),
        versions,
        history.select(VERSION_COLUMNS),
    )


def _of_accounts(column: pa.ChunkedArray, outcomes: list[intake.Outcome]) -> pa.ChunkedArray | None:
    """Which ledger rows (by their `column` of account ids) may hold the outcomes' content; None: every row may.

    A document's bytes name its account, so the same bytes were ledgered under that account, or under none where
    they were judged without reading it (a workbook filed under another year, a checking process that died): the
    rows of the outcomes' accounts and those without one. A document read without its account may be a copy of
    content ledgered under any account: then every row is looked at.
    """
    accounts = {o.head.get("account_id") for o in outcomes if not o.known}  # a copy met in its chunk: as the first
    if not all(isinstance(a, str) for a in accounts):
        return None
    named = pc.fill_null(pc.is_in(column, value_set=pa.array(list(accounts), pa.string())), False)
    return pc.or_(named, pc.is_null(column))


def _duplicates(copies: list[tuple[str, str]], new: LedgerRows, wh: Warehouse, runs: list[str]) -> list[dict]:
    """Each new copy (a document whose bytes were met before) with the document it repeats (source_file, same_as,
    sha): the first of this run with that content, else the one the ledger holds from before (copies of quarantined
    documents included). A file read again under its own name (touched, --rehash, a batch with lines appended) is
    no copy of anything, and a copy named in an earlier run is not named again."""
    wanted = {sha for _, sha in copies}
    first: dict[str, str] = {}
    named: set[tuple[str, str]] = set()  # (source, sha) of copies an earlier run named
    if runs:
        before = wh.ledger(runs, columns=["sha", "source_file", "outcome"])
        before = before.filter(pc.is_in(before.column("sha"), value_set=pa.array(list(wanted), pa.string())))
        for sha, source, outcome in zip(*(before.column(k).to_pylist() for k in ("sha", "source_file", "outcome")),
                                        strict=True):  # fmt: skip
            if outcome == "duplicate":
                named.add((source, sha))
            else:
                first.setdefault(sha, source)
    for sha, source in zip(new.cols["sha"], new.cols["source_file"], strict=True):
        if sha in wanted:
            first.setdefault(sha, source)
    return [{"source_file": source, "same_as": first.get(sha), "sha": sha} for source, sha in copies
            if first.get(sha) != source and (source, sha) not in named]  # fmt: skip


def _key(*parts: object) -> str:
    return KEY_SEP.join(map(str, parts))


def _current_versions(accepted: pa.Table, history: pa.Table | None) -> pa.Array:
    """The version_ids that count for the account × years of this run's `accepted` documents (LedgerRows.accepted),
    the history's versions of those included: ranked by the build's own macro (marts.version_ranking)."""
    versions = accepted.select(VERSION_COLUMNS)
    if not versions.num_rows:  # a run with nothing new opens no database
        return pa.array([], pa.string())
    con = duckdb.connect(config=config.OFFLINE)
    try:
        for statement in marts.version_ranking():
            con.execute(statement)
        con.register("accepted", versions)
        con.register("history", versions.schema.empty_table() if history is None else history.select(VERSION_COLUMNS))
        current = con.sql(
            "with versions as (select * from accepted union all select * from history "
            "semi join accepted using (account_id, survey_year)) "
            "select version_id from version_ranks('versions') where rn = 1"
        ).to_arrow_table()
        return current.column("version_id").combine_chunks()
    finally:
        con.close()
