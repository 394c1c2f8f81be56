"""Turn validated documents into rows of the warehouse's tables (one Arrow table per kind)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from . import dictionary as d
from .dictionary.sections import DIRECTIONS, FUNDING_LEVELS, PROJECT_DETAIL
from .doc_rules import reportable
from .problems import Problem

PROFILE_TEXT = ("unit_name", "uscc", "unit_type", "enterprise_ownership", "admin_division_code",
                "supervising_dept", "intl_base_level", "intl_base_type")  # fmt: skip
PROFILE_BOOL = ("has_intl_activity", "has_support_policy")
PROJECT_TEXT = tuple(f.name for f in PROJECT_DETAIL.fields if f.kind in ("string", "text", "enum", "date"))
PROJECT_MONEY = tuple(f.name for f in PROJECT_DETAIL.fields if f.kind == "money")
SRC = tuple(f"fund_src_{s}" for s in d.FUND_SOURCES)
# (field, section) of every typed measure, resolved once: the per-document loop is the ETL's hot path.
TYPED_MEASURES = tuple((f.name, d.section_of(f.name).key) for f in d.MEASURES if not f.derived)

# Arrow schema of every table the ETL writes to Parquet; the warehouse DDL adds types and comments.
KEYS = [("version_id", pa.string()), ("account_id", pa.string()), ("survey_year", pa.int32())]
SCHEMAS: dict[str, pa.Schema] = {
    "submissions": pa.schema(KEYS + [
        ("revision", pa.int32()), ("status", pa.string()), ("submission_id", pa.string()),
        ("account_level", pa.int8()), ("parent_account_id", pa.string()),
        ("submitted_at", pa.timestamp("us", tz="UTC")), ("approved_at", pa.timestamp("us", tz="UTC")),
        ("reviewer_account_id", pa.string()), ("reports_municipal_funds", pa.bool_()),
        ("source_file", pa.string()), ("run_id", pa.string()), ("n_warnings", pa.int32()),
        ("excluded_sources", pa.list_(pa.string())),
    ]),
    "measures": pa.schema(KEYS + [(n, pa.string()) for n in PROFILE_TEXT] + [(n, pa.bool_()) for n in PROFILE_BOOL]
                          + [(f.name, pa.int64() if f.kind == "int" else pa.float64()) for f in d.MEASURES]
                          + [("suggestions_text", pa.string())]),
    "partner_values": pa.schema(KEYS + [("field", pa.string()), ("partner_code", pa.string()), ("value", pa.float64())]),
    "projects": pa.schema(KEYS + [(n, pa.string()) for n in PROJECT_TEXT] + [(n, pa.float64()) for n in PROJECT_MONEY]
                          + [("fund_reportable", pa.float64())]),
    "project_partners": pa.schema(KEYS + [("project_key", pa.string()), ("partner_code", pa.string()),
                                          ("org_code", pa.string())]),
    "orgs": pa.schema(KEYS + [("org_code", pa.string()), ("org_name", pa.string())]),
    "standards": pa.schema(KEYS + [("standard_no", pa.string()), ("standard_name", pa.string()), ("sdo", pa.string()),
                                   ("role", pa.string()), ("stage", pa.string()), ("year_of_stage", pa.int32())]),
    "big_science": pa.schema(KEYS + [("programme_code", pa.string()), ("role", pa.string()), ("persons", pa.int64())]
                             + [(s, pa.float64()) for s in SRC] + [("fund_reportable", pa.float64())]),
    "choices": pa.schema(KEYS + [("field", pa.string()), ("value", pa.string())]),
    "warnings": pa.schema(KEYS + [("code", pa.string()), ("severity", pa.string()), ("path", pa.string()),
                                  ("value", pa.string()), ("message_zh", pa.string()), ("message_en", pa.string())]),
}  # fmt: skip


class Rows:
    """Column buffers for every table; `add` takes one document, `tables` hands back Arrow tables."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list]] = {t: defaultdict(list) for t in SCHEMAS}

    def _row(self, table: str, keys: dict[str, Any], **values: Any) -> None:
        cols = self.cols[table]
        for k, v in keys.items():
            cols[k].append(v)
        for k, v in values.items():
            cols[k].append(v)

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
        keys = {"version_id": version_id, "account_id": doc["account_id"], "survey_year": doc["survey_year"]}
        self._row("submissions", keys, revision=doc["revision"], status=doc["status"],
                  submission_id=doc["submission_id"], account_level=doc["account_level"],
                  parent_account_id=doc.get("parent_account_id"), submitted_at=doc.get("submitted_at"),
                  approved_at=doc.get("approved_at"), reviewer_account_id=doc.get("reviewer_account_id"),
                  reports_municipal_funds=doc.get("reports_municipal_funds"), source_file=source_file,
                  run_id=run_id, n_warnings=len(warnings), excluded_sources=sorted(excluded))  # fmt: skip
        for w in warnings:
            self._row(
                "warnings",
                keys,
                code=w.code,
                severity=w.severity,
                path=w.path,
                value=None if w.value is None else str(w.value),
                message_zh=w.message_zh,
                message_en=w.message_en,
            )
        if doc["status"] not in d.FINISHED_STATUSES:
            return
        derived = derive(doc, excluded)
        partner_rows = derived.pop("_project_partners")
        measures = {name: doc[section].get(name) for name, section in TYPED_MEASURES}
        measures.update(derived)
        profile = doc["unit_profile"]
        self._row("measures", keys, **{n: profile.get(n) for n in PROFILE_TEXT},
                  has_intl_activity=profile["has_intl_activity"], has_support_policy=doc["policy"]["has_support_policy"],
                  **measures, suggestions_text=doc["policy"].get("suggestions_text"))  # fmt: skip
        pv = self.cols["partner_values"]
        for source in (doc.get("by_partner") or {}, partner_rows):
            for fname, rows in source.items():
                n = len(rows)
                pv["field"] += [fname] * n
                pv["partner_code"] += rows.keys()
                pv["value"] += map(float, rows.values())
                for k, v in keys.items():
                    pv[k] += [v] * n
        for p in doc.get("projects") or []:
            text = {n: None if p.get(n) is None else str(p[n]) for n in PROJECT_TEXT}
            self._row("projects", keys, **text, **{n: p[n] for n in PROJECT_MONEY},
                      fund_reportable=reportable(p, "fund_src_", excluded))  # fmt: skip
            partners, orgs = p.get("partner_codes") or [], p.get("org_codes") or []
            if n := len(partners) + len(orgs):
                pp = self.cols["project_partners"]
                pp["project_key"] += [p["project_key"]] * n
                pp["partner_code"] += [*partners, *[None] * len(orgs)]
                pp["org_code"] += [*[None] * len(partners), *orgs]
                for k, v in keys.items():
                    pp[k] += [v] * n
        for o in doc.get("intl_orgs") or []:
            self._row("orgs", keys, org_code=o["org_code"], org_name=o.get("org_name"))
        for s in doc.get("standards") or []:
            self._row("standards", keys, **{n: s[n] for n in ("standard_no", "standard_name", "sdo", "role", "stage",
                                                             "year_of_stage")})  # fmt: skip
        for b in doc.get("big_science") or []:
            self._row("big_science", keys, programme_code=b["programme_code"], role=b["role"], persons=b["persons"],
                      **{s: b[s] for s in SRC}, fund_reportable=reportable(b, "fund_src_", excluded))  # fmt: skip
        ch = self.cols["choices"]
        for fname in ("policy_types", "problems"):
            if values := doc["policy"].get(fname):
                ch["field"] += [fname] * len(values)
                ch["value"] += values
                for k, v in keys.items():
                    ch[k] += [v] * len(values)

    def tables(self) -> dict[str, pa.Table]:
        """The buffered rows as Arrow tables with the declared schemas."""
        out = {}
        for name, schema in SCHEMAS.items():
            cols = self.cols[name]
            n = len(cols["version_id"])
            out[name] = pa.table(
                {f.name: pa.array(cols.get(f.name, [None] * n), f.type) for f in schema}, schema=schema
            )
        return out


