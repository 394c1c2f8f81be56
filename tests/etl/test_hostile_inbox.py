"""One hostile inbox: every class of bad file among valid documents, loaded in one run that must not fail or hang.

Each bad file is quarantined with its own code (or listed as ignored), every valid document loads, the summary
reconciles, and the warehouse equals one built from the valid documents alone.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from etl.excel.template import workbook_bytes
from tests.conftest import connect
from tests.fixtures.inbox import VALID, doc, write_inbox

ROOT = Path(__file__).resolve().parents[2]
TIME_CAP_S = 300  # the whole run, hostile files included: minutes at most, never for ever
MEMORY_CAP = 6 * 2**30  # address space of the run (the checking workers each get the same)


def _text(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _replaced(raw: bytes, old: bytes, new: bytes) -> bytes:
    """raw with `old` replaced (once), which must be there: a defect that is not written tests nothing."""
    assert old in raw, old
    return raw.replace(old, new, 1)


def _u2(revision: int, change=None) -> dict:
    """A new revision of U2 2019 (each bad file its own revision: none conflicts with another)."""
    body = doc("U2", 2019, revision=revision, out={"USA": revision})
    if change:
        change(body)
    return body


def _set(path: str, value: object):
    def change(body: dict) -> None:
        *parents, last = path.split(".")
        target = body
        for p in parents:
            target = target[p]
        target[last] = value

    return change


def _xlsx_with(revision: int, edit) -> bytes:
    """The fixture's U2 2019 as a filled workbook, its zip entries edited by `edit(name, data) -> data`."""
    raw = workbook_bytes(2019, _u2(revision))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, edit(item.filename, src.read(item.filename)))
    return out.getvalue()


def _broken_xml(name: str, data: bytes) -> bytes:
    return data[: len(data) // 2] if name.startswith("xl/worksheets/sheet") else data


def _padded(name: str, data: bytes) -> bytes:
    return (
        data.replace(b"</sheetData>", b" " * 70 * 2**20 + b"</sheetData>", 1) if name.endswith("sheet2.xml") else data
    )


def _xlsx_external_link(revision: int) -> bytes:
    """The workbook with a link to another workbook (an externalLinks part) and formulas reading it, values cached."""
    raw = _xlsx_with(revision, lambda name, data: data.replace(b"<v>", b"<f>[1]Sheet1!A1</f><v>", 5)
                     if name.startswith("xl/worksheets/sheet") else data)  # fmt: skip
    out = io.BytesIO(raw)
    with zipfile.ZipFile(out, "a") as z:
        z.writestr("xl/externalLinks/externalLink1.xml", b'<externalLink xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
                   b'officeDocument/2006/relationships"/></externalLink>')  # fmt: skip
    return out.getvalue()


def bad_files() -> dict[str, tuple[bytes, str]]:
    """name under the inbox → (bytes, the code it is quarantined with)."""
    deep = "[" * 100_000 + "]" * 100_000
    valid = _text(_u2(99))
    return {
        "2019/truncated.json": (valid[:300], "E_JSON"),
        "2019/empty.json": (b"", "E_EMPTY"),
        "2019/wrong_type.json": (_text(_u2(101, _set("exchange.out_groups", "二"))), "E_SCHEMA"),
        "2019/nan.json": (_replaced(valid, b'"out_groups": 25', b'"out_groups": NaN'), "E_JSON"),
        "2019/infinity.json": (
            _replaced(_text(_u2(102)), b'"fund_src_unit_self": 0.0', b'"fund_src_unit_self": Infinity'),
            "E_JSON",
        ),
        "2019/overflow.json": (
            _replaced(_text(_u2(103)), b'"fund_src_unit_self": 0.0', b'"fund_src_unit_self": 1e999'),
            "E_JSON",  # beyond float range: refused by the parser, never an infinity in the warehouse
        ),
        "2019/deep.json": (deep.encode(), "E_JSON"),
        "2019/invalid_utf8.json": (
            _replaced(_text(_u2(104)), b'"status": "submitted"', b'"status": "sub\xff\xfe"'),
            "E_JSON",
        ),
        "2019/utf16.json": (json.dumps(_u2(105), ensure_ascii=False).encode("utf-16"), "E_JSON"),
        "2019/dup_key.json": (b'{"revision": 1, ' + _text(_u2(106))[1:], "E_JSON"),
        "2019/nul.json": (_replaced(_text(_u2(107)), b'"schema_version"', b'\x00"schema_version"'), "E_JSON"),
        "2019/long_string.json": (_text(_u2(108, _set("unit_profile.unit_name", "中" * 400_000))), "E_SCHEMA"),
        "2019/bad_date.json": (_text(_u2(109, _set("submitted_at", "20200720"))), "E_SCHEMA"),
        "2019/bad_status.json": (_text(_u2(110, _set("status", "done"))), "E_SCHEMA"),
        "2019/not_a_zip.xlsx": (b"PK\x03\x04 this is not a workbook", "E_XLSX"),
        "2019/broken_xml.xlsx": (_xlsx_with(111, _broken_xml), "E_XLSX"),
        "2019/external_link.xlsx": (_xlsx_external_link(112), "E_XLSX_EXTERNAL"),
        # 70 MB of sheet XML (blank padding: a few KB zipped) — openpyxl would hold ~50x that in memory
        "2019/huge_sheet.xlsx": (_xlsx_with(116, _padded), "E_XLSX_SIZE"),
        "2019/" + "长" * 80 + ".json": (b"{", "E_JSON"),  # 245 bytes: its quarantine copy's name must still fit
        "2019/big_int.json": (_text(_u2(113, _set("talent.foreign_visiting", 2**63))), "E_SCHEMA"),
        "2019/big_revision.json": (_text(_u2(2**31 + 5)), "E_SCHEMA"),
        # usa alone is read as USA (C-23, loaded); next to USA it cannot be: 应为三位大写字母代码（如 USA）
        "2019/lowercase_partner.json": (_text(doc("U2", 2019, revision=114, out={"usa": 2, "USA": 1})), "E_SCHEMA"),
        "2019/unknown_account.json": (
            _text(doc("U2", 2019, revision=115) | {"account_id": "NOPE"}),
            "E_UNKNOWN_ACCOUNT",
        ),
    }


BATCH = "2019/batch.jsonl"  # two good lines (U3 2019 revisions 2 and 3 — 3 counts) around one bad one
IGNORED = ("2019/broken_link.json", "2019/loop.json", "2019/fifo.json")
NON_UTF8_NAME = b"2019/\xff\xfe_gbk.json"


def build(inbox: Path) -> dict[str, tuple[bytes, str]]:
    """The valid fixture documents plus every bad file; returns the bad files (name → (bytes, code))."""
    write_inbox(inbox, only=list(VALID))
    bad = bad_files()
    for name, (raw, _) in bad.items():
        (inbox / name).write_bytes(raw)
    lines = [_text(doc("U3", 2019, revision=2, out={"USA": 6})), b'{"account_id": "U3", "revision": ',
             _text(doc("U3", 2019, revision=3, out={"USA": 7}))]  # fmt: skip
    (inbox / BATCH).write_bytes(b"\n".join(lines) + b"\n")
    os.symlink(inbox / "2019" / "no_such_file.json", inbox / IGNORED[0])
    os.symlink(inbox / IGNORED[1], inbox / IGNORED[1])
    os.mkfifo(inbox / IGNORED[2])
    with open(os.path.join(os.fsencode(inbox), NON_UTF8_NAME), "wb") as f:
        f.write(b"{")
    return bad


def _run(inbox: Path, wh: Path) -> subprocess.CompletedProcess:
    """The ETL in a process of its own, under a time and memory cap (a hang or blow-up fails the test)."""
    code = (
        "import json, resource, sys; from pathlib import Path; from etl.run import run; from tests.conftest import TODAY; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP})); "
        "s = run(Path(sys.argv[1]), Path(sys.argv[2]), today=TODAY, progress=False, workers=2); print(json.dumps(s))"
    )
    return subprocess.run([sys.executable, "-c", code, str(inbox), str(wh)], cwd=ROOT, capture_output=True,
                          timeout=TIME_CAP_S, check=False)  # fmt: skip


def _rollup(wh: Path) -> list[tuple]:
    con = connect(wh)
    rows = con.execute("select * from mart_rollup order by all").fetchall()
    con.close()
    return rows


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict, dict]:
    root = tmp_path_factory.mktemp("hostile_inbox")
    bad = build(root / "inbox")
    done = _run(root / "inbox", root / "wh")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return root, bad, json.loads(done.stdout.decode().strip().splitlines()[-1])


