"""国际科技合作统计分析平台: page configuration, shared filters, and the explicit list of pages."""

from __future__ import annotations

import streamlit as st

from ui import data, state, widgets

st.set_page_config(page_title="国际科技合作统计分析平台", page_icon="🌐", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", default=True),
    st.Page("pages/partners.py", title="国家和地区"),
    st.Page("pages/funding.py", title="经费投入"),
    st.Page("pages/exchange.py", title="人员交流与人才"),
    st.Page("pages/projects.py", title="项目与成果"),
    st.Page("pages/monitoring.py", title="重点工作监测"),
    st.Page("pages/compare.py", title="地区对比"),
    st.Page("pages/progress.py", title="填报进度"),
    st.Page("pages/quality.py", title="数据质量"),
    st.Page("pages/reports.py", title="报告导出"),
]

if data.current_db() is None:
    st.title("国际科技合作统计分析平台")
    st.warning(
        f"还没有可用的数据仓库：{data.warehouse_dir()} 下没有 CURRENT 文件。\n\n"
        "演示数据：在项目目录运行 `make demo`。真实数据：`python -m etl run --inbox 收件箱 --warehouse 仓库目录`，"
        "然后设置环境变量 `ISTC_WAREHOUSE=仓库目录` 再启动看板。"
    )
    st.stop()

years = data.fetch("survey_years")
if not years:
    st.title("国际科技合作统计分析平台")
    st.info("数据仓库中还没有已提交或已审核的填报记录。填报进度和数据质量可在 ETL 运行汇总中查看。")
    st.stop()

state.init(years)
nav = st.navigation(PAGES)
widgets.sidebar(years)
state.sync_url()
st.sidebar.caption(f"数据：{data.current_db().name}")
nav.run()
