"""Every queries/*.sql against the fixture warehouse, with the answers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import queries as q

SQL_FILES = sorted(p.stem for p in Path(q.SQL_DIR).glob("*.sql"))


@pytest.fixture(scope="module")
def con(fixture_run):
    db = fixture_run[0] / (fixture_run[0] / "CURRENT").read_text().strip()
    c = q.connect(db)
    yield c
    c.close()


def test_every_sql_file_has_a_function_and_a_header():
    for name in SQL_FILES:
        assert callable(getattr(q, name, None)), f"queries/{name}.sql has no function"
        head = q.sql(name).splitlines()[:2]
        assert head[0].startswith("-- Grain:"), name
        assert any(line.startswith("-- Params:") for line in q.sql(name).splitlines()[:4]), name


def test_scope_path_and_children(con):
    assert list(q.scope_path(con, "U1")["name_short"]) == ["全国", "河北省", "石家庄市", "河北甲大学"]
    assert list(q.scope_children(con, "HB")["account_id"]) == ["BD", "SJZ"]
    assert list(q.scope_children(con, "CN")["account_id"]) == ["HB"]
    assert q.scope_info(con, "SJZ").iloc[0]["name"] == "石家庄市科学技术局"
    assert set(q.scope_search(con, "BD", "保定")["account_id"]) == {"BD", "U3", "U4"}
    assert set(q.scope_search(con, "SJZ", "保定")["account_id"]) == set()  # never outside the root
    assert q.survey_years(con) == [2019, 2020]


def test_build_version_is_the_codes_and_none_for_a_file_from_before_it_was_stored(con, tmp_path):
    from etl.versions import build_version

    assert q.build_version(con) == build_version()
    older = duckdb.connect(str(tmp_path / "older.duckdb"))
    older.execute("create table meta_build as select 'r1' as run_id, 'build' as kind, 5 as n_versions")
    assert q.build_version(older) is None
    older.close()


def test_rollups(con):
    df = q.rollup_by_year(con, "HB", 2019, 2020, "finished", "ALL")
    assert list(df["out_person_times"]) == [46, 63]
    children = q.rollup_of_children_by_year(con, "HB", 2020, 2020, "finished", "ALL")
    assert dict(zip(children["child_name"], children["fund_reportable"], strict=True)) == {
        "保定市": 70,
        "石家庄市": 250,
    }
    both = q.rollup_of_scopes(con, ["SJZ", "BD"], 2020, 2020, "approved", "ALL")
    assert dict(zip(both["scope_name"], both["out_person_times"], strict=True)) == {"石家庄市": 40, "保定市": 8}


def test_children_with_only_the_indicators_a_page_wants(con):
    some = q.rollup_of_children_by_year(
        con, "HB", 2020, 2020, "finished", "ALL", fields=["fund_reportable", "n_reported"]
    )
    assert set(some.columns) == {"child_id", "child_name", "child_level", "child_division_code", "child_funder_level",
                                 "scope_id", "survey_year", "basis", "unit_type", "fund_reportable", "n_reported"}  # fmt: skip
    assert dict(zip(some["child_name"], some["fund_reportable"], strict=True)) == {"保定市": 70, "石家庄市": 250}
    with pytest.raises(q.QueryError):
        q.rollup_of_children_by_year(con, "HB", 2020, 2020, "finished", "ALL", fields=["fund_reportable; drop table x"])
    pair = q.rollup_of_scopes(con, ["SJZ", "BD"], 2020, 2020, "approved", "ALL",
                              fields=["out_person_times", "proj_active_distinct"])  # fmt: skip
    assert set(pair.columns) == {"scope_name", "scope_id", "survey_year", "basis", "unit_type", "out_person_times",
                                 "proj_active_distinct"}  # fmt: skip
    assert dict(zip(pair["scope_name"], pair["out_person_times"], strict=True)) == {"石家庄市": 40, "保定市": 8}


def test_partner_queries_keep_hmt_separate(con):
    df = q.partner_values_by_partner(con, "HB", 2020, "finished", "ALL", ["out_person_times"])
    values = dict(zip(df["partner_code"], df["value"], strict=True))
    assert values == {"USA": 30, "DEU": 12, "HKG": 9, "JPN": 5, "MAC": 4, "TWN": 3}
    assert set(df.loc[df["partner_scope"] == "HMT", "name_zh"]) == {"中国香港", "中国澳门", "中国台湾"}
    assert bool(df.loc[df["partner_code"] == "DEU", "is_eu"].iloc[0]) is True
    totals = q.partner_totals_by_year(con, "HB", 2019, 2020, "finished", "ALL", ["out_person_times"])
    got = {(r.survey_year, r.partner_scope): r.value for r in totals.itertuples()}
    assert got == {(2019, "INTL"): 46, (2020, "INTL"): 47, (2020, "HMT"): 16}


def test_projects_by_dimension(con):
    df = q.projects_by_dimension(con, "HB", 2020, "finished", "ALL")
    level = df[df["dimension"] == "funding_level"].set_index("category")
    # the national project is reported by U1 (lead) and U2 (participant): 2 rows, 1 project
    assert (level.loc["national", "project_rows"], level.loc["national", "projects_distinct"]) == (2, 1)
    assert level.loc["national", "fund_reportable"] == 10  # U1's 200 central is excluded; U2's own 10 counts
    assert level.loc["unit", "project_rows"] == 1


def test_projects_at_every_level(con):
    """Scopes with subordinates read the ETL's mart; a single unit is counted on the fly: both agree with the hand count."""

    def national(scope: str, basis: str = "finished", unit_type: str = "ALL") -> tuple:
        df = q.projects_by_dimension(con, scope, 2020, basis, unit_type)
        row = df[(df["dimension"] == "funding_level") & (df["category"] == "national")]
        return tuple(row[["project_rows", "projects_distinct", "fund_reportable"]].iloc[0]) if len(row) else ()

    assert national("SJZ") == (2, 1, 10)  # U1's 200 central excluded, U2's own 10
    assert national("SJZ", unit_type="enterprise") == (1, 1, 10)  # U2 only
    assert national("U1") == (1, 1, 0)
    assert national("U2") == (1, 1, 10)
    assert national("U2", basis="approved") == ()  # U2 only submitted
    assert national("BD") == ()
    u1 = q.projects_by_dimension(con, "U1", 2020, "finished", "ALL")
    assert u1.set_index(["dimension", "category"]).loc[("funding_level", "unit"), "fund_reportable"] == 30


