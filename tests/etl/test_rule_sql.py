"""etl/rule_sql.py's query may only clear a document: whatever the rules it stands in for find in Python, it names
(then the run checks that document again in Python, so codes, paths and messages stay as they were).

The documents are the catalogue's cases (tests/etl/test_rule_catalogue.py) and seeded random changes of their base
documents, read into DuckDB as a run reads its spool (flatten.document_line, flatten_sql.load).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random

import duckdb
import pytest

from etl import config, doc_rules, fast_schema, flatten, flatten_sql, hierarchy, intake, reference, rule_sql, validate
from etl import dictionary as d
from etl.problems import Findings
from etl.run import run
from tests.conftest import TODAY
from tests.etl.test_rule_catalogue import DOCUMENT_CASES, U1, U2, put
from tests.fixtures.inbox import REGISTRY, VALID, write_inbox

# The catalogue's rules whose case breaks one of the groups the query stands in for.
IN_SQL = ["F-01", "F-02", "F-03", "F-04", "F-05", "F-06", "F-10", "F-11", "F-13", "C-01", "C-02", "C-03", "C-03b",
          "C-04", "C-05", "C-06", "C-15", "C-16", "C-19", "H-02", "A-09"]  # fmt: skip


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> validate.Context:
    registry = tmp_path_factory.mktemp("registry") / "accounts.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    return validate.Context(hierarchy.load(registry), reference.load(), config.load(None), TODAY)


def _in_sql_codes(doc: dict, ctx: validate.Context) -> list[str]:
    """What the Python groups the query stands in for find in a decoded document."""
    found = Findings()
    for rule in doc_rules.IN_SQL:
        rule(doc, ctx, found)
    return sorted({p.code for p in found.items})


def _named(bodies: list[dict], ctx: validate.Context, tmp_path) -> tuple[list[str], set[str]]:
    """The version ids of `bodies` (each must pass the strict decode) and those the query names."""
    lines, vids = tmp_path / "spool.jsonl", []
    with lines.open("wb") as f:
        for body in bodies:
            raw = json.dumps(body, ensure_ascii=False).encode()
            doc = fast_schema.decode(raw)
            assert doc is not None, "not a document the strict decode takes"
            vids.append(hashlib.sha256(raw).hexdigest()[:32])
            f.write(
                flatten.document_line(doc, raw, vids[-1], ctx.registry.excluded_sources(doc["account_id"], ctx.config))
            )
    con = duckdb.connect()
    flatten_sql.load(con, [lines])
    return vids, rule_sql.suspects(con, ctx.reference)


@pytest.mark.parametrize("rule", IN_SQL)
def test_the_query_names_each_case_of_the_rules_it_stands_in_for(ctx, rule, tmp_path):
    base, change, _ = DOCUMENT_CASES[rule]
    body = copy.deepcopy(VALID[base])
    change(body)
    assert rule in _in_sql_codes(fast_schema.decode(json.dumps(body).encode()), ctx)
    (vid,), named = _named([body], ctx, tmp_path)
    assert named == {vid}


def _breakdown_off(name: str):
    """A change that gives by-partner field `name` a breakdown one above its total (C-03, C-03b, F-10)."""

    def change(body: dict) -> None:
        section = body[d.section_of(name).key]
        total = section[name] = section.get(name) or 3
        body.setdefault("by_partner", {})[name] = {"USA": total + 1}

    return change


def _breakdown_missing(name: str):
    """A change that leaves out the breakdown of a total above zero that must be broken down (C-03, F-10)."""

    def change(body: dict) -> None:
        body[d.section_of(name).key][name] = 5
        body.setdefault("by_partner", {}).pop(name, None)

    return change


def _project_source_above_unit(source: str):
    """A change that puts more of `source` in a project than the unit reports (F-06)."""

    def change(body: dict) -> None:
        p = body["projects"][1]
        p[f"fund_src_{source}"] += body["funding"][f"fund_src_{source}"] + 1
        p["fund_total_contract"] = sum(p[f"fund_src_{s}"] for s in d.FUND_SOURCES)

    return change


# Each predicate the query is made of, by a change that only it can name (the catalogue has one case a rule).
SHAPES = {
    **{f"by_partner {f.name}": (U1, _breakdown_off(f.name)) for f in d.TYPED_PARTNER_FIELDS},
    **{f"by_partner {name} missing": (U1, _breakdown_missing(name)) for name in doc_rules.HARD_MUST_BREAK_DOWN},
    **{f"F-06 {s}": (U1, _project_source_above_unit(s)) for s in d.FUND_SOURCES},
    "C-15 projects orgs": (U1, put(projects__0__org_codes=["NOPE"])),
    "F-01 big_science": ("2020/U4_r1.json", put(big_science__0__fund_src_unit_self=1.234)),
}


@pytest.mark.parametrize("label", list(SHAPES))
def test_the_query_names_each_shape_of_its_predicates(ctx, label, tmp_path):
    base, change = SHAPES[label]
    body = copy.deepcopy(VALID[base])
    change(body)
    assert _in_sql_codes(fast_schema.decode(json.dumps(body).encode()), ctx) != []
    (vid,), named = _named([body], ctx, tmp_path)
    assert named == {vid}


def test_the_query_clears_the_clean_documents(ctx, tmp_path):
    bodies = [VALID[name] for name in sorted(VALID) if fast_schema.decode(json.dumps(VALID[name]).encode())]
    assert len(bodies) > 10
    for body in bodies:
        assert _in_sql_codes(fast_schema.decode(json.dumps(body).encode()), ctx) == []
    assert _named(bodies, ctx, tmp_path)[1] == set()


def _money_nudges(value: float) -> list[float]:
    """Amounts about `value` where a tolerance or a rounding to the cent decides."""
    return [value + 0.01, value - 0.01, value + 0.011, value + 0.0049, value + 0.005, value + 0.0051, value + 0.001,
            value * 2, 0.0, round(value, 2) + 0.015]  # fmt: skip


def _change_one_figure(body: dict, rng: random.Random) -> None:
    """Set one random figure of a section, a project or a by-partner breakdown to a value near a rule's edge."""
    spots = [(body[s], k) for s in ("exchange", "funding", "conference", "agreement", "institution", "outcome")
             for k, v in body[s].items() if isinstance(v, int | float) and not isinstance(v, bool)]  # fmt: skip
    spots += [(p, k) for p in body.get("projects") or [] for k, v in p.items() if k.startswith("fund_")]
    spots += [(rows, k) for rows in (body.get("by_partner") or {}).values() for k in rows]
    target, key = rng.choice(spots)
    value = target[key]
    if isinstance(value, float) or key.startswith("fund_"):
        target[key] = max(0.0, rng.choice(_money_nudges(float(value))))
    else:
        target[key] = max(0, rng.choice([value + 1, value - 1, 0, value * 2, value * 367]))


