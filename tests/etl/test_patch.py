"""A run with a few resubmissions patches a copy of the published database instead of rebuilding it.

The patched database must be, table by table, what a rebuild from the same history makes; the figures
asserted below are worked out by hand from tests/fixtures/inbox.py.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import duckdb
import pytest

from etl import config, hierarchy
from etl.build import build
from etl.run import run
from etl.store import Warehouse
from tests.conftest import TODAY, connect, run_killed_in
from tests.fixtures.inbox import VALID, doc, project, write_inbox


def _write(inbox: Path, name: str, body: dict) -> None:
    (inbox / name).parent.mkdir(exist_ok=True)
    (inbox / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def resubmit(inbox: Path) -> None:
    """Five new files: corrections (one superseded at once), a first submission, and one to quarantine."""
    # U1 corrects 2020: FRA +2 outbound, drops the numbered national project (U2 still reports it), adds a
    # led standard ISO 2, and is only submitted now (it was approved).
    _write(inbox, "2020/U1_r5.json", doc(
        "U1", 2020, revision=5, out={"USA": 20, "DEU": 12, "HKG": 5, "TWN": 3, "FRA": 2}, inbound={"DEU": 10},
        funds={"central": 200, "provincial": 50, "municipal": 30, "unit_self": 80, "foreign": 20}, foreign={"DEU": 20},
        projects=[project("U1-A", "lead", "unit", ["USA", "HKG"], unit_self=30)],
        standards=[("ISO 1", "lead"), ("ISO 2", "lead")], orgs=["ISO"], papers={"USA": 20, "GBR": 10},
        problems=["funding_shortage", "travel_approval_visa"]))  # fmt: skip
    # U3 corrects 2020: leaves the optional person-days empty and names another problem.
    u3 = doc("U3", 2020, revision=3, status="approved", submitted="2021-08-06T10:00:00+08:00",
             out={"USA": 4, "MAC": 4}, funds={"provincial": 20, "municipal": 15, "unit_self": 5},
             problems=["travel_approval_visa"])  # fmt: skip
    del u3["exchange"]["out_person_days"]
    _write(inbox, "2020/U3_r3.json", u3)
    # SJZ files 2019 for the first time.
    _write(inbox, "2019/SJZ_r1.json", doc("SJZ", 2019, funds={"municipal": 60}))
    # U3's revision 2 arrives in the same run as revision 3: it is kept as history and counts nowhere.
    _write(inbox, "2020/U3_r2b.json", doc("U3", 2020, revision=2, status="approved", out={"USA": 40},
                                           submitted="2021-08-05T12:00:00+08:00"))  # fmt: skip
    broken = copy.deepcopy(VALID["2020/U4_r1.json"])
    broken["revision"], broken["exchange"]["in_person_times_hmt"] = 9, 2
    _write(inbox, "2020/U4_r9.json", broken)


@pytest.fixture(scope="module")
def patched(tmp_path_factory, loaded_copy) -> tuple[Path, dict, Path]:
    """(warehouse, summary of the patching run, inbox) after the fixture load and the resubmissions."""
    inbox, wh = loaded_copy(tmp_path_factory.mktemp("patch"))  # the fixture inbox, loaded
    resubmit(inbox)
    return wh, run(inbox, wh, today=TODAY, progress=False), inbox


def test_resubmissions_are_patched_in(patched):
    wh, summary, _ = patched
    assert summary["warehouse_patched"] and summary["warehouse_rebuilt"]
    counts = tuple(summary[k] for k in ("documents_in", "unchanged", "loaded", "superseded", "quarantined"))
    assert counts == (33, 28, 3, 1, 1)
    assert "H-02" in summary["quarantine_codes"]
    steps = summary["steps_s"]  # where a slow run's time went
    assert {
        "scan",
        "compare",
        "history",
        "registry",
        "check",
        "commit",
        "patch",
        "patch.rollup",
        "patch.checkpoint",
    } <= set(steps)
    assert "build" not in steps and all(v >= 0 for v in steps.values())
    assert summary["steps_cpu_s"].keys() == steps.keys()  # and whether each computed or waited
    meta = connect(wh).execute("select kind from meta_build order by kind").fetchall()
    assert meta == [("build",), ("patch",)]


def test_patched_figures_by_hand(patched):
    con = connect(patched[0])

    def rollup(scope: str, year: int, cols: str, basis: str = "finished") -> tuple:
        return con.execute(
            f"select {cols} from mart_rollup where scope_id = $s and survey_year = $y and basis = $b "
            "and unit_type = 'ALL'",
            {"s": scope, "y": year, "b": basis},
        ).fetchone()

    # outbound: HB 10 + U1 42 + U2 5 + U3 8 = 65; INTL partners USA DEU JPN RUS + FRA = 5; standards ISO 1, ISO 2
    # both led; projects: the national one (still U2's) and U1-A = 2 distinct, from 3 rows to 2.
    assert rollup("HB", 2020, "out_person_times, n_partner_countries_exchange, std_total, std_led, "
                              "proj_active_distinct, proj_active") == (65, 5, 2, 2, 2, 2)  # fmt: skip
    assert rollup("U1", 2020, "proj_active_distinct, std_total") == (1, 2)
    # approved basis: HB and U3 are left (U1 is only submitted now)
    assert rollup("HB", 2020, "n_reported, out_person_times", "approved") == (2, 18)
    # U3 left person-days empty: its own sum is empty, BD's and HB's keep the others' (U4's 0; HB's 100 + U1's 400 …)
    assert rollup("U3", 2020, "out_person_days") == (None,)
    assert rollup("BD", 2020, "out_person_days") == (0,)
    assert rollup("HB", 2020, "out_person_days") == (100 + 420 + 50,)
    # On the approved basis U3 was all BD had (BD and U4 are only submitted): with U3's days gone BD's sum is empty, not
    # 0; HB keeps its own 100
    assert rollup("BD", 2020, "n_reported, out_person_days", "approved") == (1, None)
    assert rollup("HB", 2020, "out_person_days", "approved") == (100,)
    # SJZ's first 2019 form beside U1's and U2's: the 60 municipal funds it reports itself
    assert rollup("SJZ", 2019, "n_reported, fund_src_municipal") == (3, 60)
    progress = con.execute(
        "select n_finished, n_missing from mart_filling_rollup where scope_id = 'HB' and survey_year = 2019 "
        "and unit_type = 'ALL'"
    ).fetchone()
    assert progress == (6, 0)  # HB, SJZ, U1, U2, U3, U4 (approved r2); BD is still a draft
    problems = con.execute(
        "select value, n_units from mart_choices where scope_id = 'HB' and survey_year = 2020 and basis = 'finished' "
        "and unit_type = 'ALL' and field = 'problems' order by value"
    ).fetchall()
    assert problems == [("funding_shortage", 1), ("travel_approval_visa", 2)]
    fra = con.execute(
        "select value, n_units from mart_partner_rollup where scope_id = 'SJZ' and survey_year = 2020 "
        "and basis = 'finished' and field = 'out_person_times' and partner_code = 'FRA'"
    ).fetchall()
    assert fra == [(2.0, 1)]
    approved_u1 = con.execute(
        "select count(*) from mart_partner_rollup where scope_id = 'U1' and survey_year = 2020 and basis = 'approved'"
    ).fetchone()
    assert approved_u1 == (0,)  # its approved-basis rows went with its approval
    con.close()


def test_patch_equals_rebuild(patched):
    """Every table of the patched database holds the same rows as a rebuild of the same runs."""
    wh_root, _, inbox = patched
    wh = Warehouse(wh_root)
    full = build(wh, wh.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb")
    _assert_same_tables(wh.current_db(), full)
    full.unlink()


def _assert_same_tables(patched_db: Path, rebuilt_db: Path) -> None:
    """Every table (but meta_build, the files' own history) holds the same rows in both files."""
    con = duckdb.connect()
    con.execute(f"attach '{patched_db}' as p (read_only)")
    con.execute(f"attach '{rebuilt_db}' as f (read_only)")
    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = 'f' and table_name <> 'meta_build' order by 1"
    ).fetchall()]  # fmt: skip
    assert {"mart_rollup", "mart_distinct_refs", "mart_partner_rollup", "mart_filling_rollup"} <= set(tables)
    for t in tables:
        # Sums of DOUBLE partner values differ in the last bit with the order they are added in (a rebuild's
        # own parallel sums do too): they are compared to 1e-6 万元/人次.
        cols = ", ".join(
            f"round({c}, 6) as {c}" if kind == "DOUBLE" else c
            for c, kind in con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = 'f' and table_name = $t "
                "order by column_index", {"t": t}).fetchall()
        )  # fmt: skip
        extra = con.execute(f"select count(*) from (select {cols} from p.{t} except all select {cols} from f.{t})")
        extra = extra.fetchone()[0]
        missing = con.execute(f"select count(*) from (select {cols} from f.{t} except all select {cols} from p.{t})")
        assert (t, extra, missing.fetchone()[0]) == (t, 0, 0)
    con.close()