def test_choices_by_value(con):
    """COUNT_UNITS: U1 and U3 both name 经费不足, U1 also 出国审批/签证."""

    def chosen(scope: str, basis: str = "finished") -> dict:
        df = q.choices_by_value(con, scope, 2020, basis, "ALL")
        return {(r.field, r.value): r.n_units for r in df.itertuples()}

    assert chosen("HB") == {("problems", "funding_shortage"): 2, ("problems", "travel_approval_visa"): 1}
    assert chosen("CN") == chosen("HB")
    assert chosen("SJZ") == {("problems", "funding_shortage"): 1, ("problems", "travel_approval_visa"): 1}
    assert chosen("U3") == {("problems", "funding_shortage"): 1}
    assert chosen("U2") == {}
    assert chosen("BD", basis="approved") == {("problems", "funding_shortage"): 1}  # U3 is approved


def test_filling_queries(con):
    by_child = q.filling_by_child(con, "HB", 2019, "ALL").set_index("group_name")
    assert by_child.loc["本级", "n_finished"] == 1
    assert tuple(by_child.loc["石家庄市", ["n_expected", "n_finished", "n_missing"]]) == (3, 2, 1)
    assert tuple(by_child.loc["保定市", ["n_expected", "n_finished", "n_draft", "n_approved"]]) == (3, 2, 1, 1)
    outstanding = q.filling_outstanding(con, "HB", 2019, "ALL")
    assert list(outstanding["account_id"]) == ["BD", "SJZ"]  # draft before missing
    assert list(outstanding["parent_name"]) == ["河北省科学技术厅"] * 2  # whom to ask: stored with the status
    summary = q.filling_summary_by_year(con, "HB", 2019, 2020, "ALL").set_index("survey_year")
    assert tuple(summary.loc[2020, ["n_expected", "n_finished", "n_approved", "n_on_time"]]) == (7, 7, 3, 6)
    assert tuple(summary.loc[2019, ["n_expected", "n_finished"]]) == (7, 5)


def test_filling_by_child_at_every_level(con):
    """Children are level-1 accounts under 全国, units under a city; a unit has only its own row (2019)."""

    def groups(scope: str) -> dict:
        df = q.filling_by_child(con, scope, 2019, "ALL")
        return {r.group_name: (r.n_expected, r.n_finished, r.n_missing) for r in df.itertuples()}

    assert groups("CN") == {"河北省": (7, 5, 1)}  # no 本级 row: 全国 files nothing itself
    assert groups("SJZ") == {"本级": (1, 0, 1), "河北甲大学": (1, 1, 0), "石家庄乙科技有限公司": (1, 1, 0)}
    assert groups("U1") == {"本级": (1, 1, 0)}
    assert list(q.filling_outstanding(con, "CN", 2019, "ALL")["account_id"]) == ["BD", "SJZ"]
    assert list(q.filling_outstanding(con, "SJZ", 2019, "ALL")["account_id"]) == ["SJZ"]
    assert q.filling_summary_by_year(con, "U2", 2019, 2020, "ALL")["n_finished"].tolist() == [1, 1]


