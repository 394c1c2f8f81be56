"""Indicators as pages use them: labels and units from the dictionary, partner-scope aware values by year."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from present.labels import PARTNER_FIELD_NAMES, caveat, label, short_label, unit
from reports.drivers import children_change, drivers_text, partners_change

from .data import fetch, remembered
from .state import Filters

__all__ = [
    "aggregated",
    "by_year",
    "caveat",
    "change_sources",
    "children_by_year",
    "in_year",
    "label",
    "label_for",
    "scope_note",
    "short_for",
    "unit",
]


def aggregated(f: Filters) -> bool:
    """True when the scope rolls up other accounts (全国, 省, 市): its figures are not one unit's (本单位…)."""
    return not fetch("scope_children", scope_id=f.scope_id).empty


def label_for(f: Filters, name: str) -> str:
    """The label of `name` as it reads at this scope's level."""
    return label(name, aggregated(f))


def short_for(f: Filters, name: str) -> str:
    """The KPI-card label of `name` at this scope's level."""
    return short_label(name, aggregated(f))


def by_year(f: Filters, fields: list[str]) -> pd.DataFrame:
    """One row per year in the trend range with the fields' values under the chosen partner scope.

    With 国际 or 港澳台 selected, partner-broken fields are summed from their partner rows (H-02:
    total = 国际 + 港澳台); other fields are not broken down by partner and stay as totals.
    Worked out once per database, filters and fields; each caller gets its own copy.
    """
    return remembered("by_year", f.scope_id, (f, tuple(fields)), lambda: _by_year(f, fields)).copy()


def _by_year(f: Filters, fields: list[str]) -> pd.DataFrame:
    roll = fetch("rollup_by_year", **f.query(), year_from=f.year_from, year_to=f.year_to)
    years = pd.DataFrame({"survey_year": range(f.year_from, f.year_to + 1)})
    out = years.merge(roll[["survey_year", *fields]] if not roll.empty else years, on="survey_year", how="left")
    broken = [x for x in fields if x in PARTNER_FIELD_NAMES]
    if f.partner_scope != "ALL" and broken:
        totals = fetch("partner_totals_by_year", **f.query(), year_from=f.year_from, year_to=f.year_to, fields=broken)
        part = totals[totals["partner_scope"] == f.partner_scope].pivot_table(
            index="survey_year", columns="field", values="value", aggfunc="sum")  # fmt: skip
        for name in broken:
            values = part[name] if name in part.columns else pd.Series(dtype=float)
            out[name] = out["survey_year"].map(values).fillna(0).where(out[name].notna())
    return out


def children_by_year(f: Filters, fields: list[str], year_from: int, year_to: int) -> pd.DataFrame:
    """One row per direct child × year with the fields' values under the chosen partner scope, like `by_year`.

    A ranking of children beside a KPI must use the same partner scope as the KPI: with 国际 or 港澳台 selected,
    partner-broken fields are the children's sums over that scope's partners (0 for a child with none).
    """
    kids = fetch("rollup_of_children_by_year", **f.query(), year_from=year_from, year_to=year_to, fields=fields)
    broken = [x for x in fields if x in PARTNER_FIELD_NAMES]
    if f.partner_scope == "ALL" or not broken or kids.empty:
        return kids
    totals = fetch("partner_totals_of_children_by_year", **f.query(), year_from=year_from, year_to=year_to,
                   fields=broken)  # fmt: skip
    part = totals[totals["partner_scope"] == f.partner_scope].set_index(["child_id", "survey_year", "field"])["value"]
    out = kids.copy()
    for name in broken:
        keys = pd.MultiIndex.from_arrays([out["child_id"], out["survey_year"], [name] * len(out)])
        out[name] = part.reindex(keys).fillna(0).to_numpy()
    return out


def in_year(df: pd.DataFrame, year: int) -> Callable[[str], object]:
    """`year`'s value of a field, by name (None for every field when the year has no data).

    The year's row is taken once: a page reads a dozen figures of two years from a frame of a hundred columns,
    and taking the row again for each (filtering every column) was 5 % of a cached rerun.
    """
    rows = df[df["survey_year"] == year]
    row = None if rows.empty else rows.iloc[0]
    return lambda name: None if row is None else row[name]


def scope_note(f: Filters, fields: list[str]) -> str:
    """Say which figures the partner-scope filter does not apply to."""
    if f.partner_scope == "ALL":
        return ""
    skipped = [label_for(f, x) for x in fields if x not in PARTNER_FIELD_NAMES]
    return f"“{'、'.join(skipped)}”不按国家（地区）分列，显示全部合作方的合计" if skipped else ""


def change_sources(f: Filters, fields: list[str]) -> dict[str, list[str]]:
    """变化来自哪里 for each of `fields` from `f.year - 1` to `f.year`: the sentences of the Word brief, under the chosen
    partner scope — which children (and the scope's own form) made the change and, for partner-broken fields, which
    partner countries and regions (in the fields' own units). A field with no change or no previous year gets no
    sentence.

    Worked out once per database, filters and fields (a third of 总览's rerun when it was made on every rerun).
    """
    made = remembered("change_sources", f.scope_id, (f, tuple(fields)), lambda: _change_sources(f, fields))
    return {name: list(texts) for name, texts in made.items()}


def _change_sources(f: Filters, fields: list[str]) -> dict[str, list[str]]:
    by = by_year(f, fields).set_index("survey_year")
    out: dict[str, list[str]] = {}
    kids = children_by_year(f, fields, f.year - 1, f.year)
    own = fetch("scope_info", scope_id=f.scope_id).iloc[0]["name_short"] + "本级"
    broken = [x for x in fields if x in PARTNER_FIELD_NAMES]
    partners = {y: fetch("partner_values_by_partner", **f.query(), year=y, fields=broken) if broken else None
                for y in (f.year, f.year - 1)}  # fmt: skip
    for name in fields:
        total_now, total_before = (by[name].get(y) for y in (f.year, f.year - 1))
        texts: list[str] = []
        if pd.isna(total_now) or pd.isna(total_before):
            out[name] = texts
            continue
        if not kids.empty:
            now, before = (kids[kids["survey_year"] == y] for y in (f.year, f.year - 1))
            d = children_change(now, before, name, total_now, total_before, own)
            texts.append(drivers_text(d, unit(name), "从下级看，"))
        if name in broken:
            now, before = (partners[y] for y in (f.year, f.year - 1))
            if f.partner_scope != "ALL":
                now, before = (x[x["partner_scope"] == f.partner_scope] for x in (now, before))
            texts.append(drivers_text(partners_change(now, before, name), unit(name), "从合作国家和地区看，"))
        out[name] = [t for t in texts if t]
    return out
