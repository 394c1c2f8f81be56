"""Hostile or odd values: each document is judged on its own, with a clear Chinese finding; the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from etl.run import run
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import doc, project, write_inbox

BIG = "中" * 5_000_000
# submitted_at of a 2019 form (TODAY is 2026-11-27): name → value; the ISO 8601 ones in the window load.
DATES = {"date_epoch_text.json": "20210720", "date_epoch_number.json": 1626747300, "date_2099.json": "2099-01-01T00:00:00",
         "date_9999.json": "9999-12-31T23:59:59+08:00", "date_0001.json": "0001-01-01T00:00:00Z",
         "date_ok.json": "2020-03-01T09:30:00+08:00", "date_ok_utc.json": "2026-11-28T10:00:00Z"}  # fmt: skip  # 15 MB of UTF-8 in one string


def _text(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


def _docs() -> dict[str, bytes]:
    """name → bytes of each odd document (new revisions of the fixture's accounts, so none conflicts)."""
    out_dates = {}
    dup = _text(doc("U2", 2019, revision=11, out={"USA": 11}))
    dup = '{"account_id": "U1", ' + dup[1:]  # loaded under the second id, before
    long_value = doc("U2", 2019, revision=18)
    long_value["unit_profile"]["unit_name"] = BIG
    big = doc("U2", 2019, revision=13)
    big["talent"]["foreign_visiting"] = 2**63  # no rule reads it: it went on to Arrow and crashed the run
    huge_revision = doc("U2", 2019, revision=2**40)
    huge_year = doc("U2", 2019, revision=14)
    huge_year["survey_year"] = 2**40
    for i, (name, value) in enumerate(DATES.items()):
        when = doc("U3", 2019, revision=40 + i)
        when["submitted_at"] = value
        out_dates[name] = _text(when).encode()
    project_date = doc("U2", 2019, revision=15, projects=[project("U2-D", "lead", "unit", ["USA"], unit_self=1)])
    project_date["projects"][0]["start_date"] = "20210720"
    out = {
        **out_dates,
        "project_date.json": _text(project_date).encode(),
        "dup_key.json": dup.encode(),
        "big_int.json": _text(big).encode(),
        "big_int_u64.json": _text(big).replace(str(2**63), str(2**64 - 1)).encode(),
        "big_revision.json": _text(huge_revision).encode(),
        "big_year.json": _text(huge_year).encode(),
        "bom.json": b"\xef\xbb\xbf" + _text(doc("U2", 2019, revision=12, out={"USA": 12})).encode(),
        "long_value.json": _text(long_value).encode(),
    }
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("hostile")
    inbox = write_inbox(root / "inbox")
    for name, data in _docs().items():
        (inbox / "2019" / name).write_bytes(data)
    return root / "wh", run(inbox, root / "wh", today=TODAY, progress=False)


def _findings(wh: Path, name: str) -> list[tuple]:
    con = connect(wh)
    try:
        return con.execute("select code, path, value, message_zh from quality_quarantine where source_file = $f "
                           "order by all", {"f": f"2019/{name}"}).fetchall()  # fmt: skip
    finally:
        con.close()


def _loaded(wh: Path, name: str) -> bool:
    con = connect(wh)
    try:
        return con.execute("select count(*) from core_submissions where source_file = $f",
                           {"f": f"2019/{name}"}).fetchone()[0] == 1  # fmt: skip
    finally:
        con.close()


def test_duplicate_keys_are_rejected_naming_the_key(hostile):
    wh, _ = hostile
    assert _findings(wh, "dup_key.json") == [
        ("E_JSON", "", "account_id", "键“account_id”在同一对象中出现了不止一次（无法确定以哪个为准）")
    ]
    assert not _loaded(wh, "dup_key.json")


def test_utf8_with_a_byte_order_mark_loads(hostile):
    wh, _ = hostile
    assert _findings(wh, "bom.json") == []
    assert _loaded(wh, "bom.json")


def test_duplicate_keys_deep_in_a_document_or_spaced_before_the_colon_are_found():
    """Unit level: a repeated key anywhere, however the text is spaced; escaped quotes in strings are no key."""
    from etl import validate

    for text in ('{"a": {"b": 1, "b" : 2}}', '{"a" :1, "a":\n2}', '{"x": [{"k": "\\":", "k": 1}]}',
                 '{"a": 1, "\\u0061": 2}'):  # fmt: skip
        raw = text.encode()
        assert validate._duplicate_possible(raw, orjson.dumps(json.loads(raw))), text
        assert validate._duplicate_key(raw) in ("a", "b", "k"), text
    for text in ('{"a": "\\":", "b": {"c": "x\\" : y"}}', '{"a" : 1, "b"\t: [1, {"c": 2}]}'):
        assert validate._duplicate_key(text.encode()) is None, text
    # A batch line exactly as orjson writes it (the collection system's exports) is its own proof: no recount.
    line = orjson.dumps({"a": 1, "b": {"a": 'x":', "c": [{"a": 2}]}})
    assert not validate._duplicate_possible(line, orjson.dumps(orjson.loads(line)))


def test_echoed_values_are_cut_and_say_how_long_they_were(hostile):
    """A 5-million-character name is quarantined (too long) without being copied into the report or warehouse."""
    wh, _ = hostile
    (finding,) = _findings(wh, "long_value.json")
    code, path, value, _ = finding
    assert (code, path) == ("E_SCHEMA", "unit_profile.unit_name")
    assert value == "中" * 200 + "…（共 5000000 个字符，仅显示前 200 个）"
    (report,) = (wh / "quarantine" / "2019").glob("long_value__*.report.json")
    assert report.stat().st_size < 5_000


def test_a_huge_key_is_named_briefly():
    from etl.problems import Findings

    found = Findings()
    found.add("E_SCHEMA", "unit_profile." + "k" * 1_000_000, None, "数据字典中没有这个字段")
    (p,) = found.items
    assert len(p.path) < 300 and len(p.message_zh) < 400
    assert p.path.endswith("…（共 1000013 个字符，仅显示前 200 个）")


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [("big_int.json", "talent.foreign_visiting", str(2**63)),
     ("big_int_u64.json", "talent.foreign_visiting", str(2**64 - 1))],
)  # fmt: skip
def test_an_integer_beyond_the_warehouse_range_is_quarantined(hostile, name, path, value):
    wh, _ = hostile
    assert _findings(wh, name) == [
        ("E_SCHEMA", path, value, "国际合作人才·外籍短期/兼职/访问学者：数值过大（整数不能超过 9007199254740991）")
    ]


