"""Survey configuration (data/survey.toml): deadlines (national and per account), funding switches, report and map
settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "data" / "survey.toml"
ETL_SECTIONS = ("deadlines", "funding", "years")  # the sections the ETL reads; the rest are report settings

# Every DuckDB connection of the ETL: no extension is fetched or loaded from outside (government intranets).
OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass(frozen=True)
class BaseMap:
    """[map]: where the maps' boundaries come from and their 审图号; empty until an office sets an approved map."""

    source: str = ""  # maps of China
    approval_no: str = ""
    world_source: str = ""  # the world map (国家和地区)
    world_approval_no: str = ""


@dataclass(frozen=True)
class SurveyConfig:
    """Deadlines and switches the ETL reads instead of hard-coding them."""

    deadlines: dict[int, dt.date]
    default_deadline: str  # "MM-DD" of the year after the survey year
    account_deadlines: dict[str, dict[int, dt.date]]  # account id → survey year → its own earlier deadline
    municipal_exclusion_provinces: frozenset[str]
    first_year: int
    fingerprint: str  # of the sections the ETL reads: a report setting does not re-validate every document
    form: dict[str, str] = field(default_factory=dict)  # [form]: the 汇总表's 表号, 制定机关, 批准文号, 有效期至
    compiler: str = ""  # [report] compiler: the 编制单位 on a brief's cover ("" = the scope's own unit)
    basemap: BaseMap = BaseMap()  # [map]: the line every map prints under its source

    def deadline(self, year: int) -> dt.date:
        """The filling deadline of survey year `year`."""
        if year in self.deadlines:
            return self.deadlines[year]
        month, day = (int(x) for x in self.default_deadline.split("-"))
        return dt.date(year + 1, month, day)

    def last_year(self, today: dt.date | None = None) -> int:
        """The latest survey year that can be reported: the calendar year before today."""
        return (today or dt.date.today()).year - 1


def load(path: Path | None = None) -> SurveyConfig:
    """Read the survey configuration file."""
    path = path or DEFAULT_CONFIG
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    dl = data.get("deadlines", {})
    # Only what changes the ETL's results: editing a report setting such as [form] re-validates nothing.
    etl_part = json.dumps([data.get(k) for k in ETL_SECTIONS], default=str).encode()
    return SurveyConfig(
        deadlines={int(k): dt.date.fromisoformat(v) for k, v in dl.items() if isinstance(v, str) and k != "default"},
        default_deadline=dl.get("default", "07-31"),
        account_deadlines={
            account: {int(y): dt.date.fromisoformat(d) for y, d in years.items()}
            for account, years in dl.get("accounts", {}).items()
        },
        municipal_exclusion_provinces=frozenset(data.get("funding", {}).get("municipal_exclusion_provinces", [])),
        first_year=int(data.get("years", {}).get("first", 2005)),
        fingerprint=hashlib.sha256(etl_part).hexdigest()[:16],
        form={k: str(v) for k, v in data.get("form", {}).items()},
        compiler=str(data.get("report", {}).get("compiler", "")).strip(),
        basemap=BaseMap(**{k: str(data.get("map", {}).get(key, "")).strip() for k, key in (
            ("source", "basemap_source"), ("approval_no", "basemap_approval_no"),
            ("world_source", "world_basemap_source"), ("world_approval_no", "world_basemap_approval_no"))}),
    )  # fmt: skip
