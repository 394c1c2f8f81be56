"""Invalid documents of different kinds, as a real collection system hands them over now and then."""

from __future__ import annotations

import random

import orjson

# Each kind names the reason code or rule the ETL must quarantine it with.
BREAKAGES = ("E_JSON", "E_EMPTY", "E_SCHEMA", "F-02", "C-02", "H-02", "C-15", "A-01", "E_UNKNOWN_ACCOUNT",
             "E_REVISION_CONFLICT", "F-04")  # fmt: skip


def break_document(kind: str, doc: dict, last_revision: int, rng: random.Random) -> tuple[str, bytes]:
    """A broken successor of a valid finished document: (file name, bytes). The valid one stays current."""
    bad = orjson.loads(orjson.dumps(doc))  # a deep copy
    bad["revision"] = last_revision + 1
    name = f"{doc['account_id']}_r{bad['revision']}.json"
    x, f = bad["exchange"], bad["funding"]
    match kind:
        case "E_JSON":
            return name, orjson.dumps(bad)[: rng.randint(50, 400)]
        case "E_EMPTY":
            return name, b""
        case "E_SCHEMA":
            x["out_groups"] = "十二"
        case "F-02":
            f["fund_total_all"] = round(f["fund_total_all"] + 100, 2)
        case "C-02":
            x["out_pt_visit"] += 3
        case "H-02":
            x["out_person_times_hmt"] += 2
        case "C-15":
            bad["by_partner"]["in_person_times"] = {**bad["by_partner"].get("in_person_times", {}), "CHN": 1}
            x["in_person_times"] += 1
            x["in_pt_other"] += 1
            x["in_groups"] = max(1, x["in_groups"])
        case "A-01":
            bad["parent_account_id"] = "P11"
            bad["reviewer_account_id"] = "P11" if bad.get("approved_at") else None
        case "E_UNKNOWN_ACCOUNT":
            bad["account_id"] = f"{doc['account_id']}-X"
            name = f"{bad['account_id']}_r1.json"
            bad["revision"] = 1
        case "E_REVISION_CONFLICT":
            bad["revision"] = last_revision
            bad["policy"]["suggestions_text"] = "（同一版次重复提交的另一份内容）"
            name = f"{doc['account_id']}_r{last_revision}_copy.json"
        case "F-04":
            f["fund_reportable"] = f["fund_total_all"]  # the central/provincial memo money left in
            f["fund_src_central"] = round(f["fund_src_central"] + 10, 2)
            f["fund_total_all"] = round(f["fund_total_all"] + 10, 2)
            f["fund_reportable"] = f["fund_total_all"]
    return name, orjson.dumps(bad)
