"""How every number, unit, year and change is written, on screen and in print (pages, charts, tables, documents).

The rules, in one place:
- One space between a number and a CJK unit (`7,810 人次`, `52.06 亿元`); none before `%`.
- Thousands separators on every count and amount, never on a year (`2020`, not `2,020`).
- Counts are whole numbers; money is 万元 with two decimals, or 亿元 (two decimals) for one figure whose
  data reaches 1 亿元 — then the chart beside it uses the same unit (`money_unit`).
- 同比 is a signed percent with one decimal (`+12.3%`), `持平` when it rounds to zero, and no percentage at
  all when last year's value is below MIN_BASE (`—（基数过小）`), so 1 → 2 people does not read `+100.0%`.
"""

from __future__ import annotations

import re

import pandas as pd

SOURCE = "数据来源：国际科技合作与交流统计调查"
GAP = " "  # between a number and its unit
MISSING = "—"
FLAT = "持平"
MIN_BASE = 10  # 同比 needs last year's value ≥ 10 in the figure's own unit (人次, 项, 个 … ; money: 万元)
SMALL_BASE = "—（基数过小）"
WAN_PER = {"万元": 1, "亿元": 10_000}  # money units, in 万元 (the warehouse stores 万元)
COUNT_UNITS = frozenset({"人次", "项", "个", "人", "篇", "件", "批", "次", "人天", "条", "家", "种", "名"})
YEAR_COLUMNS = frozenset({"survey_year", "统计年度", "年度", "年份"})

# Formats by kind of column, for Streamlit tables (printf) and Excel (number_format).
TABLE_FORMATS = {"year": "%d", "count": "%,d", "money": "%,.2f", "decimal": "%,.2f"}
EXCEL_FORMATS = {"year": "0", "count": "#,##0", "money": "#,##0.00", "decimal": "#,##0.00"}


def is_missing(value: object) -> bool:
    """True for None and NaN (and pandas' NA)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_count_unit(unit: str) -> bool:
    """True for units of whole things (人次, 项, 个 …), also combined (`项/篇/件`); `人次/单位` is a ratio."""
    parts = [p for p in unit.split("/") if p]
    return bool(parts) and all(p in COUNT_UNITS for p in parts)


def _with_unit(text: str, unit: str) -> str:
    return f"{text}{GAP}{unit}" if unit else text


def year(value: object) -> str:
    """A survey year as written everywhere: `2020`, never `2,020` or `2020.0`."""
    return MISSING if is_missing(value) else str(int(float(value)))  # type: ignore[arg-type]


def count(value: object, unit: str = "") -> str:
    """A count of whole things: `7,810 人次` (a float from a roll-up is rounded, not shown as `7,810.00`)."""
    if is_missing(value):
        return MISSING
    return _with_unit(f"{round(float(value)):,}", unit)  # type: ignore[arg-type]


def money(value: object, unit: str | None = None) -> str:
    """An amount held in 万元, written in `unit` (万元 or 亿元; None: 亿元 from 1 亿元 up), two decimals."""
    if is_missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    unit = unit or ("亿元" if abs(v) >= WAN_PER["亿元"] else "万元")
    return _with_unit(f"{v / WAN_PER[unit]:,.2f}", unit)


def money_unit(values: object) -> tuple[str, int]:
    """One money unit for a figure and its headline, from the figure's data (in 万元): (unit, 万元 per unit).

    亿元 when the largest value reaches 1 亿元, else 万元. Divide the data by the second item to draw it.
    """
    numbers = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").abs()
    largest = numbers.max() if numbers.notna().any() else 0
    return ("亿元", WAN_PER["亿元"]) if largest >= WAN_PER["亿元"] else ("万元", 1)


def number(value: object, unit: str = "", digits: int | None = None) -> str:
    """One figure with its unit, by the rules above; `digits` forces the decimals.

    `万元` becomes 亿元 from 1 亿元 up (a headline); `亿元` means the value is already in 亿元.
    """
    if is_missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if unit in ("%", "％"):
        return f"{v:.{1 if digits is None else digits}f}%"
    if unit == "万元" and digits is None:
        return money(v)
    if unit == "万元" or unit == "亿元":
        return _with_unit(f"{v:,.{2 if digits is None else digits}f}", unit)
    if digits is not None:
        return _with_unit(f"{v:,.{digits}f}", unit)
    if is_count_unit(unit) or v.is_integer():
        return count(v, unit)
    return _with_unit(f"{v:,.2f}", unit)


def plain(value: object, unit: str = "") -> str:
    """The number alone, as a chart writes it beside a bar: `7,810`, `1,150.00` (money, already in `unit`), `2.67`."""
    if is_missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if unit in WAN_PER:
        return f"{v:,.2f}"
    return f"{round(v):,}" if is_count_unit(unit) or v.is_integer() else f"{v:,.2f}"


def data_number(value: object) -> str:
    """A number as a data file (CSV) writes it: a whole value without a point (`530`, not `530.0`: a float column,
    such as money in 万元, would otherwise print every whole amount so), others without float noise (`0.3`, not
    `0.30000000000000004`) and never in exponent form; blank when missing."""
    if is_missing(value):
        return ""
    v = round(float(value), 6)  # type: ignore[arg-type]
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def hover_format(unit: str) -> str:
    """The d3 format of a value in a chart's hover text: whole counts, money with two decimals."""
    return ",d" if is_count_unit(unit) else ",.2f" if unit in WAN_PER else ","


