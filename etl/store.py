"""The warehouse folder: Parquet history, the run ledger, quarantine, and the CURRENT pointer.

Layout (everything under `<warehouse>/`)::

    CURRENT                                 name of the published DuckDB file (replaced atomically)
    db/warehouse-<run_id>-<build>.duckdb    one complete database per publishing run and build version
    parquet/<table>/survey_year=<Y>/<run_id>.parquet   every accepted version, append-only (with the rows of a
                                            version quarantined later in its run, which readers skip: skipped_versions)
    ledger/<run_id>.parquet                 what each committed run did with each document
    quarantine/<inbox path>__<sha>.json     the rejected document, byte for byte
    quarantine/<inbox path>__<sha>.report.json   one entry per problem (code, path, value, zh, en)
    runs/<run_id>.json                      the reconciled run summary
    intake.parquet                          path, size, mtime and sha of every inbox file last seen
    cache/registry-<sha>-<code>.marshal     the registry as parsed, for the next run with the same file (hierarchy.load)

A run commits by writing its ledger file last; Parquet files of a run without a ledger file
(a run killed half-way) are deleted by the next run before it starts.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

LEDGER_SCHEMA = pa.schema([
    ("sha", pa.string()), ("source_file", pa.string()), ("outcome", pa.string()), ("version_id", pa.string()),
    ("account_id", pa.string()), ("survey_year", pa.int32()), ("revision", pa.int32()), ("status", pa.string()),
    ("codes", pa.list_(pa.string())), ("report_file", pa.string()), ("run_id", pa.string()),
    ("fingerprint", pa.string()), ("figures", pa.string()), ("approved_at", pa.string()),
])  # fmt: skip
# figures: the hash of the document's figures (flatten_sql.figures_sql: without status fields and id) and its
# submission time as UTC text (etl/run.py _settle);
# approved_at: UTC text. Both only of accepted documents, to tell a status event of a revision from a conflict and
# to order its events. outcome: loaded | superseded | quarantined | duplicate (a copy of content met before: only
# sha and source_file, for 数据质量).


def _with_n_docs(f: pq.ParquetFile, columns: list[str]) -> pa.Table:
    """Columns of an intake cache plus n_docs (caches written before batch files held one document per file)."""
    if "n_docs" in f.schema_arrow.names:
        return f.read(columns=[*columns, "n_docs"])
    table = f.read(columns=columns)
    return table.append_column("n_docs", pa.array([1] * table.num_rows, pa.int64()))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A ledger file in `schema`: columns added since it was written are null."""
    for f in schema:
        if f.name not in table.column_names:
            table = table.append_column(f, pa.nulls(table.num_rows, f.type))
    return table.select(schema.names).cast(schema)


MAX_STEM_BYTES = (
    200  # 255 (the usual file-name limit) less the hash, ".report.json" and atomic_write's temporary suffix
)


def _shortened(stem: str) -> str:
    """A file name's stem cut to MAX_STEM_BYTES of UTF-8 (at a character boundary): the quarantine copy's name, which
    adds to it, must fit the file system; the report keeps the full name."""
    data = stem.encode("utf-8")
    return stem if len(data) <= MAX_STEM_BYTES else data[:MAX_STEM_BYTES].decode("utf-8", "ignore")


def parquet_select(skipped: pa.Table) -> str:
    """The SELECT that reads a table's Parquet files ($files) without the rows of `skipped` versions (registered as
    `_skipped` by the caller when there are any)."""
    read = "select * from read_parquet($files, hive_partitioning = true, union_by_name = true)"
    return f"{read} as p anti join _skipped as s on s.version_id = p.version_id" if skipped.num_rows else read


