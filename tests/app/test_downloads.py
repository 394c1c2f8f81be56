"""Full-list downloads deliver their file when clicked, and are audited only then (issue 20).

Streamlit runs a download's data callable on click in a worker thread, outside the session's script run. The
test records the callables the page registers and calls them the same way: in a thread of their own.
"""

from __future__ import annotations

import io
import json
import threading

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.app.conftest import open_page
from tests.conftest import user_store


@pytest.fixture()
def registered(monkeypatch) -> dict:
    """file name → the data callable of every deferred download the pages register."""
    found: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        found[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


@pytest.fixture()
def store(tmp_path, monkeypatch):
    path = user_store(tmp_path / "users.json", {"ministry": "CN", "hebei": "HB"})
    monkeypatch.setenv("ISTC_AUTH", "local")
    monkeypatch.setenv("ISTC_USERS", str(path))
    return path


def click(make) -> tuple[object, BaseException | None]:
    """Call a download's data callable as Streamlit does: in a worker thread with no script run context."""
    result: dict = {}

    def run() -> None:
        try:
            result["data"] = make()
        except BaseException as e:
            result["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    return result.get("data"), result.get("error")


def audit(store) -> list[dict]:
    log = store.with_name("audit.log")
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


# (user, page, scope, file-name part, the accounts/codes each full list must hold) — fixture tree, year 2019/2020
CASES = [
    ("ministry", "progress", "CN", "督促名单", {"账号": {"BD", "SJZ"}}),
    ("hebei", "progress", "HB", "督促名单", {"账号": {"BD", "SJZ"}}),
    ("ministry", "quality", "CN", "数据质量问题清单", {"代码": {"F-02", "C-02", "E_UNKNOWN_ACCOUNT"}}),
    ("hebei", "quality", "HB", "数据质量问题清单", {"代码": {"F-02", "C-02"}}),
]


@pytest.mark.parametrize(("user", "page", "scope", "stem", "expected"), CASES)
def test_full_list_downloads_deliver_and_are_audited(fixture_run, store, registered, monkeypatch, user, page, scope,
                                                     stem, expected):  # fmt: skip
    year = "2019" if page == "progress" else "2020"
    at = open_page(fixture_run[0], "overview", monkeypatch, scope=scope, year=year)
    at.text_input(key="auth_name").set_value(user)
    at.text_input(key="auth_password").set_value(f"password-{user}")
    at.button[0].click().run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    names = [n for n in registered if stem in n]
    assert {n.rsplit(".", 1)[1] for n in names} == {"csv", "xlsx"}, list(registered)
    before = len(audit(store))
    for name in names:
        data, error = click(registered[name])
        assert error is None, f"{name}: {error!r}"
        if name.endswith(".csv"):
            table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[1]  # after the 说明 sheet
            rows = [[c.value for c in r] for r in sheet.iter_rows()]
            header = next(i for i, r in enumerate(rows) if all(k in r for k in expected))
            table = pd.DataFrame(rows[header + 1 :], columns=rows[header]).dropna(how="all")
        for column, values in expected.items():
            assert values <= set(table[column]), f"{name}: {column} = {set(table[column])}"
    lines = audit(store)[before:]
    assert [(x["event"], x["user"], x["scope"]) for x in lines] == [("export", user, scope)] * len(names)
    assert all("字节" in x["detail"] for x in lines)


def test_a_download_that_fails_is_logged_as_failed_not_as_an_export(fixture_run, store, registered, monkeypatch):
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    at.text_input(key="auth_name").set_value("hebei")
    at.text_input(key="auth_password").set_value("password-hebei")
    at.button[0].click().run()
    at.switch_page("pages/quality.py").run()
    make = next(m for n, m in registered.items() if n.endswith(".csv") and "问题清单" in n)
    before = len(audit(store))
    monkeypatch.setattr("reports.tables.csv_bytes", lambda df: 1 / 0)
    _, error = click(make)
    assert isinstance(error, ZeroDivisionError)
    lines = audit(store)[before:]
    assert [(x["event"], x["user"], x["scope"]) for x in lines] == [("export_failed", "hebei", "HB")]
    assert "ZeroDivisionError" in lines[0]["detail"] and "问题清单" in lines[0]["detail"]


def test_a_chart_workbook_made_on_click_states_its_scope_year_and_completeness(
    fixture_run, store, registered, monkeypatch
):
    """The 说明 sheet of a chart's Excel is made when the button is clicked (in Streamlit's worker thread, with no
    session), for the filters of the rerun that drew the button: a later change of year does not leak into it."""
    at = open_page(fixture_run[0], "overview", monkeypatch, scope="HB", year="2020")
    at.text_input(key="auth_name").set_value("hebei")
    at.text_input(key="auth_password").set_value("password-hebei")
    at.button[0].click().run()
    assert not at.exception
    name = next(n for n in registered if "人员交流趋势" in n and n.endswith(".xlsx"))
    assert name.startswith("河北省_人员交流趋势_图表数据_")
    make = registered[name]
    at.session_state["f_year"] = 2019  # the user moves on before clicking the button drawn for 2020
    at.run()
    data, error = click(make)
    assert error is None, repr(error)
    info = {r[0]: r[1] for r in openpyxl.load_workbook(io.BytesIO(data))["说明"].iter_rows(values_only=True)}
    assert info["范围"] == "河北省科学技术厅" and info["统计年度"] == "2020"
    assert info["数据完整性"] == "已报 7 / 应报 7（已审核 3）"  # HB 2020 (tests/reports/test_summary_form.py)
