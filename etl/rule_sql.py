"""The heaviest document rules as one SQL query that can only *clear* a document (#22).

doc_rules' four heaviest groups (exchange C-01…C-05, the by-partner breakdowns C-03/C-03b/C-15/C-19/F-10/H-02,
projects A-09/C-06/C-15/C-16/F-05/F-06 and funding F-01…F-04/F-11/F-13) cost a checking worker more than any other
step of a document but the decode. A strictly decoded document whose header and other rules found nothing leaves
them to this query, run on the spool's documents (flatten_sql's `docs`) a batch at a time: `suspects` names every
document that *may* break one of them, and only those are checked again in Python, which names the codes, paths and
messages exactly as before. A document it does not name breaks none of them.

So every predicate errs towards naming, never the other way:
- money is compared a hair tighter than doc_rules.TOL (EPS, and REL of the amounts), so a sum DuckDB adds in another
  order or another way is still named;
- where the rule compares with an amount rounded to the cent, the unrounded sum is compared with half a cent more;
- a country without diplomatic relations is named whatever its value (C-19 asks for one above zero);
- a predicate that comes out NULL names the document.
The rules' thresholds are read from the rule catalogue, as doc_rules reads them.
"""

from __future__ import annotations

import duckdb

from . import dictionary as d
from .dictionary.sections import DIRECTIONS, PURPOSES
from .doc_rules import HARD_MUST_BREAK_DOWN, MAX_DAYS, MONEY_KEYS, TOL
from .flatten_sql import reportable_sum
from .reference import Reference

EPS = 1e-6  # 万元: how much tighter than TOL money is compared
# ... and tighter still by this share of the amounts: a sum added in another order or another way (Python 3.12's sum
# of floats is compensated, DuckDB's is not) differs by a few units in the last place of the amounts added.
REL = 1e-12
HALF_CENT = 0.005  # the most rounding to the cent moves an amount
CENT_DIGITS = 1e-6  # F-01: doc_rules._off_cent's threshold, times 0.9 below so that it errs towards naming
PROJECTS = "coalesce(projects, [])"


def _money_above(left: str, right: str) -> str:
    """`left` may exceed `right` by more than the money tolerance."""
    return f"({left}) - ({right}) > {TOL - EPS!r} - {REL!r} * (abs({left}) + abs({right}))"


def _money_differ(left: str, right: str, slack: float = 0.0) -> str:
    """`left` and `right` may differ by more than the money tolerance (`slack`: what rounding may have moved them)."""
    return f"abs(({left}) - ({right})) > {TOL - slack - EPS!r} - {REL!r} * (abs({left}) + abs({right}))"


def _off_cent(value: str) -> str:
    """F-01: `value` may have more than two decimals (NULL: not filled in, nothing to check)."""
    return f"coalesce(abs(round({value} * 100) - {value} * 100) >= {CENT_DIGITS * 0.9!r}, false)"


def _sources(row: str) -> str:
    """The sum of a row's funding sources, added in FUND_SOURCES order as doc_rules adds them."""
    return " + ".join(f"{row}.fund_src_{s}" for s in d.FUND_SOURCES)


def _any_project(condition: str) -> str:
    return f"len(list_filter({PROJECTS}, lambda p: {condition})) > 0"


def exchange() -> dict[str, str]:
    """C-01, C-02, C-04, C-05 for each direction."""
    out = {}
    for dr in DIRECTIONS:
        x, pt = f"exchange.{dr}", f"exchange.{dr}_person_times"
        purposes = " + ".join(f"{x}_pt_{p}" for p in PURPOSES)
        out[f"C-01 {dr}"] = f"({x}_groups = 0) <> ({pt} = 0) or {pt} < {x}_groups"
        out[f"C-02 {dr}"] = f"{purposes} <> {pt}"
        out[f"C-04 {dr}"] = (
            f"{x}_person_days is not null and not ({pt} <= {x}_person_days and {x}_person_days <= {MAX_DAYS} * {pt})"
        )
        out[f"C-05 {dr}"] = f"coalesce({x}_pt_long_term, 0) > {pt} or coalesce({x}_pt_senior, 0) > {pt}"
    return out  # fmt: skip


