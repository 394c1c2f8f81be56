"""In real Chromium: hostile names (markup, links, formulas in account names) stay text on every page (issue 24).

One dashboard on the hostile warehouse serves both scopes; the browser is the run's one Chromium (conftest.py).
The full-list downloads of issue 20 are clicked, with every other download, in test_every_download.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from etl.run import run
from tests.app.hostile import NAMES, as_loaded, write_hostile_inbox
from tests.browser.web import CHART, dashboard, each_tab, go, sign_in
from tests.conftest import TODAY, user_store
from ui import navigation

SHOTS = Path(os.environ.get("ISTC_TEST_SHOTS", "")) if os.environ.get("ISTC_TEST_SHOTS") else None
PAGE_TITLES = [title for pages in navigation.SECTIONS.values() for _, title in pages]
NO_CHARTS = ("数据质量", "指标解释", "使用说明", "报告导出")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The dashboard on a warehouse whose account names are hostile; yields its address."""
    root = tmp_path_factory.mktemp("hostile_browser")
    run(write_hostile_inbox(root / "inbox"), root / "wh", today=TODAY, progress=False)
    store = user_store(root / "users.json", {"hebei": "HB"})
    with dashboard(root / "wh", store, root / "server.log") as base:
        yield base


MARKUP_FROM_NAMES = """() => {
  const out = [];
  for (const a of document.querySelectorAll('a[href*="evil.example"], svg a')) out.push('link ' + a.outerHTML);
  for (const i of document.querySelectorAll('img[src="x"]')) out.push('image ' + i.outerHTML);
  for (const b of document.querySelectorAll('strong, b, em, i, .katex')) {
    const t = b.textContent.trim();
    if (['粗体', '粗', '斜体', '点我', '红色', 'x'].includes(t) || b.classList.contains('katex')) out.push('markup ' + b.outerHTML);
  }
  for (const c of document.querySelectorAll('[class*="red"], span[style*="color"]'))
    if (c.textContent.trim() === '红色') out.push('colour ' + c.outerHTML);
  return out;
}"""


@pytest.mark.parametrize("scope", ["SJZ", "BD"])
def test_hostile_names_stay_text_in_the_browser(hostile, chromium, scope):
    context = chromium.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, f"{hostile}/?scope={scope}&year=2020", "hebei", "password-hebei")
    shown = set()
    for title in PAGE_TITLES:
        go(page, title)
        charted = False
        for tab, _ in enumerate(each_tab(page)):
            if title not in NO_CHARTS:  # its charts, or the note that says why this tab has none
                page.wait_for_selector(
                    f'{CHART}, [data-testid="stMain"] [data-testid="stAlertContentInfo"]', timeout=60_000
                )
                time.sleep(1.0)
                charted = charted or page.locator(CHART).count() > 0
            assert page.evaluate(MARKUP_FROM_NAMES) == [], title
            text = page.evaluate("() => document.body.innerText")
            shown |= {a for a, (n, _) in NAMES.items() if as_loaded(n) in text}
            shown |= {a for a, (n, _) in NAMES.items() if page.get_by_text(as_loaded(n), exact=False).count()}
            if SHOTS:
                page.screenshot(path=str(SHOTS / f"names_{scope}_{title}_{tab}.png"), full_page=True)
        assert charted or title in NO_CHARTS, f"{title}: no tab drew a chart"  # as strict as before the tabs
    assert {"HB", scope} <= shown  # the breadcrumb shows the names, as typed
    context.close()
