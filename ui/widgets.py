"""Widgets every page shares: sidebar filters, breadcrumb and drill-down, KPI cards, the chart frame."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import streamlit as st

from accounts import users
from present import charts, fmt, labels
from present.safe import md, unlabel

from . import auth, data, state
from .data import fetch

PLOTLY_CONFIG = {
    "displaylogo": False,
    "topojsonURL": "app/static/topojson/",  # served locally: no geo trace reaches a CDN
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "locale": "zh-CN",
}


def sidebar(years: list[int]) -> state.Filters:
    """The global filters; they persist across pages and live in the URL."""
    with st.sidebar:
        st.selectbox("统计年度", years, key="f_year", format_func=lambda y: f"{y} 年度")
        c1, c2 = st.columns(2)
        c1.selectbox("趋势起", years, key="f_from", format_func=lambda y: f"{y} 年")
        c2.selectbox("趋势止", years, key="f_to", format_func=lambda y: f"{y} 年")
        # required: clicking the chosen option again keeps it (a cleared control used to crash the rerun)
        st.segmented_control("合作方范围", list(state.PARTNER_SCOPES), key="f_ps", required=True,
                             format_func=state.PARTNER_SCOPES.get, help="港澳台始终单列，不计入“国家”")  # fmt: skip
        st.selectbox("单位类型", list(state.UNIT_TYPE_LABELS), key="f_ut", format_func=state.UNIT_TYPE_LABELS.get)
        st.radio("口径", list(state.BASES), key="f_basis", format_func=state.BASES.get, horizontal=True,
                 help="已提交和已审核的填报都计入分析；可只看已审核的数据")  # fmt: skip
    return state.current()


def scope_bar(f: state.Filters) -> None:
    """Breadcrumb 全国 › 省 › 市 › 单位 (each crumb one click up) and a drill-down picker for the children."""
    path = fetch("scope_path", scope_id=f.scope_id)
    root = data.user_root()
    path = path.iloc[list(path["account_id"]).index(root) :] if root in set(path["account_id"]) else path.iloc[-1:]
    cols = st.columns([6, 3])
    with cols[0].container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown("**范围：**")
        for i, row in enumerate(path.itertuples()):
            label = ("› " if i else "") + md(row.name_short)  # a button's label is Markdown too
            if i == len(path) - 1:  # where we are: plain bold text, not a button
                st.markdown(f"**{label}**")
            else:
                st.button(label, key=f"crumb_{row.account_id}", type="tertiary", on_click=state.set_scope,
                          args=(row.account_id,), help="返回这一级")  # fmt: skip
    children = fetch("scope_children", scope_id=f.scope_id)
    with cols[1]:
        if children.empty:
            st.caption("已是最下一级（填报单位）")
        else:
            options = list(children["account_id"])
            names = dict(zip(children["account_id"], children["name_short"], strict=True))
            st.selectbox("下钻到", options, index=None, placeholder=f"选择下级（{len(options)} 个）…",
                         format_func=names.get, key=f"drill_{f.scope_id}", label_visibility="collapsed",
                         on_change=_drill_from_select, args=(f"drill_{f.scope_id}",))  # fmt: skip
    if st.session_state.pop("_scope_warning", None):
        st.warning("请求的范围不存在或不在您的权限范围内，已显示您账号的范围。")


def _drill_from_select(key: str) -> None:
    if st.session_state.get(key):
        state.set_scope(st.session_state[key])


def coverage(f: state.Filters) -> dict:
    """已报 / 应报 for the scope and year, the completeness note every chart carries (worked out once per database,
    scope, year and unit type; each caller gets its own copy)."""
    key = (f.year, f.unit_type)
    return dict(data.remembered("coverage", f.scope_id, key, lambda: _coverage(f)))


def _coverage(f: state.Filters) -> dict:
    df = fetch("filling_summary_by_year", scope_id=f.scope_id, year_from=f.year, year_to=f.year, unit_type=f.unit_type)
    if df.empty:
        return {"text": "已报 0 / 应报 0", "finished": 0, "expected": 0, "approved": 0}
    r = df.iloc[0]
    text = f"已报 {int(r.n_finished):,} / 应报 {int(r.n_expected):,}（已审核 {int(r.n_approved):,}）"
    return {"text": text, "finished": int(r.n_finished), "expected": int(r.n_expected), "approved": int(r.n_approved)}


KPI_LABEL_MAX = 14  # characters of a card label that fit a quarter of the page beside its help icon


def kpi_label(label: str) -> str:
    """A card label that is not cut off: without 其中： or its bracketed part when too long, else shortened."""
    for shorter in (label, label.removeprefix("其中："), re.sub(r"（[^（）]*）$", "", label)):
        if len(shorter) <= KPI_LABEL_MAX:
            return shorter
    return label[: KPI_LABEL_MAX - 1] + "…"


def kpis(items: list[tuple[str, object, str, object]], columns: int = 4) -> None:
    """Metric cards: (label, value, unit, previous year's value, all in `unit`) → value with 同比.

    同比 is grey without an arrow when it is 持平 or has no percentage (基数过小); a label too long for the
    card is shortened and said in full in the card's help.
    """
    for start in range(0, len(items), columns):
        cols = st.columns(columns)
        for col, (label, value, unit, previous) in zip(cols, items[start : start + columns], strict=False):
            delta = fmt.change(value, previous, unit)
            quiet = delta in (fmt.FLAT, fmt.SMALL_BASE)
            short = kpi_label(label)
            why = f"；上年不足 {fmt.MIN_BASE}，不计算百分比" if delta == fmt.SMALL_BASE else ""
            col.metric(short, fmt.number(value, unit), delta=delta, delta_color="off" if quiet else "normal",
                       delta_arrow="off" if quiet else "auto",
                       help=(f"{label}。" if short != label else "")
                       + f"同比：与上年度相比（上年 {fmt.number(previous, unit)}）{why}")  # fmt: skip


def source(f: state.Filters, *, trend: bool = False, scope: bool = True) -> str:
    """What a chart shows, for its source line: scope, its real years (the range for a trend) and narrowing filters."""
    name = fetch("scope_info", scope_id=f.scope_id).iloc[0]["name_short"] if scope else ""
    years = fmt.years_text(f.year_from, f.year_to) if trend else fmt.years_text(f.year, f.year)
    return fmt.source_line(name, years, partner_scope=state.PARTNER_SCOPES[f.partner_scope],
                           unit_type=state.UNIT_TYPE_LABELS[f.unit_type], basis=state.BASES[f.basis])  # fmt: skip


def chart(fig, *, key: str, note: str = "", cover: dict | None = None, drill: bool = False,
          fields: list[str] | None = None) -> None:  # fmt: skip
    """Draw a figure (title, unit and source are on the figure) with its 口径 note, coverage and indicator links."""
    note = fmt.public_note(note)
    if drill:
        event = st.plotly_chart(
            charts.for_screen(fig), key=key, on_select="rerun", selection_mode="points", config=PLOTLY_CONFIG
        )
        points = (event or {}).get("selection", {}).get("points", []) if event else []
        target = _drilled_account(points)
        if target:
            state.set_scope(target)
            st.rerun()
    else:
        st.plotly_chart(charts.for_screen(fig), key=key, config=PLOTLY_CONFIG)
    bits = [b for b in (note and f"口径：{note}", cover and cover["text"], drill and "点击图中的条形或区域可下钻") if b]
    left, right = st.columns([4, 1], vertical_alignment="center")
    if bits:
        left.caption("　·　".join(bits))
    if fields:
        with left.container(horizontal=True, gap="small"):
            for name in fields:
                st.page_link("pages/glossary.py", label=f"指标解释：{labels.label(name)}", query_params={"field": name})
    with right:
        export_menu(fig, key, note)


def export_menu(fig, key: str, note: str) -> None:
    """Downloads of one chart: PNG/SVG/PDF rendered on the server, and its data as CSV/XLSX (made on click)."""
    from reports import render, tables

    f = state.current()
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    title = meta.get("title", "图表")
    where = scope_stem(f)
    picture, name = file_stem(title, "图表", where), file_stem(title, "图表数据", where)
    with st.popover("导出", width="stretch"):
        for fmt_name, label in (("png", "图片 PNG（2倍）"), ("svg", "矢量图 SVG"), ("pdf", "PDF")):
            st.download_button(label, data=logged(f"{picture}.{fmt_name}", lambda kind=fmt_name: render.figure_bytes(fig, kind, note)),
                               file_name=f"{picture}.{fmt_name}", mime=render.FORMATS[fmt_name], key=f"{key}_{fmt_name}",
                               on_click="ignore", width="stretch")  # fmt: skip
        # The chart's data is extracted only when a download is clicked, not on every rerun.
        st.download_button("数据 CSV", data=logged(f"{name}.csv", lambda: tables.csv_bytes(figure_rows(fig))),
                           file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore",
                           width="stretch")  # fmt: skip
        st.download_button("数据 Excel", data=logged(f"{name}.xlsx", lambda: tables.xlsx_bytes(
                           [tables.Table(title, figure_rows(fig), note=note)], _export_meta(meta, f))),
                           file_name=f"{name}.xlsx", mime=XLSX, key=f"{key}_xlsx", on_click="ignore",
                           width="stretch")  # fmt: skip


def file_stem(title: str, kind: str, where: str | None = None) -> str:
    """A download's file name without its extension: scope name, title, what the file is, date.

    `kind` (图表, 图表数据, 表格) keeps a chart's files and a table of the same title apart (填报进度 gave its chart
    data and its table names that differed by a space); the scope is named, never given by its account id.
    `where`: the scope's part (scope_stem), when the caller names several files.
    """
    from reports import tables

    where = scope_stem(state.current()) if where is None else where
    return "_".join(x for x in (where, tables.safe_filename(title, 80), kind, f"{dt.date.today():%Y%m%d}") if x)


def scope_stem(f: state.Filters) -> str:
    """The scope's short name as a download's file name starts with it ("" for a scope without one)."""
    from reports import tables

    scope = fetch("scope_info", scope_id=f.scope_id)
    return tables.safe_filename(scope.iloc[0]["name_short"], 30) if not scope.empty else ""


def figure_rows(fig) -> pd.DataFrame:
    """A chart's data as exported: in the order shown (a ranking largest first), whole numbers as integers."""
    from reports import tables

    rows = tables.figure_table(fig)
    for col in ("类别", "系列"):  # the names they are, not the escaped text plotly draws
        if col in rows.columns:
            rows[col] = rows[col].map(unlabel)
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("ranking"):  # drawn bottom-up so the largest bar is on top: read top-down
        rows = rows.iloc[::-1].reset_index(drop=True)
    return fmt.tidy(rows)


