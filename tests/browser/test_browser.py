"""One real-browser flow: headless Chromium drills 全国 → 省 → 市, maps and charts draw, nothing leaves the machine.

Needs Debian's chromium and a CJK font (`make test` installs both through scripts/system-deps.sh).
Its screenshots are the user guide's: `make screenshots` runs it with ISTC_SCREENSHOTS=docs/guide/img, so the guide
never shows a stale screen; `make test` writes them to a temporary folder and leaves the work tree clean.
A second flow signs in on a bookmarked deep link and reloads: same view, still signed in, until sign-out, a tampered
cookie or a password change.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page

from accounts import users
from tests.browser.web import CHART, ERRORS, ROOT, dashboard

GUIDE = ROOT / "docs" / "guide" / "使用说明.md"


@pytest.fixture(scope="module")
def server(demo_warehouse, tmp_path_factory):
    """The dashboard on the small national demo, with the demo users (its sign-in page lists them)."""
    store = demo_warehouse.parent / "users.json"
    users.ensure_demo_users(store)
    with dashboard(demo_warehouse, store, tmp_path_factory.mktemp("demo_site") / "server.log", ISTC_DEMO="1") as base:
        yield base


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the guide's screens go: docs/guide/img under `make screenshots` (ISTC_SCREENSHOTS), else pytest's
    temporary folder (never one that outlives the run)."""
    folder = os.environ.get("ISTC_SCREENSHOTS")
    return Path(folder).resolve() if folder else tmp_path_factory.mktemp("shots")


