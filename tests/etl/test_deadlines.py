"""按时 and deadlines: each account's own (or inherited) earlier deadline, and a returned form is never on time.

Hand-worked case, survey year 2020, national deadline 2021-07-31, 河北 (HB) sets 2021-07-23 for its subtree:

    U1 submitted 2021-07-20                       finished, on time
    U2 submitted 2021-07-25                       finished, late against HB's 07-23 (on time nationally)
    U3 submitted 2021-07-01, then r2 returned     not finished: not on time, on the 督促名单
    U4 approved, submitted 2021-07-01             finished, on time
    HB, SJZ, BD                                   missing
"""

from __future__ import annotations

import json

import pytest

from etl.run import run
from tests.conftest import TODAY, connect
from tests.fixtures.inbox import REGISTRY, doc

CONFIG = """
[deadlines]
default = "07-31"
2020 = "2021-07-31"

[deadlines.accounts]
HB = { 2020 = "2021-07-23" }
SJZ = { 2020 = "2021-08-15" }  # later than the national deadline: has no effect

[funding]
municipal_exclusion_provinces = []

[years]
first = 2005
"""


@pytest.fixture(scope="module")
def deadline_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("deadlines")
    inbox = root / "inbox"
    (inbox / "2020").mkdir(parents=True)
    (inbox / "accounts.csv").write_text(REGISTRY, encoding="utf-8")
    docs = {
        "U1_r1": doc("U1", 2020, submitted="2021-07-20T10:00:00+08:00", out={"USA": 2}),
        "U2_r1": doc("U2", 2020, submitted="2021-07-25T10:00:00+08:00", out={"USA": 3}),
        "U3_r1": doc("U3", 2020, submitted="2021-07-01T10:00:00+08:00", out={"USA": 4}),
        "U3_r2": doc("U3", 2020, revision=2, status="returned", submitted="2021-07-02T10:00:00+08:00", out={"USA": 4}),
        "U4_r1": doc("U4", 2020, status="approved", submitted="2021-07-01T10:00:00+08:00", out={"USA": 5}),
    }
    for name, body in docs.items():
        (inbox / "2020" / f"{name}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    config = root / "survey.toml"
    config.write_text(CONFIG, encoding="utf-8")
    run(inbox, root / "wh", config_path=config, today=TODAY, progress=False)
    con = connect(root / "wh")
    yield con
    con.close()


def test_each_account_gets_its_own_deadline_and_who_set_it(deadline_db):
    rows = deadline_db.execute(
        "select account_id, strftime(deadline, '%Y-%m-%d'), deadline_set_by, status, on_time, is_outstanding "
        "from mart_filling_status where survey_year = 2020 order by account_id"
    ).fetchall()
    hb = ("2021-07-23", "河北省科学技术厅")
    assert rows == [
        ("BD", *hb, "missing", False, True),
        ("HB", *hb, "missing", False, True),
        ("SJZ", *hb, "missing", False, True),
        ("U1", *hb, "submitted", True, False),
        ("U2", *hb, "submitted", False, False),  # 07-25: late for 河北, though before the national 07-31
        ("U3", *hb, "returned", False, True),  # first submitted on time, but its current revision was returned
        ("U4", *hb, "approved", True, False),
    ]


def test_on_time_never_exceeds_finished_at_any_scope(deadline_db):
    rows = deadline_db.execute(
        "select scope_id, strftime(deadline, '%Y-%m-%d'), deadline_set_by, strftime(deadline_earliest, '%Y-%m-%d'), "
        "n_expected, n_finished, n_on_time from mart_filling_rollup "
        "where survey_year = 2020 and unit_type = 'ALL' and scope_id in ('CN', 'HB', 'SJZ', 'BD') order by scope_id"
    ).fetchall()
    assert rows == [
        (
            "BD",
            "2021-07-23",
            "河北省科学技术厅",
            "2021-07-23",
            3,
            1,
            1,
        ),  # U3 returned: 已报 1, 按时 1 (was 按时 2 > 已报 1)
        ("CN", "2021-07-31", "全国", "2021-07-23", 7, 3, 2),
        ("HB", "2021-07-23", "河北省科学技术厅", "2021-07-23", 7, 3, 2),
        ("SJZ", "2021-07-23", "河北省科学技术厅", "2021-07-23", 3, 2, 1),
    ]