def by_partner() -> dict[str, str]:
    """C-03/F-10 (missing or unequal breakdown), C-03b, C-15 and C-19 (codes), H-02 (the HMT subtotals)."""
    out = {}
    for f in d.TYPED_PARTNER_FIELDS:
        rows, total = f"by_partner.{f.name}", f"{d.section_of(f.name).key}.{f.name}"
        values = f"map_values({rows})"
        checks = [f"len(list_filter(map_keys({rows}), lambda c: not list_contains($cleared_partners, c))) > 0"]
        if f.by_partner == "additive":
            s = f"coalesce(list_sum({values}), 0)"
            differ = _money_differ(s, total) if f.kind == "money" else f"{s} <> {total}"
        else:  # multi
            differ = f"cardinality({rows}) > 0 and (list_sum({values}) < {total} or list_max({values}) > {total})"
        checks.append(f"({total} is not null and {differ})")  # a total left out: nothing to reconcile with
        out[f"by_partner {f.name}"] = f"{rows} is not null and ({' or '.join(checks)})"
        if f.name in HARD_MUST_BREAK_DOWN:
            out[f"by_partner {f.name} missing"] = f"{rows} is null and coalesce({total}, 0) > 0"
    for dr in DIRECTIONS:
        hmt = f"exchange.{dr}_person_times_hmt"
        entries = f"map_entries(by_partner.{dr}_person_times)"
        s = f"coalesce(list_sum(list_transform(list_filter({entries}, lambda e: list_contains($hmt, e.key)), lambda e: e.value)), 0)"
        out[f"H-02 {dr}"] = f"{hmt} is not null and {s} <> {hmt}"
    return out  # fmt: skip


def projects() -> dict[str, str]:
    """A-09, C-06, C-15 (partner and organisation codes), C-16, F-05, F-06."""
    codes = "list_filter(flatten(list_transform({p}, lambda p: coalesce(p.{k}, []))), lambda c: not list_contains(${ok}, c))"
    out = {
        "A-09": f"len(list_distinct(list_transform({PROJECTS}, lambda p: p.project_key))) <> len({PROJECTS})",
        "C-06": _any_project("coalesce(len(p.partner_codes), 0) = 0 and coalesce(len(p.org_codes), 0) = 0"),
        "C-15 projects partners": f"len({codes.format(p=PROJECTS, k='partner_codes', ok='partners')}) > 0",
        "C-15 projects orgs": f"len({codes.format(p=PROJECTS, k='org_codes', ok='orgs')}) > 0",
        "C-16": _any_project(
            "p.start_date > p.end_date"
            " or (p.status_in_year = 'new' and left(p.start_date, 4) <> cast(survey_year as varchar))"
            " or (p.status_in_year = 'completed' and left(p.end_date, 4) <> cast(survey_year as varchar))"
        ),
        "F-05": _any_project(_money_differ(_sources("p"), "p.fund_total_contract")),
    }
    for s in d.FUND_SOURCES:
        summed = f"coalesce(list_sum(list_transform({PROJECTS}, lambda p: p.fund_src_{s})), 0)"
        out[f"F-06 {s}"] = _money_above(summed, f"funding.fund_src_{s}")
    return out


def funding() -> dict[str, str]:
    """F-01 (funding, projects, big science), F-02, F-03/F-04, F-13, F-11."""
    reportable = reportable_sum("funding")
    uses = "funding.fund_on_exchange + funding.fund_on_projects + funding.fund_on_platforms"
    out = {"F-01 funding": " or ".join(_off_cent(f"funding.{k}") for k in MONEY_KEYS["funding"])}
    for key in ("projects", "big_science"):
        out[f"F-01 {key}"] = (
            f"len(list_filter(coalesce({key}, []), lambda r: {' or '.join(_off_cent(f'r.{k}') for k in MONEY_KEYS[key])})) > 0"
        )
    out |= {
        "F-02": _money_differ(_sources("funding"), "funding.fund_total_all"),
        "F-03": f"funding.fund_reportable is not null and {_money_differ('funding.fund_reportable', reportable, HALF_CENT)}",
        "F-13": _money_above(uses, f"{reportable} - {HALF_CENT}"),
        "F-11": f"unit_profile.unit_type = 'enterprise' and {reportable} <= {HALF_CENT + EPS!r} and len({PROJECTS}) > 0",
    }  # fmt: skip
    return out


def predicates() -> dict[str, str]:
    """Every predicate, by a label naming its rules: true (or NULL) when the document may break one."""
    return {**exchange(), **by_partner(), **projects(), **funding()}


def params(ref: Reference) -> dict[str, list[str]]:
    """The reference codes the predicates look codes up in (bound, not written into the SQL)."""
    scope = ref.partner_scope
    return {
        "cleared_partners": sorted(c for c in scope if c not in ref.no_relations),
        "partners": sorted(scope),
        "hmt": sorted(c for c, s in scope.items() if s == "HMT"),
        "orgs": sorted(ref.org_codes),
    }


def suspects(con: duckdb.DuckDBPyConnection, ref: Reference) -> set[str]:
    """The version ids of the documents of `docs` (flatten_sql's) that may break one of the rules above."""
    condition = " or ".join(f"coalesce({p}, true)" for p in predicates().values())
    rows = con.execute(f"select version_id from docs where {condition}", params(ref)).fetchall()
    return {vid for (vid,) in rows}