@pytest.fixture(scope="module")
def browser_page(server, chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    page.outside = []  # requests to anything but this machine
    page.on("request", lambda r: page.outside.append(r.url) if not r.url.startswith(("http://127.0.0.1",
                                                                                          "data:", "blob:")) else None)  # fmt: skip
    yield page
    context.close()


def settle(page: Page, text: str, charts: bool = True) -> None:
    """Wait until the page shows `text`, its charts have drawn, and Streamlit has stopped running."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    if charts:
        page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    time.sleep(1.5)


def click_bar(page: Page, chart_index: int, suffix: str) -> str:
    """Click the first bar of a horizontal bar chart whose label ends with `suffix`; returns the label."""
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(chart_index)
    chart.scroll_into_view_if_needed()
    names = chart.locator(".yaxislayer-above .ytick text").evaluate_all("els => els.map(e => e.textContent)")
    label = next(n for n in reversed(names) if n.endswith(suffix))
    chart.locator(".barlayer .point path").nth(names.index(label)).click(force=True)
    return label


# Charts whose drawn margins are wider than the margins they were given: plotly's automargin found a label or a
# legend that did not fit, widened the margin and drew the whole chart a second time.
WIDENED = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d._fullLayout).map(d => {
  const m = d._fullLayout.margin, s = d._fullLayout._size;
  return {title: d._fullLayout.title.text, given: [m.l, m.r, m.t, m.b], drawn: [s.l, s.r, s.t, s.b].map(Math.round)};
}).filter(c => c.drawn.some((v, i) => v > c.given[i]))"""


def drawn_once(page: Page, where: str) -> None:
    """Every chart on the page fit the margins its builder gave it (present/charts.py), so it was drawn once."""
    widened = page.evaluate(WIDENED)
    assert widened == [], f"{where}: automargin widened these charts and drew them twice: {widened}"


# How much of its plot area the first map's regions fill (the larger of width and height share).
MAP_FILL = """() => {
  const d = [...document.querySelectorAll('.js-plotly-plot')].find(d => d.querySelector('.choroplethlayer path'));
  const drawn = d.querySelector('.choroplethlayer').getBBox(), area = d._fullLayout._size;
  return Math.max(drawn.width / area.w, drawn.height / area.h);
}"""


def open_page(page: Page, title: str, marker: str | None = None, charts: bool = True) -> None:
    """Go to another page the way a user does: its link in the sidebar (the session, sign-in and filters stay)."""
    page.get_by_role("link", name=title, exact=True).click()
    settle(page, marker or title, charts)


def test_sign_in_deep_link_drill_down_maps_and_exports(browser_page: Page, server: str, shots: Path, tmp_path):
    page = browser_page
    # A deep link first: after a server start it must not fall back to legacy page discovery, and it must
    # still be the page shown once the user has signed in.
    page.goto(f"{server}/compare?scope=CN&year=2020")
    page.get_by_text("demo-ministry").wait_for(timeout=60_000)  # the sign-in page lists the demo users
    page.screenshot(path=str(shots / "00_登录.png"))
    page.get_by_label("用户名").fill("ministry")
    page.get_by_label("密码").fill(users.DEMO_USERS["ministry"][1])
    page.get_by_role("button", name="登录").click()
    settle(page, "地区对比")
    assert page.locator(".choroplethlayer path").count() >= 30  # the provinces map drew
    drawn_once(page, "地区对比 全国")
    page.screenshot(path=str(shots / "01_地区对比_全国.png"))

    open_page(page, "总览", "2020 年度主要指标")
    assert page.locator(ERRORS).count() == 0
    drawn_once(page, "总览 全国")
    page.screenshot(path=str(shots / "02_总览_全国.png"))
    province = click_bar(page, 2, "省")  # the children ranking: click a bar to drill in
    settle(page, f"› {province}")
    assert "scope=P" in page.url
    drawn_once(page, f"总览 {province}")
    page.screenshot(path=str(shots / "03_总览_省.png"))
    city = click_bar(page, 2, "市")
    settle(page, f"› {city}")
    assert page.locator(ERRORS).count() == 0
    drawn_once(page, f"总览 {city}")
    page.screenshot(path=str(shots / "04_总览_市.png"))
    page.get_by_role("button", name=f"› {province}").click()  # one click up
    page.get_by_text(f"› {city}").first.wait_for(state="detached", timeout=60_000)
    settle(page, f"› {province}")

    open_page(page, "地区对比")
    assert page.locator(".choroplethlayer path").count() >= 2  # the province's cities
    drawn_once(page, f"地区对比 {province}")
    # The province fills its map: its boundaries reach the browser as the whole country's file, fitted to China it
    # was a speck in the middle of an empty square.
    assert page.evaluate(MAP_FILL) > 0.7, f"{province}'s map does not fill its plot"
    page.screenshot(path=str(shots / "05_地区对比_省.png"))
    page.get_by_role("button", name="全国", exact=True).click()
    settle(page, "地区对比")
    open_page(page, "国家和地区")
    assert page.locator(".choroplethlayer path").count() > 100  # countries of the world
    assert page.get_by_text("中国香港").count() >= 1
    drawn_once(page, "国家和地区 全国")
    page.screenshot(path=str(shots / "06_国家和地区_全国.png"))
    for title in ("经费投入", "人员交流与人才", "项目与成果", "重点工作监测", "填报进度", "数据质量"):
        page.get_by_role("link", name=title, exact=True).click()
        page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        time.sleep(1.5)
        assert page.locator(ERRORS).count() == 0, title
        drawn_once(page, f"{title} 全国")
        page.screenshot(path=str(shots / f"07_{title}_全国.png"))
        if title == "项目与成果":  # its trends are on a second tab, built and drawn when it is opened
            page.get_by_role("tab", name="成果与机构（历年）").click()
            page.get_by_text("合作机构与协议").first.wait_for(timeout=60_000)
            settle(page, "项目与成果")
            assert page.locator(".js-plotly-plot .cartesianlayer .subplot").count() == 12  # two charts of six panels
            assert page.locator(ERRORS).count() == 0
            drawn_once(page, "项目与成果 成果与机构 全国")
            page.screenshot(path=str(shots / "07_项目与成果_成果与机构_全国.png"))
    # A finding's 说明 is longer than its cell: a click on the row's box shows the whole row below the list.
    findings = page.locator('[data-testid="stDataFrame"]').last
    findings.scroll_into_view_if_needed()
    box = findings.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first row's selection box (rows are 35 px, under the header)
    shown = page.locator('[data-testid="stAlertContentInfo"]').last
    shown.get_by_text("字段路径：").wait_for(timeout=60_000)
    assert "来源文件：" in shown.inner_text() and page.locator(ERRORS).count() == 0

    # Exports: a chart as PNG rendered on the server, and the Word report pack.
    open_page(page, "总览", "2020 年度主要指标")
    page.get_by_role("button", name="导出").first.click()
    with page.expect_download(timeout=90_000) as png:
        page.get_by_role("button", name="图片 PNG（2倍）").first.click()
    saved = tmp_path / png.value.suggested_filename
    png.value.save_as(saved)
    assert saved.suffix == ".png" and saved.read_bytes()[:4] == b"\x89PNG" and saved.stat().st_size > 20_000
    shutil.copy(saved, shots / "08_导出的图表.png")
    page.keyboard.press("Escape")
    open_page(page, "报告导出", "报告包（Word 简报 + Excel 表格）", charts=False)
    with page.expect_download(timeout=120_000) as docx:
        page.get_by_role("button", name="下载 Word 简报").click()
    assert docx.value.suggested_filename.endswith("统计分析简报.docx")
    docx.value.save_as(tmp_path / "brief.docx")
    assert (tmp_path / "brief.docx").read_bytes()[:2] == b"PK"
    page.screenshot(path=str(shots / "09_报告导出.png"))
    # The 口径 link under a chart opens that indicator's definition.
    open_page(page, "总览", "2020 年度主要指标")
    page.get_by_role("link", name="指标解释：出访人次").first.click()
    page.get_by_text("out_person_times", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("逐级汇总", exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=str(shots / "10_指标解释.png"))
    assert page.outside == [], f"outbound requests: {page.outside[:5]}"


def test_every_screenshot_of_the_guide_was_taken_by_this_run(browser_page: Page, shots: Path):
    started = time.time() - 3600
    # Screens only: pages rendered from exported documents live in img/exports/ and are made by hand.
    for name in re.findall(r"\]\(img/([^/)]+)\)", GUIDE.read_text(encoding="utf-8")):
        shot = shots / name
        assert shot.exists(), f"the guide shows {name}, which the browser test does not take"
        assert shot.stat().st_mtime > started, f"{name} is stale"


def test_the_guide_shows_its_screenshots_as_static_files(browser_page: Page, server: str):
    # The server publishes them to static/guide/ at start: the page names the files, the browser fetches and draws them.
    page = browser_page
    open_page(page, "使用说明", "登录与权限范围", charts=False)
    images = page.locator('[data-testid="stMain"] img')
    images.last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMain] img')].every(i => i.complete)")
    shown = images.evaluate_all("els => els.map(e => [e.getAttribute('src'), e.naturalWidth])")
    assert len(shown) == len(re.findall(r"^!\[", GUIDE.read_text(encoding="utf-8"), re.M)) == 11
    for src, width in shown:
        assert src.startswith(f"{server}/app/static/guide/") and width > 0, (src, width)


def test_sign_in_survives_a_reload_until_sign_out_tampering_or_a_password_change(
    chromium, server: str, demo_warehouse: Path, tmp_path: Path
):
    # Screens for the reviewer go to pytest's tmp_path, not the guide's folder: the guide does not show them.
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    store, password = demo_warehouse.parent / "users.json", users.DEMO_USERS["hebei"][1]
    sign_in_form = page.get_by_role("button", name="登录", exact=True)

    def sign_in() -> None:
        sign_in_form.wait_for(timeout=60_000)
        page.get_by_label("用户名").fill("hebei")
        page.get_by_label("密码").fill(password)
        sign_in_form.click()

    def session_cookie() -> dict:
        """The session cookie, once the page has traded its one-time token for it (right after sign-in)."""
        for _ in range(40):
            if cookie := next((c for c in context.cookies() if c["name"] == "istc_session"), None):
                return cookie
            time.sleep(0.25)
        raise AssertionError("no session cookie after sign-in")

    def same_view() -> None:
        """The bookmarked view, signed in: 国家和地区 of 石家庄市 (not the user's own 河北省) for 2019 (not the
        latest year), and no sign-in form."""
        settle(page, "2019 年度出访人次")
        assert page.get_by_role("heading", name="国家和地区").count() >= 1 and page.get_by_text("› 石家庄市").count()
        assert "/partners?" in page.url and "scope=P13-130100" in page.url and "year=2019" in page.url
        assert sign_in_form.count() == 0 and page.locator(ERRORS).count() == 0

    try:
        page.goto(f"{server}/partners?scope=P13-130100&year=2019")
        sign_in()
        same_view()
        cookie = session_cookie()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1
        assert "istc_session" not in page.evaluate("document.cookie")  # scripts cannot read it
        assert cookie["value"].split(".")[0] not in (store.parent / "sessions.json").read_text()
        page.reload()
        same_view()
        assert "token" not in page.url and cookie["value"] not in page.url
        page.screenshot(path=str(tmp_path / "刷新后仍已登录.png"))

        # A bookmark opened in another tab of the same browser: signed in, on the bookmarked page.
        tab = context.new_page()
        tab.goto(f"{server}/compare?scope=P13&year=2020")
        settle(tab, "地区对比")
        assert tab.get_by_role("button", name="登录", exact=True).count() == 0
        tab.close()

        # A tampered cookie signs nobody in; the genuine one still does.
        context.add_cookies([{**cookie, "value": cookie["value"][:-3] + ("AAA" if cookie["value"][-3:] != "AAA"
                                                                         else "BBB")}])  # fmt: skip
        page.reload()
        sign_in_form.wait_for(timeout=60_000)
        context.add_cookies([cookie])
        page.reload()
        same_view()

        # Sign-out: the browser drops the cookie, and the reload asks for the password.
        page.get_by_role("button", name="退出登录").click()
        sign_in_form.wait_for(timeout=60_000)
        for _ in range(40):
            if not [c for c in context.cookies() if c["name"] == "istc_session"]:
                break
            time.sleep(0.25)
        else:
            raise AssertionError("the session cookie survived the sign-out")
        page.reload()
        sign_in_form.wait_for(timeout=60_000)
        # A copy of the cookie kept from before the sign-out signs nobody in either: the server ended the session.
        context.add_cookies([cookie])
        page.reload()
        sign_in_form.wait_for(timeout=60_000)
        assert page.get_by_text("2019 年度出访人次").count() == 0
        context.clear_cookies()

        # A password changed on the server (`python -m accounts passwd`) ends the session at the next reload.
        sign_in()
        same_view()
        session_cookie()
        passwd = [sys.executable, "-m", "accounts", "passwd", "--username", "hebei", "--store", str(store)]
        changed = subprocess.run(passwd, input="a-new-password-1\n", text=True, capture_output=True, cwd=ROOT)
        assert changed.returncode == 0, changed.stderr
        page.reload()
        page.get_by_text("密码已修改，请用新密码重新登录。").wait_for(timeout=60_000)
        sign_in_form.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "改密码后需重新登录.png"))
    finally:
        users.add("hebei", "P13", password, path=store, replace=True)
        context.close()