def test_filling_by_child_of_one_unit_type(con):
    """HB 2019, universities only: U1 (submitted) under 石家庄; 保定 has none, HB itself is a government body."""
    df = q.filling_by_child(con, "HB", 2019, "university")
    assert df[["group_id", "n_expected", "n_finished", "n_missing"]].values.tolist() == [["SJZ", 1, 1, 0]]
    assert q.filling_summary_by_year(con, "HB", 2019, 2019, "university")["n_expected"].tolist() == [1]


def test_outstanding_accounts_come_a_page_at_a_time(con):
    assert list(q.filling_outstanding(con, "CN", 2019, "ALL", limit=1)["account_id"]) == ["BD"]
    assert list(q.filling_outstanding(con, "CN", 2019, "ALL", limit=1, offset=1)["account_id"]) == ["SJZ"]
    assert q.filling_outstanding(con, "CN", 2019, "ALL", limit=1, offset=2).empty


def test_quality_summary_counts_what_the_list_pages_through(con):
    """全国 2020: seven quarantined documents, one problem each; 保定 sees its two (C-02 on U3, H-02 on U4).

    The unreadable 2019/U1_r2.json (E_JSON) belongs to 2019, the year its folder names; 2020/empty.json to 2020."""
    summary = q.quality_summary_by_code(con, "CN", 2020)
    assert set(summary["kind"]) == {"quarantine"}
    assert dict(zip(summary["code"], summary["n_findings"], strict=True)) == {
        "C-02": 1, "C-15": 1, "E_EMPTY": 1, "E_UNKNOWN_ACCOUNT": 1, "F-02": 1, "F-04": 1, "H-02": 1}  # fmt: skip
    assert q.quality_summary_by_code(con, "BD", 2020)["code"].tolist() == ["C-02", "H-02"]
    whole = q.quality_findings_by_account(con, "CN", 2020)
    pages = [q.quality_findings_by_account(con, "CN", 2020, limit=3, offset=o) for o in (0, 3, 6)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [c for p in pages for c in p["code"]] == whole["code"].tolist() == sorted(whole["code"])
    assert q.quality_findings_by_account(con, "CN", 2020, codes=["H-02", "C-02"])["code"].tolist() == ["C-02", "H-02"]
    assert q.quality_findings_by_account(con, "CN", 2020, kinds=["warning", "check"]).empty
    with pytest.raises(q.QueryError):
        q.quality_findings_by_account(con, "CN", 2020, kinds=["everything"])


def test_quality_findings_are_scoped(con):
    national = q.quality_findings_by_account(con, "CN", 2020)
    assert {"E_UNKNOWN_ACCOUNT", "E_EMPTY", "F-02", "C-02", "H-02", "C-15", "F-04"} <= set(national["code"])
    bd = q.quality_findings_by_account(con, "BD", 2020)
    assert set(bd["account_id"]) <= {"BD", "U3", "U4"}
    assert {"C-02", "H-02"} <= set(bd["code"])
    assert "E_UNKNOWN_ACCOUNT" not in set(bd["code"])
    schema = q.quality_findings_by_account(con, "BD", 2019)
    assert "E_SCHEMA" in set(schema["code"])  # attributed to U3 although the document failed the schema
    # Each finding names the document to fix; a warehouse check spans documents and names none.
    sources = dict(zip(national["code"], national["source_file"], strict=True))
    assert (sources["E_EMPTY"], sources["H-02"], sources["F-04"]) == (
        "2020/empty.json",
        "2020/U4_r2.json",
        "2020/U1_r4.json",
    )


def test_meta_fields_lists_the_dictionary(con):
    df = q.meta_fields(con)
    assert {"out_person_times", "fund_reportable", "std_total"} <= set(df["name"])


def test_bad_parameters_are_refused_before_sql(con):
    with pytest.raises(q.QueryError):
        q.rollup_by_year(con, "HB", 2019, 2020, "everything", "ALL")
    with pytest.raises(q.QueryError):
        q.rollup_by_year(con, "HB", 2019, 2020, "finished", "university' or 1=1 --")
    with pytest.raises(q.QueryError):
        q.sql("../etl/sql/40_checks")
