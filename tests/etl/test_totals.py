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


def test_a_units_own_distinct_counts_agree_with_its_rolled_up_row(fixture_db):
    """The DISTINCT fields are counted twice, by design: per document while flattening (core_measures, Python) and per
    scope from the detail rows by the dictionary's `counted` SQL (mart_rollup). For every level-3 unit they agree."""
    from etl import dictionary as d

    fields = [f.name for f in d.MEASURES if f.agg == "DISTINCT"]
    pairs = ", ".join(f"m.{n} as own_{n}, r.{n} as rolled_{n}" for n in fields)
    rows = fixture_db.execute(f"""
        select m.account_id, m.survey_year, {pairs}
        from cur_basis as m
        inner join core_accounts as a on a.account_id = m.account_id and a.level = 3
        inner join mart_rollup as r on r.scope_id = m.account_id and r.survey_year = m.survey_year
            and r.basis = m.basis and r.unit_type = 'ALL'
        where m.basis = 'finished'""").fetchall()  # fmt: skip
    assert len(rows) >= 4
    for account, year, *values in rows:
        own, rolled = values[0::2], values[1::2]
        assert dict(zip(fields, own, strict=True)) == dict(zip(fields, rolled, strict=True)), (account, year)
    counted = {n for i, n in enumerate(fields) if any(r[2 + 2 * i] for r in rows)}
    assert {"std_total", "org_joined", "bsp_count"} <= counted  # not only zeros compared
