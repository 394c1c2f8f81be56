"""Soft findings of the intake (C-23, A-10, A-11): loaded as sent, each named on 数据质量 so it can be corrected.

One tiny warehouse: the fixture's registry plus a ministry (教育部 › 直属高校 › 中山示例大学 in 广州, 440100: a
ministry's units are all over the country) and a unit the registry itself puts in 广州 under 石家庄.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from etl.run import run
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import REGISTRY, doc

MINISTRY = """MOE,,1,教育部,教育部,110000,gov_agency,central,false
MOE-B1,MOE,2,教育部直属高校,直属高校,110000,other,,false
MU1,MOE-B1,3,中山示例大学,中山示例大学,440100,university,,false
GZ1,SJZ,3,广州示例研究院,广州示例研究院,440100,research_institute,,false
"""


def _unit(account: str, parent: str, division: str) -> dict:
    """A level-3 document of an account the fixture's doc() does not know, in `division`."""
    body = copy.deepcopy(doc("U1", 2020))
    body.update(account_id=account, parent_account_id=parent)
    body["unit_profile"]["admin_division_code"] = division
    return body


def _documents() -> dict[str, dict]:
    u1 = doc("U1", 2020, out={"usa": 3, "DEU": 1}, funds={"unit_self": 10})  # C-23: read as USA
    u2 = doc("U2", 2020, funds={"unit_self": 5})
    u2["unit_profile"]["admin_division_code"] = "440100"  # A-10: 广州, but U2 is 石家庄's (registry: 130102)
    u3 = doc("U3", 2020, out={"usa": 2, "USA": 1})  # usa cannot become USA here: quarantined, readably
    sjz = doc("SJZ", 2020) | {"reports_municipal_funds": False}  # the registry says SJZ reports them
    bd = doc("BD", 2020) | {"reports_municipal_funds": False}  # agrees with the registry: no finding
    return {
        "2020/U1_r1.json": u1,
        "2020/U2_r1.json": u2,
        "2020/U3_r1.json": u3,
        "2020/SJZ_r1.json": sjz,
        "2020/BD_r1.json": bd,
        "2020/MU1_r1.json": _unit("MU1", "MOE-B1", "440100"),  # a ministry's unit in 广州: no finding
        "2020/GZ1_r1.json": _unit("GZ1", "SJZ", "440100"),  # the registry's own mistake: A-10
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("intake_findings")
    inbox = root / "inbox"
    (inbox / "2020").mkdir(parents=True)
    (inbox / "accounts.csv").write_text(REGISTRY + MINISTRY, encoding="utf-8")
    for name, body in _documents().items():
        (inbox / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    summary = run(inbox, root / "wh", today=TODAY, progress=False)
    assert (summary["loaded"], summary["quarantined"]) == (6, 1)  # soft findings load; only U3 is refused
    return root / "wh"


def _warnings(wh: Path, code: str) -> list[tuple]:
    con = connect(wh)
    rows = con.execute(
        "select account_id, path, value, message_zh from quality_findings where kind = 'warning' and code = $code "
        "order by all",
        {"code": code},
    ).fetchall()
    con.close()
    return rows


def test_a_lower_case_partner_code_is_read_upper_cased_with_a_finding(warehouse):
    assert _warnings(warehouse, "C-23") == [
        ("U1", "by_partner.out_person_times.usa", "usa",
         "出访人次（按国家（地区）分列）：伙伴代码应为三位大写字母（如 USA），已按 USA 读入"),
    ]  # fmt: skip
    con = connect(warehouse)
    partners = con.execute(
        "select partner_code, value from core_partner_values where account_id = 'U1' and field = 'out_person_times' "
        "order by 1"
    ).fetchall()
    con.close()
    assert partners == [("DEU", 1), ("USA", 3)]


def test_a_lower_case_code_next_to_its_capitals_is_refused_with_a_readable_path(warehouse):
    con = connect(warehouse)
    rows = con.execute(
        "select code, path, value, message_zh from quality_findings where kind = 'quarantine' and account_id = 'U3'"
    ).fetchall()
    con.close()
    assert rows == [
        (
            "E_SCHEMA",
            "by_partner.out_person_times.usa",
            "usa",
            "出访人次（按国家（地区）分列）：应为三位大写字母代码（如 USA）",
        )
    ]


def test_a_unit_outside_its_regional_parents_area_is_flagged_but_not_a_ministrys_unit(warehouse):
    assert _warnings(warehouse, "A-10") == [
        ("GZ1", "unit_profile.admin_division_code", "440100",
         "单位基本情况·所在地行政区划代码：440100 不在上级账号 石家庄市（130100）的行政区划内：请核对填报或账号注册表"),
        ("U2", "unit_profile.admin_division_code", "440100",
         "单位基本情况·所在地行政区划代码：440100 不在上级账号 石家庄市（130100）的行政区划内：请核对填报或账号注册表"),
    ]  # fmt: skip  # MU1 (教育部直属高校, 110000) is in 广州 too: no finding


def test_a_header_disagreeing_with_the_registry_on_municipal_funds_is_flagged(warehouse):
    assert _warnings(warehouse, "A-11") == [
        ("SJZ", "reports_municipal_funds", "False",
         "本账号是否单独填报市级财政经费：填写为“否”，账号注册表为“是”：经费剔除按注册表计算，请核对注册表或表头"),
    ]  # fmt: skip  # BD wrote false, as its registry row says: no finding
