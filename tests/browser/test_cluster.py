"""Two dashboard processes behind nginx (deploy/cluster.py) on the hand-written fixture, in real Chromium.

Pages load through nginx (Streamlit draws them over its websocket, /_stcore/stream, which nginx must upgrade); each
browser stays on one process (nginx's istc_node cookie) and two browsers are served by different processes; a sign-in
made on one process holds after a reload that the other process serves (one signing secret and one sessions file for
all), and that reload shows what the ETL published meanwhile (each process follows CURRENT, no restart). Needs Debian's nginx: `make test` installs
it through scripts/system-deps.sh; without it this test fails and says so.
The browser is the package's one Chromium (conftest.py): a Playwright of its own cannot start while that one runs.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page

from deploy.cluster import ClusterError, cluster, nginx_binary
from etl.run import run
from tests.browser.test_filters_and_exports import card
from tests.browser.web import ACCOUNTS, PASSWORDS, free_port, idle, sign_in
from tests.conftest import TODAY, user_store
from tests.fixtures.inbox import doc

SIGN_IN = "登录"


def node_cookies(answer) -> list[str]:
    return [c for c in answer.headers.get_all("Set-Cookie") or [] if c.startswith("istc_node=")]


def shows_outbound(page: Page, expected: str) -> None:
    """The page (re)loaded signed in as before, 总览 of 河北省 2020, with 出访人次 = `expected`."""
    page.get_by_role("link", name="总览", exact=True).wait_for(timeout=60_000)
    idle(page)
    assert page.get_by_role("button", name=SIGN_IN, exact=True).count() == 0
    assert card(page, "出访人次") == expected


def test_two_processes_behind_nginx_keep_browsers_apart_share_sign_in_and_follow_a_publish(
    chromium, loaded_copy, tmp_path: Path
):
    try:
        nginx_binary()
    except ClusterError as exc:
        pytest.fail(str(exc))
    inbox, wh = loaded_copy(tmp_path)  # the fixture inbox, loaded: this test publishes into it
    store = user_store(tmp_path / "users" / "users.json", ACCOUNTS)

    ports = [free_port(), free_port()]
    with cluster(wh, store, port=free_port(), backend_ports=ports, prefix=tmp_path / "nginx") as running:
        with urllib.request.urlopen(f"{running.base}/_stcore/health") as first:  # a new browser gets its node
            (given,) = node_cookies(first)
            assert given.endswith("; Path=/; HttpOnly; SameSite=Lax")
        nodes = running.nodes()
        for node in nodes.values():  # a known browser keeps its node
            request = urllib.request.Request(f"{running.base}/_stcore/health", headers={"Cookie": f"istc_node={node}"})
            with urllib.request.urlopen(request) as answer:
                assert not node_cookies(answer)
        one, other = running.backends
        pages: dict[str, Page] = {}
        for user, backend in (("hebei", one), ("ministry", other)):  # a browser context each: cookies of its own
            context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": "istc_node", "value": nodes[backend], "url": running.base}])
            pages[user] = context.new_page()
            sign_in(pages[user], f"{running.base}/?scope=HB&year=2020", user, PASSWORDS[user])
            shows_outbound(pages[user], "63 人次")

        # The ETL publishes a corrected 河北 2020 (a new database file, CURRENT flipped) while both are open.
        fixed = doc("HB", 2020, revision=2, status="approved", out={"USA": 8, "HKG": 4},
                    funds={"provincial": 500, "unit_self": 20})  # fmt: skip
        (inbox / "2020" / "HB_r2.json").write_text(json.dumps(fixed, ensure_ascii=False), encoding="utf-8")
        run(inbox, wh, today=TODAY, progress=False)
        # Each browser now lands on the other process: signed in on one, its reload is served by the other
        # (same secret, same sessions file), which reads the new CURRENT.
        for user, backend in (("hebei", other), ("ministry", one)):
            pages[user].context.add_cookies([{"name": "istc_node", "value": nodes[backend], "url": running.base}])
            pages[user].reload()
            shows_outbound(pages[user], "65 人次")
        for page in pages.values():
            page.context.close()  # closes the websockets: nginx logs each when it ends

        log = running.access()
        streams = [e for e in log if e["request"].startswith("GET /_stcore/stream ")]
        assert streams and all(e["status"] == 101 for e in streams)  # upgraded through nginx
        assert {e["upstream"] for e in streams} == {one, other}  # both processes served sessions
        # Sticky: every request of a node went to that node's process (hebei's node changed once, by the test).
        for backend, node in nodes.items():
            assert {e["upstream"] for e in log if e["node"] == node} == {backend}, node
        # Each sign-in traded its one-time token (kept by the process that issued it) on that same process.
        traded = [e for e in log if e["request"].startswith("POST /_istc/session")]
        assert sorted(e["upstream"] for e in traded) == sorted(running.backends) and {e["status"] for e in traded} == {
            204
        }
        for port in ports:
            assert "Traceback" not in running.log(f"ui-{port}.log"), running.log(f"ui-{port}.log")[-3000:]
