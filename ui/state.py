"""The global filters: one place, kept in session state across pages and mirrored in the URL."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from etl.dictionary import UNIT_TYPES, UNIT_TYPES_ZH

from .data import allowed

PARTNER_SCOPES = {"ALL": "全部", "INTL": "国际", "HMT": "港澳台"}
BASES = {"finished": "已提交+已审核", "approved": "仅已审核"}
UNIT_TYPE_LABELS = {"ALL": "全部单位类型", **dict(zip(UNIT_TYPES, UNIT_TYPES_ZH, strict=True))}


@dataclass(frozen=True)
class Filters:
    """What every page reads: scope, year (and trend range), partner scope, unit type, basis."""

    scope_id: str
    year: int
    year_from: int
    year_to: int
    partner_scope: str
    unit_type: str
    basis: str

    def query(self) -> dict[str, object]:
        """The parameters most queries take."""
        return {"scope_id": self.scope_id, "basis": self.basis, "unit_type": self.unit_type}

    def describe(self) -> str:
        """The filters in words, for captions and exports."""
        parts = [f"{self.year}年度", PARTNER_SCOPES[self.partner_scope], UNIT_TYPE_LABELS[self.unit_type],
                 BASES[self.basis]]  # fmt: skip
        return "；".join(parts)


def init(years: list[int], root: str) -> None:
    """On a session's first run, take the filters from the URL (ignoring invalid values and foreign scopes)."""
    if st.session_state.get("_filters_ready"):
        return
    qp = st.query_params
    last = years[-1]
    year = int(qp["year"]) if qp.get("year", "").isdigit() and int(qp["year"]) in years else last
    y_from = int(qp["from"]) if qp.get("from", "").isdigit() and int(qp["from"]) in years else years[0]
    y_to = int(qp["to"]) if qp.get("to", "").isdigit() and int(qp["to"]) in years else last
    scope = qp.get("scope", root)
    if not allowed(scope):
        st.session_state["_scope_warning"] = True
        scope = root
    st.session_state.update({
        "scope_id": scope,
        "f_year": year,
        "f_from": min(y_from, y_to),
        "f_to": max(y_from, y_to),
        "f_ps": qp.get("ps") if qp.get("ps") in PARTNER_SCOPES else "ALL",
        "f_ut": qp.get("ut") if qp.get("ut") in UNIT_TYPE_LABELS else "ALL",
        "f_basis": qp.get("basis") if qp.get("basis") in BASES else "finished",
        "_filters_ready": True,
    })  # fmt: skip


def current() -> Filters:
    """The filters in force on this rerun."""
    s = st.session_state
    y_from, y_to = sorted((int(s["f_from"]), int(s["f_to"])))  # a reversed range is read the sensible way
    return Filters(s["scope_id"], int(s["f_year"]), y_from, y_to, s["f_ps"], s["f_ut"], s["f_basis"])


def set_scope(scope_id: str) -> None:
    """Drill to another scope (a callback: the rerun that follows shows it)."""
    st.session_state["scope_id"] = scope_id


def enforce(root: str) -> None:
    """Every rerun: a scope outside the user's subtree (forged session value) falls back to the user's own."""
    if not allowed(st.session_state.get("scope_id", root)):
        st.session_state["scope_id"] = root
        st.session_state["_scope_warning"] = True


def sync_url() -> None:
    """Write the filters into the URL so the view can be bookmarked and shared."""
    f = current()
    wanted = {"scope": f.scope_id, "year": str(f.year), "from": str(f.year_from), "to": str(f.year_to),
              "ps": f.partner_scope, "ut": f.unit_type, "basis": f.basis}  # fmt: skip
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)
