"""The dictionary is the single source of truth: generated files are current and cover the spec."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import jsonschema
import pytest

from etl import dictionary as d
from etl.demo.accounts import DemoAccount
from etl.demo.documents import YearContext, document
from etl.docs import DOCS, write_docs
from tests.fixtures.inbox import doc


def test_generated_files_are_current():
    assert write_docs(check=True) == [], "run `python -m etl docs` and commit the result"


def test_every_section_of_the_specification_exists():
    numbers = {g.number for g in d.GROUPS if g is not d.ROLLUP}  # beside them: the roll-up's unit counts (汇总)
    assert numbers == {f"§{i}" for i in range(1, 14)}
    assert d.ROLLUP.number == "汇总"


def test_every_rule_family_is_catalogued():
    ids = {r.id for r in d.RULES}
    assert {f"F-{i:02d}" for i in range(1, 13)} <= ids
    assert {f"C-{i:02d}" for i in range(1, 20)} | {"C-03b"} <= ids
    assert {f"H-{i:02d}" for i in range(1, 5)} <= ids
    assert {f"A-{i:02d}" for i in range(1, 10)} <= ids


@pytest.mark.parametrize("name", ["submission.json"])
def test_readme_example_is_valid_against_the_committed_schema(name):
    schema = json.loads((DOCS / "submission.schema.json").read_text(encoding="utf-8"))
    example = json.loads((DOCS / "examples" / name).read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)


def test_schema_rejects_a_field_not_in_the_dictionary():
    schema = json.loads((DOCS / "submission.schema.json").read_text(encoding="utf-8"))
    example = json.loads((DOCS / "examples" / "submission.json").read_text(encoding="utf-8"))
    example["exchange"]["out_unknown"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, schema)


def test_ddl_carries_chinese_column_comments():
    ddl = (DOCS / "warehouse_ddl.sql").read_text(encoding="utf-8")
    assert "comment on column core_measures.out_person_times is '出访人次（人次）；汇总：SUM'" in ddl
    assert (
        "comment on column core_measures.std_total is '制订或参与起草国际标准（项）；汇总：DISTINCT；由明细计算'" in ddl
    )


def test_every_measure_has_a_unit_and_aggregation():
    for f in d.MEASURES:
        assert f.unit != "–", f.name
        assert f.agg in d.AGGREGATIONS


def test_a_new_field_of_the_dictionary_reaches_fixture_and_demo_documents(monkeypatch):
    """A required count added to §4 is in the fixture's documents and the demo's, at 0, with no other edit."""
    conference = d._GROUP_BY_KEY["conference"]
    added = d.Field("conf_new_count", "新增字段", "个")
    monkeypatch.setitem(d._GROUP_BY_KEY, "conference", replace(conference, fields=(*conference.fields, added)))
    acc = DemoAccount("X1", "P13-130100", 3, "某大学", "某大学", "130104", "university", tier="leading")
    demo = document(random.Random(1), acc, YearContext(2020), frozenset({"central", "provincial"}))
    assert doc("U1", 2020)["conference"]["conf_new_count"] == 0
    assert demo["conference"]["conf_new_count"] == 0
    assert demo["conference"]["conf_hosted"] > 0  # the calibrated figures are still the generator's


def test_a_distinct_field_is_derived_by_the_etl_never_typed():
    """mart_rollup takes a unit's DISTINCT figure from its measures (etl/marts.py OWN_DISTINCT), where the ETL derived
    it from the document's detail rows: a DISTINCT field a document typed would roll up unchecked, so it cannot be
    declared; nor can a unit's value for a field that is not DISTINCT."""
    from etl.dictionary.model import Field

    with pytest.raises(AssertionError, match="a DISTINCT field is derived"):
        Field("orgs_typed", "参加国际组织数", agg="DISTINCT", counted=("orgs", "x.org_code"))
    with pytest.raises(AssertionError):
        Field("staff", "从业人员", unit_value="staff_total")
    assert Field("orgs_derived", "参加国际组织数", agg="DISTINCT", derived=True, counted=("orgs", "x.org_code")).derived