def _randomly_changed(n: int) -> list[dict]:
    """`n` base documents with one or two figures changed at random (seeded), those the strict decode takes."""
    rng = random.Random(20261206)
    bodies = []
    for _ in range(n):
        body = copy.deepcopy(VALID[rng.choice([U1, U2, "2020/HB_r1.json", "2020/U3_r1.json"])])
        for _ in range(rng.choice([1, 1, 2])):
            _change_one_figure(body, rng)
        if fast_schema.decode(json.dumps(body).encode()) is not None:
            bodies.append(body)
    return bodies


def test_random_changes_near_the_rules_edges_never_slip_through(ctx, tmp_path):
    bodies = _randomly_changed(1500)
    vids, named = _named(bodies, ctx, tmp_path)
    broken = {vid for vid, body in zip(vids, bodies, strict=True)
              if _in_sql_codes(fast_schema.decode(json.dumps(body).encode()), ctx)}  # fmt: skip
    assert len(broken) > 150  # the changes do break the rules, often
    assert broken <= named
    assert len(named - broken) < len(bodies) // 10  # and the query rarely names a clean document


def test_every_predicate_names_some_case(ctx, tmp_path):
    """No predicate is dead weight or mistyped into never holding: each names a document of the cases above."""
    cases = [*(DOCUMENT_CASES[rule][:2] for rule in IN_SQL), *SHAPES.values()]
    bodies = _randomly_changed(1500)
    for base, change in cases:
        bodies.append(copy.deepcopy(VALID[base]))
        change(bodies[-1])
    _named(bodies, ctx, tmp_path)
    con = duckdb.connect()
    flatten_sql.load(con, [tmp_path / "spool.jsonl"])
    params = rule_sql.params(ctx.reference)
    for label, predicate in rule_sql.predicates().items():
        bound = {k: v for k, v in params.items() if f"${k}" in predicate}
        assert con.execute(f"select count(*) from docs where {predicate}", bound).fetchone()[0] > 0, label


