"""Charts rendered on the server, offline, with a Chinese font: PNG (2×), SVG and PDF via Kaleido, on screen's layout or
laid out for print at the width a document places them."""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image

from present.fmt import SOURCE

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


def figure_bytes(fig: go.Figure, fmt: str, note: str = "", scale: float = 2) -> bytes:
    """The figure as PNG (`scale` × its layout size), SVG or PDF, with its 口径 note on the image."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    _start()
    out = with_note(fig, note)
    with _lock, warnings.catch_warnings():  # one Chromium tab: one image at a time
        warnings.filterwarnings(
            "ignore", message="The kopts argument is ignored"
        )  # plotly passes defaults we don't use
        return pio.to_image(out, format=fmt, scale=scale if fmt == "png" else 1, width=out.layout.width or 1100,
                            height=out.layout.height or 420)  # fmt: skip


# --- print layout: a figure drawn at the size a document places it ------------------------------
CSS_PX_PER_INCH = 96  # plotly lays out in CSS px; placed at its layout width, 1 px prints as 0.75 pt
PRINT_DPI = 300
PRINT_FONT_PX = 12  # 9 pt on paper: tick labels, values, legend, axis titles and the source line
SOURCE_SHIFT_PX = 48  # the source line sits under the x tick labels and axis title


def cm_to_px(cm: float) -> int:
    """CSS px of a length on paper (a figure `cm` wide is laid out this many px wide; rounded down, so its text
    prints no smaller than its size says)."""
    return math.floor(cm / 2.54 * CSS_PX_PER_INCH)


def printed_pt(font_px: float, width_px: float, placed_cm: float) -> float:
    """The printed size in pt of `font_px` text of a figure laid out `width_px` wide and placed `placed_cm` wide."""
    return font_px * (placed_cm / 2.54 * 72) / width_px


def print_layout(fig: go.Figure, width_cm: float, height_cm: float | None = None) -> go.Figure:
    """A copy of the figure laid out for print `width_cm` wide: no title (the document's caption 图N is the
    title), every text ≥ 9 pt once placed, and a source line without the export date (the document is dated).

    Horizontal bars get a height from their number of bars; other charts are 0.55 of the width high.
    """
    out = go.Figure(fig)  # shown figures are frozen and shared
    width = cm_to_px(width_cm)
    bars = [t for t in out.data if t.type == "bar" and t.orientation == "h" and t.y is not None]
    if height_cm is not None:
        height = cm_to_px(height_cm)
    else:
        height = 22 * max(len(t.y) for t in bars) + 110 if bars else round(width * 0.55)
    meta = out.layout.meta if isinstance(out.layout.meta, dict) else {}
    source = meta.get("source", "")
    kept = [a for a in out.layout.annotations if not (a.text or "").startswith(SOURCE)]
    out.layout.annotations = kept
    for a in out.layout.annotations:  # facet titles stay, at print size
        a.font.size = max(a.font.size or 0, PRINT_FONT_PX)
    text = f"{SOURCE}；{source}" if source else SOURCE
    lines = 1 if len(text) * PRINT_FONT_PX <= width * 0.9 else 2
    # Right-aligned at the plot's right edge: the plot starts after the category labels, which may be long.
    out.add_annotation(text=text if lines == 1 else text.replace("；", "<br>", 1), xref="paper", yref="paper", x=1,
                       y=0, yshift=-SOURCE_SHIFT_PX, showarrow=False, xanchor="right", yanchor="top", align="right",
                       font={"size": PRINT_FONT_PX, "color": "#555"})  # fmt: skip
    legend = sum(1 for t in out.data if t.showlegend is not False and t.name) > 1
    out.update_layout(
        title={"text": ""}, width=width, height=height + 16 * (lines - 1), font={"size": PRINT_FONT_PX},
        margin={"l": 4, "r": 8, "t": 30 if legend else 10, "b": SOURCE_SHIFT_PX + 6 + 16 * lines},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "font": {"size": PRINT_FONT_PX}},
    )  # fmt: skip
    for axis in (out.for_each_xaxis, out.for_each_yaxis):
        axis(lambda a: a.update(tickfont={"size": PRINT_FONT_PX}, title_font={"size": PRINT_FONT_PX}))
    for t in out.data:
        if t.type in ("bar", "scatter"):
            t.textfont.size = PRINT_FONT_PX
        if t.type == "choropleth" and t.showscale is not False:
            t.colorbar.update(tickfont={"size": PRINT_FONT_PX}, title_font={"size": PRINT_FONT_PX})
    return out


def print_png(fig: go.Figure, width_cm: float, height_cm: float | None = None) -> bytes:
    """The figure laid out for print `width_cm` wide, as a PNG of PRINT_DPI that says so (Word sizes it right)."""
    out = print_layout(fig, width_cm, height_cm)
    png = figure_bytes(out, "png", scale=PRINT_DPI / CSS_PX_PER_INCH)
    buf = io.BytesIO()
    Image.open(io.BytesIO(png)).save(buf, format="PNG", dpi=(PRINT_DPI, PRINT_DPI), optimize=True)
    return buf.getvalue()
