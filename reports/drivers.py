"""变化来自哪里: which children (or partner countries) made a headline's change over the previous year, and their share.

A scope's total is its own form plus its children's totals (本级 + Σ 下级), and a partner-broken field is the
sum over partners, so the change splits exactly into the parts' changes. A report or a page calls
`decompose` with the parts' values in both years and writes the result with `drivers_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from present import fmt


@dataclass(frozen=True)
class Driver:
    """One part's change: `delta` in the field's unit; `share` of the total change (1.0 = all of it)."""

    name: str
    delta: float
    share: float | None


@dataclass(frozen=True)
class Decomposition:
    """The total change of one field and the parts that made it.

    `drivers` move the same way as the total, largest first; `against` are the largest moves the other way
    that offset part of the change (each at least a fifth of it). When the parts moving with the total add up
    to more than 1.5 times it, the change is mostly parts offsetting each other (`offsetting`): shares of the
    net change would read 300 %, so none are given.
    """

    delta: float
    drivers: list[Driver]
    against: list[Driver]
    additive: bool  # False for fields counted distinct at each level: the parts' changes do not add up
    offsetting: bool = False


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
        return Decomposition(total, [], [], additive)
    sign = 1 if total > 0 else -1
    same = deltas[deltas * sign > 0].sort_values(ascending=sign < 0, kind="stable")
    other = deltas[deltas * sign < 0].sort_values(ascending=sign > 0, kind="stable")
    offsetting = additive and float(same.sum()) * sign > 1.5 * abs(total)
    shares = additive and not offsetting

    def driver(name: str, delta: float) -> Driver:
        return Driver(str(name), float(delta), float(delta) / total if shares else None)

    drivers = [driver(n, d) for n, d in same.head(top).items() if not shares or abs(d / total) >= min_share]
    if not drivers and len(same):
        drivers = [driver(same.index[0], same.iloc[0])]
    against = [driver(n, d) for n, d in other.head(top if offsetting else 1).items()
               if offsetting or abs(d) >= abs(total) / 5]  # fmt: skip
    return Decomposition(total, drivers, against, additive, offsetting)


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

    if d.offsetting:  # net change small against the moves: say both sides, no shares
        more, less = (d.drivers, d.against) if up else (d.against, d.drivers)
        return (f"{parts}各方增减相抵后净{'增加' if up else '减少'}：增加较多的是" + "、".join(one(x) for x in more)
                + "；减少较多的是" + "、".join(one(x) for x in less))  # fmt: skip
    text = f"{parts}{word}主要来自" + "、".join(one(x) for x in d.drivers)
    for x in d.against:
        moved = fmt.number(abs(x.delta), unit, digits=2 if unit == "万元" else None)
        text += f"；{x.name}{'减少' if up else '增加'}{moved}，抵消了部分{word}"
    return text


def children_change(now: pd.DataFrame, before: pd.DataFrame, field: str, total_now: float, total_before: float,
                    own: str, *, additive: bool = True) -> Decomposition:  # fmt: skip
    """The change of a scope's `field` split into its direct children and its own form (`own`, e.g. '河北省本级').

    `now`/`before` hold one row per child (`child_name`, `field`) in the two years; the totals are the scope's.
    For an additive field the scope's own form is a part too: total = 本级 + Σ 下级, so 本级 = total − Σ 下级.
    """
    parts_now = now.set_index("child_name")[field]
    parts_before = before.set_index("child_name")[field]
    if additive:
        parts_now = pd.concat([parts_now, pd.Series({own: float(total_now) - parts_now.sum()})])
        parts_before = pd.concat([parts_before, pd.Series({own: float(total_before) - parts_before.sum()})])
    return decompose(parts_now, parts_before, additive=additive)


def partners_change(now: pd.DataFrame, before: pd.DataFrame, field: str) -> Decomposition:
    """The change of a partner-broken `field` split into partner countries and regions (rows of
    partner_values_by_partner: `field`, `name_zh`, `value`; one frame per year)."""
    a = now[now["field"] == field].groupby("name_zh")["value"].sum()
    b = before[before["field"] == field].groupby("name_zh")["value"].sum()
    return decompose(a, b)