def discard_db(path: Path) -> None:
    """Delete a DuckDB file together with its WAL (a WAL left behind would be replayed into the next file of that name)."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def copy_flushed(src: Path, dst: Path) -> Path:
    """Copy a file and flush the copy to disk (so a later fsync of it, such as a checkpoint's, has little to write)."""
    shutil.copyfile(src, dst)
    fd = os.open(dst, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return dst


def new_run_id() -> str:
    """A sortable, unique id: UTC time plus a random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + secrets.token_hex(3)


def atomic_write(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Write a file so that readers see either the old or the new content, never half of it.

    `mode` (less the umask) is the file's from its creation: a secret is never readable by others, not even
    in its temporary copy.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for `path` across processes (flock on a hidden `.<name>.lock` beside it).

    Several dashboard processes behind nginx (deploy/) and `python -m accounts` share the user store and the sessions
    file; without it their read-modify-writes raced and the last writer dropped the others' changes (a new
    session or user lost). Closing the descriptor releases the lock, also when a process dies holding it.
    """
    lock = path.with_name(f".{path.name}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Warehouse:
    """Paths and state of one warehouse folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("db", "parquet", "ledger", "quarantine", "runs"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def registry_cache(self) -> Path:
        """Where the parsed registry is kept between runs (hierarchy.load)."""
        return self.root / "cache"

    # --- ledger ---------------------------------------------------------------------------
    def committed_runs(self) -> list[str]:
        """Run ids that committed, oldest first."""
        return sorted(p.stem for p in (self.root / "ledger").glob("*.parquet"))

    def ledger(self, runs: list[str], columns: list[str] | None = None) -> pa.Table:
        """The ledger rows of the given runs (optionally only some columns)."""
        schema = pa.schema([LEDGER_SCHEMA.field(c) for c in columns]) if columns else LEDGER_SCHEMA
        # File by file: a dataset over the files took twice as long (0.35 s for a national ledger) and imports more.
        files = [pq.ParquetFile(self.root / "ledger" / f"{r}.parquet") for r in runs]
        parts = [f.read(columns=[c for c in columns if c in f.schema_arrow.names] if columns else None) for f in files]
        return pa.concat_tables([_conform(t, schema) for t in parts]) if parts else schema.empty_table()

    def run_fingerprint(self, run_id: str) -> str | None:
        """The context fingerprint a committed run was made under (every row of its ledger has the same)."""
        f = pq.ParquetFile(self.root / "ledger" / f"{run_id}.parquet")
        if not f.metadata.num_rows:
            return None
        # From the column statistics when they are there: reading the column of a national run takes 0.2 s.
        at = f.schema_arrow.get_field_index("fingerprint")
        stats = f.metadata.row_group(0).column(at).statistics
        if stats is not None and stats.has_min_max and stats.min == stats.max:
            return stats.min.decode() if isinstance(stats.min, bytes) else stats.min
        return f.read_row_group(0, columns=["fingerprint"]).column(0)[0].as_py()

    def commit(self, run_id: str, ledger: pa.Table) -> None:
        """Make the run's Parquet files count: write its ledger file atomically."""
        sink = pa.BufferOutputStream()
        pq.write_table(ledger.cast(LEDGER_SCHEMA), sink)
        atomic_write(self.root / "ledger" / f"{run_id}.parquet", sink.getvalue().to_pybytes())

    # --- parquet --------------------------------------------------------------------------
    def parquet_writer(self, run_id: str) -> RunWriter:
        """A writer that appends this run's rows, one file per table and survey year (hive partitioning)."""
        return RunWriter(self.root / "parquet", run_id)

    def skipped_versions(self, runs: list[str]) -> pa.Table:
        """The version_ids whose rows the given runs' Parquet may hold but that do not count: versions a run accepted,
        wrote, and then quarantined (they lost a revision conflict to a later document of the same run)."""
        ledger = self.ledger(runs, columns=["sha", "outcome", "codes"])
        quarantined = ledger.filter(pc.equal(ledger.column("outcome"), "quarantined"))  # a few: listed in Python
        lost = [sha[:32] for sha, codes in zip(*(quarantined.column(c).to_pylist() for c in ("sha", "codes")), strict=True)
                if "E_REVISION_CONFLICT" in codes]  # fmt: skip
        return pa.table({"version_id": pa.array(lost, pa.string())})

    def parquet_files(self, table: str, runs: list[str]) -> list[str]:
        """The Parquet files of `table` written by the given runs."""
        wanted = set(runs)
        return sorted(
            str(p) for p in (self.root / "parquet" / table).glob("survey_year=*/*.parquet") if p.stem in wanted
        )

    def drop_uncommitted(self, keep: list[str]) -> int:
        """Delete Parquet files of runs that never committed or belong to an older generation."""
        wanted, dropped = set(keep), 0
        for p in (self.root / "parquet").glob("*/survey_year=*/*.parquet"):
            if p.stem not in wanted:
                p.unlink()
                dropped += 1
        return dropped

    # --- intake cache ---------------------------------------------------------------------
    def intake_cache(self, fingerprint: str, runs: list[str]) -> pa.Table | None:
        """source_file, size, mtime_ns and n_docs of the inbox files the last run of this generation saw, in listing order.

        None when the cache was written under another fingerprint or after a run that is no longer
        committed (every sha it names must be in the ledger of `runs`), or cannot be read. Their content
        hashes are read apart (`intake_rest`): they are most of the file and a re-run rarely needs them.
        """
        try:
            f = pq.ParquetFile(self.root / "intake.parquet")  # not read_table: that would import pyarrow.dataset
            meta = f.schema_arrow.metadata or {}
            if meta.get(b"fingerprint", b"").decode() != fingerprint or meta.get(b"last_run", b"").decode() not in runs:
                return None
            return _with_n_docs(f, ["source_file", "size", "mtime_ns"]).replace_schema_metadata(meta)
        except (OSError, pa.ArrowInvalid):  # missing or unreadable: it is only a shortcut, so read every file
            return None

    def intake_rest(self) -> pa.Table:
        """sha and n_docs of the intake cache, row for row."""
        return _with_n_docs(pq.ParquetFile(self.root / "intake.parquet"), ["sha"])

    def write_intake_cache(self, cache: pa.Table, fingerprint: str, last_run: str, registry_problems: int) -> None:
        """Replace the intake cache (after a commit: it only names content the ledger knows)."""
        meta = {"fingerprint": fingerprint, "last_run": last_run, "registry_problems": str(registry_problems)}
        table = cache.replace_schema_metadata(meta)  # in listing order: see intake.unseen
        sink = pa.BufferOutputStream()
        # Plain encoding: content hashes are unique and incompressible, so dictionaries and snappy only cost time
        # (a million files: written in 0.14 s instead of 0.6 s, hashes read in 0.1 s instead of 0.3 s; 115 MB, not 82).
        pq.write_table(table, sink, compression="none", use_dictionary=False)
        atomic_write(self.root / "intake.parquet", sink.getvalue().to_pybytes())

    # --- quarantine -----------------------------------------------------------------------
    def quarantine(self, raw: bytes, source_file: str, sha: str, report: dict) -> str:
        """Keep the rejected bytes and their report, mirroring the inbox path; returns the report's path."""
        rel = Path(source_file)
        folder = self.root / "quarantine" / rel.parent
        stem = f"{_shortened(rel.stem)}__{sha[:12]}"
        atomic_write(folder / f"{stem}.json", raw)
        atomic_write(folder / f"{stem}.report.json", orjson.dumps(report, option=orjson.OPT_INDENT_2))
        return str((folder / f"{stem}.report.json").relative_to(self.root))

    # --- publishing -----------------------------------------------------------------------
    def unpublished(self, db_name: str) -> Path:
        """A fresh path where the database db/<db_name> is built or patched before it is published.

        Fresh on every call: a run killed outright (SIGKILL, the OOM killer) leaves its temporary database and
        its WAL behind, and DuckDB would replay such a WAL against a new file of the same name — failing with
        "WAL does not match database file" for good, or, against an identical copy, applying the dead run's
        inserts twice.
        """
        return self.root / "db" / f"{db_name}.{secrets.token_hex(4)}.tmp"

    def drop_unpublished(self) -> None:
        """Delete what killed runs left in db/: temporary databases, their WALs, DuckDB's spill folder."""
        for tmp in (self.root / "db").glob("*.tmp*"):
            tmp.unlink(missing_ok=True)
        shutil.rmtree(self.root / "db" / "spill", ignore_errors=True)

    def current_db(self) -> Path | None:
        """The published database, as named by CURRENT (None before the first run)."""
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        return self.root / pointer.read_text(encoding="utf-8").strip()

    def publish(self, db_file: Path) -> None:
        """Point CURRENT at a finished database file, then remove older ones (keeping one back)."""
        atomic_write(self.root / "CURRENT", str(db_file.relative_to(self.root)).encode())
        for old in sorted((self.root / "db").glob("warehouse-*.duckdb"))[:-2]:
            if old != db_file:
                old.unlink(missing_ok=True)
        for tmp in (self.root / "db").glob("*.tmp*"):
            tmp.unlink(missing_ok=True)

    def write_summary(self, run_id: str, summary: dict) -> Path:
        """Write the run summary JSON."""
        path = self.root / "runs" / f"{run_id}.json"
        atomic_write(path, orjson.dumps(summary, option=orjson.OPT_INDENT_2))
        return path


class RunWriter:
    """Streams one run's rows to Parquet: buffers per table × year, writes big row groups, closes on exit.

    A year's last rows of a table (for `measures`, all of them: a year has fewer than ROW_GROUP units) wait
    in memory for more of the same year. Once BUFFER_BYTES are waiting, the years the latest rows are not of
    are written: a national load (years one after another) then holds about one year, not all ten
    (the ETL's peak memory was 3.8 GB at 100,000 units × 10 years, 1.7 GB of it such remainders).
    """

    ROW_GROUP = 200_000
    BUFFER_BYTES = 256 * 2**20

    def __init__(self, folder: Path, run_id: str) -> None:
        self.folder, self.run_id = folder, run_id
        self.buffers: dict[tuple[str, int], list[pa.Table]] = {}
        self.writers: dict[tuple[str, int], pq.ParquetWriter] = {}
        self.buffered = 0  # bytes in self.buffers
        self.retracted: set[str] = set()  # version_ids written and then quarantined (a conflict decided later)
        self._retracted = pa.array([], pa.string())  # the same, as the value set looked up in each table
        self.paths: dict[tuple[str, int], Path] = {}

    def write(self, tables: dict[str, pa.Table]) -> None:
        """Add rows (each table with a survey_year column); full buffers go to disk."""
        latest: set[int] = set()  # the years of these rows
        for name, table in tables.items():
            if table.num_rows == 0:
                continue
            years = table.column("survey_year")
            bounds = pc.min_max(years).as_py()
            # A chunk is nearly always one year (a batch export holds one): kept whole, not copied by a filter.
            if bounds["min"] == bounds["max"]:
                parts = [(bounds["min"], table)]
            else:
                parts = [(year, table.filter(pc.equal(years, pa.scalar(year, pa.int32()))))
                         for year in pc.unique(years).to_pylist()]  # fmt: skip
            for year, part in parts:
                key = (name, year)
                kept = part.drop_columns(["survey_year"])
                self.buffers.setdefault(key, []).append(kept)
                self.buffered += kept.nbytes
                latest.add(year)
                if sum(t.num_rows for t in self.buffers[key]) >= self.ROW_GROUP:
                    self._flush(key)
        if self.buffered > self.BUFFER_BYTES:
            for key in [k for k in self.buffers if k[1] not in latest]:
                self._flush(key)

    def _flush(self, key: tuple[str, int]) -> None:
        parts = self.buffers.pop(key, [])
        if not parts:
            return
        self.buffered -= sum(t.nbytes for t in parts)
        table = self._without_retracted(pa.concat_tables(parts))
        if key not in self.writers:
            out = self.folder / key[0] / f"survey_year={key[1]}" / f"{self.run_id}.parquet"
            out.parent.mkdir(parents=True, exist_ok=True)
            self.writers[key] = pq.ParquetWriter(out, table.schema, compression="zstd")
            self.paths[key] = out
        self.writers[key].write_table(table)

    def retract(self, version_id: str) -> None:
        """Leave out the rows of a version already handed to `write` that are not yet on disk.

        Those already written stay in this run's files, and readers skip them (`skipped_versions`): the ledger
        quarantines the version. Rewriting every file of the year that held one (read, filtered, compressed
        again) cost 1.9 s of CPU at 100,000 units for each year with an in-run conflict.
        """
        self.retracted.add(version_id)
        self._retracted = pa.array(sorted(self.retracted), pa.string())

    def _hits(self, versions: pa.ChunkedArray | pa.Array) -> pa.Array | None:
        """Which of `versions` are retracted, or None when none is (the table is then kept as it is, not copied)."""
        if not self.retracted:
            return None
        hit = pc.is_in(versions, value_set=self._retracted)
        return hit if pc.any(hit).as_py() else None

    def _without_retracted(self, table: pa.Table) -> pa.Table:
        if not self.retracted:
            return table
        hit = self._hits(table.column("version_id"))
        return table if hit is None else table.filter(pc.invert(hit))

    def close(self) -> None:
        """Write what is buffered and close every file; files holding a retracted version are written again."""
        for key in list(self.buffers):
            self._flush(key)
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