def test_a_run_reports_what_the_rules_say_for_documents_the_query_named(tmp_path):
    """Through a run (the query, then Python again): each case is quarantined, or loaded with its warnings, with
    exactly the catalogue's findings."""
    inbox = write_inbox(tmp_path / "inbox", only=[U1, U2])
    cases = {}
    for i, rule in enumerate(IN_SQL):
        base, change, expected = DOCUMENT_CASES[rule]
        body = copy.deepcopy(VALID[base])
        change(body)
        body["revision"] = 10 + i  # a version of its own, after the base's
        name = f"2020/{base.split('/')[1].split('_')[0]}_r{10 + i}.json"
        (inbox / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        cases[name] = [(rule, path, message) for path, message in expected]
    run(inbox, tmp_path / "wh", today=TODAY, progress=False, workers=1)
    db = next((tmp_path / "wh" / "db").glob("*.duckdb"))
    with duckdb.connect(str(db), read_only=True) as con:
        for name, expected in cases.items():
            quarantined = con.execute("select code, path, message_zh from quality_quarantine where source_file = ?",
                                      [name]).fetchall()  # fmt: skip
            warned = con.execute(
                "select w.code, w.path, w.message_zh from quality_warnings as w "
                "inner join core_submissions as s using (version_id) where s.source_file = ?",
                [name],
            ).fetchall()
            assert sorted(quarantined or warned) == sorted(expected), name
            assert not (quarantined and warned), name


def test_a_file_written_over_before_it_is_checked_again_fails_the_run_and_commits_nothing(tmp_path, monkeypatch):
    """The query named a document, and its file changed before it was read again: the run stops (what it checked
    is gone) with a message naming the file, commits nothing, and the next run loads the new content."""
    inbox = write_inbox(tmp_path / "inbox", only=[U1])
    body = copy.deepcopy(VALID[U1])
    put(funding__fund_total_all=381.0)(body)  # F-02: named by the query
    body["revision"] = 2
    name = "2020/U1_r2.json"
    (inbox / name).write_text(json.dumps(body), encoding="utf-8")
    read_raw = intake.read_raw

    def written_over_first(inbox_, outcome):
        if outcome.source == name:
            body["funding"]["fund_total_all"] = 382.0
            (inbox / name).write_text(json.dumps(body), encoding="utf-8")
            monkeypatch.setattr(intake, "read_raw", read_raw)
        return read_raw(inbox_, outcome)

    monkeypatch.setattr(intake, "read_raw", written_over_first)
    with pytest.raises(RuntimeError, match=f"{name} 在本次运行中被改写或移走"):
        run(inbox, tmp_path / "wh", today=TODAY, progress=False, workers=1)
    assert not list((tmp_path / "wh" / "ledger").glob("*"))
    summary = run(inbox, tmp_path / "wh", today=TODAY, progress=False, workers=1)
    assert (summary["loaded"], summary["quarantined"]) == (1, 1)


def test_amounts_beyond_the_tolerances_precision_are_named(ctx, tmp_path):
    """At 2**48 万元 a cent is below the last place of a double: whether 0.01 four times adds up to anything depends on
    how a sum is added (Python 3.12's sum of floats is compensated, DuckDB's is not), so such a document is named."""
    body = copy.deepcopy(VALID[U1])
    f = body["funding"]
    for s in d.FUND_SOURCES:
        f[f"fund_src_{s}"] = 0.0
    f["fund_src_central"] = float(2**48)
    for s in ("provincial", "municipal", "county", "domestic_other"):
        f[f"fund_src_{s}"] = 0.01
    f["fund_total_all"] = float(2**48)
    f["fund_reportable"], f["fund_on_exchange"], f["fund_on_projects"], f["fund_on_platforms"] = 0.0, 0.0, 0.0, 0.0
    assert "F-02" not in _in_sql_codes(fast_schema.decode(json.dumps(body).encode()), ctx)  # Python 3.11's naive sum
    (vid,), named = _named([body], ctx, tmp_path)
    assert named == {vid}


def test_two_files_with_the_same_named_bytes_keep_their_own_outcomes(tmp_path, monkeypatch):
    """The same bytes in two files of one spool, named by the query: one is loaded and the other is its duplicate,
    as for bytes the query clears (each file is checked again on its own)."""
    monkeypatch.setattr(intake, "CHUNK", 1)  # the two files in two chunks
    results = []
    for tag, partners in (("clear", {"USA": 20}), ("named", {"USA": 19, "BTN": 1})):  # BTN: C-19, a warning only
        inbox = tmp_path / tag / "inbox"
        write_inbox(inbox, only=[])
        body = copy.deepcopy(VALID[U1])
        body["by_partner"]["out_person_times"] |= partners
        raw = json.dumps(body, ensure_ascii=False).encode()
        (inbox / "2020").mkdir()
        (inbox / "2020/a.json").write_bytes(raw)
        (inbox / "2020/b.json").write_bytes(raw)
        summary = run(inbox, tmp_path / tag / "wh", today=TODAY, progress=False, workers=1)
        with duckdb.connect(str(next((tmp_path / tag / "wh" / "db").glob("*.duckdb"))), read_only=True) as con:
            warned = con.execute("select source_file, code from quality_warnings inner join core_submissions "
                                 "using (version_id)").fetchall()  # fmt: skip
        results.append((summary["loaded"], summary["quarantined"], summary["duplicates"]))
    assert results[0] == results[1] == (1, 0, [{"source_file": "2020/b.json", "same_as": "2020/a.json"}])
    assert warned == [("2020/a.json", "C-19")]