def change(current: object, previous: object, unit: str = "") -> str | None:
    """同比 of `current` on `previous` (both in `unit`): `+12.3%`, `-4.0%`, `持平`, `—（基数过小）`; None without data.

    No percentage when last year's value is below MIN_BASE (in 万元 for money): 1 → 2 is not `+100.0%`.
    """
    if is_missing(current) or is_missing(previous):
        return None
    c, p = float(current), float(previous)  # type: ignore[arg-type]
    if c == p:
        return FLAT
    if p * WAN_PER.get(unit, 1) < MIN_BASE:
        return SMALL_BASE
    pct = (c - p) / p * 100
    return FLAT if round(pct, 1) == 0 else f"{pct:+.1f}%"


def trend_phrase(current: object, previous: object, unit: str = "") -> str:
    """同比 in a sentence: `比上年增长12.3%`, `比上年下降4.0%`, `与上年持平`, or why there is no percentage."""
    text = change(current, previous, unit)
    if text is None:
        return "上年无可比数据"
    if text == FLAT:
        return "与上年持平"
    if text == SMALL_BASE:
        return f"上年基数过小（不足 {MIN_BASE}），不计算增幅"
    return f"比上年{'下降' if text.startswith('-') else '增长'}{text.lstrip('+-')}"


def ratio(numerator: object, denominator: object) -> float | None:
    """A ratio recomputed from rolled-up parts (A-04); None when undefined."""
    if is_missing(numerator) or is_missing(denominator) or float(denominator) == 0:  # type: ignore[arg-type]
        return None
    return float(numerator) / float(denominator)  # type: ignore[arg-type]


def column_kind(name: str, values: pd.Series) -> str:
    """How a table column is written: `year`, `count`, `money`, `decimal` or `text` (by its name and values)."""
    if str(name) in YEAR_COLUMNS:
        return "year"
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "text"
    if "万元" in str(name) or "亿元" in str(name):
        return "money"
    present = values.dropna()
    return "count" if present.eq(present.round()).all() else "decimal"


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """A table as shown and exported: whole-number columns (counts, years) as integers, not `120872.0`."""
    out = df.copy()
    for col in out.columns:
        if column_kind(col, out[col]) in ("year", "count") and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round().astype("Int64")
    return out


RULE_CODES = re.compile(r"[（(]\s*[A-Z]-\d{2}[a-z]?(?:\s*[、,，]\s*[A-Z]-\d{2}[a-z]?)*\s*[）)]")


def public_note(note: str) -> str:
    """A chart note as readers see it: without the checker's internal rule codes (`（H-01、H-03）`)."""
    return RULE_CODES.sub("", note)


def axis(unit: str, values: object = ()) -> dict:
    """Plotly axis settings for values in `unit`: whole-number ticks for counts (no 0.5 人次), zero-based.

    Small count ranges get an explicit tick step, since plotly would otherwise step by 0.5 or 0.2.
    """
    numbers = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce")
    top = float(numbers.max()) if numbers.notna().any() else 0.0
    if is_count_unit(unit):
        out: dict = {"tickformat": ",d", "rangemode": "tozero"}
        if top <= 0:
            out.update(tick0=0, dtick=1, range=[0, 1])  # all zero: one step, not plotly's -1 to 4
        elif top <= 5:
            out.update(tick0=0, dtick=1)
        elif top <= 12:
            out.update(tick0=0, dtick=2)
        return out
    return {"tickformat": ",~f", "rangemode": "tozero"}


YEAR_AXIS = {"tickformat": "d", "dtick": 1, "title": {"text": "统计年度"}}


def years_text(first: int, last: int) -> str:
    """A year or a range of years: `2020年度`, `2016–2020年度`."""
    return f"{first}年度" if first == last else f"{first}–{last}年度"


def source_line(scope: str, years: str, *, partner_scope: str = "", unit_type: str = "", basis: str = "") -> str:
    """The line under a chart that says what it shows: scope, years and only the filters that narrow it.

    Defaults (全部合作方, 全部单位类型) are left out; a filter that applies is named (`合作方：港澳台`).
    """
    parts = [x for x in (scope, years) if x]
    if partner_scope and partner_scope != "全部":
        parts.append(f"合作方：{partner_scope}")
    if unit_type and not unit_type.startswith("全部"):
        parts.append(f"单位类型：{unit_type}")
    if basis:
        parts.append(f"口径：{basis}")
    return "；".join(parts)