def test_f12_leaves_small_changes_alone(tmp_path):
    """U4 2019 → 1 万元 makes its 2020 (10 万元) ten times last year's, but by 9 万元: below F-12's 200 万元."""
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    _write(inbox, "2019/U4_r9.json", doc("U4", 2019, revision=9, funds={"unit_self": 1}))
    run(inbox, wh, today=TODAY, progress=False)
    con = connect(wh)
    assert con.execute("select count(*) from quality_checks where code = 'F-12'").fetchone() == (0,)
    con.close()


def test_warehouse_checks_follow_a_patch(tmp_path):
    """F-09 and F-12 worked out by hand, after a patch and in a rebuild of the same runs.

    U1 now reports 700 万元 of provincial money for 2020: HB's units hold 700 + U3's 20 = 720 万元, more than
    1.2 × HB's own 500 (F-09, on HB). U4 corrects 2019 to 300 万元 reportable: its unchanged 2020 (10 万元)
    is then less than 0.2 × last year's, by 290 ≥ 200 万元 (F-12, on a year the run did not touch).
    """
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    found = ("select code, account_id, survey_year, value, message_zh from quality_checks "
             "where code in ('F-09', 'F-12') order by all")  # fmt: skip
    f12 = ("F-12", "U4", 2020, "10.00", "计入统计经费由上年 300.00 万元变为 10.00 万元（下降97%）")
    run(inbox, wh, today=TODAY, progress=False)
    con = connect(wh)
    assert con.execute(found).fetchall() == []
    con.close()
    _write(inbox, "2020/U1_r9.json", doc("U1", 2020, revision=9, funds={"provincial": 700, "unit_self": 100}))
    _write(inbox, "2019/U4_r9.json", doc("U4", 2019, revision=9, funds={"unit_self": 300}))
    summary = run(inbox, wh, today=TODAY, progress=False)
    assert (summary["warehouse_patched"], summary["loaded"]) == (True, 2)
    con = connect(wh)
    assert con.execute(found).fetchall() == [
        ("F-09", "HB", 2020, "720.00", "辖区内单位填报的省级经费（备查）720.00 万元，超过本级省级经费的1.2倍"), f12,
    ]  # fmt: skip
    con.close()
    store = Warehouse(wh)
    full = build(
        store, store.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb"
    )
    _assert_same_tables(store.current_db(), full)
    # U1 takes it back: HB's finding goes, U4's stays.
    _write(inbox, "2020/U1_r10.json", doc("U1", 2020, revision=10, funds={"provincial": 50, "unit_self": 100}))
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_patched"]
    con = connect(wh)
    assert con.execute(found).fetchall() == [f12]
    con.close()


