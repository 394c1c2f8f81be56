"""Fixtures of the browser tests: one Chromium for this package, and one dashboard on the hand-written fixture
warehouse (tests/fixtures/inbox.py) with a ministry (全国, CN) and a provincial (河北, HB) user, shared by every module
that needs it. Each test opens its own browser context (its own cookies), never its own browser or server.
Both end with the package: Playwright's sync API keeps an asyncio loop running while it is open, and tests after
this package (the session route, the bench smoke run) start their own loop or their own Playwright.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.web import ACCOUNTS, ARGS, CHROMIUM, dashboard
from tests.conftest import user_store


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium (Debian's, no `playwright install`) for every browser test."""
    if not Path(CHROMIUM).exists():
        pytest.fail("缺少 Chromium：请以 root 运行 `make test`，或 apt-get install -y chromium fonts-wqy-microhei")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@dataclass(frozen=True)
class Site:
    base: str  # the dashboard's address
    store: Path  # its user store; audit.log lies beside it
    log: Path  # the server's stderr


@pytest.fixture(scope="package")
def fixture_site(fixture_run, tmp_path_factory):
    """The dashboard on the fixture warehouse, for the ministry and the Hebei user (PASSWORDS). Whatever the tests
    clicked, the server must not have logged a traceback."""
    root = tmp_path_factory.mktemp("fixture_site")
    store = user_store(root / "users.json", ACCOUNTS)  # password-<name>: web.PASSWORDS
    with dashboard(fixture_run[0], store, root / "server.log") as base:
        yield Site(base, store, root / "server.log")
    log = (root / "server.log").read_text()
    assert "Traceback" not in log and "ScopeError" not in log, log[-3000:]
