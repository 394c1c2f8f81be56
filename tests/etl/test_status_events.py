"""A parent's approval re-exports the same revision with only its status changed: a status event, not a conflict."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from etl import flatten_sql, intake
from etl.excel.template import workbook_bytes
from etl.run import run
from etl.store import RunWriter
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import doc, write_inbox

# U4 (保定丁研究所) submitted 2020 revision 1 with 6 inbound person-times from Russia (fixture); BD approves it.
SUBMITTED = {"inbound": {"RUS": 6}, "funds": {"unit_self": 10}, "orgs": ["IUPAC"], "big_science": ["SKA"]}


def _write(inbox: Path, name: str, body: dict) -> None:
    (inbox / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def _state(wh: Path) -> dict:
    """What 仅已审核 and 已审核 readers see of U4 2020 and its city BD, and U4's version history."""
    con = connect(wh)
    approved_basis = con.execute(
        "select scope_id, in_person_times from mart_rollup where basis = 'approved' and survey_year = 2020 "
        "and unit_type = 'ALL' and scope_id in ('U4', 'BD') order by 1"
    ).fetchall()
    n_approved = con.execute(
        "select n_approved from mart_filling_rollup where scope_id = 'BD' and survey_year = 2020 and unit_type = 'ALL'"
    ).fetchone()[0]
    history = con.execute(
        "select revision, status, is_current from core_submissions where account_id = 'U4' and survey_year = 2020 "
        "order by status"
    ).fetchall()
    con.close()
    return {"approved_basis": approved_basis, "n_approved": n_approved, "history": history}


def test_an_approval_of_the_same_revision_is_loaded_as_its_current_version(tmp_path):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    first = run(inbox, wh, today=TODAY, progress=False)
    before = _state(wh)
    assert before["approved_basis"] == [("BD", 0)]  # U3 (approved) has no inbound visits; U4 is not approved yet
    assert before["n_approved"] == 1
    _write(inbox, "2020/U4_r1_approved.json", doc("U4", 2020, status="approved", **SUBMITTED))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["superseded"], summary["quarantined"]) == (1, 0, 0)
    after = _state(wh)
    assert after == {
        "approved_basis": [("BD", 6), ("U4", 6)],
        "n_approved": 2,
        "history": [(1, "approved", True), (1, "submitted", False)],
    }
    # The same inbox loaded at once (both events in one run, approval file sorting first) gives the same warehouse.
    _write(inbox, "2020/0_U4_r1_approved.json", doc("U4", 2020, status="approved", **SUBMITTED))
    (inbox / "2020" / "U4_r1_approved.json").unlink()
    once = run(inbox, tmp_path / "wh_once", today=TODAY, progress=False)
    assert once["quarantine_codes"] == first["quarantine_codes"]  # the fixture's own bad files only
    assert _state(tmp_path / "wh_once") == after


def test_other_figures_in_the_same_revision_are_still_a_conflict(tmp_path, loaded_copy):
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    changed = {**SUBMITTED, "inbound": {"RUS": 7}}
    _write(inbox, "2020/U4_r1_approved.json", doc("U4", 2020, status="approved", **changed))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]) == (
        0, 1, {"E_REVISION_CONFLICT": 1},
    )  # fmt: skip
    assert _state(wh)["approved_basis"] == [("BD", 0)]


def _conflict_state(wh: Path) -> dict:
    """Which file U4 2020 revision 1 counts from, and what the quarantine says of each conflicting file."""
    con = connect(wh)
    current = con.execute(
        "select source_file from core_submissions where account_id = 'U4' and survey_year = 2020 and is_current"
    ).fetchall()
    quarantined = con.execute(
        "select source_file, value from quality_quarantine where account_id = 'U4' and survey_year = 2020 "
        "and code = 'E_REVISION_CONFLICT' order by 1"
    ).fetchall()
    con.close()
    return {"current": current, "quarantined": quarantined}


def _rival(inbox: Path, submitted: str) -> None:
    """Another U4 2020 revision 1 with other figures, in a file that sorts before 2020/U4_r1.json."""
    _write(inbox, "2020/0_U4_r1.json", doc("U4", 2020, submitted=submitted, **{**SUBMITTED, "inbound": {"RUS": 9}}))


