"""A problem found in a document: code, severity, field path, value and a message in Chinese and English."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from . import dictionary as d


@dataclass(frozen=True)
class Problem:
    """One finding; severity "H" quarantines the document, "S" loads it with a warning."""

    code: str
    severity: str
    path: str
    value: Any
    message_zh: str
    message_en: str
    cell: str = ""  # for workbooks: the sheet and cell, e.g. 人员交流!C5

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to quarantine reports and the warehouse."""
        out = asdict(self)
        out["value"] = _jsonable(self.value)
        return out


MAX_ECHO = 200  # characters of a value or path echoed into reports and the warehouse


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value[:20]]
    return shorten(value if isinstance(value, str) else str(value))


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """`text`, cut to `limit` characters with the original length said (a 50 MB value made a 53 MB report)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 个字符，仅显示前 {limit} 个）"


def amount(value: float) -> str:
    """An amount of money as a message says it: two decimals, 万元 (the survey's unit), never `100.0`."""
    return f"{value:,.2f} 万元"


def number(value: float) -> str:
    """A count or a sum as a message says it: whole numbers without `.0`, others with two decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def said(field: d.Field, value: float) -> str:
    """A value of `field` as a message says it, money in 万元."""
    return amount(value) if field.kind == "money" else number(value)


def label(path: str) -> str:
    """The Chinese name of a field path such as `exchange.out_groups` or `projects[3].role`."""
    parts = [p.split("[")[0] for p in path.split(".") if p]
    if not parts:
        return "文件"
    names = {g.key: g for g in d.GROUPS}
    if parts[0] in names:
        group = names[parts[0]]
        if len(parts) == 1:
            return group.title_zh
        if parts[1].endswith("*"):  # a rule on a family of fields, e.g. exchange.out_pt_* (出访人次中：考察访问 …)
            return f"{group.title_zh}·{_family(group, parts[1][:-1])}"
        try:
            return f"{group.title_zh}·{group.field(parts[1]).label_zh}"
        except KeyError:
            return f"{group.title_zh}·{parts[1]}"
    if parts[0] == "by_partner" and len(parts) > 1:
        try:
            return f"{d.field(parts[1]).label_zh}（按国家（地区）分列）"
        except KeyError:
            return f"按国家（地区）分列·{parts[1]}"
    try:
        return d.field(parts[0]).label_zh
    except KeyError:
        return parts[0]


def _family(group: d.Group, prefix: str) -> str:
    """The shared name of the fields starting with `prefix`: 出访人次中：考察访问, …：其他 → 出访人次分项."""
    labels = [f.label_zh for f in group.fields if f.name.startswith(prefix)]
    if not labels:
        return prefix + "*"
    common = labels[0]
    for other in labels[1:]:
        while not other.startswith(common):
            common = common[:-1]
    return common.rstrip("：:").removesuffix("中") + "分项"


def _cell_for(path: str, cells: dict[str, str]) -> str:
    """The cell of a path (the first matching one for a wildcard like exchange.out_pt_*), or of its nearest parent."""
    if "*" in path:
        prefix = path.split("*", 1)[0]
        return next((cell for key, cell in cells.items() if key.startswith(prefix)), "")
    while path:
        if path in cells:
            return cells[path]
        path = path.rsplit(".", 1)[0] if "." in path else ""
    return ""


class Findings:
    """Collects problems for one document."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: str, path: str, value: Any, zh: str, en: str = "", severity: str | None = None,
            cell: str = "") -> None:  # fmt: skip
        """Record a finding; the message names the cell (workbooks) and the field in Chinese, then what is wrong."""
        if severity is None:
            rule = d.RULES_BY_ID.get(code)
            severity = rule.severity if rule else "H"
        path = shorten(path)  # a 1 MB key name is named, not repeated in path and message
        text = f"{label(path)}：{zh}" if path else zh
        self.items.append(Problem(code, severity, path, value, f"{cell} {text}" if cell else text, en or zh, cell))

    def locate(self, cells: dict[str, str]) -> None:
        """Name the workbook cell of each finding (for documents read from Excel): 人员交流!C5 …"""
        for i, p in enumerate(self.items):
            cell = p.cell or _cell_for(p.path, cells)
            if cell and not p.message_zh.startswith(cell):
                self.items[i] = replace(p, cell=cell, message_zh=f"{cell} {p.message_zh}")

    @property
    def hard(self) -> list[Problem]:
        """Problems that quarantine the document."""
        return [p for p in self.items if p.severity == "H"]

    @property
    def soft(self) -> list[Problem]:
        """Warnings that load with the data."""
        return [p for p in self.items if p.severity == "S"]
