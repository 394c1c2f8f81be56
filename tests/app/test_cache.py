"""The process-wide result cache (ui/data.py) gives every caller its own copy, and queries once per key."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from ui import data


def test_a_result_one_page_changes_is_not_what_the_next_one_gets(fixture_run, monkeypatch):
    monkeypatch.setenv("ISTC_WAREHOUSE", str(fixture_run[0]))
    db = str(data.current_db())
    first = data._cached(db, "scope_info", (("scope_id", "CN"),))
    name = first.iloc[0]["name"]
    first.loc[:, "name"] = "被页面改过"
    assert data._cached(db, "scope_info", (("scope_id", "CN"),)).iloc[0]["name"] == name


def test_callers_arriving_together_run_a_query_once():
    memo, calls, gate = data._Memo(10), [], threading.Event()

    def make():
        calls.append(1)
        gate.wait(5)
        return [1, 2]

    got = []
    threads = [threading.Thread(target=lambda: got.append(memo.get("k", make))) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and got == [[1, 2]] * 8


def test_the_database_follows_each_publication_of_the_pointer(tmp_path, monkeypatch):
    """current_db reads CURRENT again whenever the ETL has replaced it (a new file renamed over the old)."""
    monkeypatch.setenv("ISTC_WAREHOUSE", str(tmp_path))
    assert data.current_db() is None  # nothing published yet
    (tmp_path / "db").mkdir()
    pointer = tmp_path / "CURRENT"
    pointer.write_text("db/a.duckdb")
    assert data.current_db() is None  # names a file not there (yet)
    (tmp_path / "db" / "a.duckdb").touch()
    assert data.current_db() == tmp_path / "db" / "a.duckdb"
    (tmp_path / "db" / "b.duckdb").touch()
    (tmp_path / "CURRENT.new").write_text("db/b.duckdb")
    (tmp_path / "CURRENT.new").replace(pointer)  # as etl/store.py publishes (atomic_write)
    assert data.current_db() == tmp_path / "db" / "b.duckdb"


def test_a_remembered_result_is_made_once_and_served_only_within_the_users_subtree(fixture_run, monkeypatch):
    """A page's derived result (data.remembered) is checked against the user's subtree before the cache, as a query's."""
    monkeypatch.setenv("ISTC_WAREHOUSE", str(fixture_run[0]))
    calls = []

    def make():
        calls.append(1)
        return "保定市的结果"

    def as_user(root: str):
        return data.as_user(lambda: data.remembered("test_result", "BD", ("x",), make), root=root)()

    assert as_user("CN") == "保定市的结果"
    assert as_user("HB") == "保定市的结果"  # 保定市 is under 河北省: served from the cache
    for outside in ("SJZ", "ZZ"):  # a sibling city, an account the registry does not know
        with pytest.raises(data.ScopeError):
            as_user(outside)
    assert calls == [1]


def test_a_chart_is_built_once_for_equal_data_and_again_when_a_value_changes():
    """Figures are remembered by the content of their data (present/charts.py `reused`), not by the frame object."""
    from present import charts

    rows = pd.DataFrame(
        {"name": ["北京市", "上海市", "河北省"], "value": [12.0, 30.0, 7.0], "id": ["P11", "P31", "P13"]}
    )
    args = ("name", "value", "测试排名", "人次", "来源：测试")
    first = charts.bar_ranking(rows, *args, ids="id")
    assert charts.bar_ranking(rows.copy(), *args, ids="id") is first
    changed = rows.copy()
    changed.loc[2, "value"] = 8.0
    again = charts.bar_ranking(changed, *args, ids="id")
    assert again is not first and 8.0 in list(again.data[0].x)
    renamed = rows.rename(index={0: 9})  # same values, another row index
    assert charts.bar_ranking(renamed, *args, ids="id") is not first