def logged(what: str, make):
    """A download's data callable that queries as this session's user and audits the file once it is made.

    Streamlit runs the callable on click in a worker thread, outside the session's script run, where nobody is
    signed in: the user and scope are taken now and bound for the call. Only a file that was made is audited as an
    export, with its size; a failure (the button shows "Failed to generate file") is logged as export_failed with
    its reason, for the operator.
    """
    user, scope = auth.current(), state.current().scope_id
    make = data.as_user(make, root=user.account_id)  # the user read above: one look-up per button

    def run() -> bytes:
        try:
            payload = make()
        except Exception as e:
            users.audit("export_failed", user=user.username, account=user.account_id, scope=scope,
                        detail=f"{what}：{type(e).__name__}: {e}")  # fmt: skip
            raise
        auth.audit_export(user, scope, f"{what}（{len(payload):,} 字节）")
        return payload

    return run


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_meta(meta: dict, f: state.Filters) -> dict[str, str]:
    """The 说明 sheet of a dashboard download under filters `f`: what, where, when, on which basis and how complete —
    the facts the command-line report pack states (the table's own 口径 follows as its note). Made on click, in the
    download's call (`logged`), not on every rerun."""
    scope = fetch("scope_info", scope_id=f.scope_id)
    return {"内容": meta.get("title", ""), "单位": meta.get("unit", ""),
            "范围": scope.iloc[0]["name"] if not scope.empty else "", "筛选": meta.get("source", ""),
            "统计年度": str(f.year), "趋势年度": f"{f.year_from}–{f.year_to}", "数据口径": state.BASES[f.basis],
            "数据完整性": coverage(f)["text"]}  # fmt: skip


