"""Figure builders: every figure carries its title, unit and a source line, so a saved image explains itself."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import mapping, shape

from . import fmt

BOUNDARIES = Path(__file__).resolve().parent.parent / "data" / "boundaries"
FONT = "Microsoft YaHei, WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, sans-serif"
PALETTE = ["#1f5aa6", "#d9822b", "#2a9d8f", "#c0392b", "#7b61a8", "#8c6d31", "#e377c2", "#7f7f7f", "#17becf", "#bcbd22"]
HMT_COLOR = "#d9822b"
INTL_COLOR = "#1f5aa6"


def frame(fig: go.Figure, title: str, unit: str, source: str, height: int = 420) -> go.Figure:
    """Title with unit on top, source line and export date at the bottom, Chinese font throughout."""
    unit_text = f"（单位：{unit}）" if unit else ""
    fig.update_layout(
        # An explicit template: importing Streamlit changes plotly's global default, and the server-side
        # exports must look the same whichever process renders them.
        template="plotly_white",
        meta={"title": title, "unit": unit, "source": source},
        title={"text": f"{title}{unit_text}", "x": 0.01, "xanchor": "left", "font": {"size": 16}},
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
        text=f"{fmt.SOURCE}<br>{source}；导出日期 {dt.date.today():%Y-%m-%d}",
        xref="paper", yref="paper", x=0, y=0, yshift=-52, showarrow=False, xanchor="left", yanchor="top", align="left",
        font={"size": 10, "color": "#666"},
    )  # fmt: skip
    return fig


def bar_ranking(df: pd.DataFrame, label: str, value: str, title: str, unit: str, source: str, *,
                ids: str | None = None, color: str | None = None, top: int = 20) -> go.Figure:  # fmt: skip
    """Horizontal bars, largest first; `ids` become customdata so a click can drill into that scope."""
    d = df.sort_values(value, ascending=False).head(top).iloc[::-1]
    colors = d[color].map({"HMT": HMT_COLOR}).fillna(INTL_COLOR) if color else INTL_COLOR
    fig = go.Figure(go.Bar(
        x=d[value], y=d[label], orientation="h", marker_color=colors,
        customdata=d[[ids]].to_numpy() if ids else None,
        hovertemplate=f"%{{y}}：%{{x:,}} {unit}<extra></extra>", text=d[value].map(lambda v: fmt.number(v)),
        textposition="outside", cliponaxis=False,
    ))  # fmt: skip
    fig.update_xaxes(title_text=unit, showgrid=True, gridcolor="#eee", tickformat=",~f")
    return frame(fig, title, unit, source, height=max(320, 28 * len(d) + 150))


def trend(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str) -> go.Figure:
    """Lines over survey years; `series` maps column → legend label."""
    fig = go.Figure()
    for i, (col, name) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=df[x], y=df[col], name=name, mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                                 hovertemplate=f"%{{x}}年度 {name}：%{{y:,}} {unit}<extra></extra>"))  # fmt: skip
    fig.update_xaxes(title_text="统计年度", dtick=1, tickformat="d")
    fig.update_yaxes(title_text=unit, rangemode="tozero", gridcolor="#eee")
    return frame(fig, title, unit, source)


def stacked(df: pd.DataFrame, x: str, series: dict[str, str], title: str, unit: str, source: str, *,
            horizontal: bool = False, colors: dict[str, str] | None = None) -> go.Figure:  # fmt: skip
    """Stacked bars; `series` maps column → legend label."""
    fig = go.Figure()
    for i, (col, name) in enumerate(series.items()):
        color = (colors or {}).get(col, PALETTE[i % len(PALETTE)])
        kw = {"x": df[col], "y": df[x], "orientation": "h"} if horizontal else {"x": df[x], "y": df[col]}
        fig.add_trace(go.Bar(name=name, marker_color=color, hovertemplate=f"{name}：%{{value:,}} {unit}<extra></extra>",
                             **kw))  # fmt: skip
    fig.update_layout(barmode="stack")
    (fig.update_xaxes if horizontal else fig.update_yaxes)(title_text=unit, gridcolor="#eee", tickformat=",~f")
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
    them anticlockwise, and plotly then fills the whole globe except the shape.
    """
    data = json.loads((BOUNDARIES / f"{name}.geojson").read_text(encoding="utf-8"))
    for feat in data["features"]:
        geom = feat.get("geometry")
        if geom and geom["type"] in ("Polygon", "MultiPolygon"):
            feat["geometry"] = mapping(shapely.orient_polygons(shape(geom), exterior_cw=True))
    return data


