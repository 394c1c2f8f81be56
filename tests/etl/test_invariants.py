"""A database that breaks a warehouse invariant is never published: the run stops naming it, readers keep the last one.

Each case corrupts the marts right after the build (or a patch) made them, as a wrong change to the mart
SQL would, and the run must fail on that invariant with nothing new published.
"""

from __future__ import annotations

import pytest

from etl import invariants, marts
from etl import patch as patch_module
from etl.invariants import INVARIANTS, InvariantError
from etl.run import run
from tests.conftest import TODAY, connect
from tests.etl.test_patch import _write
from tests.fixtures.inbox import doc, write_inbox

# invariant → a corruption that breaks it (and, for I-01 and I-02, nothing else)
CORRUPTIONS = {
    # SJZ's 2020 reportable funds one 万元 more than its own 100 + U1 100 + U2 50
    "I-01": "update mart_rollup set fund_reportable = fund_reportable + 1 where scope_id = 'SJZ' "
            "and survey_year = 2020 and basis = 'finished' and unit_type = 'ALL'",
    # one USA person-time more in SJZ's partner roll-up than in its 45 outbound person-times
    "I-02": "update mart_partner_rollup set value = value + 1 where scope_id = 'SJZ' and survey_year = 2020 "
            "and basis = 'finished' and field = 'out_person_times' and partner_code = 'USA'",
    "I-03": "insert into mart_choices select * from mart_choices limit 1",
    "I-04": "insert into core_account_closure values ('GHOST', 'U1', 1)",
}  # fmt: skip


def _published(wh) -> tuple[str, list[str]]:
    """The CURRENT pointer and the files of db/: what readers are served, and that nothing half-made stayed."""
    return (wh / "CURRENT").read_text(), sorted(p.name for p in (wh / "db").iterdir())


def corrupt_marts(monkeypatch, invariant: str) -> None:
    """Every build from now on breaks `invariant` right after making its marts."""
    create = marts.create

    def corrupted(con, step=lambda what: None):
        create(con, step)
        con.execute(CORRUPTIONS[invariant])

    monkeypatch.setattr(marts, "create", corrupted)


@pytest.mark.parametrize("code", sorted(CORRUPTIONS))
def test_a_build_that_breaks_an_invariant_is_not_published(tmp_path, loaded_copy, monkeypatch, code):
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    before = _published(wh)
    corrupt_marts(monkeypatch, code)
    monkeypatch.setattr("etl.run.build_version", lambda: "upgraded")  # new mart code: a rebuild
    with pytest.raises(InvariantError) as failed:
        run(inbox, wh, today=TODAY, progress=False)
    assert failed.value.codes == [code]
    assert f"{code} {INVARIANTS[code]}" in str(failed.value)
    assert str(failed.value).startswith("数据仓库一致性检查未通过，本次数据库未发布（继续使用上一版）")
    assert _published(wh) == before


def test_the_message_names_where_a_rollup_does_not_add_up(tmp_path, monkeypatch):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    corrupt_marts(monkeypatch, "I-01")
    with pytest.raises(InvariantError) as failed:
        run(inbox, wh, today=TODAY, progress=False)
    # SJZ's row against U1 + U2 + its own, and HB's (which holds SJZ's true 45) against its children's rows
    assert "2 处不符，例如 HB 2020 finished ALL: fund_reportable；SJZ 2020 finished ALL: fund_reportable" in str(
        failed.value
    )
    assert not (wh / "CURRENT").exists() and not list((wh / "db").iterdir())


def test_a_patch_that_breaks_an_invariant_is_not_published(tmp_path, loaded_copy, monkeypatch):
    """U1 corrects 2020; the patched roll-up of HB is off by one: nothing published, and the next run recovers."""
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    before = _published(wh)
    _write(inbox, "2020/U1_r9.json", doc("U1", 2020, revision=9, funds={"provincial": 70, "unit_self": 100}))
    rollup = patch_module._rollup

    def corrupted(con):
        rollup(con)
        con.execute("update mart_rollup set fund_reportable = fund_reportable + 1 where scope_id = 'HB' "
                    "and survey_year = 2020 and basis = 'finished' and unit_type = 'ALL'")  # fmt: skip

    with monkeypatch.context() as m:
        m.setattr(patch_module, "_rollup", corrupted)
        with pytest.raises(InvariantError) as failed:
            run(inbox, wh, today=TODAY, progress=False)
    assert failed.value.codes == ["I-01"]
    assert "HB 2020 finished ALL: fund_reportable" in str(failed.value)
    assert _published(wh) == before
    summary = run(inbox, wh, today=TODAY, progress=False)  # the committed run is built into the next database
    assert summary["warehouse_rebuilt"]
    con = connect(wh)
    assert con.execute("select fund_src_provincial from mart_rollup where scope_id = 'U1' and survey_year = 2020 "
                       "and basis = 'finished' and unit_type = 'ALL'").fetchone() == (70,)  # fmt: skip
    con.close()


