"""国际科技合作统计分析平台 — entry point (placeholder until the dashboard pages land)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="国际科技合作统计分析平台", page_icon="🌐", layout="wide")
warehouse = Path(os.environ.get("ISTC_WAREHOUSE", "data/demo/warehouse"))
st.title("国际科技合作统计分析平台")
pointer = warehouse / "CURRENT"
if pointer.exists():
    st.success(f"数据仓库已就绪：{warehouse / pointer.read_text(encoding='utf-8').strip()}")
else:
    st.warning(f"尚未找到数据仓库（{warehouse}）。请先运行 `make demo` 或 `python -m etl run`。")