def test_a_conflict_within_one_run_keeps_the_later_submission_whatever_the_file_names(tmp_path):
    # The fixture's U4_r1.json was submitted 2021-07-01 10:00 (Beijing).
    later, earlier = tmp_path / "later", tmp_path / "earlier"
    _rival(write_inbox(later / "inbox"), "2021-07-05T10:00:00+08:00")  # sorts first, submitted later: kept
    _rival(write_inbox(earlier / "inbox"), "2021-06-20T10:00:00+08:00")  # sorts first, submitted earlier: loses
    for case in (later, earlier):
        run(case / "inbox", case / "wh", today=TODAY, progress=False)
    assert _conflict_state(later / "wh") == {
        "current": [("2020/0_U4_r1.json",)],
        "quarantined": [("2020/U4_r1.json", "2020/0_U4_r1.json")],
    }
    assert _conflict_state(earlier / "wh") == {
        "current": [("2020/U4_r1.json",)],
        "quarantined": [("2020/0_U4_r1.json", "2020/U4_r1.json")],
    }


def test_a_conflict_with_the_same_submission_time_quarantines_both_naming_each_other(tmp_path):
    inbox = write_inbox(tmp_path / "inbox")
    _rival(inbox, "2021-07-01T10:00:00+08:00")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert _conflict_state(tmp_path / "wh") == {
        "current": [],
        "quarantined": [("2020/0_U4_r1.json", "2020/U4_r1.json"), ("2020/U4_r1.json", "2020/0_U4_r1.json")],
    }
    assert summary["documents_in"] == sum(summary[k] for k in ("loaded", "superseded", "quarantined", "unchanged"))


def test_a_workbook_re_export_of_a_loaded_revision_is_the_same_submission(tmp_path, loaded_copy):
    """U4's 2020 revision 1, loaded from JSON, comes back as a workbook (the template filled from it) with BD's
    approval: no id of its own, optional values left empty instead of null, same figures: a status event."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    approved = doc("U4", 2020, status="approved", **SUBMITTED)
    (inbox / "2020" / "U4_r1_approved.xlsx").write_bytes(workbook_bytes(2020, approved))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]) == (1, 0, {})
    assert _state(wh) == {
        "approved_basis": [("BD", 6), ("U4", 6)],
        "n_approved": 2,
        "history": [(1, "approved", True), (1, "submitted", False)],
    }
    # One figure changed in the workbook is still a conflict: the loaded version stays.
    changed = doc("U4", 2020, status="approved", **{**SUBMITTED, "inbound": {"RUS": 7}})
    (inbox / "2020" / "U4_r1_changed.xlsx").write_bytes(workbook_bytes(2020, changed))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]) == (
        0, 1, {"E_REVISION_CONFLICT": 1},
    )  # fmt: skip


def test_a_loser_whose_rows_were_already_written_is_left_out_by_the_build_and_the_patch(tmp_path, monkeypatch):
    """The rows of a version that loses a conflict after they went to Parquet stay there; no database holds them."""
    monkeypatch.setattr(RunWriter, "ROW_GROUP", 1)  # every write goes to disk at once, before the rival comes:
    monkeypatch.setattr(intake, "CHUNK", 1)  # one document a chunk, written before the next is judged
    monkeypatch.setattr(flatten_sql.Spool, "FLUSH_DOCS", 1)  # its detail rows made and handed on at once too
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    _rival(inbox, "2021-06-20T10:00:00+08:00")  # sorts first, submitted earlier: loses once U4_r1.json is read
    (inbox / "2021").mkdir()
    _write(inbox, "2021/U3_r5.json", doc("U3", 2021, revision=5, out={"USA": 1}))  # 2021 is known to the next run
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_rebuilt"]
    # The next run is patched in: U2 2021 revision 5 twice, the one read first submitted earlier (it loses).
    _write(
        inbox, "2021/0_U2_r5.json", doc("U2", 2021, revision=5, out={"JPN": 1}, submitted="2022-07-01T10:00:00+08:00")
    )
    _write(
        inbox, "2021/1_U2_r5.json", doc("U2", 2021, revision=5, out={"JPN": 2}, submitted="2022-07-09T10:00:00+08:00")
    )
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_patched"]
    losers = {name: hashlib.sha256((inbox / name).read_bytes()).hexdigest()[:32]
              for name in ("2020/0_U4_r1.json", "2021/0_U2_r5.json")}  # fmt: skip
    written = set(pq.read_table(wh / "parquet" / "partner_values", columns=["version_id"]).column(0).to_pylist())
    assert set(losers.values()) <= written  # on disk, and nowhere in the database:
    con = connect(wh)
    for table in ("core_submissions", "core_measures", "core_partner_values"):
        n = con.execute(f"select count(*) from {table} where list_contains(?, version_id)", [list(losers.values())])
        assert n.fetchone() == (0,), table
    rollup = con.execute("select scope_id, in_person_times + out_person_times from mart_rollup where survey_year in "
                         "(2020, 2021) and basis = 'finished' and unit_type = 'ALL' and scope_id in ('U4', 'U2') "
                         "order by 1, survey_year").fetchall()  # fmt: skip
    con.close()
    assert rollup == [("U2", 5), ("U2", 2), ("U4", 6)]  # the winners' figures (U2 2020: its revision 2's JPN 5)


def _history(wh: Path, account: str) -> list[tuple]:
    """`account`'s 2020 versions: (revision, status, is_current), in that order."""
    con = connect(wh)
    history = con.execute(
        "select revision, status, is_current from core_submissions where account_id = $account and survey_year = 2020 "
        "order by revision, status",
        {"account": account},
    ).fetchall()
    con.close()
    return history