def table(
    df: pd.DataFrame,
    *,
    title: str,
    key: str,
    note: str = "",
    full=None,
    column_config: dict | None = None,
    detail: str | None = None,
) -> None:
    """A table with its CSV (UTF-8 BOM) and formatted Excel downloads; `full()` gives every row of a paged list.
    With `detail` (a column too long for its cell), a click on a row shows that row's cells in full below."""
    from reports import tables

    df = fmt.tidy(df)
    selectable = {"key": f"{key}_rows", "on_select": "rerun", "selection_mode": "single-row"} if detail else {}
    shown = st.dataframe(df, hide_index=True, width="stretch",
                         column_config={**column_formats(df), **(column_config or {})}, **selectable)  # fmt: skip
    name = file_stem(title, "表格")
    rows = (lambda: fmt.tidy(full())) if full else (lambda: df)  # a paged list exports all its rows, read on click
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button("下载 CSV", data=logged(f"{name}.csv", lambda: tables.csv_bytes(rows())), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_csv", on_click="ignore")  # fmt: skip
    f = state.current()
    c2.download_button("下载 Excel", data=logged(f"{name}.xlsx", lambda: tables.xlsx_bytes(
                           [tables.Table(title, rows(), note=note)], _export_meta({"title": title}, f))),
                       file_name=f"{name}.xlsx", mime=XLSX, key=f"{key}_xlsx", on_click="ignore")  # fmt: skip
    if detail:
        chosen = shown.selection.rows if shown else []
        if chosen and chosen[0] < len(df):
            picked = df.iloc[chosen[0]]
            lines = [f"**{md(str(picked[detail]))}**"]
            lines += [f"{md(c)}：{md(str(v))}" for c, v in picked.items() if c != detail and str(v).strip()]
            st.info("  \n".join(lines))
        else:
            st.caption(f"点选一行，在此查看该行完整的{detail}。")


def column_formats(df: pd.DataFrame) -> dict:
    """Column formats of a table: years without separators, counts whole with separators, money two decimals."""
    kinds = {c: fmt.column_kind(c, df[c]) for c in df.columns}
    return {c: st.column_config.NumberColumn(format=fmt.TABLE_FORMATS[k]) for c, k in kinds.items() if k != "text"}


PAGE_ROWS = 500


def page_offset(total: int, *, key: str, what: str) -> int:
    """For a list of `total` rows shown PAGE_ROWS at a time: a page picker (only when needed); returns the offset."""
    pages = -(-total // PAGE_ROWS)
    if pages <= 1:
        return 0
    # The key carries the total, so a narrower filter starts again at page 1 instead of an out-of-range page.
    c1, c2 = st.columns([1, 4])
    page = c1.number_input("页码", min_value=1, max_value=pages, value=1, step=1, key=f"{key}_{total}")
    first = (int(page) - 1) * PAGE_ROWS
    c2.caption(f"共 {total:,} {what}，每页 {PAGE_ROWS} 条；本页第 {first + 1:,}–{min(first + PAGE_ROWS, total):,} 条。"
               "下载按钮导出全部条目。")  # fmt: skip
    return first


def _drilled_account(points: list) -> str | None:
    for p in points:
        data = p.get("customdata")
        if isinstance(data, list | tuple) and data and isinstance(data[0], str) and data[0]:
            return data[0]
        if isinstance(data, str) and data:
            return data
    return None


def empty(message: str) -> None:
    """An empty state that explains itself (Markdown: a name in `message` goes through `safe.md`)."""
    st.info(message, icon="ℹ️")


def views(parts: dict, *, key: str) -> None:
    """Tabs that build only the open one: `parts` maps a tab's label to the function that draws it.

    A hidden tab's charts would still be sent and drawn; here switching tabs reruns the page and draws its charts.
    """
    for tab, draw in zip(st.tabs(list(parts), key=key, on_change="rerun"), parts.values(), strict=True):
        if tab.open:
            with tab:
                draw()
