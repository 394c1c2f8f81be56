"""In real Chromium at 1440×900, on the hand-written fixture (tests/fixtures/inbox.py), 河北省 2020:

* the sidebar's 退出登录 is on screen without scrolling (issue 20: it had fallen below the fold);
* the 合作方范围 toggle (全部/国际/港澳台) changes every partner-broken figure on 总览, 国家和地区, 地区对比 and
  人员交流与人才, and no card, chart or map contradicts it.

(Every download on every page is clicked in test_every_download.py.) The dashboard and Chromium are the run's shared
ones (conftest.py); each user gets a fresh browser context. Screenshots go to a
temporary folder of their own: they are evidence for a reviewer, not pictures for the user guide.

Hand-worked figures (出访人次, 2020; U2 counts its revision 2, U4 went nowhere):
    全部   63 = 河北省本级 10 (USA 6, HKG 4) + 石家庄市 45 (U1 40, U2 JPN 5) + 保定市 8 (U3 USA 4, MAC 4)
    国际   47 = 本级 6 + 石家庄市 37 (U1 USA 20, DEU 12; U2 JPN 5) + 保定市 4
    港澳台 16 = 本级 4 + 石家庄市 8 (U1 HKG 5, TWN 3) + 保定市 4;  中国香港 9, 中国澳门 4, 中国台湾 3
来访人次 2020: 16 (U1 DEU 10, U4 RUS 6), all 国际; none from 港澳台.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.web import ERRORS, go, idle, signed_in

SCOPES = {"ALL": "全部", "INTL": "国际", "HMT": "港澳台"}
# Every plotly figure on the page: its title and, per trace, the categories and values it draws (_fullData: the
# arrays decoded, as plotly.js drew them).
FIGURES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(d => ({
  title: (d._fullLayout && d._fullLayout.title && d._fullLayout.title.text) || '',
  traces: (d._fullData || []).map(t => ({type: t.type, x: Array.from(t.x || []), y: Array.from(t.y || []),
                                         locations: Array.from(t.locations || []), z: Array.from(t.z || [])}))}))"""


def choose(page: Page, scope: str) -> None:
    """Click 全部/国际/港澳台 in the sidebar's 合作方范围 control."""
    group = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"]')
    group.locator("button").filter(has_text=re.compile(f"^{SCOPES[scope]}$")).click()
    page.wait_for_url(re.compile(f"ps={scope}"), timeout=60_000)  # the rerun has read the choice
    idle(page)


def figures(page: Page) -> dict[str, dict[str, float]]:
    """Each drawn bar chart by title: category → value (horizontal bars: y is the category)."""
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    time.sleep(0.5)
    out = {}
    for fig in page.evaluate(FIGURES):
        for t in fig["traces"]:
            if t["type"] == "bar":
                out.setdefault(re.sub("<[^>]+>", "", fig["title"]), {}).update(dict(zip(t["y"], t["x"], strict=False)))
    return out


def card(page: Page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True))
    return metric.locator('[data-testid="stMetricValue"]').first.inner_text()


def ranking(figs: dict, start: str) -> dict[str, float]:
    (title,) = [t for t in figs if t.startswith(start)]
    return figs[title]


