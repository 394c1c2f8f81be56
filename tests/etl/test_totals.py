"""Roll-ups of the fixture warehouse against totals worked out by hand (see tests/fixtures/inbox.py)."""

from __future__ import annotations

import pytest


def rollup(con, scope: str, year: int, column: str, basis: str = "finished"):
    row = con.execute(
        f"select {column} from mart_rollup where scope_id = ? and survey_year = ? and basis = ? and unit_type = 'ALL'",
        [scope, year, basis],
    ).fetchone()
    return None if row is None else row[0]


# (scope, year, column, expected) — parent = own + Σ children at every level.
EXPECTED = [
    # 2020 outbound person-times: HB 10, U1 40, U2 5 (revision 2), U3 8
    ("U1", 2020, "out_person_times", 40), ("U2", 2020, "out_person_times", 5), ("SJZ", 2020, "out_person_times", 45),
    ("BD", 2020, "out_person_times", 8), ("HB", 2020, "out_person_times", 63), ("CN", 2020, "out_person_times", 63),
    ("SJZ", 2020, "in_person_times", 10), ("BD", 2020, "in_person_times", 6), ("HB", 2020, "in_person_times", 16),
    # reportable funding after exclusions: HB 520, SJZ 100, BD 40, U1 100, U2 50, U3 20, U4 10
    ("U1", 2020, "fund_reportable", 100), ("U2", 2020, "fund_reportable", 50), ("U3", 2020, "fund_reportable", 20),
    ("SJZ", 2020, "fund_reportable", 250), ("BD", 2020, "fund_reportable", 70), ("HB", 2020, "fund_reportable", 840),
    # memo amounts (备查) are summed only as memos
    ("HB", 2020, "fund_src_central", 200), ("HB", 2020, "fund_src_provincial", 570), ("HB", 2020, "fund_total_all", 1150),
    # DISTINCT fields are recounted, never summed
    ("HB", 2020, "n_partner_countries_exchange", 4), ("SJZ", 2020, "n_partner_countries_exchange", 3),
    ("BD", 2020, "n_partner_countries_exchange", 2), ("HB", 2020, "n_partner_hmt_exchange", 3),
    ("SJZ", 2020, "std_total", 1), ("HB", 2020, "std_led", 1), ("HB", 2020, "org_joined", 2),
    ("SJZ", 2020, "org_joined", 1), ("HB", 2020, "bsp_count", 1),
    # ... and a level-3 unit's are its own: U1 went to USA, DEU (in and out), HKG, TWN; its projects name DEU and
    # USA, HKG; one has a programme number, one not. U2's one project; U4 in IUPAC and SKA (as a participant).
    ("U1", 2020, "n_partner_countries_exchange", 2), ("U1", 2020, "n_partner_hmt_exchange", 2),
    ("U1", 2020, "n_partner_countries_project", 2), ("U1", 2020, "proj_active_distinct", 2),
    ("U1", 2020, "std_led", 1), ("U1", 2020, "org_joined", 1), ("U2", 2020, "proj_active_distinct", 1),
    ("U2", 2020, "std_led", 0), ("U4", 2020, "org_joined", 1), ("U4", 2020, "bsp_count", 1), ("U4", 2020, "bsp_led", 0),
    # projects: SUM* counts each unit's row; the headline distinct count dedups the shared programme number
    ("SJZ", 2020, "proj_active", 3), ("SJZ", 2020, "proj_active_distinct", 2), ("HB", 2020, "proj_led", 2),
    ("HB", 2020, "papers_coauthored", 30), ("HB", 2020, "n_reported", 7),
    # 2019: SJZ missing, BD only a draft, U4's returned revision replaced by an approved one
    ("HB", 2019, "out_person_times", 46), ("SJZ", 2019, "out_person_times", 30), ("BD", 2019, "out_person_times", 8),
    ("HB", 2019, "fund_reportable", 530), ("SJZ", 2019, "fund_reportable", 110), ("BD", 2019, "fund_reportable", 20),
    ("HB", 2019, "n_reported", 5),
]  # fmt: skip


