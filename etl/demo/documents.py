"""One demo document for an account × year, drawn from the calibration of §19 of the specification.

Every document this module returns passes all hard rules; `mess.py` breaks some on purpose. Each section and
row starts from the data dictionary's empty values (`blank`) and gets the calibrated figures written here, so a
new field of the dictionary is in every demo document without an edit here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field

from ..dictionary import FUND_SOURCES, PURPOSES, blank
from ..dictionary.sections import POLICY_TYPES, PROBLEMS, PROJECT_FIELDS
from ..reference import read_csv
from .accounts import DemoAccount

# §19: physical exchanges collapse in 2020–2022 and recover; projects dip far less.
EXCHANGE_FACTOR = {2020: 0.2, 2021: 0.14, 2022: 0.25, 2023: 0.6, 2024: 0.95}
PROJECT_FACTOR = {2020: 0.92, 2021: 0.9, 2022: 0.93, 2023: 0.97}
# (median outbound person-times, inbound, active projects, reportable funding 万元) by unit type/tier.
SCALE = {
    ("university", "leading"): (600, 300, 35, 1500), ("university", "typical"): (45, 22, 5, 120),
    ("research_institute", "leading"): (120, 60, 18, 600), ("research_institute", "typical"): (20, 12, 3, 60),
    ("hospital", "typical"): (18, 8, 1.5, 25), ("enterprise", "typical"): (6, 5, 1.2, 150),
    ("hitech_zone", "typical"): (15, 30, 0.8, 60), ("association", "typical"): (8, 6, 0.4, 10),
    ("other", "typical"): (5, 4, 0.4, 10), ("gov_agency", "typical"): (12, 15, 0, 0),
}  # fmt: skip
OUT_MIX = (0.175, 0.45, 0.25, 0.075, 0.03, 0.02)  # visit, conference, research, training, exhibition, other
HOSPITAL_MIX = (0.1, 0.65, 0.12, 0.1, 0.01, 0.02)
SHARE_OVERRIDE = {"USA": 16, "GBR": 6.5, "DEU": 6.5, "JPN": 6.5, "KOR": 4, "RUS": 4, "AUS": 4, "CAN": 4, "FRA": 4,
                  "SGP": 2, "ITA": 2, "NLD": 2, "CZE": 2, "POL": 2, "HKG": 5, "TWN": 2, "MAC": 1}  # fmt: skip
LEVEL_MIX = {"national": 5, "provincial": 12, "municipal": 8, "county": 2, "unit": 55, "foreign_funded": 10, "other": 8}
SUGGESTIONS = ["建议简化因公出国（境）审批流程。", "希望加大对国际合作项目的经费支持。", "建议建立国际合作信息共享平台。",
               "希望为外籍专家来华工作提供更多便利。", "建议完善国际合作成果的评价激励机制。"]  # fmt: skip


def _partners() -> tuple[list[str], list[float], set[str]]:
    rows = read_csv("partners.csv")
    tier_w = {"1": 16, "2": 3, "3": 0.35, "4": 0.1}
    codes = [r["iso3"] for r in rows]
    weights = [
        0.0 if r["prc_diplomatic_relations"] == "N" else SHARE_OVERRIDE.get(r["iso3"], tier_w[r["calib_tier_assumed"]])
        for r in rows
    ]
    hmt = {r["iso3"] for r in rows if r["partner_category"] == "HMT_region_of_China"}
    return codes, weights, hmt


PARTNERS, PARTNER_WEIGHTS, HMT = _partners()


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (normal approximation for large means)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def heavy(rng: random.Random, median: float, sigma: float = 0.9) -> float:
    """A lognormal draw around `median` (heavy right tail)."""
    return median * math.exp(rng.gauss(0, sigma))


def split(rng: random.Random, total: int, weights: tuple[float, ...] | list[float]) -> list[int]:
    """Split an integer total into len(weights) non-negative integers that sum to it."""
    raw = [total * w * rng.uniform(0.7, 1.3) for w in weights]
    scale = total / sum(raw) if sum(raw) else 0
    parts = [int(x * scale) for x in raw]
    for i in sorted(range(len(parts)), key=lambda i: -(raw[i] * scale - parts[i]))[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class YearContext:
    """What a year's documents share: the year, and a pool of government projects with several units."""

    year: int
    shared_projects: list[tuple[str, str, list[str]]] = field(default_factory=list)  # key, programme, partners


