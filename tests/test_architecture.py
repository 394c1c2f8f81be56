"""Architecture as a test: thin pages, SQL only in queries/, no network in the product."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI = sorted((ROOT / "ui").glob("*.py"))


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
                 'showErrorDetails = "none"', "enableXsrfProtection = true"):  # fmt: skip
        assert line in config
    assert (ROOT / "static" / "topojson" / "world_110m.json").exists()
