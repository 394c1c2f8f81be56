"""Batch exports (JSON Lines, one document per line) load as the same documents in single files do."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from etl.run import run
from tests.conftest import TODAY
from tests.etl.test_runs import snapshot
from tests.fixtures.inbox import BROKEN, REGISTRY, VALID, doc, write_inbox


def write_batches(inbox, *, chunk_ends=(b"\r\n", b"\n")):
    """The fixture documents as one batch per year folder, lines in the order the single files sort in.

    2019 uses CRLF line ends; 2020's last line has no newline. `2020/empty.json` has no line: a blank line
    in a batch is no document.
    """
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "accounts.csv").write_text(REGISTRY, encoding="utf-8")
    docs = {**{k: json.dumps(v, ensure_ascii=False).encode() for k, v in VALID.items()},
            **{k: raw for k, (raw, _) in BROKEN.items()}}  # fmt: skip
    lines: dict[str, list[tuple[str, bytes]]] = {}
    for name in sorted(docs):
        lines.setdefault(name.split("/")[0], []).append((name, docs[name]))
    where = {}
    for i, (folder, items) in enumerate(sorted(lines.items())):
        end = chunk_ends[i % len(chunk_ends)]
        (inbox / folder).mkdir(exist_ok=True)
        body = b"".join(raw + end for _, raw in items)
        if folder == "2020":
            body = body.rstrip(b"\n")
        (inbox / folder / "export.jsonl").write_bytes(body)
        where.update({name: f"{folder}/export.jsonl#{n}" for n, (name, _) in enumerate(items, start=1)})
    return inbox, where


def sources(warehouse):
    """The source names in a warehouse's first ledger, sorted."""
    return sorted(r["source_file"] for r in pq.read_table(next((warehouse / "ledger").glob("*.parquet"))).to_pylist())


def test_a_batch_loads_what_its_single_files_load(tmp_path):
    singles = write_inbox(tmp_path / "singles")
    (singles / "2020" / "empty.json").unlink()  # a blank line is no document in a batch
    one = run(singles, tmp_path / "wh_singles", today=TODAY, progress=False)
    batches, where = write_batches(tmp_path / "batches")
    two = run(batches, tmp_path / "wh_batches", today=TODAY, progress=False)
    keys = ("documents_in", "loaded", "superseded", "quarantined", "unchanged", "quarantine_codes")
    assert {k: two[k] for k in keys} == {k: one[k] for k in keys}
    assert (two["documents_in"], two["loaded"], two["quarantined"]) == (27, 13, 11)
    assert snapshot(tmp_path / "wh_batches") == snapshot(tmp_path / "wh_singles")
    # Each document is named by its batch and line, in the ledger and in quarantine, and keeps its own bytes.
    ledger = pq.read_table(next((tmp_path / "wh_batches" / "ledger").glob("*.parquet"))).to_pylist()
    by_source = {r["source_file"]: r for r in ledger}
    conflict = by_source[where["2019/U1_r1_copy.json"]]
    assert conflict["codes"] == ["E_REVISION_CONFLICT"] and conflict["outcome"] == "quarantined"
    kept = tmp_path / "wh_batches" / conflict["report_file"].replace(".report.json", ".json")
    assert kept.read_bytes() == BROKEN["2019/U1_r1_copy.json"][0]  # the line alone, without its CRLF
    assert by_source[where["2020/U4_r1.json"]]["outcome"] == "loaded"  # the last line, without a newline


def test_an_unchanged_batch_is_not_read_and_an_appended_line_is_the_only_new_document(tmp_path):
    inbox, _ = write_batches(tmp_path / "inbox")
    run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    again = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (again["documents_in"], again["unchanged"], again["warehouse_rebuilt"]) == (27, 27, False)
    before = snapshot(tmp_path / "wh")["hb_2020_out"]
    batch = inbox / "2020" / "export.jsonl"
    n = batch.read_bytes().count(b"\n") + 1
    hb = doc("HB", 2020, revision=5, status="approved", out={"USA": 9}, funds={"provincial": 500})
    batch.write_bytes(batch.read_bytes() + b"\n" + json.dumps(hb, ensure_ascii=False).encode() + b"\n")
    appended = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (appended["documents_in"], appended["unchanged"], appended["loaded"]) == (28, 27, 1)
    ledger = pq.read_table(tmp_path / "wh" / "ledger" / f"{appended['run_id']}.parquet").to_pylist()
    assert [(r["source_file"], r["outcome"]) for r in ledger] == [(f"2020/export.jsonl#{n + 1}", "loaded")]
    assert (before, snapshot(tmp_path / "wh")["hb_2020_out"]) == (63, 62)  # HB's own 6 + 4 became 9


def test_batch_parts_checked_by_workers_give_what_one_process_gives(tmp_path, monkeypatch):
    inbox, _ = write_batches(tmp_path / "inbox")
    one = run(inbox, tmp_path / "one", today=TODAY, progress=False, workers=1)
    monkeypatch.setattr("etl.intake.PARALLEL_FROM", 0)
    monkeypatch.setattr("etl.intake.CHUNK", 4)  # each batch cut into parts of 4 lines, spread over two workers
    two = run(inbox, tmp_path / "two", today=TODAY, progress=False, workers=2)
    keys = ("documents_in", "loaded", "superseded", "quarantined", "unchanged", "quarantine_codes")
    assert {k: two[k] for k in keys} == {k: one[k] for k in keys}
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")
    assert sources(tmp_path / "two") == sources(tmp_path / "one")
