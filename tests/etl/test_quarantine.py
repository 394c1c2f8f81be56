"""Bad documents are quarantined with a code, a field path and a Chinese message; the rest still loads."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.inbox import BROKEN


def test_summary_reconciles(fixture_run):
    _, summary = fixture_run
    assert summary["documents_in"] == 28
    assert (summary["loaded"], summary["superseded"], summary["quarantined"], summary["unchanged"]) == (13, 3, 12, 0)


@pytest.mark.parametrize(("name", "code"), [(k, v[1]) for k, v in BROKEN.items()])
def test_each_broken_document_is_quarantined_with_its_code(fixture_run, name, code):
    warehouse, _ = fixture_run
    reports = list((warehouse / "quarantine").glob(f"{name.removesuffix('.json')}__*.report.json"))
    assert len(reports) == 1, f"no quarantine report for {name}"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    assert code in {p["code"] for p in report["problems"]}
    for p in report["problems"]:
        assert p["message_zh"] and p["message_en"] and "path" in p and "value" in p
    # the rejected bytes are kept next to the report, unchanged
    kept = reports[0].with_name(reports[0].name.replace(".report.json", ".json"))
    assert kept.read_bytes() == BROKEN[name][0]


# One violating document per rule family, with the field and the Chinese message it must name.
FAMILY = [
    ("2020/U1_r2.json", "F-02", "funding.fund_total_all", "经费合计（全部来源，备查）：≠ 各来源之和 380.00 万元"),
    ("2020/U3_r2.json", "C-02", "exchange.out_pt_*", "各交流目的人次之和 11 ≠ 人次 8"),
    ("2020/U4_r2.json", "H-02", "exchange.in_person_times_hmt", "来访人次中：港澳台：≠ 分列中中国香港、中国澳门、中国台湾之和 0"),
    ("2019/U2_r2.json", "A-01", "parent_account_id", "上级账号ID：与注册表不一致（注册表为 SJZ）"),
    ("2019/U3_r2.json", "E_SCHEMA", "exchange.out_groups", "人员交流·出访团组（批次）数：应为整数"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "code", "path", "message"), FAMILY)
def test_rule_family_message_names_the_field(fixture_db, name, code, path, message):
    rows = fixture_db.execute(
        "select path, message_zh from quality_quarantine where source_file = ? and code = ?", [name, code]
    ).fetchall()
    assert rows, f"{name} not quarantined with {code}"
    assert rows[0][0] == path
    assert message in rows[0][1]


def test_valid_predecessor_stays_current_when_a_correction_is_rejected(fixture_db):
    row = fixture_db.execute(
        "select revision, source_file from core_submissions where account_id = 'U1' and survey_year = 2020 and is_current"
    ).fetchone()
    assert row == (1, "2020/U1_r1.json")


def test_soft_rules_load_with_warnings(fixture_db):
    # U1 2019 has funds but reports no projects; HB 2020 etc. load — warnings are queryable, not blocking.
    codes = {r[0] for r in fixture_db.execute("select distinct code from quality_findings").fetchall()}
    assert "F-02" in codes and "E_JSON" in codes  # quarantine problems are on the data-quality view too
    assert fixture_db.execute("select count(*) from quality_warnings where severity <> 'S'").fetchone()[0] == 0
