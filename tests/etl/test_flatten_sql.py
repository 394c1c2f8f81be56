"""The detail tables come out the same whichever way a document's JSON reaches DuckDB (etl/flatten_sql.py).

A compact one-line file is read as it came in (a final line break dropped); a pretty-printed file (line breaks
inside), one with a byte-order mark, or one the strict decode does not take is written out again first
(flatten.document_line). Both must give the same rows.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pyarrow as pa

from etl import fast_schema, flatten, flatten_sql
from etl.flatten_sql import Spool
from etl.run import run
from etl.tables import CORE_TABLES
from tests.conftest import TODAY
from tests.fixtures.inbox import VALID, doc, project, write_inbox

DETAIL = [t for t in CORE_TABLES if t.parquet not in ("submissions", "warnings")]


def _rows(wh) -> dict[str, list[tuple]]:
    """Every detail table's rows without the version id (the file's hash: the bytes differ), sorted."""
    (db,) = (wh / "db").glob("*.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t.name: con.execute(f"select * exclude (version_id) from {t.name} order by all").fetchall()
                for t in DETAIL}  # fmt: skip
    finally:
        con.close()


def test_pretty_printed_bom_and_line_ended_files_give_the_rows_of_compact_ones(tmp_path):
    compact = write_inbox(tmp_path / "compact")
    pretty = write_inbox(tmp_path / "pretty")
    for i, (name, body) in enumerate(VALID.items()):
        text = json.dumps(body, ensure_ascii=False, indent=2 if i % 3 else None).encode()
        (pretty / name).write_bytes((b"\xef\xbb\xbf" + text if i % 2 else text) + (b"\r\n" if i % 3 == 0 else b""))
    for inbox in (compact, pretty):
        summary = run(inbox, tmp_path / f"wh_{inbox.name}", today=TODAY, progress=False)
        assert summary["loaded"] > 0
    made, expected = _rows(tmp_path / "wh_pretty"), _rows(tmp_path / "wh_compact")
    assert {name: len(rows) for name, rows in made.items()} == {name: len(rows) for name, rows in expected.items()}
    assert all(expected[t.name] for t in DETAIL if t.parquet in ("measures", "partner_values", "projects"))
    assert made == expected


def test_a_document_beyond_duckdbs_default_object_size_loads(tmp_path):
    """DuckDB reads JSON objects up to 16 MB unless told otherwise: a unit with 40,000 projects (about 20 MB) loads."""
    inbox = write_inbox(tmp_path / "inbox", only=[])
    keys = [f"U1-2020-{i:05d}" for i in range(40_000)]
    body = doc("U1", 2020, projects=[project(k, "lead", "unit", ["USA"], unit_self=1.0) for k in keys],
               funds={"unit_self": 40_000.0}, out={"USA": 1})  # fmt: skip
    text = json.dumps(body, ensure_ascii=False).encode()
    assert len(text) > 16 * 2**20
    (inbox / "2020").mkdir()
    (inbox / "2020" / "U1_r1.json").write_bytes(text)
    assert run(inbox, tmp_path / "wh", today=TODAY, progress=False)["loaded"] == 1
    (db,) = (tmp_path / "wh" / "db").glob("*.duckdb")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from core_projects").fetchone() == (40_000,)
        assert con.execute("select proj_active from core_measures").fetchone() == (40_000,)


def test_a_run_removes_the_spool_folder_a_killed_run_left(tmp_path):
    """A run killed on the spot (SIGKILL, the OOM killer) leaves its spool of documents in the warehouse; the next
    run (the only one there: it holds the run lock) removes it, and leaves nothing of its own."""
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    run(inbox, wh, today=TODAY, progress=False)
    left = wh / f"{Spool.PREFIX}killed"
    left.mkdir()
    (left / "chunk.jsonl").write_bytes(b"{}\n")
    (inbox / "2020" / "U4_r9.json").write_text(json.dumps(doc("U4", 2020, revision=9)), encoding="utf-8")
    assert run(inbox, wh, today=TODAY, progress=False)["loaded"] == 1
    assert not list(wh.glob(f"{Spool.PREFIX}*"))


def test_a_document_dropped_from_one_chunk_keeps_its_rows_from_the_chunks_around_it(tmp_path):
    """A batch's chunk files are read as one: the same bytes in three chunks, left out of the middle one only (a copy
    judged there), keep their rows from the first and the last. The middle chunk's other document stays too."""
    line = {}  # version id (the bytes' hash) → the document's spool line
    for name in ("2020/U1_r1.json", "2020/U2_r2.json"):
        text = json.dumps(VALID[name], ensure_ascii=False).encode()
        vid = hashlib.sha256(text).hexdigest()[:32]
        line[vid] = flatten.document_line(fast_schema.decode(text), text, vid, frozenset())
    x, y = line
    with Spool() as spool:
        for i, chunk in enumerate([[x], [x, y], [x]]):
            path = spool.folder / f"chunk{i}.jsonl"
            path.write_bytes(b"".join(line[vid] for vid in chunk))
            meta = {b"spool": str(path).encode(), b"longest": b"100000"}
            spool.take(pa.table({"version_id": chunk}).replace_schema_metadata(meta))
        assert list(spool.spans.values()) == [(0, 0), (1, 2), (3, 3)]
        first, last = spool.spans[spool.folder / "chunk1.jsonl"]  # as the run finds a chunk's lines
        with spool.batch() as docs:
            measures = flatten_sql.detail_tables(docs, {(first, last, x)})["measures"]
    assert sorted(measures.column("version_id").to_pylist()) == sorted([x, x, y])
