"""The national demo: the whole account tree, determinism, and mess the ETL recognises."""

from __future__ import annotations

import csv
import hashlib

import pytest

from etl.demo import generate
from etl.demo.mess import BREAKAGES
from etl.run import run
from tests.conftest import TODAY, connect


def digest(folder) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    stats = generate(root / "inbox", units=400, years=range(2018, 2021), seed=11)
    summary = run(root / "inbox", root / "wh", today=TODAY, progress=False)
    return root, stats, summary


def test_same_seed_same_bytes(tmp_path, demo):
    root, _, _ = demo
    generate(tmp_path / "again", units=400, years=range(2018, 2021), seed=11)
    assert digest(tmp_path / "again") == digest(root / "inbox")


def test_every_level1_account_and_hebeis_14_regions(demo):
    root, stats, _ = demo
    with open(root / "inbox" / "accounts.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    level1 = [r for r in rows if r["level"] == "1"]
    assert len([r for r in level1 if r["account_id"].startswith("P")]) == 31
    assert len([r for r in level1 if r["account_id"].startswith("S")]) == 5
    assert len([r for r in level1 if r["account_id"].startswith("M-")]) == 10
    assert any(r["account_id"] == "XPCC" for r in level1)
    hebei = [r for r in rows if r["parent_account_id"] == "P13"]
    assert len(hebei) == 14
    assert {"定州市科学技术局", "辛集市科学技术局", "雄安新区改革发展局"} <= {r["name"] for r in hebei}
    assert len([r for r in rows if r["level"] == "3"]) == stats["level3_units"] == 400
    assert {r["unit_type"] for r in rows if r["level"] == "3"} >= {"university", "research_institute", "hospital",
                                                                  "enterprise", "hitech_zone"}  # fmt: skip


def test_demo_has_realistic_mess_and_the_etl_quarantines_it(demo):
    _, stats, summary = demo
    assert stats["draft"] > 0 and stats["returned"] > 0 and stats["missing"] > 0
    assert {k.removeprefix("invalid:") for k in stats if k.startswith("invalid:")} == set(BREAKAGES)
    assert summary["quarantined"] >= len(BREAKAGES) - 1  # an empty file may repeat another's bytes
    assert set(summary["quarantine_codes"]) >= set(BREAKAGES) - {"F-04"}  # F-04 cannot apply to a ministry
    assert summary["superseded"] > 0


def test_demo_has_the_2020_exchange_collapse(demo):
    root, _, _ = demo
    con = connect(root / "wh")
    out = dict(con.execute(
        "select survey_year, out_person_times from mart_rollup where scope_id = 'CN' and basis = 'finished' and unit_type = 'ALL'"
    ).fetchall())  # fmt: skip
    con.close()
    assert out[2020] < 0.4 * out[2019]


def test_a_batch_demo_loads_the_same_documents_as_single_files(tmp_path, demo):
    """`etl demo --batch N`: the same documents as lines of <year>/export-NNNN.jsonl (empty documents cannot be lines)."""
    _, stats, summary = demo
    batched = generate(tmp_path / "inbox", units=400, years=range(2018, 2021), seed=11, batch=500)
    assert sorted(p.name for p in (tmp_path / "inbox" / "2018").iterdir())[:2] == [
        "export-0001.jsonl",
        "export-0002.jsonl",
    ]
    assert not list((tmp_path / "inbox").rglob("*.json"))
    assert {k: v for k, v in batched.items() if k != "invalid:E_EMPTY"} == {
        k: v for k, v in stats.items() if k != "invalid:E_EMPTY"
    }
    again = run(tmp_path / "inbox", tmp_path / "wh", today=TODAY, progress=False)
    empty = stats["invalid:E_EMPTY"]
    assert again["documents_in"] == summary["documents_in"] - empty
    assert again["loaded"] == summary["loaded"] and again["superseded"] == summary["superseded"]
    assert again["quarantined"] == summary["quarantined"] - summary["quarantine_codes"].get("E_EMPTY", 0)
