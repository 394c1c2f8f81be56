"""Reference tables shipped in data/reference/: partners, divisions, organisations, programmes."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
HMT_CATEGORY = "HMT_region_of_China"


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of data/reference/<name> as dicts of strings."""
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Reference:
    """The lookups validation needs, loaded once per process."""

    partner_scope: dict[str, str]  # iso3 → "INTL" | "HMT"
    no_relations: frozenset[str]  # partners without PRC diplomatic relations (C-19)
    division_codes: frozenset[str]
    org_codes: frozenset[str]
    programme_codes: frozenset[str]
    fingerprint: str  # hash of every reference file: a change forces re-validation

    def division_ok(self, code: str) -> bool:
        """A code from provinces.csv / level2_regions.csv, or a county under a known prefecture."""
        return code in self.division_codes or code[:4] + "00" in self.division_codes


@cache
def load() -> Reference:
    """Read every reference file once."""
    partners = read_csv("partners.csv")
    divisions = {r["code"] for r in read_csv("provinces.csv")} | {r["code"] for r in read_csv("level2_regions.csv")}
    divisions |= {r["code"] for r in read_csv("hebei_cities.csv")}
    digest = hashlib.sha256()
    for p in sorted(REFERENCE_DIR.glob("*.csv")):
        digest.update(p.name.encode() + p.read_bytes())
    return Reference(
        partner_scope={
            r["iso3"]: "HMT" if r["partner_category"] == HMT_CATEGORY else "INTL"
            for r in partners
            if r["iso3"] != "CHN"
        },
        no_relations=frozenset(r["iso3"] for r in partners if r["prc_diplomatic_relations"] == "N"),
        division_codes=frozenset(divisions),
        org_codes=frozenset(r["org_code"] for r in read_csv("intl_orgs.csv")),
        programme_codes=frozenset(r["programme_code"] for r in read_csv("big_science_programmes.csv")),
        fingerprint=digest.hexdigest()[:16],
    )
