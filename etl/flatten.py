"""Turn validated documents into rows of the warehouse's tables (one Arrow table per kind)."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from itertools import chain
from typing import Any

import pyarrow as pa

from . import dictionary as d
from .dictionary.sections import DIRECTIONS, FUNDING_LEVELS
from .doc_rules import reportable
from .problems import Problem
from .tables import CORE_TABLES, KEY_COLUMNS, PROFILE_TEXT, PROJECT_MONEY, PROJECT_TEXT, SRC

# The Arrow schema of every table the ETL writes to Parquet comes from the table spec (etl/tables.py), which
# makes the warehouse DDL from the same columns.
SCHEMAS: dict[str, pa.Schema] = {t.parquet: t.arrow_schema() for t in CORE_TABLES}


# Where each column of `measures` comes from, in the schema's order: (section, field) typed in the document,
# or (None, field) derived by the ETL. What `derive` returns wins over what was typed (fund_reportable).
MEASURE_SOURCES = tuple((None if f.derived else d.section_of(f.name).key, f.name) for f in d.MEASURES)
# Tables filled a row (tuple) at a time, in schema order; the others get several rows of a document at once.
ROW_TABLES = ("submissions", "warnings", "measures", "projects", "orgs", "standards", "big_science")
STANDARD_COLS = tuple(SCHEMAS["standards"].names[len(KEY_COLUMNS) :])


@cache
def _plan(derived_names: frozenset[str]) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
    """MEASURE_SOURCES as runs of consecutive columns read from one place: (section, names), or (None, names) for
    what `derive` returns (it wins over what was typed). One C-level `map(section.get, names)` per run instead of a
    Python expression per column (102 of them)."""
    runs: list[tuple[str | None, list[str]]] = []
    for section, name in MEASURE_SOURCES:
        source = None if section is None or name in derived_names else section
        if runs and runs[-1][0] == source:
            runs[-1][1].append(name)
        else:
            runs.append((source, [name]))
    return tuple((source, tuple(names)) for source, names in runs)


def _measure_plan(derived: dict[str, Any]) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
    """_plan for `derive`'s fields (always the same names: worked out for the first document only)."""
    global _PLAN
    if _PLAN is None:
        _PLAN = _plan(frozenset(derived))
    return _PLAN


_PLAN: tuple[tuple[str | None, tuple[str, ...]], ...] | None = None


