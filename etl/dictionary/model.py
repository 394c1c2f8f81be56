"""Types of the data dictionary: a field, a group of fields (section or detail record), a rule."""

from __future__ import annotations

from dataclasses import dataclass, field

# Value kinds and how each maps to DuckDB; money is 万元 with 2 decimals (§0).
KIND_SQL = {
    "int": "BIGINT",
    "money": "DECIMAL(14,2)",
    "bool": "BOOLEAN",
    "text": "VARCHAR",
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "multi_enum": "VARCHAR[]",
    "partner_list": "VARCHAR[]",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "uuid": "VARCHAR",
}

AGGREGATIONS = {
    "SUM": "逐级相加",
    "SUM*": "逐级相加（按填报单位累计，可能存在重复）",
    "DISTINCT": "每一级按明细去重重新计数，不能相加",
    "RECOMPUTE": "由汇总后的分子分母重新计算",
    "COUNT_UNITS": "统计具备该属性的填报单位数",
    "NONE": "文本，不汇总",
    "KEY": "键，不汇总",
}


@dataclass(frozen=True)
class Field:
    """One survey field: its Chinese label, unit, type, constraint, roll-up and partner breakdown."""

    name: str
    label_zh: str
    unit: str = "–"
    kind: str = "int"
    agg: str = "SUM"
    by_partner: str = ""  # "" | "additive" (C-03: Σ partners = total) | "multi" (C-03b)
    required: bool = True
    derived: bool = False  # computed by the ETL, never typed in a document
    enum: tuple[str, ...] = ()
    enum_zh: tuple[str, ...] = ()
    max_len: int | None = None
    pattern: str | None = None
    constraint: str = ""  # human text of the constraint, shown in the docs
    rules: tuple[str, ...] = ()
    label_en: str = ""
    # How the ETL derives a roll-up figure (etl/marts.py generates the SQL from these):
    rollup_only: bool = False  # a scope's figure only (never a unit's own column in core_measures)
    units_where: str = ""  # COUNT_UNITS: which reporting units it counts, SQL over a unit's basis row `b`
    # DISTINCT: (detail table, SQL of the value counted distinct over its rows `x`; `p` is the partner's
    # ref_partner_scope row for a partner_code detail, `b` the unit's basis row), recounted at every scope with
    # subordinates; a unit's own count is derived per document (unit_value), by a SQL that must agree.
    counted: tuple[str, str] = ()
    nulls_distinct: bool = False  # DISTINCT: a NULL value is an item distinct by construction, counted one by one
    # DISTINCT: the measure that holds a level-3 unit's own count (default: the field itself, derived per document
    # by etl/flatten_sql.py); a roll-up-only field names the measure equal to it for one unit.
    unit_value: str = ""

    def __post_init__(self) -> None:
        assert self.kind in KIND_SQL, self.kind
        assert self.agg in AGGREGATIONS, self.agg
        assert not self.enum_zh or len(self.enum_zh) == len(self.enum), self.name
        assert (self.agg == "DISTINCT") == bool(self.counted), f"{self.name}: a DISTINCT field says what it counts"
        assert not self.rollup_only or self.derived, self.name
        assert not self.unit_value or self.agg == "DISTINCT", self.name
        # etl/marts.py takes a unit's DISTINCT figure from its measures: the ETL derives it, a document never types it
        assert self.agg != "DISTINCT" or self.derived, f"{self.name}: a DISTINCT field is derived"

    @property
    def sql_type(self) -> str:
        """DuckDB type of the column that stores this field."""
        return KIND_SQL[self.kind]

    @property
    def is_measure(self) -> bool:
        """True for numeric fields a unit has (stored in the wide measures table) and that roll up."""
        return self.kind in ("int", "money") and not self.rollup_only

    def enum_label(self, value: str) -> str:
        """Chinese label of an enumeration value (the value itself when unlabelled)."""
        if value in self.enum and self.enum_zh:
            return self.enum_zh[self.enum.index(value)]
        return value


@dataclass(frozen=True)
class Group:
    """A section of the form (an object of scalar fields) or a detail record (a list of rows)."""

    key: str
    number: str  # § of the specification
    title_zh: str
    fields: tuple[Field, ...]
    is_list: bool = False
    note_zh: str = ""
    in_document: bool = True  # False: summary fields the ETL derives from detail rows

    def field(self, name: str) -> Field:
        """The field called `name` in this group."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def number_text(value: float) -> str:
    """A rule parameter as the rule's text and messages write it: 2000, 1.2, 0.01 (never 2000.0 or 2e+03)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Rule:
    """One check from §14–§17: id, severity (H hard / S soft), where it runs, its wording and its parameters.

    `params` are the rule's thresholds (name → number). The check reads them (doc_rules.py as module constants,
    the warehouse SQL through rule_param() over meta_rule_params), and `text_zh`/`text_en` are written with
    `{name}` placeholders filled in from them here, so a threshold is changed in one place.
    """

    id: str
    severity: str  # "H" | "S"
    where: str  # "document" | "warehouse" | "definition"
    text_zh: str
    text_en: str
    fields: tuple[str, ...] = field(default_factory=tuple)
    params: dict[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.params:
            shown = {name: number_text(value) for name, value in self.params.items()}
            object.__setattr__(self, "text_zh", self.text_zh.format(**shown))
            object.__setattr__(self, "text_en", self.text_en.format(**shown))

    def param(self, name: str) -> float:
        """The threshold called `name` (KeyError when the rule has none of that name)."""
        return self.params[name]
