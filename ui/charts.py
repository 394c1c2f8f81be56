"""Figure builders: every figure carries its title, unit and a source line, so a saved image explains itself."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import mapping, shape

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
    if isinstance(value, pd.DataFrame):
        return ("frame", tuple(map(str, value.columns)), tuple(map(str, value.dtypes)),
                pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())  # fmt: skip
    if isinstance(value, pd.Series):
        return ("series", str(value.name), str(value.dtype), pd.util.hash_pandas_object(value).to_numpy().tobytes())
    if isinstance(value, np.ndarray):
        return ("array", value.shape, repr(value.tolist()))
    if isinstance(value, dict):
        return tuple((k, _key(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    return value


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


def frame(fig: go.Figure, title: str, unit: str, source: str, height: int = 420) -> go.Figure:
    """Title with unit on top, source line and export date at the bottom, Chinese font throughout.

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
        margin={"l": 10, "r": 10, "t": 60, "b": 90},
        separators=".,",
        yaxis={"tickformat": ",~f"},
        legend={"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    fig.add_annotation(
        text=f"{fmt.SOURCE}<br>{label(source)}；导出日期 {dt.date.today():%Y-%m-%d}",
        xref="paper", yref="paper", x=0, y=0, yshift=-52, showarrow=False, xanchor="left", yanchor="top", align="left",
        font={"size": 10, "color": "#666"},
    )  # fmt: skip
    return fig


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
        hovertemplate=f"%{{y}}：%{{x:,}} {template_text(unit)}<extra></extra>", text=d[value].map(lambda v: fmt.number(v)),
        textposition="outside", cliponaxis=False,
    ))  # fmt: skip
    fig.update_xaxes(title_text=axis_unit(unit), showgrid=True, gridcolor="#eee", tickformat=",~f")
    fig.update_yaxes(**category_ticks(fig.data[0].y))
    longest = d[value].max()
    if pd.notna(longest) and longest > 0:  # room for the longest bar's label, which was cut off in a half-width column
        fig.update_xaxes(range=[0, longest * 1.18])
    return frame(fig, title, unit, source, height=max(320, 28 * len(d) + 150))


@reused
def trend(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str) -> go.Figure:
    """Lines over survey years; `series` maps column → legend label."""
    fig = FrozenFigure()
    for i, (col, name) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=labels(df[x]), y=df[col], name=label(name), mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                                 hovertemplate=f"%{{x}}年度 {template_text(name)}：%{{y:,}} {template_text(unit)}"
                                               "<extra></extra>"))  # fmt: skip
    fig.update_xaxes(title_text="统计年度", dtick=1, tickformat="d")
    fig.update_yaxes(title_text=axis_unit(unit), rangemode="tozero", gridcolor="#eee")
    return frame(fig, title, unit, source)


@reused
def stacked(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str, *,
            horizontal: bool = False, colors: dict[str, str] | None = None,
            customdata: np.ndarray | None = None) -> go.Figure:  # fmt: skip
    """Stacked bars; `series` maps column → legend label; `customdata` (one row per bar) lets a click drill."""
    fig = FrozenFigure()
    for i, (col, name) in enumerate(series.items()):
        color = (colors or {}).get(col, PALETTE[i % len(PALETTE)])
        cats = labels(df[x])  # names of children on a horizontal chart
        kw = {"x": df[col], "y": cats, "orientation": "h"} if horizontal else {"x": cats, "y": df[col]}
        fig.add_trace(go.Bar(name=label(name), marker_color=color, customdata=customdata, **kw,
                             hovertemplate=f"{template_text(name)}：%{{value:,}} {template_text(unit)}<extra></extra>"))  # fmt: skip
    fig.update_layout(barmode="stack")
    if horizontal:
        fig.update_yaxes(**category_ticks(labels(df[x])))
    (fig.update_xaxes if horizontal else fig.update_yaxes)(
        title_text=axis_unit(unit), gridcolor="#eee", tickformat=",~f"
    )
    if not horizontal and pd.api.types.is_integer_dtype(df[x]):
        fig.update_xaxes(dtick=1, tickformat="d", title_text="统计年度")
    fig = frame(fig, title, unit, source, height=max(380, 26 * len(df) + 140) if horizontal else 420)
    if len(series) > 3:  # a long legend goes to the right of the plot, clear of the title
        fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top"})
    return fig


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


def _ten_dash_line() -> list[go.Scattergeo]:
    traces = []
    for feat in geojson("china_maritime_ten_dash_line")["features"]:
        geom = feat["geometry"]
        lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        for line in lines:
            traces.append(go.Scattergeo(lon=[p[0] for p in line], lat=[p[1] for p in line], mode="lines",
                                        line={"color": "#555", "width": 1}, hoverinfo="skip", showlegend=False))  # fmt: skip
    return traces


