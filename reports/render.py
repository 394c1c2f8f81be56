"""Charts rendered on the server, offline, with a Chinese font: PNG (2×), SVG and PDF via Kaleido."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

ROOT = Path(__file__).resolve().parent.parent
FONTS_CONF = ROOT / "data" / "fonts" / "fonts.conf"
TOPOJSON = ROOT / "static" / "topojson"
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
_lock = threading.Lock()
_started = False


def _start() -> None:
    """One Kaleido server per process, with MathJax off (it would load from a CDN) and local topojson."""
    global _started
    with _lock:
        if _started:
            return
        # The shipped font (data/fonts) is added to the system's, so Chinese never renders as boxes.
        os.environ.setdefault("FONTCONFIG_FILE", str(FONTS_CONF))
        import kaleido

        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        pio.defaults.topojson = TOPOJSON.as_uri() + "/"
        _started = True


def with_note(fig: go.Figure, note: str) -> go.Figure:
    """A copy of the figure with the 口径 note added above its source line, for exported images."""
    out = go.Figure(fig)  # a plain copy: shown figures are frozen and shared
    if note:
        out.add_annotation(text=f"口径：{note}", xref="paper", yref="paper", x=0, y=0, yshift=-38, showarrow=False,
                           xanchor="left", yanchor="top", align="left", font={"size": 10, "color": "#444"})  # fmt: skip
        for ann in out.layout.annotations[:-1]:
            if ann.text and ann.text.startswith("数据来源"):
                ann.yshift = (ann.yshift or 0) - 16
        out.update_layout(margin={"b": (out.layout.margin.b or 90) + 20}, height=(out.layout.height or 420) + 20)
    return out


def figure_bytes(fig: go.Figure, fmt: str, note: str = "") -> bytes:
    """The figure as PNG (scale 2), SVG or PDF, with its 口径 note on the image."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    _start()
    out = with_note(fig, note)
    with _lock, warnings.catch_warnings():  # one Chromium tab: one image at a time
        warnings.filterwarnings(
            "ignore", message="The kopts argument is ignored"
        )  # plotly passes defaults we don't use
        return pio.to_image(out, format=fmt, scale=2 if fmt == "png" else 1, width=out.layout.width or 1100,
                            height=out.layout.height or 420)  # fmt: skip