def pick_partners(rng: random.Random, k: int, year: int) -> list[str]:
    """k distinct partners, USA share easing after 2019 (§19)."""
    weights = PARTNER_WEIGHTS
    if year > 2019:
        weights = [w * (0.75 if c == "USA" else 1.0) for c, w in zip(PARTNERS, PARTNER_WEIGHTS, strict=True)]
    out: list[str] = []
    while len(out) < k:
        c = rng.choices(PARTNERS, weights=weights)[0]
        if c not in out:
            out.append(c)
    return out


def _by_partner(rng: random.Random, total: int | float, partners: list[str], money: bool = False) -> dict:
    if total <= 0:
        return {}
    if money:
        cents = split(rng, round(total * 100), [1.0 / (i + 1) for i in range(len(partners))])
        return {c: v / 100 for c, v in zip(partners, cents, strict=True) if v > 0}
    parts = split(rng, int(total), [1.0 / (i + 1) ** 0.8 for i in range(len(partners))])
    return {c: v for c, v in zip(partners, parts, strict=True) if v > 0}


def _exchange(rng: random.Random, acc: DemoAccount, year: int, active: bool, doc: dict) -> None:
    out_med, in_med, _, _ = SCALE.get((acc.unit_type, acc.tier), SCALE[("other", "typical")])
    factor = EXCHANGE_FACTOR.get(year, 1.0) * (1 + 0.04 * (year - 2016))
    x = blank("exchange")
    for d, med in (("out", out_med), ("in", in_med)):
        pt = round(heavy(rng, med) * factor) if active else 0
        groups = 0 if pt == 0 else max(1, min(pt, round(pt / rng.uniform(3, 5))))
        mix = HOSPITAL_MIX if acc.unit_type == "hospital" else OUT_MIX
        purposes = split(rng, pt, mix) if pt else [0] * 6
        partners = pick_partners(rng, min(pt, 1 + poisson(rng, 1 + math.log1p(pt) * 1.6)), year) if pt else []
        rows = _by_partner(rng, pt, partners)
        x.update({
            f"{d}_groups": groups, f"{d}_person_times": pt,
            f"{d}_person_times_hmt": sum(v for c, v in rows.items() if c in HMT),
            f"{d}_person_days": pt * rng.randint(6, 18) if pt else 0,
            **{f"{d}_pt_{p}": n for p, n in zip(PURPOSES, purposes, strict=True)},
            f"{d}_pt_long_term": round(pt * rng.uniform(0, 0.08)), f"{d}_pt_senior": round(pt * rng.uniform(0.1, 0.4)),
        })  # fmt: skip
        if rows:
            doc["by_partner"][f"{d}_person_times"] = rows
    doc["exchange"] = x