def derive(doc: dict, excluded: frozenset[str]) -> dict[str, Any]:
    """The fields the ETL computes for one unit: distinct counts, project summary, reportable funding."""
    year, scope = doc["survey_year"], _partner_scope()
    bp = doc.get("by_partner") or {}
    exchanged = {c for dr in DIRECTIONS for c, v in (bp.get(f"{dr}_person_times") or {}).items() if v > 0}
    projects = doc.get("projects") or []
    levels = dict.fromkeys(FUNDING_LEVELS, 0)
    partners: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in projects:
        levels[p["funding_level"]] += 1
        for code in set(p.get("partner_codes") or []):
            partners["proj_active"][code] += 1
            partners["proj_new"][code] += p["status_in_year"] == "new"
            partners["proj_completed"][code] += p["status_in_year"] == "completed"
            partners["proj_led"][code] += p["role"] == "lead"
    standards = doc.get("standards") or []
    bsp = doc.get("big_science") or []
    out: dict[str, Any] = {
        "n_partner_countries_exchange": sum(scope.get(c) == "INTL" for c in exchanged),
        "n_partner_hmt_exchange": sum(scope.get(c) == "HMT" for c in exchanged),
        "proj_active": len(projects),
        "proj_new": sum(p["status_in_year"] == "new" for p in projects),
        "proj_completed": sum(p["status_in_year"] == "completed" for p in projects),
        "proj_led": sum(p["role"] == "lead" for p in projects),
        **{f"proj_by_level_{lv}": n for lv, n in levels.items()},
        "proj_fund_reportable": round(sum(reportable(p, "fund_src_", excluded) for p in projects), 2),
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
    }  # fmt: skip
    return out


def _partner_scope() -> dict[str, str]:
    from .reference import load

    return load().partner_scope
