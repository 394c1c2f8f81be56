"""A compiled fast path for the common case: a finished document that passes the schema, decoded and validated in C.

Checking spent ~80 µs a document reading it (orjson), writing it back (the duplicate-key check) and validating it
(pydantic), more than all the survey rules together. msgspec does the three in one pass over the bytes, from
types made from the same dictionary as etl/schema.py's. It only ever says "valid, and here is the document": a
document it refuses, or cannot vouch for, goes the slow way (validate.check), which names every problem as before.
So the fast path has to accept nothing the slow one refuses, and hand back exactly what pydantic would:

- integers and amounts beyond ±2**53 are refused here (the slow path names them, E_SCHEMA 数值过大);
- pattern checks end at `\\Z`: Python's `$` would take a trailing newline, pydantic's does not;
- timestamps and dates are taken only in plain forms (digits, `T`, seconds, three or six decimals, `Z` or ±hh:mm),
  read by `fromisoformat`, which reads those exactly as pydantic does (`tests/etl/test_fast_schema.py`);
- msgspec keeps the last of a key given twice and drops keys the dictionary does not know: the document, written
  back, must have as many keys as the text (validate._duplicate_possible's test), else the slow path judges it;
- lower-case partner codes (C-23), drafts and returned forms (header only) fail the types here and go the slow way.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal, NotRequired, Required

import msgspec
from typing_extensions import TypedDict

from . import dictionary as d
from . import schema

MAX_INT = 2**53 - 1  # validate.MAX_INT
JSON_WHITESPACE = b" \t\r\n"
# The plain forms read here (ASCII digits only: pydantic refuses other digits, `fromisoformat` might not).
TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3}|\.[0-9]{6})?(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
_INT = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]  # schema._scalar: every integer is ≥ 0
_MONEY = Annotated[float, msgspec.Meta(ge=0, le=MAX_INT)]
_PARTNER = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}\Z")]  # schema.PARTNER_CODE


def _anchored(pattern: str) -> str:
    """A dictionary pattern with its final `$` as `\\Z` (end of text, as in pydantic's regex engine)."""
    return pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern


def _scalar(f: d.Field) -> Any:
    """The msgspec type of field `f`: schema._scalar's constraints, dates and timestamps as plain text."""
    match f.kind:
        case "int":
            return _INT
        case "money":
            return _MONEY
        case "bool":
            return bool
        case "enum":
            return Literal[f.enum]  # type: ignore[valid-type]
        case "multi_enum" if f.enum:
            return list[Literal[f.enum]]  # type: ignore[valid-type]
        case "multi_enum":
            return list[Annotated[str, msgspec.Meta(max_length=32)]]
        case "partner_list":
            return list[_PARTNER]
        case "date":
            return Annotated[str, msgspec.Meta(pattern=DATE)]
        case "timestamp":
            return Annotated[str, msgspec.Meta(pattern=TIMESTAMP)]
        case _:  # text, string, uuid
            meta = {k: v for k, v in (("max_length", f.max_len), ("pattern", f.pattern and _anchored(f.pattern))) if v}
            return Annotated[str, msgspec.Meta(**meta)] if meta else str


def _typed_dict(name: str, fields: tuple[d.Field, ...]) -> Any:
    return TypedDict(name, schema.typed_annotations(fields, _scalar))  # type: ignore[misc]


@cache
def decoder() -> msgspec.json.Decoder:
    """The decoder of a finished document (schema.submission_adapter's contract; status submitted or approved)."""
    fields: dict[str, Any] = {}
    for f in d.HEADER.fields:
        t = Literal[d.FINISHED_STATUSES] if f.name == "status" else _scalar(f)  # type: ignore[valid-type]
        fields[f.name] = Required[t] if f.required else NotRequired[t | None]
    for g in d.SECTIONS:
        if g.in_document:
            fields[g.key] = Required[_typed_dict(g.key, g.fields)]
    for g in d.DETAILS:
        fields[g.key] = NotRequired[list[_typed_dict(g.key, g.fields)]]
    values = {f.name: _MONEY if f.kind == "money" else _INT for f in d.TYPED_PARTNER_FIELDS}
    by_partner = {name: NotRequired[dict[_PARTNER, value]] for name, value in values.items()}
    fields["by_partner"] = NotRequired[TypedDict("ByPartner", by_partner)]  # type: ignore[operator]
    return msgspec.json.Decoder(TypedDict("Submission", fields))  # type: ignore[operator]


_ENCODE = msgspec.json.Encoder().encode
TIMESTAMPS = tuple(f.name for f in d.HEADER.fields if f.kind == "timestamp")
DATES = tuple(f.name for g in d.DETAILS for f in g.fields if f.kind == "date")
DATED = tuple(g.key for g in d.DETAILS if any(f.kind == "date" for f in g.fields))
PARTNER_ORDER = tuple(f.name for f in d.TYPED_PARTNER_FIELDS)  # pydantic hands `by_partner` back in this order


def decode(raw: bytes) -> dict[str, Any] | None:
    """The validated finished document in `raw` (as pydantic would return it), or None: let the slow path judge."""
    try:
        doc = decoder().decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    written = _ENCODE(doc)
    if raw != written and (
        b'\\"' in written or raw.translate(None, JSON_WHITESPACE).count(b'":') != written.count(b'":')
    ):
        return None  # a key given twice or unknown (msgspec dropped it), or cannot tell
    if (bp := doc.get("by_partner")) is not None and len(bp) > 1:
        doc["by_partner"] = {k: bp[k] for k in PARTNER_ORDER if k in bp}
    try:
        for key in TIMESTAMPS:
            if (value := doc.get(key)) is not None:
                doc[key] = dt.datetime.fromisoformat(value)
        for group in DATED:
            for row in doc.get(group) or ():
                for key in DATES:
                    if (value := row.get(key)) is not None:
                        row[key] = dt.date.fromisoformat(value)
    except ValueError:  # a day or hour out of range: the slow path names it
        return None
    return doc
