"""AppTest helpers: run app.py against a chosen warehouse, on a chosen page, with URL parameters."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from ui import navigation

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = navigation.NAMES  # every page app.py registers


_scan_once = functools.cache(manifest_scanner.scan_component_manifests)


class _NavigationOnly(PagesManager):
    uses_pages_directory = False


@pytest.fixture(autouse=True)
def navigation_only(monkeypatch):
    """Run app.py on every rerun, as ui.server does in production.

    AppTest resets Streamlit's legacy `pages/` flag before each run, after which a rerun would execute
    the page file alone (no app.py, no shared filters). The script runner reads the flag from its own
    reference to PagesManager, so pin that one.
    """
    monkeypatch.setattr("streamlit.runtime.scriptrunner.script_runner.PagesManager", _NavigationOnly)
    # Each AppTest scans every installed distribution for Streamlit components (~0.1 s of CPU; about 350 AppTests), where a
    # server scans once at start-up: scan once per test process too.
    monkeypatch.setattr(manifest_scanner, "scan_component_manifests", _scan_once)


def open_page(warehouse: Path, page: str = "overview", monkeypatch=None, **params: str) -> AppTest:
    """Start a session on `page` with the given URL parameters and return it after the first render."""
    monkeypatch.setenv("ISTC_WAREHOUSE", str(warehouse))
    if "ISTC_AUTH" not in os.environ:
        monkeypatch.setenv("ISTC_AUTH", "none")  # page tests: one analyst, national scope (auth has its own tests)
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    return at


def every_view(at: AppTest):
    """The page as opened, then once with each other tab open: a page builds only its open tab (widgets.views).

    A keyed tab container's element id ends in its key; opening a tab is setting that key to the tab's label.
    """
    yield at
    containers = [
        (c.proto.id.split("-", 2)[2], [tab.label for tab in c.children.values()]) for c in at.get("tab_container")
    ]
    for key, labels in containers:
        for label in labels[1:]:
            at.session_state[key] = label
            yield at.run()
        at.session_state[key] = labels[0]


def metric(at: AppTest, label: str) -> str:
    """The displayed value of the metric card called `label`."""
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")
