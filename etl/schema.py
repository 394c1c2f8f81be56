"""The submission contract as validators and JSON Schema, built from the data dictionary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, NotRequired, Required

from pydantic import ConfigDict, Strict, TypeAdapter
from pydantic import Field as PField
from typing_extensions import TypedDict

from . import dictionary as d

PARTNER_CODE = r"^[A-Z]{3}$"


def _scalar(f: d.Field) -> Any:
    """The Python type, with constraints and Chinese title, that validates field `f`."""
    meta = {"title": f.label_zh, "description": _describe(f)}
    match f.kind:
        case "int":
            return Annotated[int, Strict(), PField(ge=0, **meta)]
        case "money":
            return Annotated[float, Strict(), PField(ge=0, **meta)]
        case "bool":
            return Annotated[bool, Strict(), PField(**meta)]
        case "enum":
            return Annotated[Literal[f.enum], PField(**meta)]  # type: ignore[valid-type]
        case "multi_enum" if f.enum:
            return Annotated[list[Literal[f.enum]], PField(**meta)]  # type: ignore[valid-type]
        case "multi_enum":
            return Annotated[list[Annotated[str, PField(max_length=32)]], PField(**meta)]
        case "partner_list":
            return Annotated[list[Annotated[str, PField(pattern=PARTNER_CODE)]], PField(**meta)]
        case "date":
            return Annotated[dt.date, PField(**meta)]
        case "timestamp":
            return Annotated[dt.datetime, PField(**meta)]
        case _:  # text, string, uuid
            return Annotated[str, Strict(), PField(max_length=f.max_len, pattern=f.pattern, **meta)]


def _describe(f: d.Field) -> str:
    """One line for the schema: unit, constraint and rules of a field."""
    parts = [f"单位：{f.unit}" if f.unit != "–" else "", f.constraint, "规则：" + "、".join(f.rules) if f.rules else ""]
    return "；".join(p for p in parts if p)


def typed_annotations(fields: tuple[d.Field, ...], scalar: Callable[[d.Field], Any]) -> dict[str, Any]:
    """The annotations of a section's typed (non-derived) fields, each typed by `scalar`: required ones must be
    there, optional ones may be null or absent. Shared by this schema and the msgspec fast path (fast_schema)."""
    return {
        f.name: Required[scalar(f)] if f.required else NotRequired[scalar(f) | None] for f in fields if not f.derived
    }


def _typed_dict(name: str, fields: tuple[d.Field, ...], *, extra: str = "forbid", title: str = "") -> Any:
    """A TypedDict validating the typed (non-derived) fields; optional ones may be null or absent."""
    td = TypedDict(name, typed_annotations(fields, _scalar))  # type: ignore[misc]
    td.__pydantic_config__ = ConfigDict(extra=extra, title=title or name)  # type: ignore[attr-defined]
    return td


def _by_partner() -> Any:
    """`by_partner`: for each breakdown field, an object partner_code → value."""
    annotations = {}
    for f in d.TYPED_PARTNER_FIELDS:
        value = (
            Annotated[float, Strict(), PField(ge=0)] if f.kind == "money" else Annotated[int, Strict(), PField(ge=0)]
        )
        keyed = Annotated[
            dict[Annotated[str, PField(pattern=PARTNER_CODE)], value],
            PField(title=f"{f.label_zh}（按国家（地区）分列）", description=f"partner_code → {f.unit}"),
        ]
        annotations[f.name] = NotRequired[keyed]
    td = TypedDict("ByPartner", annotations)  # type: ignore[misc]
    td.__pydantic_config__ = ConfigDict(extra="forbid", title="按国家（地区）分列")  # type: ignore[attr-defined]
    return td


@cache
def submission_adapter() -> TypeAdapter:
    """Validator of a finished (submitted/approved) document: every section, strictly typed."""
    fields: dict[str, Any] = {}
    for f in d.HEADER.fields:
        t = _scalar(f)
        fields[f.name] = Required[t] if f.required else NotRequired[t | None]
    for g in d.SECTIONS:
        if g.in_document:
            fields[g.key] = Required[
                Annotated[_typed_dict(g.key, g.fields, title=g.title_zh), PField(title=g.title_zh)]
            ]
    for g in d.DETAILS:
        row = _typed_dict(g.key, g.fields, title=g.title_zh)
        fields[g.key] = NotRequired[Annotated[list[row], PField(title=g.title_zh)]]
    fields["by_partner"] = NotRequired[_by_partner()]
    td = TypedDict("Submission", fields)  # type: ignore[misc]
    td.__pydantic_config__ = ConfigDict(extra="forbid", title="国际科技合作与交流统计调查 填报记录")  # type: ignore[attr-defined]
    return TypeAdapter(td)


@cache
def header_adapter() -> TypeAdapter:
    """Validator of the header alone, for drafts and returned forms (their body may be incomplete)."""
    return TypeAdapter(_typed_dict("SubmissionHeader", d.HEADER.fields, extra="allow", title="填报记录（表头）"))


def json_schema() -> dict:
    """The JSON Schema (2020-12) of a finished submission, as committed in docs/."""
    schema = submission_adapter().json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"istc-analytics/submission/v{d.SCHEMA_VERSION}"
    schema["description"] = (
        "一个账号一个统计年度一个版次的填报记录。由 etl/dictionary 生成，请勿手改；"
        "运行 python -m etl docs 重新生成。草稿/已退回的记录只校验表头。"
    )
    return schema