def settled(page: Page, start: str, expected, seconds: float = 30) -> dict[str, float]:
    """The ranking titled `start…` once plotly draws `expected` (its values, or a set: its categories), or what it
    still draws after `seconds`: plotly.js redraws after Streamlit has stopped running, later on a loaded machine."""
    deadline = time.monotonic() + seconds
    while True:
        shown = ranking(figures(page), start)
        if (shown if isinstance(expected, dict) else set(shown)) == expected or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Screens for a reviewer: pytest's temporary folder, never the guide's, even under make screenshots."""
    return tmp_path_factory.mktemp("filters")


def test_sign_out_is_on_screen_at_900_px(chromium, fixture_site, shots):
    page = signed_in(chromium, fixture_site, "ministry")
    sign_out = page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录")
    expect(sign_out).to_be_in_viewport()
    assert page.locator('[data-testid="stSidebarUserContent"]').evaluate("e => e.scrollTop") == 0
    page.screenshot(path=str(shots / "filters_sidebar_1440x900.png"))
    sign_out.click()
    page.get_by_label("用户名").wait_for(timeout=60_000)  # it works, too
    page.context.close()


EXPECTED = {  # 合作方范围 → 出访人次 card, children ranking, partners shown
    "ALL": ("63 人次", {"石家庄市": 45, "保定市": 8}, {"美国", "德国", "日本", "中国香港", "中国澳门", "中国台湾"}),
    "INTL": ("47 人次", {"石家庄市": 37, "保定市": 4}, {"美国", "德国", "日本"}),
    "HMT": ("16 人次", {"石家庄市": 8, "保定市": 4}, {"中国香港", "中国澳门", "中国台湾"}),
}


def test_partner_scope_toggle_agrees_on_every_page(chromium, fixture_site, shots):
    page = signed_in(chromium, fixture_site, "ministry")
    for scope in ("HMT", "INTL", "ALL"):  # one session, as a user toggles; 全部 last, back from 国际
        if scope != "HMT":
            go(page, "总览")
        choose(page, scope)
        partner_scope_agrees(page, scope, shots)
    # clicking the chosen 全部 again keeps it: the control cannot be cleared into a crash
    page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button').filter(
        has_text=re.compile("^全部$")).click()  # fmt: skip
    idle(page)
    assert page.locator(ERRORS).count() == 0 and "ps=ALL" in page.url
    assert card(page, "出访人次") == "63 人次"
    page.context.close()


def partner_scope_agrees(page: Page, scope: str, shots: Path) -> None:
    """On 总览, 国家和地区, 地区对比 and 人员交流与人才 every figure is the `scope` one (module docstring)."""
    out, children, partners = EXPECTED[scope]
    assert card(page, "出访人次") == out  # 总览
    assert settled(page, "2020 年度下级出访人次排名", children) == children
    assert page.locator(ERRORS).count() == 0
    page.screenshot(path=str(shots / f"filters_{scope}_总览.png"))

    go(page, "国家和地区")
    assert page.locator(ERRORS).count() == 0
    intl_cards = page.locator('[data-testid="stMetricLabel"]').filter(has_text="国际（")
    maps = page.locator(".choroplethlayer path").count()
    if scope == "HMT":
        assert intl_cards.count() == 0 and maps == 0
    else:
        assert card(page, "国际（全部国家）") == {"ALL": "47 人次", "INTL": "47 人次"}[scope] and maps > 100
    hmt_heading = page.locator("h3").filter(has_text=re.compile("^港澳台$")).count()
    assert hmt_heading == (0 if scope == "INTL" else 1)
    if scope != "INTL":
        assert [card(page, x) for x in ("中国香港", "中国澳门", "中国台湾")] == ["9 人次", "4 人次", "3 人次"]
    drawn = {name for fig in figures(page).values() for name in fig} if scope != "HMT" else set()
    assert not drawn & {"中国香港", "中国澳门", "中国台湾"}  # the country ranking is countries only
    page.screenshot(path=str(shots / f"filters_{scope}_国家和地区.png"))

    go(page, "地区对比")
    assert page.locator(ERRORS).count() == 0
    assert settled(page, "2020 年度下级出访人次", children) == children
    page.screenshot(path=str(shots / f"filters_{scope}_地区对比.png"))

    go(page, "人员交流与人才")
    assert page.locator(ERRORS).count() == 0
    assert card(page, "出访人次") == out
    assert set(settled(page, "2020 年度出访人次：按国家（地区）", partners)) == partners
    page.screenshot(path=str(shots / f"filters_{scope}_人员交流与人才.png"))
