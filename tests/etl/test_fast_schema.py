"""The compiled fast path (etl/fast_schema.py) takes nothing the slow path refuses, and hands back what pydantic does.

For every document it accepts, the result equals pydantic's value for value and type (5 as an amount is 5.0,
timestamps carry the same offset, `by_partner` in the dictionary's order); every document it cannot vouch for
(None) is judged by the slow path as before, with its findings.
"""

from __future__ import annotations

import datetime as dt
import json

import orjson
import pytest

from etl import fast_schema, schema
from tests.fixtures.inbox import VALID, doc, project


def _typed(value: object) -> object:
    """A value with the type of every leaf spelt out (1 and 1.0, naive and aware times differ)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, value)


def _slow(raw: bytes) -> dict | None:
    """What the slow path's schema check makes of a finished document (None: refused)."""
    try:
        return schema.submission_adapter().validate_python(orjson.loads(raw))
    except Exception:  # any refusal
        return None


def _finished() -> list[dict]:
    return [d for d in VALID.values() if d["status"] in ("submitted", "approved")]


@pytest.mark.parametrize("body", _finished(), ids=lambda d: f"{d['account_id']}-{d['survey_year']}-{d['revision']}")
@pytest.mark.parametrize("dumps", [orjson.dumps, lambda d: json.dumps(d, ensure_ascii=False, indent=2).encode()],
                         ids=["compact", "indented"])  # fmt: skip
def test_an_accepted_document_is_what_pydantic_returns(body, dumps):
    raw = dumps(body)
    fast, slow = fast_schema.decode(raw), _slow(raw)
    assert fast is not None and slow is not None
    assert _typed(fast) == _typed(slow)
    assert list(fast.get("by_partner", {})) == list(slow.get("by_partner", {}))  # rows and findings keep that order


def _with(change) -> bytes:
    body = doc("U1", 2020, status="approved", out={"USA": 20, "HKG": 5}, funds={"central": 200, "foreign": 20},
               foreign={"DEU": 20}, projects=[project("P1", "lead", "unit", ["DEU"], central=200)])  # fmt: skip
    body["exchange"] |= {"out_groups": 5}
    out = change(body)
    return out if isinstance(out, bytes) else orjson.dumps(body)


REFUSED = {
    "a draft (its header only is checked)": lambda b: b.update(status="draft"),
    "a field the dictionary does not know": lambda b: b["funding"].update(fund_extra=1.0),
    "a key twice in one object": lambda b: orjson.dumps(b).replace(b'"revision":1', b'"revision":1,"revision":2'),
    "a lower-case partner code (C-23 reads it)": lambda b: b["by_partner"]["out_person_times"].update(usa=1),
    "a partner code with a trailing newline": lambda b: b["by_partner"]["out_person_times"].update({"USA\n": 1}),
    "true for a number": lambda b: b["exchange"].update(out_groups=True),
    "a whole number as text": lambda b: b["exchange"].update(out_groups="5"),
    "a negative count": lambda b: b["exchange"].update(out_groups=-1),
    "an integer beyond 2**53": lambda b: b["exchange"].update(out_groups=2**53),
    "an amount beyond 2**53": lambda b: b["funding"].update(fund_src_central=float(2**54)),
    "a timestamp with a lower-case t": lambda b: b.update(submitted_at="2021-07-01t10:00:00+08:00"),
    "a timestamp without seconds": lambda b: b.update(submitted_at="2021-07-01T10:00+08:00"),
    "a timestamp with a space": lambda b: b.update(submitted_at="2021-07-01 10:00:00"),
    "a date as a timestamp": lambda b: b.update(submitted_at="2021-07-01"),
    "a day that does not exist": lambda b: b["projects"][0].update(end_date="2021-02-30"),
    "a date with full-width digits": lambda b: b["projects"][0].update(end_date="２０２１-12-31"),
    "a required section missing": lambda b: b.pop("funding"),
    "a value outside an enumeration": lambda b: b["unit_profile"].update(unit_type="spaceship"),
}


@pytest.mark.parametrize("change", REFUSED.values(), ids=REFUSED.keys())
def test_what_the_fast_path_cannot_vouch_for_goes_the_slow_way(change):
    assert fast_schema.decode(_with(lambda b: None)) is not None  # the document before the change is taken
    assert fast_schema.decode(_with(change)) is None


@pytest.mark.parametrize("stamp", [
    "2021-07-01T10:00:00+08:00", "2021-07-01T10:00:00Z", "2021-07-01T10:00:00", "2021-07-01T10:00:00.123+08:00",
    "2021-07-01T10:00:00.123456-05:30", "2021-07-01T10:00:00-00:00", "2021-07-01T10:00:00+23:59",
    "2021-07-01T24:00:00+08:00", "2021-07-01T10:00:60+08:00", "2021-07-01T10:00:00+24:00", "2021-13-01T10:00:00",
])  # fmt: skip
def test_a_timestamp_is_read_as_pydantic_reads_it_or_left_to_it(stamp):
    raw = _with(lambda b: b.update(submitted_at=stamp))
    fast, slow = fast_schema.decode(raw), _slow(raw)
    if fast is not None:
        assert slow is not None and _typed(fast) == _typed(slow)
