"""数据质量: which submissions under this scope were rejected or flagged, for what reason, in which field?"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from present.labels import path_label
from ui import state, widgets
from ui.data import fetch

KINDS = {
    "quarantine": "已隔离（未载入）",
    "check": "仓库级核查",
    "warning": "软规则提示（已载入）",
    "duplicate": "重复文件（未重复计入）",
}

f = state.current()
st.title("数据质量")
widgets.scope_bar(f)
summary = fetch("quality_summary_by_code", scope_id=f.scope_id, year=f.year)
if summary.empty:
    st.success(f"{f.year} 年度该范围内没有被隔离的填报，也没有规则提示。")
    st.stop()

counts = summary.groupby("kind")["n_findings"].sum()
cols = st.columns(len(KINDS))
for col, (kind, label) in zip(cols, KINDS.items(), strict=True):
    col.metric(label, f"{int(counts.get(kind, 0)):,} 条")
st.caption("已隔离：硬规则不通过，整份填报未载入，需修改后重新提交（提高版次）。软规则提示：数据已载入，请核实。"
           "仓库级核查：需要跨账号、跨年度才能发现的问题。重复文件：内容与已收到的文件完全相同，可告知单位其文件是副本。"
           "没有年度的问题（如注册表、无法读取的文件）在每个年度都显示。")  # fmt: skip

c1, c2 = st.columns(2)
kinds = c1.multiselect("类别", list(KINDS), default=list(KINDS), format_func=KINDS.get, key="dq_kinds")
codes = sorted(summary["code"].unique())
chosen = c2.multiselect("规则/原因代码", codes, key="dq_codes", placeholder="全部代码")
shown = summary[summary["kind"].isin(kinds) & (summary["code"].isin(chosen) if chosen else True)]
by_code = shown.groupby(["code", "rule_text"], dropna=False)["n_findings"].sum().reset_index()
widgets.table(by_code.rename(columns={"code": "代码", "rule_text": "规则", "n_findings": "条数"}),
              title="问题按规则汇总", key="dq_codes_table")  # fmt: skip

total = int(shown["n_findings"].sum())
if not total:
    widgets.empty("所选类别和代码下没有问题。")
    st.stop()
st.subheader("问题清单")
offset = widgets.page_offset(total, key="dq_page", what="条问题")
wanted = {"scope_id": f.scope_id, "year": f.year, "kinds": kinds, "codes": chosen}


def listed(rows: pd.DataFrame) -> pd.DataFrame:
    """The findings as the page and its exports show them."""
    table = rows.assign(kind=rows["kind"].map(KINDS), field=rows["path"].map(path_label)).rename(columns={
        "kind": "类别", "code": "代码", "severity": "级别", "account_id": "账号", "account_name": "名称",
        "survey_year": "年度", "field": "字段", "path": "字段路径", "value": "取值", "message_zh": "说明",
        "source_file": "来源文件"})  # fmt: skip
    table = table[["类别", "代码", "名称", "说明", "字段", "取值", "年度", "账号", "来源文件", "字段路径"]]
    # A file that could not be read has no account or year: blank, not "None". Every column is text, since
    # Arrow takes one type a column: years mixed with "" made Streamlit log a conversion traceback on every rerun.
    return table.assign(年度=table["年度"].astype("Int64")).astype("string").fillna("")


page = fetch("quality_findings_by_account", **wanted, limit=widgets.PAGE_ROWS, offset=offset)
widgets.table(listed(page), title=f"{f.year}年度数据质量问题清单", key="dq_table",
              full=lambda: listed(fetch("quality_findings_by_account", **wanted, limit=None, offset=0)), detail="说明",
              column_config={"说明": st.column_config.TextColumn(width="large", help="问题说明（中文）"),
                             "字段路径": st.column_config.TextColumn(help="填报记录中的字段路径，供技术人员定位")})  # fmt: skip
