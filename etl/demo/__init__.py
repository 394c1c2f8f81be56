"""`python -m etl demo`: a realistic national inbox — registry, submissions, and realistic mess."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from pathlib import Path

import orjson
from tqdm import tqdm

from .. import config
from ..hierarchy import Registry, load
from .accounts import DemoAccount, build_tree
from .documents import YearContext, document, header, split
from .mess import BREAKAGES, break_document

REGISTRY_COLUMNS = ("account_id", "parent_account_id", "level", "name", "name_short", "admin_division_code",
                    "unit_type", "funder_level", "reports_municipal_funds")  # fmt: skip
CN_TZ = dt.timezone(dt.timedelta(hours=8))


def _write_registry(inbox: Path, accounts: list[DemoAccount]) -> None:
    with open(inbox / "accounts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(REGISTRY_COLUMNS)
        for a in accounts:
            w.writerow([a.account_id, a.parent_account_id or "", a.level, a.name, a.name_short, a.admin_division_code,
                        a.unit_type, a.funder_level or "", "true" if a.reports_municipal_funds else "false"])  # fmt: skip


def _submitted_at(rng: random.Random, deadline: dt.date, late: bool) -> dt.datetime:
    day = deadline + dt.timedelta(days=rng.randint(1, 30)) if late else deadline - dt.timedelta(days=rng.randint(0, 60))
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 21), rng.randint(0, 59), tzinfo=CN_TZ)


def _fund_funders(rng: random.Random, docs: dict[str, dict], reg: Registry, by_id: dict[str, DemoAccount]) -> None:
    """Give government funders their own appropriation, about what their subtree reports receiving."""
    received: dict[tuple[str, str], float] = defaultdict(float)
    for acc_id, doc in docs.items():
        for anc in reg.ancestors[acc_id][1:-1]:
            for src in ("central", "provincial", "municipal"):
                received[(anc, src)] += doc["funding"][f"fund_src_{src}"]
    for acc_id, doc in docs.items():
        acc = by_id[acc_id]
        src = {"central": "central", "provincial": "provincial", "municipal": "municipal"}.get(acc.funder_level or "")
        if src is None or (src == "municipal" and not acc.reports_municipal_funds):
            continue
        f = doc["funding"]
        f[f"fund_src_{src}"] = round(received[(acc_id, src)] * rng.uniform(0.95, 1.6) + rng.uniform(20, 200), 2)
        f["fund_total_all"] = round(sum(v for k, v in f.items() if k.startswith("fund_src_")), 2)
        excluded = reg.excluded_sources(acc_id, config.load())
        reportable = round(sum(v for k, v in f.items() if k.startswith("fund_src_") and k[9:] not in excluded), 2)
        f["fund_reportable"] = reportable
        uses = split(rng, round(reportable * 0.8 * 100), (0.3, 0.5, 0.2))
        f["fund_on_exchange"], f["fund_on_projects"], f["fund_on_platforms"] = (u / 100 for u in uses)


class _Writer:
    """Where a year's documents go: one file each, or (`batch` > 0) batch exports of `batch` lines each."""

    def __init__(self, folder: Path, batch: int) -> None:
        self.folder, self.batch, self.lines, self.n_files = folder, batch, [], 0

    def write(self, name: str, raw: bytes) -> bool:
        """Write one document; False when a batch cannot hold it (an empty document is no line)."""
        if not self.batch:
            (self.folder / name).write_bytes(raw)
            return True
        if not raw.strip():
            return False
        self.lines.append(raw)
        if len(self.lines) >= self.batch:
            self.flush()
        return True

    def flush(self) -> None:
        if self.lines:
            self.n_files += 1
            (self.folder / f"export-{self.n_files:04d}.jsonl").write_bytes(b"\n".join(self.lines) + b"\n")
            self.lines = []


def generate(inbox: Path, *, units: int = 5000, years: range = range(2016, 2021), seed: int = 2021,
             batch: int = 0) -> dict:  # fmt: skip
    """Write accounts.csv and <year>/<account>_r<revision>.json files; same seed, same bytes.

    With `batch`, a year's documents go into batch exports <year>/export-NNNN.jsonl of `batch` lines each.
    """
    if not 1 <= units <= 100_000:
        raise ValueError("--units 应在 1–100000 之间")
    rng = random.Random(seed)
    inbox.mkdir(parents=True, exist_ok=True)
    accounts = build_tree(rng, units)
    by_id = {a.account_id: a for a in accounts}
    _write_registry(inbox, accounts)
    reg = load(inbox / "accounts.csv")
    cfg = config.load()
    never = {a.account_id for a in accounts if a.level == 3 and rng.random() < 0.03}
    stats: Counter[str] = Counter()
    per_year = -(-2 * len(BREAKAGES) // len(years))  # each kind of breakage at least twice overall
    n_broken = 0
    progress = tqdm(total=len(accounts) * len(years), desc="生成演示填报记录", unit="份", disable=None, leave=False)
    for year in years:
        ctx, deadline, last = YearContext(year), cfg.deadline(year), year == years[-1]
        docs: dict[str, dict] = {}
        for acc in sorted(accounts, key=lambda a: -a.level):  # units first: funders size their money on them
            docs[acc.account_id] = document(rng, acc, ctx, reg.excluded_sources(acc.account_id, cfg))
        _fund_funders(rng, docs, reg, by_id)
        folder = inbox / str(year)
        folder.mkdir(exist_ok=True)
        out = _Writer(folder, batch)
        finished: list[tuple[dict, int]] = []
        for acc in accounts:
            progress.update()
            r = rng.random() if acc.level == 3 else rng.random() * 0.1 + 0.1
            if acc.account_id in never or r < 0.04:
                stats["missing"] += 1
                continue
            body = docs[acc.account_id]
            versions: list[tuple[str, dt.datetime | None]] = []
            if r < 0.06:
                versions.append(("draft", None))
            elif r < 0.075:
                versions.append(("returned", _submitted_at(rng, deadline, False)))
                if rng.random() < 0.5:
                    versions.append(("submitted", _submitted_at(rng, deadline, True)))
            else:
                late = rng.random() < 0.08
                status = "approved" if rng.random() < (0.45 if last else 0.85) else "submitted"
                versions.append((status, _submitted_at(rng, deadline, late)))
                if rng.random() < 0.03:  # a correction after the first submission
                    versions.append((status, versions[0][1] + dt.timedelta(days=rng.randint(3, 40))))
            for rev, (status, submitted) in enumerate(versions, 1):
                doc = {**header(rng, acc, year, rev, status, submitted), **body}
                if rev > 1 and status != "draft":  # the correction changes a figure, consistently
                    doc = {**doc, "conference": {**body["conference"], "conf_online": 0}}
                out.write(f"{acc.account_id}_r{rev}.json", orjson.dumps(doc))
                stats[status] += 1
            if versions[-1][0] in ("submitted", "approved"):
                finished.append((doc, len(versions)))
        for doc, n_versions in rng.sample(finished, min(per_year, len(finished))):
            kind = BREAKAGES[n_broken % len(BREAKAGES)]
            name, raw = break_document(kind, doc, n_versions, rng)
            n_broken += 1
            if out.write(name, raw):
                stats[f"invalid:{kind}"] += 1
        out.flush()
    progress.close()
    return {"accounts": len(accounts), "level3_units": units, "years": f"{years[0]}-{years[-1]}", **dict(stats)}
