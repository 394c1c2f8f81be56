"""使用说明: how do ministry, provincial and city users (and operators) use the platform?"""

from __future__ import annotations

import re

import streamlit as st

from ui import guide

GUIDE = guide.GUIDE
IMAGE = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<path>[^)]+)\)\s*$")

title, _, text = GUIDE.read_text(encoding="utf-8").partition("\n")
st.title(title.lstrip("# ").strip())
chunk: list[str] = []
for line in text.splitlines():
    m = IMAGE.match(line)
    if m is None:
        chunk.append(line)
        continue
    st.markdown("\n".join(chunk))
    chunk = []
    image = GUIDE.parent / m["path"]
    if image.exists():
        st.image(guide.image(image), caption=m["caption"], output_format="PNG")  # PNG: never re-encoded
    else:
        st.caption(f"（截图“{m['caption']}”由浏览器测试生成：运行 make test 后显示）")
st.markdown("\n".join(chunk))
st.caption(f"本说明也在项目的 docs/guide/{GUIDE.name} 中。")