class Rows:
    """Row buffers for every table; `add` takes one document, `tables` hands back Arrow tables.

    Rows are tuples in schema order and become columns once, in `tables`: appending to a list per column
    through keyword arguments took 40 % of the time a document spends in a checking worker.
    """

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
        self.cols: dict[str, dict[str, list]] = {t: defaultdict(list) for t in SCHEMAS if t not in ROW_TABLES}

    def add(
        self,
        doc: dict,
        *,
        version_id: str,
        source_file: str,
        run_id: str,
        excluded: frozenset[str],
        warnings: list[Problem],
    ) -> None:
        """Append one accepted document (drafts contribute their header only)."""
        account_id, year = doc["account_id"], doc["survey_year"]
        keys = (version_id, account_id, year)
        get = doc.get
        self.rows["submissions"].append((
            *keys, doc["revision"], doc["status"], doc["submission_id"], doc["account_level"], get("parent_account_id"),
            get("submitted_at"), get("approved_at"), get("reviewer_account_id"), get("reports_municipal_funds"),
            source_file, run_id, len(warnings), sorted(excluded),
        ))  # fmt: skip
        self.rows["warnings"] += [(*keys, w.code, w.severity, w.path, None if w.value is None else str(w.value),
                                   w.message_zh, w.message_en) for w in warnings]  # fmt: skip
        if doc["status"] not in d.FINISHED_STATUSES:
            return
        derived = derive(doc, excluded)
        partner_rows = derived.pop("_project_partners")
        project_reportable = derived.pop("_project_reportable")
        profile, policy = doc["unit_profile"], doc["policy"]
        self.rows["measures"].append((
            *keys, *[profile.get(n) for n in PROFILE_TEXT], profile["has_intl_activity"], policy["has_support_policy"],
            *chain.from_iterable(map((derived if section is None else doc[section]).get, names)
                                 for section, names in _measure_plan(derived)),
            policy.get("suggestions_text"),
        ))  # fmt: skip
        pv = self.cols["partner_values"]
        for source in (get("by_partner") or {}, partner_rows):
            for fname, rows in source.items():
                n = len(rows)
                pv["field"] += [fname] * n
                pv["partner_code"] += rows.keys()
                pv["value"] += map(float, rows.values())
                pv["version_id"] += [version_id] * n
                pv["account_id"] += [account_id] * n
                pv["survey_year"] += [year] * n
        for p, p_reportable in zip(get("projects") or [], project_reportable, strict=True):
            self.rows["projects"].append((
                *keys, *[None if p.get(n) is None else str(p[n]) for n in PROJECT_TEXT], *[p[n] for n in PROJECT_MONEY],
                p_reportable,
            ))  # fmt: skip
            partners, orgs = p.get("partner_codes") or [], p.get("org_codes") or []
            if n := len(partners) + len(orgs):
                pp = self.cols["project_partners"]
                pp["project_key"] += [p["project_key"]] * n
                pp["partner_code"] += [*partners, *[None] * len(orgs)]
                pp["org_code"] += [*[None] * len(partners), *orgs]
                pp["version_id"] += [version_id] * n
                pp["account_id"] += [account_id] * n
                pp["survey_year"] += [year] * n
        self.rows["orgs"] += [(*keys, o["org_code"], o.get("org_name")) for o in get("intl_orgs") or []]
        self.rows["standards"] += [(*keys, *[s[n] for n in STANDARD_COLS]) for s in get("standards") or []]
        self.rows["big_science"] += [(*keys, b["programme_code"], b["role"], b["persons"], *[b[s] for s in SRC],
                                      reportable(b, "fund_src_", excluded)) for b in get("big_science") or []]  # fmt: skip
        ch = self.cols["choices"]
        for fname in ("policy_types", "problems"):
            if values := policy.get(fname):
                n = len(values)
                ch["field"] += [fname] * n
                ch["value"] += values
                ch["version_id"] += [version_id] * n
                ch["account_id"] += [account_id] * n
                ch["survey_year"] += [year] * n

    def tables(self) -> dict[str, pa.Table]:
        """The buffered rows as Arrow tables with the declared schemas."""
        out = {}
        for name, schema in SCHEMAS.items():
            if self.rows.get(name):
                # The row tuples become one struct array in C++ (a Python tuple per column took 40 % longer).
                rows = pa.array(self.rows[name], pa.struct(schema))
                out[name] = pa.Table.from_struct_array(rows)
                continue
            if name in self.rows:
                columns = [()] * len(schema)
            else:
                cols = self.cols[name]
                n = len(cols["version_id"])
                columns = [cols.get(f.name, [None] * n) for f in schema]
            out[name] = pa.table([pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
        return out


def derive(doc: dict, excluded: frozenset[str]) -> dict[str, Any]:
    """The fields the ETL computes for one unit: distinct counts, project summary, reportable funding."""
    year, scope = doc["survey_year"], _partner_scope()
    bp = doc.get("by_partner") or {}
    exchanged = {c for dr in DIRECTIONS for c, v in (bp.get(f"{dr}_person_times") or {}).items() if v > 0}
    projects = doc.get("projects") or []
    levels = dict.fromkeys(FUNDING_LEVELS, 0)
    partners: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    n_new = n_completed = n_led = 0
    for p in projects:  # one pass over the projects for every count (they were four)
        levels[p["funding_level"]] += 1
        new, completed, led = p["status_in_year"] == "new", p["status_in_year"] == "completed", p["role"] == "lead"
        n_new, n_completed, n_led = n_new + new, n_completed + completed, n_led + led
        for code in set(p.get("partner_codes") or []):
            partners["proj_active"][code] += 1
            partners["proj_new"][code] += new
            partners["proj_completed"][code] += completed
            partners["proj_led"][code] += led
    project_reportable = [reportable(p, "fund_src_", excluded) for p in projects]  # also a column of `projects`
    standards = doc.get("standards") or []
    bsp = doc.get("big_science") or []
    out: dict[str, Any] = {
        "n_partner_countries_exchange": sum(scope.get(c) == "INTL" for c in exchanged),
        "n_partner_hmt_exchange": sum(scope.get(c) == "HMT" for c in exchanged),
        "proj_active": len(projects),
        "proj_new": n_new,
        "proj_completed": n_completed,
        "proj_led": n_led,
        **{f"proj_by_level_{lv}": n for lv, n in levels.items()},
        "proj_fund_reportable": round(sum(project_reportable), 2),
        "n_partner_countries_project": len({c for p in projects for c in p.get("partner_codes") or []
                                            if scope.get(c) == "INTL"}),
        "fund_reportable": reportable(doc["funding"], "fund_src_", excluded),
        "org_joined": len({(o["org_code"], o.get("org_name") or "") for o in doc.get("intl_orgs") or []}),
        "std_total": len({s["standard_no"] for s in standards}),
        "std_led": len({s["standard_no"] for s in standards if s["role"] == "lead"}),
        "std_published_year": len({s["standard_no"] for s in standards
                                   if s["stage"] == "published" and s["year_of_stage"] == year}),
        "bsp_count": len({b["programme_code"] for b in bsp}),
        "bsp_led": len({b["programme_code"] for b in bsp if b["role"] == "initiator"}),
        "bsp_persons": sum(b["persons"] for b in bsp),
        "bsp_fund_reportable": round(sum(reportable(b, "fund_src_", excluded) for b in bsp), 2),
        "_project_partners": {k: dict(v) for k, v in partners.items()},
        "_project_reportable": project_reportable,
    }  # fmt: skip
    return out


@cache
def _partner_scope() -> dict[str, str]:
    """The reference's partner scopes (reference.load() is read once per process too; the import and call per
    document cost 4 % of a checking worker's time)."""
    from .reference import load

    return load().partner_scope