@pytest.mark.parametrize(("scope", "year", "column", "expected"), EXPECTED)
def test_rollup_matches_hand_totals(fixture_db, scope, year, column, expected):
    assert rollup(fixture_db, scope, year, column) == expected


def test_approved_only_basis(fixture_db):
    # approved in 2020: HB (10), U1 (40), U3 (8)
    assert rollup(fixture_db, "HB", 2020, "out_person_times", "approved") == 58
    assert rollup(fixture_db, "HB", 2020, "n_reported", "approved") == 3


def test_intl_plus_hmt_equals_total(fixture_db):
    rows = dict(
        fixture_db.execute(
            "select partner_scope, sum(value) from mart_partner_rollup where scope_id = 'HB' and survey_year = 2020 "
            "and basis = 'finished' and field = 'out_person_times' group by all"
        ).fetchall()
    )
    assert rows == {"INTL": 47, "HMT": 16}
    assert rows["INTL"] + rows["HMT"] == rollup(fixture_db, "HB", 2020, "out_person_times")


def test_hmt_partners_are_never_countries(fixture_db):
    scopes = dict(fixture_db.execute("select partner_code, partner_scope from ref_partner_scope").fetchall())
    assert {c for c, s in scopes.items() if s == "HMT"} == {"HKG", "MAC", "TWN"}
    names = dict(fixture_db.execute("select partner_code, name_zh from ref_partner_scope").fetchall())
    assert (names["HKG"], names["MAC"], names["TWN"]) == ("中国香港", "中国澳门", "中国台湾")


def test_funding_exclusions_recorded_per_version(fixture_db):
    excluded = dict(
        fixture_db.execute(
            "select account_id, excluded_sources from core_submissions where survey_year = 2020 and is_current"
        ).fetchall()
    )
    assert excluded["HB"] == ["central"]
    assert excluded["SJZ"] == ["central", "provincial"]
    assert excluded["U1"] == ["central", "municipal", "provincial"]  # SJZ reports municipal funds itself
    assert excluded["U3"] == ["central", "provincial"]  # BD does not


def test_no_double_counted_public_money(fixture_db):
    assert fixture_db.execute("select count(*) from quality_checks where code = 'F-08'").fetchone()[0] == 0


def test_filling_status(fixture_db):
    rows = {
        (a, y): (s, t)
        for a, y, s, t in fixture_db.execute(
            "select account_id, survey_year, status, on_time from mart_filling_status"
        ).fetchall()
    }
    assert rows[("SJZ", 2019)] == ("missing", False)
    assert rows[("BD", 2019)] == ("draft", False)
    assert rows[("U4", 2019)] == ("approved", True)
    assert rows[("U3", 2020)] == ("approved", False)  # submitted 2021-08-05, after the 2021-07-31 deadline
    assert rows[("U2", 2020)] == ("submitted", True)  # the correction keeps the first on-time submission
    assert len(rows) == 14


def test_rollup_by_unit_type_recounts_distinct_fields(fixture_db):
    rows = {
        t: (pt, n)
        for t, pt, n in fixture_db.execute(
            "select unit_type, out_person_times, n_partner_countries_exchange from mart_rollup "
            "where scope_id = 'HB' and survey_year = 2020 and basis = 'finished'"
        ).fetchall()
    }
    # university U1: USA, DEU out + DEU in; enterprise U2: JPN; hospital U3: USA; gov_agency HB: USA
    assert rows["university"] == (40, 2)
    assert rows["enterprise"] == (5, 1)
    assert rows["hospital"] == (8, 1)
    assert rows["gov_agency"] == (10, 1)
    assert rows["ALL"] == (63, 4)  # USA is counted once, not three times


def test_ratios_are_recomputed_from_rolled_up_parts(fixture_db):
    per_project, per_group = fixture_db.execute(
        "select fund_reportable_per_project, out_person_times_per_group from mart_rollup_ratios "
        "where scope_id = 'HB' and survey_year = 2020 and basis = 'finished' and unit_type = 'ALL'"
    ).fetchone()
    assert per_project == 420  # 840 万元 / 2 distinct projects
    # groups: HB 3, U1 10, U2 2, U3 2 (about four people each) → 63 / 17, not the mean of the units' ratios
    assert round(per_group, 4) == round(63 / 17, 4)