def _ten_dash_line() -> list[go.Scattergeo]:
    traces = []
    for feat in geojson("china_maritime_ten_dash_line")["features"]:
        geom = feat["geometry"]
        lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        for line in lines:
            traces.append(go.Scattergeo(lon=[p[0] for p in line], lat=[p[1] for p in line], mode="lines",
                                        line={"color": "#555", "width": 1}, hoverinfo="skip", showlegend=False))  # fmt: skip
    return traces


def world_map(df: pd.DataFrame, title: str, unit: str, source: str) -> go.Figure:
    """Countries shaded by value; China drawn to national convention and never a partner; HMT is not on it."""
    countries = df[df["partner_scope"] == "INTL"]
    everyone = [f["properties"]["iso_a3"] for f in geojson("world_zh_surbowl")["features"]
                if f["properties"]["iso_a3"] not in ("CHN", "-99")]  # fmt: skip
    fig = go.Figure(go.Choropleth(  # every country drawn faintly, so a sparse map still reads as a world map
        geojson=geojson("world_zh_surbowl"), featureidkey="properties.iso_a3", locations=everyone,
        z=[0] * len(everyone), colorscale=[[0, "#f7f7f7"], [1, "#f7f7f7"]], showscale=False, hoverinfo="skip",
        marker_line_width=0.3, marker_line_color="#bbb", name="",
    ))  # fmt: skip
    fig.add_trace(go.Choropleth(
        geojson=geojson("world_zh_surbowl"), featureidkey="properties.iso_a3", locations=countries["partner_code"],
        z=countries["value"], text=countries["name_zh"], colorscale="Blues", marker_line_width=0.3,
        marker_line_color="#999", colorbar={"title": {"text": unit}, "thickness": 12},
        hovertemplate=f"%{{text}}：%{{z:,}} {unit}<extra></extra>", name=unit,
    ))  # fmt: skip
    fig.add_trace(go.Choropleth(
        geojson=geojson("world_zh_surbowl"), featureidkey="properties.iso_a3", locations=["CHN"], z=[0],
        colorscale=[[0, "#f3e3c3"], [1, "#f3e3c3"]], showscale=False, hovertemplate="中国<extra></extra>",
        marker_line_width=0.5, marker_line_color="#999",
    ))  # fmt: skip
    fig.update_geos(visible=False, showframe=False, projection_type="natural earth", lataxis_range=[-58, 85])
    return frame(fig, title, unit, source, height=480)


def region_map(df: pd.DataFrame, boundary: str, key_prop: str, key_col: str, title: str, unit: str, source: str,
               *, ids: str | None = None, ten_dash: bool = False) -> go.Figure:  # fmt: skip
    """Regions of China (provinces or a province's cities) shaded by value; click a region to drill in."""
    fig = go.Figure(go.Choropleth(
        geojson=geojson(boundary), featureidkey=f"properties.{key_prop}", locations=df[key_col], z=df["value"],
        text=df["name"], customdata=df[[ids]].to_numpy() if ids else None, colorscale="Blues",
        marker_line_width=0.5, marker_line_color="#888", colorbar={"title": {"text": unit}, "thickness": 12},
        hovertemplate=f"%{{text}}：%{{z:,}} {unit}<extra></extra>",
    ))  # fmt: skip
    for t in _ten_dash_line() if ten_dash else []:
        fig.add_trace(t)
    fig.update_geos(visible=False, fitbounds="locations", showframe=False, projection_type="mercator")
    return frame(fig, title, unit, source, height=520)
