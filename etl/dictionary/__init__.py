"""The survey data dictionary: the single source of truth for fields, units, roll-ups and rules.

The JSON Schema (`docs/submission.schema.json`), the warehouse DDL with column comments and
the human dictionary (`docs/data_dictionary.md`) are all generated from this package.
"""

from __future__ import annotations

from typing import Any

from .model import AGGREGATIONS, Field, Group, Rule
from .rules import MONEY_TOLERANCE, REASONS, RULES, RULES_BY_ID
from .sections import (
    BASES,
    DETAILS,
    FINISHED_STATUSES,
    FUND_SOURCES,
    FUND_SOURCES_ZH,
    HEADER,
    PURPOSES,
    ROLLUP,
    SECTIONS,
    STATUS_EVENT_ORDER,
    STATUSES,
    UNIT_TYPES,
    UNIT_TYPES_ZH,
)

SCHEMA_VERSION = 1

# Scalar fields stored one column each in the wide measures table, in form order.
MEASURES: tuple[Field, ...] = tuple(f for g in SECTIONS for f in g.fields if f.is_measure)
MEASURES_BY_NAME: dict[str, Field] = {f.name: f for f in MEASURES}
# Fields with a by-partner long table, typed in documents (derived ones come from detail rows).
PARTNER_FIELDS: tuple[Field, ...] = tuple(f for f in MEASURES if f.by_partner)
TYPED_PARTNER_FIELDS: tuple[Field, ...] = tuple(f for f in PARTNER_FIELDS if not f.derived)
GROUPS: tuple[Group, ...] = (HEADER, *SECTIONS, ROLLUP, *DETAILS)
_SECTION_OF: dict[str, Group] = {f.name: g for g in SECTIONS for f in g.fields}
_GROUP_BY_KEY: dict[str, Group] = {g.key: g for g in GROUPS if g.in_document}
LIST_KINDS = ("multi_enum", "partner_list")
# Columns of the roll-ups that no unit has as its own (unit counts, A-09's distinct projects), in dictionary order.
ROLLUP_ONLY: tuple[Field, ...] = tuple(f for g in (*SECTIONS, ROLLUP) for f in g.fields if f.rollup_only)


def field(name: str) -> Field:
    """The header, section or roll-up field called `name` (detail fields are looked up on their group)."""
    for g in (HEADER, *SECTIONS, ROLLUP):
        for f in g.fields:
            if f.name == name:
                return f
    raise KeyError(name)


def blank(group: str) -> dict[str, Any]:
    """Every field a document types in `group` (a section, a detail row or the header "submission") at its empty
    value: 0 for a required count, 0.0 for a required amount, False for a required yes/no, [] for a list, None for
    the rest (optional fields, and required texts, codes and dates, which the caller must fill in).

    The demo generator and the test fixtures start from it and write only their own figures, so a new field of the
    dictionary reaches every document they make without another edit.
    """
    empty = {"int": 0, "money": 0.0, "bool": False}
    g = _GROUP_BY_KEY[group]
    return {
        f.name: [] if f.kind in LIST_KINDS else (empty.get(f.kind) if f.required else None)
        for f in g.fields
        if not f.derived
    }


def section_of(name: str) -> Group:
    """The section that holds field `name`."""
    return _SECTION_OF[name]


__all__ = [
    "AGGREGATIONS", "BASES", "DETAILS", "FINISHED_STATUSES", "FUND_SOURCES", "FUND_SOURCES_ZH", "GROUPS",
    "HEADER", "MEASURES", "MEASURES_BY_NAME", "MONEY_TOLERANCE", "PARTNER_FIELDS", "PURPOSES", "REASONS", "ROLLUP",
    "ROLLUP_ONLY", "RULES", "RULES_BY_ID", "SCHEMA_VERSION", "SECTIONS", "STATUSES", "STATUS_EVENT_ORDER",
    "TYPED_PARTNER_FIELDS", "UNIT_TYPES", "UNIT_TYPES_ZH", "Field", "Group", "Rule", "blank", "field", "section_of",
]  # fmt: skip
