"""填报进度: which accounts under this scope have filled in the survey, on time, and whom must we still chase?"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from present import charts
from present.safe import md
from ui import state, widgets
from ui.data import fetch

STATUS = {"n_approved": "已审核", "n_submitted": "已提交（待审核）", "n_returned": "已退回", "n_draft": "草稿",
          "n_missing": "未填报"}  # fmt: skip
COLORS = {"n_approved": "#2a9d8f", "n_submitted": "#1f5aa6", "n_returned": "#c0392b", "n_draft": "#d9822b",
          "n_missing": "#bbbbbb"}  # fmt: skip
STATUS_ZH = {"missing": "未填报", "draft": "草稿", "returned": "已退回", "submitted": "已提交", "approved": "已审核"}

f = state.current()
st.title("填报进度")
widgets.scope_bar(f)
summary = fetch("filling_summary_by_year", scope_id=f.scope_id, year_from=f.year, year_to=f.year, unit_type=f.unit_type)
if summary.empty:
    widgets.empty(f"该范围在 {f.year} 年度没有需要填报的账号。")
    st.stop()
s = summary.iloc[0]
deadline = pd.Timestamp(s["deadline"]).date()
days = (deadline - dt.date.today()).days
when = (
    f"截止日期 {deadline:%Y年%m月%d日}（{md(s['deadline_set_by'])}规定，"
    + (f"还剩 {days} 天" if days >= 0 else f"已过 {-days} 天")
    + "）"
)
earliest = pd.Timestamp(s["deadline_earliest"]).date()
if earliest < deadline:
    when += f" · 部分下级自定更早的截止日期（最早 {earliest:%Y年%m月%d日}），按时提交按各账号适用的日期计"
expected, finished = int(s["n_expected"]), int(s["n_finished"])
c = st.columns(5)
c[0].metric("应报账号", f"{expected:,}")
c[1].metric("已报（已提交+已审核）", f"{finished:,}", help="已提交和已审核的填报计入分析")
c[2].metric("已审核", f"{int(s['n_approved']):,}")
c[3].metric("未完成", f"{expected - finished:,}", help="未填报、草稿和已退回")
c[4].metric("按时提交率", f"{int(s['n_on_time']) / expected:.1%}" if expected else "—",
            help="现行版本已提交或已审核、且首次提交不晚于本账号适用的截止日期（北京时间）的账号占应报账号的比例；修改后再提交不影响按时，被退回的不算按时")  # fmt: skip
st.caption(f"{f.year} 年度调查 · {when} · 范围内每个账号（含本级）各计一次")

by_child = fetch("filling_by_child", scope_id=f.scope_id, year=f.year, unit_type=f.unit_type)
source = f"{fetch('scope_info', scope_id=f.scope_id).iloc[0]['name_short']}；{f.year}年度"
if not by_child.empty:
    fig = charts.stacked(by_child.iloc[::-1], "group_name", STATUS, f"{f.year} 年度下级填报状态", "个", source,
                         horizontal=True, colors=COLORS, customdata=by_child.iloc[::-1][["group_id"]].to_numpy())  # fmt: skip
    widgets.chart(fig, key=f"pg_children_{f.scope_id}", fields=["status"], note="每个下级含其全部下属账号；“本级”为本账号自己的填报",
                  drill=True)  # fmt: skip
    table = by_child.assign(完成率=(by_child["n_finished"] / by_child["n_expected"]).map("{:.1%}".format),
                            按时率=(by_child["n_on_time"] / by_child["n_expected"]).map("{:.1%}".format))  # fmt: skip
    table = table.rename(columns={"group_name": "下级", "n_expected": "应报", **STATUS, "n_on_time": "按时"})
    widgets.table(table.drop(columns=["group_id", "n_finished"]), title=f"{f.year}年度下级填报状态", key="pg_table")

st.subheader("需要督促的账号")
outstanding = expected - finished
if not outstanding:
    st.success(f"{f.year} 年度该范围内所有账号都已提交。")
    st.stop()
st.caption(f"共 {outstanding:,} 个账号未完成：已退回的排在最前，其次是草稿，再次是未填报。")
offset = widgets.page_offset(outstanding, key="pg_chase_page", what="个账号")
wanted = {"scope_id": f.scope_id, "year": f.year, "unit_type": f.unit_type}


def listed(todo: pd.DataFrame) -> pd.DataFrame:
    """The outstanding accounts as the page and its exports show them."""
    shown = todo.assign(
        status=todo["status"].map(STATUS_ZH),
        level=todo["level"].map({1: "一级", 2: "二级", 3: "三级"}),
        deadline=pd.to_datetime(todo["deadline"]).dt.date,  # a day: shown without 00:00:00
    )
    shown = shown.rename(columns={"account_id": "账号", "name": "名称", "level": "级别", "parent_name": "上级",
                                  "status": "状态", "deadline": "截止日期", "deadline_set_by": "截止日期规定方"})  # fmt: skip
    return shown[["账号", "名称", "级别", "上级", "状态", "截止日期", "截止日期规定方"]]


todo = fetch("filling_outstanding", **wanted, limit=widgets.PAGE_ROWS, offset=offset)
widgets.table(listed(todo), title=f"{f.year}年度督促名单", key="pg_chase",
              full=lambda: listed(fetch("filling_outstanding", **wanted, limit=None, offset=0)))  # fmt: skip