def _edge_unit() -> dict:
    """U4's 2020 revision 3, made of the repeats a unit may send: OTHER organisations named A, A, none, '' and B beside
    IUPAC; OTHER standards and programmes twice; a standard of another year and a draft; partners with 0; a project
    naming USA twice, one with an empty programme number, one naming an organisation only."""
    from tests.fixtures.inbox import doc, project

    plain = project("K1", "lead", "unit", ["USA", "USA", "HKG"])
    empty = project("K2", "participant", "unit", ["USA", "DEU"], "")
    org_only = project("K3", "lead", "national", [], "某计划") | {"org_codes": ["IUPAC"]}
    body = doc("U4", 2020, revision=3, out={"USA": 3, "DEU": 0, "HKG": 2, "MAC": 0}, inbound={"USA": 1, "TWN": 0},
               funds={"unit_self": 10}, projects=[plain, empty, org_only], orgs=["OTHER"] * 5 + ["IUPAC"],
               standards=[("OTHER", "lead"), ("OTHER", "participate"), ("ISO 9", "lead")],
               big_science=["OTHER", "OTHER", "SKA"])  # fmt: skip
    for row, name in zip(body["intl_orgs"], ["A", "A", None, "", "B", "x"], strict=True):
        row["org_name"] = name
    body["standards"][1]["year_of_stage"] = 2019
    body["standards"][2]["stage"] = "draft"
    body["big_science"][0]["role"] = "initiator"
    return body


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory):
    """The fixture warehouse with _edge_unit loaded (U4's current 2020 version)."""
    import json

    from etl.run import run
    from tests.conftest import TODAY, connect
    from tests.fixtures.inbox import write_inbox

    root = tmp_path_factory.mktemp("edge")
    inbox = write_inbox(root / "inbox")
    (inbox / "2020" / "U4_r3.json").write_text(json.dumps(_edge_unit(), ensure_ascii=False), encoding="utf-8")
    run(inbox, root / "wh", today=TODAY, progress=False)
    con = connect(root / "wh")
    yield con
    con.close()


def test_a_unit_with_repeats_counts_each_thing_once(edge_db):
    """By hand: exchange with USA (DEU 0) and HKG (MAC, TWN 0); projects with USA, DEU (HKG is no country); OTHER:A,
    OTHER:'' (no name and '' alike), OTHER:B and IUPAC; standards OTHER and ISO 9, both led, one published in 2020;
    programmes OTHER (initiated) and SKA; projects K1 (no number), K2 and K3 (numbered, distinct keys)."""
    assert edge_db.execute(
        "select revision from core_submissions where account_id = 'U4' and survey_year = 2020 and is_current"
    ).fetchone() == (3,)
    expected = {"n_partner_countries_exchange": 1, "n_partner_hmt_exchange": 1, "n_partner_countries_project": 2,
                "org_joined": 4, "std_total": 2, "std_led": 2, "std_published_year": 1, "bsp_count": 2, "bsp_led": 1,
                "proj_active_distinct": 3}  # fmt: skip
    assert {name: rollup(edge_db, "U4", 2020, name) for name in expected} == expected


