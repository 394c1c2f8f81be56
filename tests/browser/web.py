"""What the browser tests share: where Chromium is, how a dashboard is started and waited for, and how a test
signs in, moves between pages and waits for Streamlit to finish a run. The fixtures built on it are in conftest.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
CHART = '[data-testid="stPlotlyChart"] .main-svg'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# The users of the shared fixture dashboard (conftest.fixture_site): the ministry and the Hebei provincial office
PASSWORDS = {"ministry": "password-ministry", "hebei": "password-hebei"}
ACCOUNTS = {"ministry": "CN", "hebei": "HB"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def came_up(base: str) -> bool:
    """Wait up to a minute for the dashboard at `base` to answer its health check."""
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.5)
    return False


@contextmanager
def dashboard(warehouse: Path, store: Path, log: Path, **env: str):
    """A dashboard (`python -m ui.server`) on `warehouse` with the users of `store`; yields its address.
    Its stderr goes to `log`; `env` adds settings (ISTC_DEMO …)."""
    port = free_port()
    env = {**os.environ, "ISTC_WAREHOUSE": str(warehouse), "ISTC_AUTH": "local", "ISTC_USERS": str(store), **env}
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port), "--server.headless",
                                 "true", "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            if not came_up(base):
                pytest.fail(f"看板没有启动：{log.read_text()[-2000:]}")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def idle(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    time.sleep(1.0)


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="总览", exact=True).wait_for(timeout=60_000)
    idle(page)


def go(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    # A heading with the title's text, attached: with the main area scrolled (after a full-page screenshot, or downloads low on
    # the page) Chromium gave the title no box, and neither "visible" nor its accessible name could be relied on.
    page.locator("h1, h2").filter(has_text=title).first.wait_for(state="attached", timeout=60_000)
    idle(page)


def each_tab(page: Page):
    """The page as shown, then with each other tab of its main area open: a page builds only its open tab
    (ui.widgets.views), so what a tab shows is only there once it is clicked."""
    yield
    tabs = page.locator('[data-testid="stMain"]').get_by_role("tab")
    for i in range(1, tabs.count()):
        tabs.nth(i).click()
        idle(page)
        yield


def signed_in(chromium, site, user: str, query: str = "scope=HB&year=2020") -> Page:
    """A new browser context (cookies of its own) signed in as `user` on the shared fixture dashboard `site`."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    sign_in(page, f"{site.base}/?{query}", user, PASSWORDS[user])
    return page
