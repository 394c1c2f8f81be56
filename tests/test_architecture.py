"""Architecture as a test: thin pages, SQL only in queries/, no network in the product, packages without cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI = sorted((ROOT / "ui").glob("*.py"))
# The product's packages; app.py and pages/ are the dashboard, as ui/ is.
PACKAGES = ("accounts", "etl", "present", "queries", "reports", "ui")
DASHBOARD = {"app": "ui", "pages": "ui"}


def test_pages_never_touch_duckdb_or_sql():
    for path in [*PAGES, *UI]:
        text = path.read_text(encoding="utf-8")
        assert "import duckdb" not in text, path.name
        assert not re.search(r"\b(select|insert|update|delete)\s+.+\s+from\b", text, re.I), path.name


def test_every_page_is_listed_in_app_and_short():
    from ui.navigation import NAMES  # what app.py registers with st.navigation, and the page tests open

    assert sorted(NAMES) == sorted(path.stem for path in PAGES)
    for path in PAGES:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 160, f"{path.name} is not thin"
        assert path.read_text(encoding="utf-8").startswith('"""'), f"{path.name} needs a docstring saying its question"


def test_no_outbound_urls_or_online_maps_in_the_product():
    forbidden = ("st.map(", "pydeck", "mapbox", "scatter_map", "choropleth_map", "http://", "https://cdn")
    for path in [*PAGES, *UI, ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in text, f"{path.name} uses {word}"


def test_offline_streamlit_settings():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    for line in ("gatherUsageStats = false", 'address = "127.0.0.1"', "enableStaticServing = true",
                 'showErrorDetails = "none"', "enableXsrfProtection = true",
                 # a changed file under a running server unloaded the project's modules under other sessions' feet;
                 # a full gc after every run cost a third of a click (#23)
                 'fileWatcherType = "none"', "postScriptGC = false"):  # fmt: skip
        assert line in config
    assert (ROOT / "static" / "topojson" / "world_110m.json").exists()


def _imports(path: Path) -> set[str]:
    """The top-level names a module imports, at module level or inside functions (relative imports: its own)."""
    own = path.relative_to(ROOT).parts[0].removesuffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(own if node.level else node.module.split(".")[0])
    return found


def _package_graph() -> dict[str, set[str]]:
    """Which of the product's packages each one imports (itself left out)."""
    graph: dict[str, set[str]] = {}
    for top in (*PACKAGES, *DASHBOARD):
        files = [ROOT / f"{top}.py"] if (ROOT / f"{top}.py").exists() else sorted((ROOT / top).rglob("*.py"))
        name = DASHBOARD.get(top, top)
        for path in files:
            graph.setdefault(name, set()).update(_imports(path))
    return {name: {DASHBOARD.get(m, m) for m in deps} & set(PACKAGES) - {name} for name, deps in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the path that closes it, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt] if nxt in path else [*path, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"ui": {"reports", "present"}, "reports": {"present", "ui"}, "present": set()}) == [
        "reports",
        "ui",
        "reports",
    ]
    assert _cycle({"ui": {"reports", "present"}, "reports": {"present"}, "present": set()}) is None


def test_packages_import_each_other_one_way():
    """ui → reports → present, ui → present: the exports never pull in the dashboard, and what both draw with
    (formats, labels, charts) depends on neither; the ETL and the user store know nothing of the dashboard."""
    graph = _package_graph()
    assert _cycle(graph) is None, f"import cycle: {' → '.join(_cycle(graph))}"
    assert not graph["present"] & {"ui", "reports", "accounts"}, graph["present"]
    assert "ui" not in graph["reports"], graph["reports"]
    assert not graph["etl"] & {"ui", "reports", "present", "accounts"}, graph["etl"]
    assert not graph["accounts"] & {"ui", "reports", "present"}, graph["accounts"]


def test_exports_and_presentation_run_without_streamlit():
    for top in ("present", "reports", "accounts"):
        for path in sorted((ROOT / top).rglob("*.py")):
            assert "streamlit" not in _imports(path), f"{path.relative_to(ROOT)} imports streamlit"