@pytest.mark.parametrize("warehouse", ["fixture", "edge", "demo"])
def test_a_units_distinct_counts_are_its_detail_rows_counted_distinct(warehouse, request):
    """A level-3 unit's DISTINCT fields in mart_rollup are the counts its document's flattening derived
    (etl/flatten_sql.py); a scope's are recounted from detail rows by the dictionary's `counted` SQL. For every unit,
    the same SQL over the unit's own detail rows gives its numbers (A-02 and A-09 quarantine the repeats that would
    not), so the two levels count alike: on the fixture, on a unit of repeats (_edge_unit) and on the demo's 300."""
    from etl import dictionary as d
    from tests.conftest import connect

    con = {"fixture": lambda: request.getfixturevalue("fixture_db"), "edge": lambda: request.getfixturevalue("edge_db"),
           "demo": lambda: connect(request.getfixturevalue("demo_warehouse"))}[warehouse]()  # fmt: skip
    compared = {}
    for f in (f for f in (*d.MEASURES, *d.ROLLUP_ONLY) if f.agg == "DISTINCT"):
        source, expr = f.counted
        n = f"count(distinct {expr})" + (f" + count(*) filter (where ({expr}) is null)" if f.nulls_distinct else "")
        partner = "left join ref_partner_scope as p on p.partner_code = x.partner_code" if "p." in expr else ""
        rows = con.execute(f"""
            select r.scope_id, r.survey_year, r.basis, r.{f.name} as stored, coalesce(c.n, 0) as recounted
            from mart_rollup as r
            inner join core_accounts as a on a.account_id = r.scope_id and a.level = 3
            left join (
                select b.account_id, b.survey_year, b.basis, {n} as n
                from cur_basis as b
                inner join core_{source} as x on x.version_id = b.version_id
                {partner}
                group by all
            ) as c on c.account_id = r.scope_id and c.survey_year = r.survey_year and c.basis = r.basis
            where r.unit_type = 'ALL'""").fetchall()  # fmt: skip
        assert rows and [r for r in rows if r[3] != r[4]] == [], f.name
        compared[f.name] = sum(1 for r in rows if r[3])
    # not only zeros compared: every detail table's counts
    assert {k for k, v in compared.items() if v} >= {
        "n_partner_countries_exchange",
        "n_partner_countries_project",
        "org_joined",
        "std_total",
        "bsp_count",
        "proj_active_distinct",
    }


def _org_twice(body: dict) -> None:
    body["intl_orgs"] = [
        {"org_code": "IUPAC", "org_name": None},
        {"org_code": "IUPAC", "org_name": "国际纯粹与应用化学联合会"},
    ]


def _key_twice(body: dict) -> None:
    from tests.fixtures.inbox import project

    body["projects"] = [project("K1", "lead", "unit", ["USA"]), project("K1", "participant", "unit", ["DEU"])]


@pytest.mark.parametrize(
    ("change", "code", "path", "message"),
    [(_org_twice, "A-02", "intl_orgs[{}].org_code", "参加的国际科技组织明细·国际组织代码：同一国际组织重复填报"),
     (_key_twice, "A-09", "projects[{}].project_key", "国际（港澳台）科技合作项目明细·项目编号：项目编号在本单位内重复")],
)  # fmt: skip
def test_a_unit_that_lists_a_thing_twice_is_quarantined(tmp_path, change, code, path, message):
    """The premise of the tests above: a document's own count and the recount of its detail rows differ only for an
    organisation listed twice (the own count takes code and name, the recount the code) or a project key listed twice
    (its projects are then not distinct). Such a document never loads, and the unit keeps the version it had."""
    import json

    from etl.run import run
    from tests.conftest import TODAY, connect
    from tests.fixtures.inbox import doc, write_inbox

    inbox = write_inbox(tmp_path / "inbox")
    body = doc("U4", 2020, revision=3, inbound={"RUS": 6}, funds={"unit_self": 10}, orgs=["IUPAC"])
    change(body)
    (inbox / "2020" / "U4_r3.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    run(inbox, tmp_path / "wh", today=TODAY, progress=False)
    con = connect(tmp_path / "wh")
    quarantined = con.execute(
        "select code, path, message_zh from quality_quarantine where source_file = '2020/U4_r3.json' order by path"
    ).fetchall()
    assert quarantined == [(code, path.format(i), message) for i in (0, 1)]
    revision = "select revision from core_submissions where account_id = 'U4' and survey_year = 2020 and is_current"
    assert con.execute(revision).fetchone() == (1,)
    assert rollup(con, "U4", 2020, "org_joined") == 1 and rollup(con, "U4", 2020, "proj_active_distinct") == 0