def test_a_revision_or_year_beyond_the_ledger_range_is_quarantined(hostile):
    wh, _ = hostile
    assert _findings(wh, "big_revision.json") == [
        ("E_SCHEMA", "revision", str(2**40), "修订版次：版次应在 1–2147483647 之间")
    ]
    assert _findings(wh, "big_year.json")[0][:3] == ("E_YEAR", "survey_year", str(2**40))


@pytest.mark.parametrize(
    ("name", "finding"),
    [("date_epoch_text.json", ("E_SCHEMA", "submitted_at", "20210720",
                               "提交时间：应为 ISO 8601 格式的文字，如 2021-07-20T10:15:00+08:00")),
     ("date_epoch_number.json", ("E_SCHEMA", "submitted_at", "1626747300",
                                 "提交时间：应为 ISO 8601 格式的文字，如 2021-07-20T10:15:00+08:00")),
     ("date_2099.json", ("A-05", "submitted_at", "2099-01-01T00:00:00+08:00",
                         "提交时间：不在合理范围内（应在 2019-01-01 至 2026-11-28 之间）")),
     ("date_9999.json", ("A-05", "submitted_at", "9999-12-31T23:59:59+08:00",
                         "提交时间：不在合理范围内（应在 2019-01-01 至 2026-11-28 之间）")),
     ("date_0001.json", ("A-05", "submitted_at", "0001-01-01T00:00:00+00:00",
                         "提交时间：不在合理范围内（应在 2019-01-01 至 2026-11-28 之间）")),
     ("project_date.json", ("E_SCHEMA", "projects[0].start_date", "20210720",
                            "国际（港澳台）科技合作项目明细·开始日期：应为 ISO 8601 格式的文字，如 2021-07-20"))],
)  # fmt: skip
def test_times_are_iso_8601_within_the_surveys_window(hostile, name, finding):
    wh, _ = hostile
    assert _findings(wh, name) == [finding]


def test_iso_8601_times_in_the_window_load(hostile):
    wh, _ = hostile
    assert _findings(wh, "date_ok.json") == [] and _loaded(wh, "date_ok.json")
    assert _findings(wh, "date_ok_utc.json") == [] and _loaded(wh, "date_ok_utc.json")  # Beijing: the 28th, 18:00


def test_symlinks_and_special_files_in_the_inbox_are_ignored(tmp_path):
    """A link to a file outside the inbox is not read (nor copied into quarantine), a folder alias does not count
    its documents twice, a broken link and a FIFO named .json neither crash nor block the run."""
    import os

    from tests.etl.test_workers import deadline

    inbox = write_inbox(tmp_path / "inbox")
    secret = tmp_path / "outside" / "secret.json"
    secret.parent.mkdir()
    secret.write_text('{"not": "a submission"}')
    (inbox / "2020" / "link.json").symlink_to(secret)
    (inbox / "alias").symlink_to(inbox / "2020", target_is_directory=True)
    (inbox / "2019" / "broken.json").symlink_to(tmp_path / "missing.json")
    os.mkfifo(inbox / "2019" / "pipe.json")
    with deadline(120):
        summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert summary["documents_in"] == 28  # the fixture's own documents, each once
    assert {"2020/link.json", "alias", "2019/broken.json", "2019/pipe.json"} <= set(summary["ignored_files"])
    assert not list((tmp_path / "wh" / "quarantine").rglob("link__*"))
