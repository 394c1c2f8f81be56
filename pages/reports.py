"""报告导出: one click for this scope and year's Word brief (with its Excel tables) and the stamped summary table."""

from __future__ import annotations

import streamlit as st

from present.safe import md
from reports import content, pack, summary
from reports.tables import brief_meta, safe_filename, xlsx_bytes
from ui import data, state, widgets
from ui.data import fetch

f = state.current()
st.title("报告导出")
widgets.scope_bar(f)
info = fetch("scope_info", scope_id=f.scope_id).iloc[0]
name = info["name_short"]
cover = widgets.coverage(f)
if cover["finished"] == 0:
    widgets.empty(f"{md(name)}在 {f.year} 年度没有已提交的填报，无法生成报告。请换一个年度或范围。")
    st.stop()
basis = f.basis
st.caption(f"范围：{md(info['name'])}（含全部下级）　·　{f.year} 年度　·　{state.BASES[basis]}　·　{cover['text']}")

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("报告包（Word 简报 + Excel 表格）")
    st.markdown(
        "封面、主要指标及同比、图1…、表1…、自动生成的文字说明、口径与数据完整性。可在 Word 和 WPS、LibreOffice 中打开。"
    )
    stem = f"{safe_filename(name)}_{f.year}年度_国际科技合作统计分析简报"

    con = data.connection_for(f.scope_id)  # the report builder queries directly: same access check as every page

    def brief():
        return content.build_brief(con, f.scope_id, f.year, basis)

    st.download_button("下载 Word 简报", data=widgets.logged(f"{stem}.docx", lambda: pack.docx_bytes(brief())),
                       file_name=f"{stem}.docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       key="rp_docx", on_click="ignore", type="primary", width="stretch")  # fmt: skip
    st.download_button("下载简报中的表格（Excel）", data=widgets.logged(f"{stem}_表格.xlsx", lambda: xlsx_bytes(
                       (b := brief()).tables, brief_meta(b))), file_name=f"{stem}_表格.xlsx",
                       mime=widgets.XLSX, key="rp_xlsx",
                       on_click="ignore", width="stretch")  # fmt: skip
    st.caption("生成需要几秒钟（在服务器上离线绘制图表）。")  # batch generation is for operators: see the README
with right, st.container(border=True):
    st.subheader("汇总表（盖章版）")
    st.markdown(
        "本账号及全部下级逐级汇总后的各项指标，A4 打印版，留有负责人签字和单位盖章位置；数据确认后导出、盖章、寄送。"
    )
    form = summary.build(data.connection_for(f.scope_id), f.scope_id, f.year, basis)
    st.download_button("下载汇总表 PDF", data=widgets.logged(f"{form.stem}.pdf", lambda: summary.pdf_bytes(form)),
                       file_name=f"{form.stem}.pdf",
                       mime="application/pdf", key="sm_pdf", on_click="ignore", type="primary", width="stretch")  # fmt: skip
    st.download_button("下载汇总表 Excel", data=widgets.logged(f"{form.stem}.xlsx", lambda: summary.xlsx(form)),
                       file_name=f"{form.stem}.xlsx", mime=widgets.XLSX, key="sm_xlsx", on_click="ignore",
                       width="stretch")  # fmt: skip
    with st.expander("预览汇总表"):
        st.dataframe(form.table, hide_index=True, width="stretch")