# invariant → (a resubmission, what the patch then gets wrong, what the message names). A patch's checks look only at
# what it wrote or deleted, so each case breaks an invariant there, as a wrong change to the patch would.
U1_CORRECTS = ("2020/U1_r9.json", doc("U1", 2020, revision=9, funds={"provincial": 70, "unit_self": 100}))
PATCH_CORRUPTIONS = {
    # U1's ancestors' rows were written by the patch; SJZ's one 万元 more than U1's, U2's and its own
    "I-01": (U1_CORRECTS, CORRUPTIONS["I-01"], "SJZ 2020 finished ALL: fund_reportable"),
    # SJZ corrects its own figures: its row is summed again from its children and its own version
    "I-01 own version": (("2020/SJZ_r9.json", doc("SJZ", 2020, revision=9, funds={"municipal": 90})),
                         CORRUPTIONS["I-01"], "SJZ 2020 finished ALL: fund_reportable"),
    # a patch that deletes rows it does not account for: U2's 4 (2 bases × 'ALL' and its type), whose figures did
    # not change, beside the 16 it rewrote (U1's 4, SJZ's, HB's and 全国's, for ALL and for university)
    "I-01 unrecorded deletion": (U1_CORRECTS, "delete from mart_rollup where scope_id = 'U2'",
                                 "mart_rollup 删除 20 行，检查只拿到其中 16 行"),
    # SJZ's partner rows are summed again because its roll-up row was written. U1 no longer goes abroad, so SJZ's 5
    # outbound person-times are U2's to Japan: one more in the partner roll-up
    "I-02": (U1_CORRECTS, "update mart_partner_rollup set value = value + 1 where scope_id = 'SJZ' and survey_year = "
                          "2020 and basis = 'finished' and field = 'out_person_times' and partner_code = 'JPN'",
             "SJZ 2020 finished ALL out_person_times: 5.0 ≠ 6.0"),
    "I-03": (U1_CORRECTS, CORRUPTIONS["I-03"], "mart_choices "),
    "I-04": (U1_CORRECTS, CORRUPTIONS["I-04"], "core_account_closure GHOST U1"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(PATCH_CORRUPTIONS))
def test_a_patch_that_breaks_each_invariant_is_not_published(tmp_path, loaded_copy, monkeypatch, case):
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded
    before = _published(wh)
    (name, body), corruption, named = PATCH_CORRUPTIONS[case]
    _write(inbox, name, body)
    check = invariants.check

    def corrupted(con, *, patch=False):
        if patch:  # the patch made its rows: now it gets them wrong
            con.execute(corruption)
        check(con, patch=patch)

    monkeypatch.setattr(invariants, "check", corrupted)
    with pytest.raises(InvariantError) as failed:
        run(inbox, wh, today=TODAY, progress=False)
    assert failed.value.codes == [case.split()[0]]
    assert named in str(failed.value)
    assert _published(wh) == before


def test_a_patch_that_breaks_nothing_passes_its_checks(tmp_path, loaded_copy, monkeypatch):
    """The same resubmissions, patched right: every check is run on the patch and finds nothing."""
    inbox, wh = loaded_copy(tmp_path)
    for (name, body), _, _ in PATCH_CORRUPTIONS.values():
        _write(inbox, name, body)
    checked = []
    check = invariants.check
    monkeypatch.setattr(
        invariants, "check", lambda con, *, patch=False: checked.append(patch) or check(con, patch=patch)
    )
    assert run(inbox, wh, today=TODAY, progress=False)["warehouse_patched"]
    assert checked == [True]


def test_the_command_line_says_why_in_chinese_and_exits_3(tmp_path, monkeypatch, capsys):
    from etl.__main__ import main

    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    corrupt_marts(monkeypatch, "I-03")
    assert main(["run", "--inbox", str(inbox), "--warehouse", str(wh), "--quiet", "--workers", "1"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("错误：数据仓库一致性检查未通过，本次数据库未发布（继续使用上一版）")
    assert "I-03 主键唯一（各汇总表、账号表和闭包表）：1 处不符，例如 mart_choices " in err