def test_the_run_finishes_and_reconciles(hostile):
    _, bad, summary = hostile
    parts = ("loaded", "superseded", "quarantined", "unchanged")
    assert summary["documents_in"] == sum(summary[k] for k in parts)
    n_valid = len(VALID) + 2  # and the batch's two good lines
    assert summary["documents_in"] == n_valid + len(bad) + 1  # + the batch's bad line
    assert summary["quarantined"] == len(bad) + 1


def test_every_bad_file_is_quarantined_with_its_code_or_listed(hostile):
    root, bad, summary = hostile
    con = connect(root / "wh")
    codes = dict(con.execute("select source_file, list(distinct code order by code) from quality_quarantine "
                             "group by 1").fetchall())  # fmt: skip
    con.close()
    assert {name: codes.get(name, ["(not quarantined)"]) for name in bad} == {
        name: [code] for name, (_, code) in bad.items()
    }
    assert codes[f"{BATCH}#2"] == ["E_JSON"]
    # Not read, but named (a name that is not UTF-8 with its bytes escaped, so that it can be found and renamed).
    assert {*IGNORED, "2019/\\xff\\xfe_gbk.json"} <= set(summary["ignored_files"])
    assert len(codes) == len(bad) + 1
    # The long name's quarantine copy exists, its name within the file-system limit.
    copies = [p.name for p in (root / "wh" / "quarantine" / "2019").iterdir() if p.name.startswith("长")]
    assert len(copies) == 2 and max(len(n.encode()) for n in copies) <= 255


def test_the_warehouse_equals_one_built_from_the_valid_documents_alone(hostile, tmp_path):
    root, _, _ = hostile
    inbox = write_inbox(tmp_path / "inbox", only=list(VALID))
    lines = [_text(doc("U3", 2019, revision=2, out={"USA": 6})), _text(doc("U3", 2019, revision=3, out={"USA": 7}))]
    (inbox / BATCH).write_bytes(b"\n".join(lines) + b"\n")
    done = _run(inbox, tmp_path / "wh")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    assert _rollup(root / "wh") == _rollup(tmp_path / "wh")
