"""The concurrency bench's client (bench/protocol.py) speaks Streamlit's websocket protocol as a browser tab does:
it signs in through the real form, clicks pages in the sidebar and sees each run finish. No Chromium: the shared
fixture dashboard only (a second or two)."""

from __future__ import annotations

import sys

from tests.browser.web import PASSWORDS, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import protocol


def test_a_tab_signs_in_and_clicks_through_pages(fixture_site):
    async def tab() -> tuple:
        t = protocol.Tab(fixture_site.base)
        await t.open()
        try:
            form, first = await t.sign_in("hebei", PASSWORDS["hebei"])
            pages = [await t.rerun(page=name) for name in ("partners", "progress", "overview")]
        finally:
            await t.close()
        return form, first, pages, t

    form, first, pages, t = protocol.run(tab())
    assert {"用户名", "密码", "登录"} <= set(form.widgets) and not form.errors
    assert "用户名" not in first.widgets and first.charts > 0  # signed in: the first page, with its charts
    assert set(protocol.ROUTE) <= set(t.pages)  # page script hashes from the navigation message
    assert all(p.errors == [] and p.ms > 0 and p.bytes > 0 for p in pages)
    assert pages[0].charts > 0 and pages[2].charts > 0  # 国家和地区 and 总览 drew their charts
    # The sidebar's filters go back with every click, as a browser sends them: 统计年度 and 合作方范围 among them.
    assert len(t.states) >= 5


def test_a_wrong_password_is_an_error_not_a_sign_in(fixture_site):
    async def tab() -> None:
        t = protocol.Tab(fixture_site.base)
        await t.open()
        try:
            await t.sign_in("nobody", "not-a-password")  # no real user: no failure counted against one
        finally:
            await t.close()

    try:
        protocol.run(tab())
    except RuntimeError as e:
        assert "登录未成功" in str(e)
    else:
        raise AssertionError("a wrong password signed in")


def test_a_small_crowd_reports_every_click(fixture_site):
    people = [(name, PASSWORDS[name]) for name in ("ministry", "hebei")]
    result = protocol.crowd(fixture_site.base, 2, clicks=2, think_s=(0.0, 0.1), people=people)
    assert result["clicks"] == result["expected_clicks"] == 4 and result["p95_ms"] > 0
    assert result["errors"] == 0 and result["dropped_sessions"] == 0 and result["first_page_p95_ms"] > 0