def test_new_survey_year_is_rebuilt(tmp_path):
    inbox = write_inbox(tmp_path / "inbox", only=[k for k in VALID if k.startswith("2019/")])
    run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    _write(inbox, "2020/HB_r1.json", VALID["2020/HB_r1.json"])
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["warehouse_rebuilt"], summary["warehouse_patched"]) == (1, True, False)
    con = connect(tmp_path / "wh")
    assert con.execute("select kind from meta_build").fetchall() == [("build",)]
    con.close()


CONTENT = ("by_partner", "exchange", "projects", "funding", "conference", "institution", "agreement", "intl_org",
           "outcome", "talent", "policy", "intl_orgs", "standards", "big_science")  # fmt: skip


def test_patch_equals_rebuild_on_demo_data(tmp_path, demo_copy):
    """300 generated units (the session's demo): 40 corrections take a sibling's figures, projects and choices and
    flip their approval; some also change unit type, are sent back (leaving both bases) or leave an optional total
    empty."""
    import random

    inbox, _ = demo_copy
    rng = random.Random(3)
    docs = {}
    for p in sorted(inbox.glob("*/*.json")):
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(d, dict) and d.get("account_level") == 3 and d.get("status") in ("submitted", "approved"):
            docs[p] = d
    _take_siblings_figures(docs, rng, 40, "_fix")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert summary["warehouse_patched"]
    assert summary["loaded"] >= 30, summary  # most corrections are valid, so the patch has work to do
    con = connect(tmp_path / "wh")
    exercised = con.execute("""
        select
            (select count(*) from core_submissions where is_current and status = 'returned' and revision > 10),
            (select count(*) from core_measures as m inner join core_submissions as s using (version_id)
             where s.is_current and m.out_person_days is null),
            (select count(*) from core_measures as a inner join core_measures as b
             on a.account_id = b.account_id and a.survey_year = b.survey_year and a.unit_type < b.unit_type)
    """).fetchone()
    con.close()
    assert min(exercised) > 0, exercised  # units left, emptied an optional total and changed type
    wh = Warehouse(tmp_path / "wh")
    full = build(wh, wh.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb")
    _assert_same_tables(wh.current_db(), full)


def _take_siblings_figures(docs: dict[Path, dict], rng, n: int, suffix: str) -> None:
    """`n` of the level-3 units' `docs` corrected: each takes a sibling's figures, projects and choices and flips its
    approval; some also change unit type, are sent back (leaving both bases) or leave an optional total empty.
    Written beside the original as <name><suffix>.json, ten revisions higher."""
    siblings: dict[tuple, list[dict]] = {}
    for d in docs.values():
        siblings.setdefault((d["parent_account_id"], d["survey_year"]), []).append(d)
    for i, p in enumerate(rng.sample(sorted(docs), n)):
        d = copy.deepcopy(docs[p])
        other = rng.choice(siblings[(d["parent_account_id"], d["survey_year"])])
        d.update({k: copy.deepcopy(other[k]) for k in CONTENT})
        d["unit_profile"]["has_intl_activity"] = other["unit_profile"]["has_intl_activity"]
        d["revision"] += 10
        d["submission_id"] = d["submission_id"][:-4] + "beef"
        d["status"] = "approved" if d["status"] == "submitted" else "submitted"
        if i % 4 == 1 and d["unit_profile"]["unit_type"] in ("university", "research_institute"):  # changes type
            d["unit_profile"]["unit_type"] = {"university": "research_institute"}.get(d["unit_profile"]["unit_type"],
                                                                                      "university")  # fmt: skip
        if i % 5 == 2:  # sent back: the unit leaves both bases
            d["status"] = "returned"
        if i % 6 == 3:  # leaves an optional total empty
            d["exchange"].pop("out_person_days", None)
        d["approved_at"] = d["submitted_at"] if d["status"] == "approved" else None
        d["reviewer_account_id"] = d["parent_account_id"] if d["status"] == "approved" else None
        p.with_name(p.stem + suffix + ".json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")


def test_three_patches_in_a_row_each_equal_a_rebuild(tmp_path, demo_copy):
    """A seeded demo warehouse (the session's) patched three times in a row (each run corrects 25 current unit forms)
    holds after every patch, table by table, what a rebuild of the same runs makes: a patch builds on a patched file."""
    import random

    inbox, _ = demo_copy
    wh = Warehouse(tmp_path / "wh")
    rng = random.Random(17)
    for round_no in range(1, 4):
        con = connect(tmp_path / "wh")
        counted = con.execute("select s.source_file from core_submissions as s inner join core_accounts as a "
                              "using (account_id) where s.is_current and s.is_finished and a.level = 3").fetchall()  # fmt: skip
        con.close()
        docs = {inbox / f: json.loads((inbox / f).read_text(encoding="utf-8")) for (f,) in sorted(counted)}
        _take_siblings_figures(docs, rng, 25, f"_round{round_no}")
        summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
        assert (summary["warehouse_patched"], summary["loaded"] >= 20) == (True, True), summary
        con = connect(tmp_path / "wh")
        assert con.execute("select kind from meta_build").fetchall() == [("build",)] + [("patch",)] * round_no
        con.close()
        full = build(wh, wh.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb")
        _assert_same_tables(wh.current_db(), full)
        full.unlink()


def test_resubmissions_that_change_little_are_patched_like_a_rebuild(tmp_path, demo_copy):
    """Corrections as most are (on the session's demo): 30 resubmit the same figures, 10 add one outbound
    person-time to a partner (with its total and purpose), 5 of which also drop a problem they had chosen. The patch
    leaves alone the partner, choice, project and DISTINCT rows that did not change, and still equals a rebuild."""
    import random

    inbox, _ = demo_copy
    con = connect(tmp_path / "wh")
    counted = con.execute("select s.source_file from core_submissions as s inner join core_accounts as a "
                          "using (account_id) where s.is_current and s.is_finished and a.level = 3").fetchall()  # fmt: skip
    con.close()
    docs = {inbox / f: json.loads((inbox / f).read_text(encoding="utf-8")) for (f,) in sorted(counted)}
    intl = [p for p, d in docs.items() if any(c not in ("HKG", "MAC", "TWN") and v > 0
                                              for c, v in d["by_partner"].get("out_person_times", {}).items())]  # fmt: skip
    rng = random.Random(5)
    changed = rng.sample(intl, 10)
    same = rng.sample(sorted(set(docs) - set(changed)), 30)
    for i, p in enumerate(changed + same):
        d = copy.deepcopy(docs[p])
        d["revision"] += 10
        if p in changed:
            partner = next(c for c, v in d["by_partner"]["out_person_times"].items()
                           if c not in ("HKG", "MAC", "TWN") and v > 0)  # fmt: skip
            d["by_partner"]["out_person_times"][partner] += 1
            d["exchange"]["out_person_times"] += 1
            d["exchange"]["out_pt_other"] += 1
            if d["exchange"].get("out_person_days") is not None:
                d["exchange"]["out_person_days"] += 1
            if i % 2 and d["policy"]["problems"]:
                d["policy"]["problems"] = d["policy"]["problems"][1:]
        p.with_name(p.stem + "_again.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["warehouse_patched"], summary["loaded"], summary["quarantined"]) == (True, 40, 0), summary
    wh = Warehouse(tmp_path / "wh")
    full = build(wh, wh.committed_runs(), hierarchy.load(inbox / "accounts.csv"), config.load(None), "full.duckdb")
    _assert_same_tables(wh.current_db(), full)


def test_quarantine_only_and_killed_patch_are_patched(tmp_path, loaded_copy, monkeypatch):
    """A run whose only new file is quarantined still publishes its report by a patch; so does the run
    after a patch killed before publishing."""
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    broken = copy.deepcopy(VALID["2020/U4_r1.json"])
    broken["revision"], broken["exchange"]["in_person_times_hmt"] = 9, 2
    _write(inbox, "2020/U4_r9.json", broken)
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["quarantined"], summary["warehouse_patched"]) == (1, True)
    con = connect(tmp_path / "wh")
    assert con.execute(
        "select count(*) from quality_findings where kind = 'quarantine' and account_id = 'U4' and code = 'H-02'"
    ).fetchone() == (2,)  # the fixture's own 2020/U4_r2.json and this one
    con.close()
    pointer = (tmp_path / "wh" / "CURRENT").read_text()
    _write(inbox, "2019/SJZ_r1.json", doc("SJZ", 2019, funds={"municipal": 60}))
    run_killed_in("etl.patch._rollup", inbox, tmp_path / "wh", monkeypatch)
    assert (tmp_path / "wh" / "CURRENT").read_text() == pointer
    assert not list((tmp_path / "wh" / "db").glob("*.tmp"))
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["unchanged"], summary["warehouse_patched"]) == (30, True)
    con = connect(tmp_path / "wh")
    assert con.execute("select n_reported from mart_rollup where scope_id = 'SJZ' and survey_year = 2019 "
                       "and basis = 'finished' and unit_type = 'ALL'").fetchone() == (3,)  # fmt: skip
    con.close()


def test_new_files_with_nothing_new_leave_no_copy_behind(tmp_path, loaded_copy):
    """A run copies the published database for its patch while it checks; with nothing to patch the copy goes.

    A file written again with the same bytes is read again and is nothing new (a copy under another name is: it is
    listed on 数据质量)."""
    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    pointer = (tmp_path / "wh" / "CURRENT").read_text()
    path = inbox / "2020" / "HB_r1.json"
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # surely another mtime
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    assert (summary["unchanged"], summary["duplicates"], summary["warehouse_rebuilt"]) == (28, [], False)
    assert (tmp_path / "wh" / "CURRENT").read_text() == pointer
    assert sorted(p.suffix for p in (tmp_path / "wh" / "db").iterdir()) == [".duckdb"]


def test_fourth_patch_in_a_row_rebuilds(tmp_path, loaded_copy):
    """Patched rows sit unsorted at the end of the marts: after MAX_PATCHES patches the next run re-sorts."""
    from etl.patch import MAX_PATCHES

    inbox, _ = loaded_copy(tmp_path)  # the fixture inbox, loaded
    kinds = []
    for revision in range(3, 4 + MAX_PATCHES):  # HB 2019 is at revision 2
        _write(inbox, f"2019/HB_r{revision}.json", doc("HB", 2019, revision=revision, out={"USA": revision}))
        summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False)
        kinds.append("patch" if summary["warehouse_patched"] else "build")
        assert not list((tmp_path / "wh" / "db").glob("*.tmp"))  # the copy made for a patch never stays behind
    assert kinds == ["patch"] * MAX_PATCHES + ["build"]
    con = connect(tmp_path / "wh")
    assert con.execute("select kind from meta_build").fetchall() == [("build",)]
    assert con.execute(
        "select out_person_times from mart_rollup where scope_id = 'HB' and survey_year = 2019 and basis = 'finished' "
        "and unit_type = 'ALL'"
    ).fetchone() == (6 + 30 + 6 + 2,)  # HB's own 6 (revision 6), U1 20 + 10, U3 6, U4 2 (BD: draft; SJZ, U2: none)
    con.close()