@reused
def world_map(df: pd.DataFrame, title: str, unit: str, source: str) -> go.Figure:
    """Countries shaded by value; China drawn to national convention and never a partner; HMT is not on it."""
    countries = df[df["partner_scope"] == "INTL"]
    world = "world_zh_surbowl"
    partners = tuple(sorted(set(countries["partner_code"]) - {"CHN"}))
    others = tuple(sorted({f["properties"]["iso_a3"] for f in geojson(world)["features"]} - {*partners, "CHN", "-99"}))
    # Each country's outline is sent once: partners in the value layer, the rest in a faint base layer.
    fig = FrozenFigure(go.Choropleth(  # every country drawn faintly, so a sparse map still reads as a world map
        geojson=features(world, "iso_a3", others), featureidkey="properties.iso_a3", locations=others,
        z=[0] * len(others), colorscale=[[0, "#f7f7f7"], [1, "#f7f7f7"]], showscale=False, hoverinfo="skip",
        marker_line_width=0.3, marker_line_color="#bbb", name="",
    ))  # fmt: skip
    fig.add_trace(go.Choropleth(
        geojson=features(world, "iso_a3", partners), featureidkey="properties.iso_a3", locations=countries["partner_code"],
        z=countries["value"], text=countries["name_zh"], colorscale="Blues", marker_line_width=0.3,
        marker_line_color="#999", colorbar={"title": {"text": unit}, "thickness": 12},
        hovertemplate=f"%{{text}}：%{{z:,}} {unit}<extra></extra>", name=unit,
    ))  # fmt: skip
    fig.add_trace(go.Choropleth(
        geojson=features(world, "iso_a3", ("CHN",)), featureidkey="properties.iso_a3", locations=["CHN"], z=[0],
        colorscale=[[0, "#f3e3c3"], [1, "#f3e3c3"]], showscale=False, hovertemplate="中国<extra></extra>",
        marker_line_width=0.5, marker_line_color="#999",
    ))  # fmt: skip
    fig.update_geos(visible=False, showframe=False, projection_type="natural earth", lataxis_range=[-58, 85])
    return frame(fig, title, unit, source, height=480)


@reused
def region_map(df: pd.DataFrame, boundary: str, key_prop: str, key_col: str, title: str, unit: str, source: str,
               *, ids: str | None = None, ten_dash: bool = False) -> go.Figure:  # fmt: skip
    """Regions of China (provinces or a province's cities) shaded by value; click a region to drill in."""
    fig = FrozenFigure(go.Choropleth(
        geojson=features(boundary, key_prop, tuple(sorted(set(df[key_col].astype(str))))),
        featureidkey=f"properties.{key_prop}", locations=df[key_col], z=df["value"],
        text=df["name"], customdata=df[[ids]].to_numpy() if ids else None, colorscale="Blues",
        marker_line_width=0.5, marker_line_color="#888", colorbar={"title": {"text": unit}, "thickness": 12},
        hovertemplate=f"%{{text}}：%{{z:,}} {unit}<extra></extra>",
    ))  # fmt: skip
    for t in _ten_dash_line() if ten_dash else []:
        fig.add_trace(t)
    fig.update_geos(visible=False, fitbounds="locations", showframe=False, projection_type="mercator")
    return frame(fig, title, unit, source, height=520)


@reused
def small_multiples(df: pd.DataFrame, x: str, y: str, facet: str, order: list[str], title: str, unit: str,
                    source: str) -> go.Figure:  # fmt: skip
    """One small line chart per `facet` value (in `order`), four to a row, sharing both axes.

    The panels are laid out by hand: plotly express facets build the same figure through make_subplots,
    which took 130 ms of a 地区对比 page for twelve panels.
    """
    cols, rows = 4, max(1, (len(order) + 3) // 4)
    gap_x, gap_y = 0.04, 0.3 / rows  # about 60 px between rows: each row gets 200 px
    width, height = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    data, layout, titles = [], {}, []
    for i, name in enumerate(order):  # one dict for the whole figure: plotly validates it once, not per update
        row, col = divmod(i, cols)
        n = "" if i == 0 else str(i + 1)
        part = df[df[facet] == name].sort_values(x)
        data.append({"type": "scatter", "x": part[x].to_numpy(), "y": part[y].to_numpy(), "name": label(name),
                     "mode": "lines+markers", "xaxis": f"x{n}", "yaxis": f"y{n}", "line": {"color": PALETTE[0]},
                     "showlegend": False,
                     "hovertemplate": f"{template_text(name)}<br>%{{x}} 年度：%{{y:,}} {template_text(unit)}<extra></extra>"})  # fmt: skip
        left, top = col * (width + gap_x), 1 - row * (height + gap_y)
        bottom_of_column = i + cols >= len(order)
        layout[f"xaxis{n}"] = {"domain": [left, left + width], "anchor": f"y{n}", "dtick": 1, "tickformat": "d",
                               "showticklabels": bottom_of_column, "title": {"text": "统计年度" if bottom_of_column else ""},
                               **({"matches": "x"} if n else {})}  # fmt: skip
        layout[f"yaxis{n}"] = {"domain": [top - height, top], "anchor": f"x{n}", "showticklabels": col == 0,
                               "tickformat": ",~f", "title": {"text": axis_unit(unit) if col == 0 else ""},
                               **({"matches": "y"} if n else {})}  # fmt: skip
        titles.append({"text": label(name), "x": left + width / 2, "y": top, "xref": "paper", "yref": "paper",
                       "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 12}})  # fmt: skip
    fig = go.Figure({"data": data, "layout": {**layout, "annotations": titles}})
    return frame(fig, title, unit, source, height=200 * rows + 120)
