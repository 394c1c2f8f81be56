"""变化来自哪里: which children (or partner countries) made a headline's change over the previous year, and their share.

A scope's total is its own form plus its children's totals (本级 + Σ 下级), and a partner-broken field is the
sum over partners, so the change splits exactly into the parts' changes. A report or a page calls
`decompose` with the parts' values in both years and writes the result with `drivers_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ui import fmt


@dataclass(frozen=True)
class Driver:
    """One part's change: `delta` in the field's unit; `share` of the total change (1.0 = all of it)."""

    name: str
    delta: float
    share: float | None


@dataclass(frozen=True)
class Decomposition:
    """The total change of one field and the parts that made it.

    `drivers` move the same way as the total, largest first; `against` is the largest move the other way
    (it offset part of the change), when it is at least a fifth of the total change.
    """

    delta: float
    drivers: list[Driver]
    against: Driver | None
    additive: bool  # False for fields counted distinct at each level: the parts' changes do not add up


def decompose(current: pd.Series, previous: pd.Series, *, top: int = 3, additive: bool = True,
              min_share: float = 0.05) -> Decomposition:  # fmt: skip
    """Split the change of Σ parts between `previous` and `current` (both indexed by part name; a missing part is 0).

    For a non-additive field (项目数 counted distinct at every level) the parts' own changes are ranked, but no
    share is given: a project two children share moves both children and the total only once.
    """
    both = pd.concat([current.rename("cur"), previous.rename("prev")], axis=1).fillna(0).astype(float)
    deltas = (both["cur"] - both["prev"]).sort_values(kind="stable")
    total = float(deltas.sum())
    if total == 0 or deltas.eq(0).all():
        return Decomposition(total, [], None, additive)
    sign = 1 if total > 0 else -1
    same = deltas[deltas * sign > 0].sort_values(ascending=sign < 0, kind="stable")

    def driver(name: str, delta: float) -> Driver:
        return Driver(str(name), float(delta), float(delta) / total if additive else None)

    drivers = [driver(n, d) for n, d in same.head(top).items() if not additive or abs(d / total) >= min_share]
    if additive and not drivers and len(same):
        drivers = [driver(same.index[0], same.iloc[0])]
    other = deltas[deltas * sign < 0]
    against = None
    if len(other):
        name = other.abs().idxmax()
        if abs(other[name]) >= abs(total) / 5:
            against = driver(name, other[name])
    return Decomposition(total, drivers, against, additive)


def drivers_text(d: Decomposition, unit: str, parts: str = "") -> str:
    """'增长主要来自X（增加12 人次，占增量的40.0%）、Y（…）；Z减少5 人次，抵消了部分增长' (empty when nothing moved).

    `parts` names what the parts are when it helps (e.g. '下级中'); the caller adds the full stop.
    """
    if not d.drivers:
        return ""
    up = d.delta > 0
    word, noun = ("增长", "增量") if up else ("下降", "减量")

    def one(x: Driver) -> str:
        amount = fmt.number(abs(x.delta), unit, digits=2 if unit == "万元" else None)
        share = f"，占{noun}的{abs(x.share):.1%}" if x.share is not None else ""
        return f"{x.name}（{'增加' if x.delta > 0 else '减少'}{amount}{share}）"

    text = f"{parts}{word}主要来自" + "、".join(one(x) for x in d.drivers)
    if d.against is not None:
        moved = fmt.number(abs(d.against.delta), unit, digits=2 if unit == "万元" else None)
        text += f"；{d.against.name}{'减少' if up else '增加'}{moved}，抵消了部分{word}"
    return text