def _written_otherwise(body: dict) -> dict:
    """`body` as another exporter writes it: partners in another order, whole 万元 without decimals, the submission
    time with milliseconds. The same figures."""
    body = json.loads(json.dumps(body))
    body["by_partner"] = {field: dict(reversed(values.items())) for field, values in body["by_partner"].items()}
    body["funding"] = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in body["funding"].items()}
    body["submitted_at"] = body["submitted_at"].replace(":00+08:00", ":00.000+08:00")
    return body


def test_a_returned_form_written_otherwise_with_the_same_figures_is_a_status_event(tmp_path, loaded_copy):
    """U1's 2020 revision 1 (approved, four partner countries and regions, 400 万元) comes back returned from another
    exporter: its figures typed as a finished document's are the same, so it is a status event of the revision; with
    one partner's figure changed it is a conflict."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    loaded = json.loads((inbox / "2020" / "U1_r1.json").read_text(encoding="utf-8"))
    returned = _written_otherwise(loaded | {"status": "returned", "approved_at": None, "reviewer_account_id": None})
    assert list(returned["by_partner"]["out_person_times"]) == ["TWN", "HKG", "DEU", "USA"]
    assert returned["funding"]["fund_src_central"] == 200 and '"fund_src_central": 200,' in json.dumps(returned)
    _write(inbox, "2020/U1_r1_returned.json", returned)
    summary = run(inbox, wh, today=TODAY, progress=False)
    # kept as a version of the revision; the approval ranks above it and stays current
    assert (summary["superseded"], summary["quarantined"], summary["quarantine_codes"]) == (1, 0, {})
    assert _history(wh, "U1") == [(1, "approved", True), (1, "returned", False)]
    changed = returned | {"by_partner": {**returned["by_partner"], "out_person_times": {"USA": 21, "DEU": 12}}}
    _write(inbox, "2020/U1_r1_returned_changed.json", changed)
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]) == (
        0, 1, {"E_REVISION_CONFLICT": 1},
    )  # fmt: skip


def test_a_returned_form_with_partner_codes_in_lower_case_is_read_as_its_submission_was(tmp_path, loaded_copy):
    """U1 submits 2020 revision 2 with its partner codes in lower case (C-23: read in capitals, with a warning), and
    the revision comes back returned as it was written: the same figures once read, so a status event, not a
    conflict."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    loaded = json.loads((inbox / "2020" / "U1_r1.json").read_text(encoding="utf-8"))
    lower = {field: {code.lower(): v for code, v in values.items()} for field, values in loaded["by_partner"].items()}
    submitted = loaded | {"revision": 2, "status": "submitted", "approved_at": None, "reviewer_account_id": None,
                          "by_partner": lower}  # fmt: skip
    _write(inbox, "2020/U1_r2.json", submitted)
    _write(inbox, "2020/U1_r2_returned.json", submitted | {"status": "returned"})
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["quarantined"], summary["quarantine_codes"]) == (0, {})
    con = connect(wh)
    read_in_capitals = con.execute(
        "select list(distinct w.value order by w.value) from quality_warnings as w inner join core_submissions as s "
        "using (version_id) where s.account_id = 'U1' and s.revision = 2 and w.code = 'C-23'"
    ).fetchone()[0]
    con.close()
    assert _history(wh, "U1") == [(1, "approved", False), (2, "returned", True), (2, "submitted", False)]
    assert read_in_capitals == ["deu", "gbr", "hkg", "twn", "usa"]