def _projects(rng: random.Random, acc: DemoAccount, ctx: YearContext, active: bool) -> list[dict]:
    _, _, med, _ = SCALE.get((acc.unit_type, acc.tier), SCALE[("other", "typical")])
    n = poisson(rng, heavy(rng, med, 0.6) * PROJECT_FACTOR.get(ctx.year, 1.0)) if active and med else 0
    out, used = [], set()
    for i in range(n):
        level = rng.choices(list(LEVEL_MIX), weights=list(LEVEL_MIX.values()))[0]
        status = rng.choices(["new", "ongoing", "completed"], weights=[3, 5, 2])[0]
        start = dt.date(ctx.year if status == "new" else ctx.year - rng.randint(1, 2), rng.randint(1, 12), 1)
        end = dt.date(ctx.year if status == "completed" else ctx.year + rng.randint(1, 3), rng.randint(1, 12), 28)
        if end < start:
            end = dt.date(start.year, 12, 31)
        key, programme, role = f"{acc.account_id}-{ctx.year}-{i + 1:03d}", None, rng.choice(["lead", "participant"])
        partners = pick_partners(rng, rng.choice([1, 1, 1, 2, 3]), ctx.year)
        if level == "national":
            programme = "政府间国际科技创新合作重点专项"
            shared = rng.choice(ctx.shared_projects) if ctx.shared_projects and rng.random() < 0.35 else None
            if shared and shared[0] not in used:  # another unit's national project: same key
                key, programme, partners = shared
                role = "participant"
            else:
                key = f"{ctx.year}YFE{rng.randint(100000, 999999)}"
                ctx.shared_projects.append((key, programme, partners))
                role = "lead"
        used.add(key)
        src = dict.fromkeys(FUND_SOURCES, 0.0)
        main = {"national": "central", "provincial": "provincial", "municipal": "municipal", "county": "county",
                "unit": "unit_self", "foreign_funded": "foreign", "other": "domestic_other"}[level]  # fmt: skip
        src[main] = round(
            heavy(rng, {"central": 150, "provincial": 50, "municipal": 25, "foreign": 60}.get(main, 25), 0.6), 2
        )
        if level != "unit" and rng.random() < 0.4:
            src["unit_self"] = round(heavy(rng, 10, 0.7), 2)
        total = round(sum(src.values()), 2)
        out.append({
            **blank("projects"),
            "project_key": key, "project_name": f"{acc.name_short[:12]}国际合作项目{i + 1}", "role": role,
            "funding_level": level, "programme": programme, "partner_codes": partners, "org_codes": [],
            "partner_org_names": None, "coop_form": rng.choices(
                ["joint_research", "tech_import", "tech_export", "joint_platform", "joint_training", "big_science",
                 "other"], weights=[60, 8, 5, 10, 10, 2, 5])[0],
            "field": rng.choice(PROJECT_FIELDS), "start_date": start.isoformat(), "end_date": end.isoformat(),
            "status_in_year": status, "fund_total_contract": total,
            **{f"fund_src_{s}": v for s, v in src.items()}, "fund_spent_year": round(total * rng.uniform(0.3, 0.9), 2),
        })  # fmt: skip
    return out


def _funding(rng: random.Random, acc: DemoAccount, excluded: frozenset[str], active: bool, doc: dict) -> None:
    src = dict.fromkeys(FUND_SOURCES, 0.0)
    for p in doc["projects"]:
        for s in FUND_SOURCES:
            src[s] += p[f"fund_src_{s}"]
    if active:
        _, _, _, med = SCALE.get((acc.unit_type, acc.tier), SCALE[("other", "typical")])
        src["unit_self"] += heavy(rng, med * 0.3, 0.8)
        src["domestic_other"] += heavy(rng, med * 0.05, 1.0) if rng.random() < 0.3 else 0
    src = {s: round(v, 2) for s, v in src.items()}
    total = round(sum(src.values()), 2)
    reportable = round(sum(v for s, v in src.items() if s not in excluded), 2)
    uses = split(rng, round(reportable * rng.uniform(0.6, 1.0) * 100), (0.3, 0.6, 0.1))
    doc["funding"] = {
        **blank("funding"),
        **{f"fund_src_{s}": v for s, v in src.items()}, "fund_total_all": total,
        "fund_reportable": reportable if rng.random() < 0.7 else None,
        "fund_on_exchange": uses[0] / 100, "fund_on_projects": uses[1] / 100, "fund_on_platforms": uses[2] / 100,
    }  # fmt: skip
    if src["foreign"] > 0:
        partners = [c for p in doc["projects"] if p["fund_src_foreign"] > 0 for c in p["partner_codes"]]
        doc["by_partner"]["fund_src_foreign"] = _by_partner(
            rng, src["foreign"], list(dict.fromkeys(partners)), money=True
        )


