"""Numbers the Chinese way: 万元/亿元, 人次, 项, with thousands separators."""

from __future__ import annotations

import math

SOURCE = "数据来源：国际科技合作与交流统计调查"


def is_missing(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: object, unit: str = "", digits: int | None = None) -> str:
    """One figure with its unit; money above 1 亿元 is shown in 亿元."""
    if is_missing(value):
        return "—"
    v = float(value)  # type: ignore[arg-type]
    if unit == "万元":
        if abs(v) >= 10_000:
            return f"{v / 10_000:,.2f} 亿元"
        return f"{v:,.{2 if digits is None else digits}f} 万元"
    if unit in ("%", "％"):
        return f"{v:.1f}%"
    text = f"{v:,.{digits}f}" if digits is not None else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}")
    return f"{text} {unit}".strip()


def change(current: object, previous: object) -> str | None:
    """同比 as a signed percentage, or None when there is no base."""
    if is_missing(current) or is_missing(previous) or float(previous) == 0:  # type: ignore[arg-type]
        return None
    pct = (float(current) - float(previous)) / float(previous) * 100  # type: ignore[arg-type]
    return f"{pct:+.1f}%"


def ratio(numerator: object, denominator: object) -> float | None:
    """A ratio recomputed from rolled-up parts (A-04); None when undefined."""
    if is_missing(numerator) or is_missing(denominator) or float(denominator) == 0:  # type: ignore[arg-type]
        return None
    return float(numerator) / float(denominator)  # type: ignore[arg-type]
