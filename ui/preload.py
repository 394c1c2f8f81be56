"""The dashboard's browser code, loaded while the sign-in form is on screen, not after the 登录 click.

Streamlit's frontend loads the code of an element kind the first time a page shows one: plotly.js alone is a 4.7 MB
script that the browser fetches, compiles and runs before the first chart draws. Without this, all of it waited
for the first page after sign-in. The sign-in page asks the browser, once it is idle, to import those scripts (the
same files at the same addresses Streamlit imports them from, so they are loaded once); a person typing a name and
a password gives it the seconds it needs.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

# The element kinds of the first page (总览: charts, cards, its table) and the sidebar, by the name of their script in
# Streamlit's build (a kind's script imports what it needs: DataFrame brings some twenty more).
KINDS = ("PlotlyChart", "DataFrame", "Metric", "Button", "Selectbox", "ButtonGroup", "Radio", "PageLink",
         "DownloadButton")  # fmt: skip


@cache
def scripts() -> tuple[str, ...]:
    """File names of those scripts in the installed Streamlit (names carry a content hash); none found, none."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    return tuple(sorted(p.name for kind in KINDS for p in folder.glob(f"{kind}.*.js")))


def preload() -> None:
    """On the sign-in page: the browser imports the dashboard's element scripts when idle. Renders nothing."""
    names = scripts()
    if not names:
        return
    # Addresses relative to Streamlit's own entry script, as its lazy imports resolve them (works under a prefix).
    st.html(f"""<script>
        (window.requestIdleCallback || ((f) => setTimeout(f, 200)))(() => {{
          const entry = document.querySelector('script[type="module"][src*="static/js/index"]');
          if (!entry || window.__istcPreloaded) return;
          window.__istcPreloaded = Promise.allSettled({json.dumps(list(names))}.map(
            (n) => import(new URL(n, entry.src).href)));
        }});
        </script>""", unsafe_allow_javascript=True)  # fmt: skip