def document(rng: random.Random, acc: DemoAccount, ctx: YearContext, excluded: frozenset[str]) -> dict:
    """A complete, valid finished document for `acc` in `ctx.year` (status set by the caller)."""
    p_active = {"leading": 0.97}.get(acc.tier, {"enterprise": 0.4, "gov_agency": 0.9}.get(acc.unit_type, 0.55))
    active = rng.random() < p_active
    leading = acc.tier == "leading"
    staff = (
        round(
            heavy(rng, {"university": 2500, "research_institute": 400, "hospital": 1500}.get(acc.unit_type, 150), 0.6)
        )
        + 10
    )
    doc: dict = {"by_partner": {}}
    _exchange(rng, acc, ctx.year, active, doc)
    doc["projects"] = _projects(rng, acc, ctx, active)
    _funding(rng, acc, excluded, active, doc)
    hosted = poisson(rng, (3 if leading else 0.3) * (1 if active else 0))
    participants = hosted * rng.randint(40, 300)
    foreign = round(participants * rng.uniform(0.05, 0.25))
    inst = [poisson(rng, 1.5 if leading else 0.05) for _ in range(4)]
    signed = poisson(rng, (6 if leading else 0.6) if active else 0)
    types = split(rng, signed, (0.05, 0.8, 0.15) if acc.unit_type != "gov_agency" else (0.9, 0.1, 0.0))
    persons = min(staff, poisson(rng, 8 if leading else 0.1))
    papers = poisson(
        rng,
        heavy(rng, 60 if leading else 3)
        if active and acc.unit_type in ("university", "research_institute", "hospital")
        else 0,
    )
    patents = poisson(rng, 3 if leading or (acc.unit_type == "enterprise" and active) else 0.05)
    contracts = poisson(rng, 0.5 if acc.unit_type == "enterprise" and active else 0.05)
    fulltime = min(staff, poisson(rng, 6 if leading else 0.2))
    visiting = poisson(rng, 15 if leading else 0.4)
    has_policy = rng.random() < (0.6 if acc.unit_type == "gov_agency" else 0.25)
    doc.update({
        "conference": {"conf_hosted": hosted, "conf_participants": participants, "conf_participants_foreign": foreign,
                       "conf_participants_hmt": round(foreign * 0.1),
                       "conf_online": min(hosted, poisson(rng, hosted * (0.6 if ctx.year >= 2020 else 0.05)))},
        "institution": {"inst_joint_total": sum(inst), "inst_joint_lab": inst[0], "inst_tech_transfer": inst[1],
                        "inst_incubator": inst[2], "inst_other": inst[3], "inst_overseas": min(sum(inst), poisson(rng, 0.2)),
                        "inst_new": min(sum(inst), poisson(rng, 0.3 if sum(inst) else 0)),
                        "inst_bri_joint_lab": min(inst[0], poisson(rng, 0.3 if inst[0] else 0))},
        "agreement": {"agr_signed_year": signed, "agr_in_force": signed + poisson(rng, signed * 2 + (3 if leading else 0.3)),
                      "agr_by_type_gov": types[0], "agr_by_type_institution": types[1], "agr_by_type_enterprise": types[2]},
        "intl_org": {"org_persons": persons, "org_positions": persons + poisson(rng, persons * 0.3),
                     "org_positions_senior": min(persons, poisson(rng, persons * 0.2)),
                     "journal_positions": poisson(rng, 20 if leading else 0.1)},
        "outcome": {"papers_coauthored": papers, "patents_joint": patents, "patents_pct": min(patents, poisson(rng, patents * 0.3)),
                    "tech_import_items": poisson(rng, 0.4 if acc.unit_type == "enterprise" and active else 0.02),
                    "tech_export_items": poisson(rng, 0.2 if active else 0), "tt_contracts": contracts,
                    "tt_contract_value": round(heavy(rng, 80), 2) if contracts else 0.0,
                    "new_products": poisson(rng, 0.5 if acc.unit_type == "enterprise" and active else 0.02),
                    "joint_training": poisson(rng, 8 if leading else 0.1), "experts_introduced": poisson(rng, 4 if leading else 0.1),
                    "intl_awards": poisson(rng, 0.2 if leading else 0.002)},
        "talent": {"foreign_fulltime": fulltime, "foreign_visiting": visiting,
                   "young_foreign_scientists": min(fulltime + visiting, poisson(rng, (fulltime + visiting) * 0.3)),
                   "returnees_year": poisson(rng, 10 if leading else 0.3), "staff_posted_abroad": min(staff, poisson(rng, 0.2))},
        "policy": {"has_support_policy": has_policy, "policy_count_year": poisson(rng, 1.2) if has_policy else 0,
                   "policy_types": sorted(set(rng.sample(POLICY_TYPES, rng.randint(1, 3)))) if has_policy else [],
                   "problems": sorted(set(rng.sample(PROBLEMS, rng.randint(1, 3)))),
                   "suggestions_text": rng.choice(SUGGESTIONS) if rng.random() < 0.1 else None},
    })  # fmt: skip
    for key in ("conference", "institution", "agreement", "intl_org", "outcome", "talent", "policy"):
        doc[key] = {**blank(key), **doc[key]}  # any field the figures above do not name: its empty value
    if papers:
        doc["by_partner"]["papers_coauthored"] = _by_partner(rng, papers, pick_partners(rng, min(papers, 4), ctx.year))
    if signed:
        doc["by_partner"]["agr_signed_year"] = _by_partner(rng, signed, pick_partners(rng, min(signed, 3), ctx.year))
    doc["intl_orgs"] = [{**blank("intl_orgs"), "org_code": c} for c in
                        rng.sample(["ISO", "IEC", "IUPAC", "IAU", "IUGG", "ISC", "IEEE", "WFEO"], min(persons, 3))]  # fmt: skip
    std_prob = {"enterprise": 0.03, "university": 0.02}.get(acc.unit_type, 0.005) * (10 if leading else 1)
    doc["standards"] = [
        {**blank("standards"),
         "standard_no": f"{sdo} {rng.randint(10000, 99999)}", "standard_name": "国际标准草案", "sdo": sdo,
         "role": rng.choice(["lead", "participate", "participate"]), "stage": rng.choice(["proposal", "draft", "published"]),
         "year_of_stage": ctx.year, "partner_codes": []}
        for sdo in (rng.choice(["ISO", "IEC", "ITU"]) for _ in range(poisson(rng, 1.2) if rng.random() < std_prob else 0))
    ]  # fmt: skip
    doc["standards"] = list({s["standard_no"]: s for s in doc["standards"]}.values())
    bsp = rng.sample(["ITER", "SKA", "IODP", "GEO", "CERN", "DDE", "JUNO"], 1 + (rng.random() < 0.3)) if (
        leading and rng.random() < 0.25) else []  # fmt: skip
    doc["big_science"] = [
        {**blank("big_science"), "programme_code": c,
         "role": "initiator" if c in ("DDE", "JUNO") and rng.random() < 0.5 else "participant",
         "persons": rng.randint(1, 12)} for c in bsp
    ]  # fmt: skip
    for b in doc["big_science"]:
        b["fund_src_unit_self"] = round(heavy(rng, 20, 0.5), 2)
    region = acc.admin_division_code
    doc["unit_profile"] = {
        **blank("unit_profile"),
        "unit_name": acc.name, "uscc": acc.uscc, "unit_type": acc.unit_type,
        "enterprise_ownership": rng.choice(["state_owned", "private", "private", "foreign_invested", "hmt_invested"])
        if acc.unit_type == "enterprise" else None,
        "admin_division_code": region, "supervising_dept": acc.supervising_dept or None,
        "intl_base_level": (base := rng.choices(["none", "national", "provincial", "municipal"],
                                                weights=[80, 3 if leading else 1, 8, 8])[0]),
        "intl_base_type": None if base == "none" else rng.choice(
            ["innovation_park", "joint_research_center", "tech_transfer_center", "demo_enterprise"]),
        "staff_total": staff, "rd_staff": round(staff * rng.uniform(0.1, 0.7)),
        "coop_staff_fulltime": min(staff, poisson(rng, 4 if leading else 0.5)),
        "coop_staff_parttime": min(staff, poisson(rng, 8 if leading else 1)),
        "has_intl_activity": False,
    }  # fmt: skip
    doc["unit_profile"]["has_intl_activity"] = bool(
        doc["exchange"]["out_person_times"]
        or doc["exchange"]["in_person_times"]
        or hosted
        or sum(inst)
        or signed
        or papers
        or doc["projects"]
    )
    return doc


def header(rng: random.Random, acc: DemoAccount, year: int, revision: int, status: str, submitted: dt.datetime | None,
           ) -> dict:  # fmt: skip
    """The §1 header of a document."""
    approved = submitted + dt.timedelta(days=rng.randint(1, 20)) if status == "approved" and submitted else None
    return {
        **blank("submission"),
        "schema_version": 1, "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "survey_year": year,
        "account_id": acc.account_id, "account_level": acc.level, "parent_account_id": acc.parent_account_id,
        "revision": revision, "status": status, "submitted_at": submitted.isoformat() if submitted else None,
        "approved_at": approved.isoformat() if approved else None,
        "reviewer_account_id": acc.parent_account_id if approved else None,
        "reports_municipal_funds": acc.reports_municipal_funds if acc.level == 2 else None,
    }  # fmt: skip
