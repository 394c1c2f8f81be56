"""The process-wide result cache (ui/data.py) gives every caller its own copy, and queries once per key."""

from __future__ import annotations

import threading

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
