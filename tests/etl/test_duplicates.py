"""A file whose bytes were met before is counted unchanged and named, with the file it repeats."""

from __future__ import annotations

import json

from etl.report import print_summary
from etl.run import run
from queries import quality_findings_by_account
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import write_inbox


def test_copies_are_listed_with_the_file_they_repeat(tmp_path, capsys):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    (inbox / "2020" / "U4_copy.json").write_bytes((inbox / "2020" / "U4_r1.json").read_bytes())
    (inbox / "2020" / "empty_again.json").write_bytes(b"")  # a copy of a quarantined file (2020/empty.json)
    first = run(inbox, wh, today=TODAY, progress=False)
    assert sorted(map(tuple, (d.values() for d in first["duplicates"]))) == [
        ("2020/U4_r1.json", "2020/U4_copy.json"),  # U4_copy sorts first: the later file is the copy
        ("2020/empty_again.json", "2020/empty.json"),
    ]
    saved = json.loads((wh / "runs" / f"{first['run_id']}.json").read_text(encoding="utf-8"))
    assert saved["duplicates"] == first["duplicates"]

    (inbox / "2019" / "HB_again.json").write_bytes((inbox / "2019" / "HB_r1.json").read_bytes())
    second = run(inbox, wh, today=TODAY, progress=False)
    assert second["duplicates"] == [{"source_file": "2019/HB_again.json", "same_as": "2019/HB_r1.json"}]
    assert (second["unchanged"], second["documents_in"]) == (first["documents_in"] + 1, first["documents_in"] + 1)
    print_summary(second, wh)
    assert "重复文件（内容与已收到的文件相同，未重复计入）：2019/HB_again.json 与 2019/HB_r1.json 相同" in (
        capsys.readouterr().out
    )


def _copies(wh, scope: str, year: int) -> list[tuple]:
    """The copies 数据质量 lists under a scope: (account, file, message)."""
    con = connect(wh)
    rows = quality_findings_by_account(con, scope, year, kinds=["duplicate"])[
        ["account_id", "source_file", "message_zh"]
    ]
    con.close()
    return list(rows.astype(object).where(rows.notna(), None).itertuples(index=False, name=None))


def test_copies_are_listed_on_the_quality_page_in_the_scope_of_the_file_they_repeat(tmp_path):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    (inbox / "2020" / "U4_copy.json").write_bytes((inbox / "2020" / "U4_r1.json").read_bytes())
    (inbox / "2020" / "empty_again.json").write_bytes(b"")  # a copy of the unreadable 2020/empty.json
    run(inbox, wh, today=TODAY, progress=False)
    (inbox / "2019" / "HB_again.json").write_bytes((inbox / "2019" / "HB_r1.json").read_bytes())
    second = run(inbox, wh, today=TODAY, progress=False)  # a run whose only news is a copy still publishes it
    assert second["warehouse_patched"] or second["warehouse_rebuilt"]
    u4 = ("U4", "2020/U4_r1.json", "内容与已收到的文件“2020/U4_copy.json”完全相同（副本），未重复计入")
    empty = (None, "2020/empty_again.json", "内容与已收到的文件“2020/empty.json”完全相同（副本），未重复计入")
    assert _copies(wh, "CN", 2020) == [u4, empty]  # a copy of an unreadable file names no account: nationally only
    assert _copies(wh, "BD", 2020) == [u4]
    assert _copies(wh, "SJZ", 2020) == []
    assert _copies(wh, "HB", 2019) == [
        ("HB", "2019/HB_again.json", "内容与已收到的文件“2019/HB_r1.json”完全相同（副本），未重复计入")
    ]
    # Read again under their own names (--rehash): nothing new is called a copy.
    again = run(inbox, wh, today=TODAY, progress=False, rehash=True)
    assert again["duplicates"] == [] and again["unchanged"] == again["documents_in"]
