"""指标解释: what exactly does each indicator mean (口径), how does it roll up, and which rules check it?"""

from __future__ import annotations

import streamlit as st

from ui import glossary

st.title("指标解释")
st.caption("全部指标由数据字典自动生成，与系统的校验和汇总规则始终一致。图表下方“口径”旁的链接直达对应指标。")
items = glossary.entries()
wanted = st.query_params.get("field")
text = st.text_input(
    "搜索指标（中文名称、字段名或说明）", key="gl_search", placeholder="如：出访人次、fund_reportable、去重"
)
sections = list(dict.fromkeys(e.section for e in items))  # in the entries' order: indicators first
chosen = st.multiselect("调查表部分", sections, key="gl_sections", placeholder="全部部分")

shown = [e for e in items if (not chosen or e.section in chosen)
         and (not text or any(text.lower() in x.lower() for x in (e.label, e.name, e.definition, e.section)))]  # fmt: skip
if wanted:
    shown = sorted(shown, key=lambda e: e.name != wanted)
st.caption(f"共 {len(shown)} 个指标")
if not shown:
    st.info("没有符合条件的指标，请换一个关键词。")
for e in shown:
    unit = f"（{e.unit}）" if e.unit != "–" else ""
    # One Markdown element per entry, not one per line: the page has 175 entries, and each element is a message
    # to the browser and a component it renders on every visit (five per entry took 指标解释 to seconds).
    lines = [f"**所属部分**：{e.section}", f"**定义与约束**：{e.definition}", f"**逐级汇总**：{e.rollup}"]
    if e.by_partner:
        lines.append(f"**国家（地区）分列**：{e.by_partner}")
    if e.rules:
        lines.append("**校验规则**：\n" + "\n".join(f"- `{r}` {t}" for r, t in e.rules))
    with st.expander(f"{e.label}{unit}　`{e.name}`", expanded=e.name == wanted):
        st.markdown("\n\n".join(lines))
