"""Rules whose common case is skipped in bulk still name every offending value, in document order."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from etl import config, hierarchy, reference, validate
from tests.fixtures.inbox import REGISTRY, doc, project


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> validate.Context:
    registry = tmp_path_factory.mktemp("registry") / "accounts.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    return validate.Context(hierarchy.load(registry), reference.load(), config.load(None), dt.date(2025, 12, 31))


def _findings(ctx: validate.Context, d: dict) -> list[tuple[str, str, object]]:
    checked = validate.check(json.dumps(d).encode(), ctx, source="t.json", sha="0" * 64)
    return [(p.code, p.path, p.value) for p in checked.findings.items]


def test_partner_without_relations_is_flagged_for_review(ctx):
    # 不丹 (BTN) has no diplomatic relations with the PRC: a soft C-19 on its own row; USA passes.
    found = _findings(ctx, doc("U1", 2020, out={"USA": 3, "BTN": 2}))
    assert [f for f in found if f[0] == "C-19"] == [("C-19", "by_partner.out_person_times.BTN", "BTN")]


def test_breakdown_of_valid_partners_has_no_partner_finding(ctx):
    found = _findings(ctx, doc("U1", 2020, out={"USA": 3, "DEU": 2}))
    assert not [f for f in found if f[0] in ("C-15", "C-19")]


def test_every_amount_with_three_decimals_is_named(ctx):
    d = doc("U1", 2020, funds={"unit_self": 10.555},
            projects=[project("P1", "lead", "unit", ["USA"], unit_self=1.001)])  # fmt: skip
    d["funding"]["fund_total_all"] = 10.56  # the F-02 sum within tolerance: only F-01 is at stake
    found = [f for f in _findings(ctx, d) if f[0] == "F-01"]
    assert found == [
        ("F-01", "funding.fund_src_unit_self", 10.555),
        ("F-01", "projects[0].fund_total_contract", 1.001),
        ("F-01", "projects[0].fund_src_unit_self", 1.001),
    ]
