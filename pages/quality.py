"""数据质量: which submissions under this scope were rejected or flagged, for what reason, in which field?"""

from __future__ import annotations

import streamlit as st

from ui import state, widgets
from ui.data import fetch

KINDS = {"quarantine": "已隔离（未载入）", "check": "仓库级核查", "warning": "软规则提示（已载入）"}

f = state.current()
st.title("数据质量")
widgets.scope_bar(f)
findings = fetch("quality_findings_by_account", scope_id=f.scope_id, year=f.year)
if findings.empty:
    st.success(f"{f.year} 年度该范围内没有被隔离的填报，也没有规则提示。")
    st.stop()

counts = findings.groupby("kind").size()
cols = st.columns(3)
for col, (kind, label) in zip(cols, KINDS.items(), strict=True):
    col.metric(label, f"{int(counts.get(kind, 0)):,} 条")
st.caption("已隔离：硬规则不通过，整份填报未载入，需修改后重新提交（提高版次）。软规则提示：数据已载入，请核实。"
           "仓库级核查：需要跨账号、跨年度才能发现的问题。没有年度的问题（如注册表、无法读取的文件）在每个年度都显示。")  # fmt: skip

c1, c2 = st.columns(2)
kinds = c1.multiselect("类别", list(KINDS), default=list(KINDS), format_func=KINDS.get, key="dq_kinds")
codes = sorted(findings["code"].unique())
chosen = c2.multiselect("规则/原因代码", codes, key="dq_codes", placeholder="全部代码")
shown = findings[findings["kind"].isin(kinds)]
if chosen:
    shown = shown[shown["code"].isin(chosen)]

by_code = shown.groupby(["code", "rule_text"], dropna=False).size().reset_index(name="条数")
widgets.table(
    by_code.rename(columns={"code": "代码", "rule_text": "规则"}), title="问题按规则汇总", key="dq_codes_table"
)
table = shown.assign(kind=shown["kind"].map(KINDS)).rename(columns={
    "kind": "类别", "code": "代码", "severity": "级别", "account_id": "账号", "account_name": "名称",
    "survey_year": "年度", "path": "字段", "value": "取值", "message_zh": "说明"})  # fmt: skip
widgets.table(table[["类别", "代码", "账号", "名称", "年度", "字段", "取值", "说明"]], title=f"{f.year}年度数据质量问题清单",
              key="dq_table")  # fmt: skip