def test_a_beijing_time_written_without_an_offset_is_the_same_submission_time_in_every_format(tmp_path, loaded_copy):
    """U4 submits 2020 revision 2 with its submission time in Beijing time without an offset (as the exporter may
    write it); the same revision comes back returned, and approved pretty-printed with `+08:00`: one submission at
    three status events. An approval whose submission time is 10:00 UTC (18:00 in Beijing) is another submission."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    submitted = doc("U4", 2020, revision=2, submitted="2021-07-05T10:00:00", **SUBMITTED)
    _write(inbox, "2020/U4_r2.json", submitted)
    _write(inbox, "2020/U4_r2_returned.json", submitted | {"status": "returned"})
    approved = submitted | {"status": "approved", "submitted_at": "2021-07-05T10:00:00+08:00",
                            "approved_at": "2021-09-01T10:00:00+08:00", "reviewer_account_id": "BD"}  # fmt: skip
    (inbox / "2020" / "U4_r2_approved.json").write_text(json.dumps(approved, indent=1), encoding="utf-8")
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["quarantined"], summary["quarantine_codes"]) == (0, {})
    assert _history(wh, "U4") == [(1, "submitted", False), (2, "approved", True), (2, "returned", False),
                                  (2, "submitted", False)]  # fmt: skip
    _write(inbox, "2020/U4_r2_utc.json", approved | {"submitted_at": "2021-07-05T10:00:00Z"})
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["quarantined"], summary["quarantine_codes"]) == (1, {"E_REVISION_CONFLICT": 1})


def _joint_institutions(body: dict, total: dict, lab: dict) -> dict:
    """`body` with joint institutions by partner: `total` of them in all, `lab` of them joint laboratories."""
    body = json.loads(json.dumps(body))
    body["institution"] |= {"inst_joint_total": 2, "inst_joint_lab": 1, "inst_other": 1}
    body["by_partner"] |= {"inst_joint_total": total, "inst_joint_lab": lab}
    return body


BASE = doc("U4", 2020, revision=2, submitted="2021-07-05T10:00:00+08:00", **SUBMITTED)


def test_a_partner_moved_to_the_next_breakdown_is_other_figures(tmp_path, loaded_copy):
    """U4's 2020 revision 2 is approved with GBR's joint institution moved from the breakdown of all joint institutions
    to that of joint laboratories (the next breakdown): the same values in the same order, other figures: a conflict."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    _write(inbox, "2020/U4_r2.json", _joint_institutions(BASE, {"DEU": 2, "GBR": 1}, {"JPN": 1}))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"]) == (1, 0)
    moved = _joint_institutions(BASE, {"DEU": 2}, {"GBR": 1, "JPN": 1})
    approval = {"status": "approved", "approved_at": "2021-09-01T10:00:00+08:00", "reviewer_account_id": "BD"}
    _write(inbox, "2020/U4_r2_approved.json", moved | approval)
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"], summary["quarantine_codes"]) == (
        0, 1, {"E_REVISION_CONFLICT": 1},
    )  # fmt: skip
