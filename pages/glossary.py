"""指标解释: what exactly does each indicator mean (口径), how does it roll up, and which rules check it?"""

from __future__ import annotations

import streamlit as st

from ui import glossary

st.title("指标解释")
st.caption("全部指标由数据字典自动生成，与系统的校验和汇总规则始终一致。图表下方“口径”旁的链接直达对应指标。")
items = glossary.entries()
EAGER = 60  # entries whose bodies are drawn at once, when a search or section narrowed the list to this many
wanted = st.query_params.get("field")
text = st.text_input(
    "搜索指标（中文名称、字段名或说明）", key="gl_search", placeholder="如：出访人次、fund_reportable、去重"
)
sections = list(dict.fromkeys(e.section for e in items))  # in the entries' order: indicators first
chosen = st.multiselect("调查表部分", sections, key="gl_sections", placeholder="全部部分")

# (position in the whole list, entry): the position keys an entry's open state (a name may be in two sections)
shown = [(i, e) for i, e in enumerate(items) if (not chosen or e.section in chosen)
         and (not text or any(text.lower() in x.lower() for x in (e.label, e.name, e.definition, e.section)))]  # fmt: skip
if wanted:
    shown = sorted(shown, key=lambda ie: ie[1].name != wanted)
st.caption(f"共 {len(shown)} 个指标")
if not shown:
    st.info("没有符合条件的指标，请换一个关键词。")
# A closed entry sends its label only; its body is drawn when opened (a rerun) or when a search or a section has
# narrowed the list. All 175 bodies on every visit cost the browser seconds (each is a Markdown component, rendered
# even inside a closed expander); one element per entry instead of five had only halved that.
eager = bool(text or chosen) and len(shown) <= EAGER
for i, e in shown:
    unit = f"（{e.unit}）" if e.unit != "–" else ""
    entry = st.expander(f"{e.label}{unit}　`{e.name}`", expanded=e.name == wanted, key=f"gl_open_{i}",
                        on_change="rerun")  # fmt: skip
    if eager or entry.open:
        lines = [f"**所属部分**：{e.section}", f"**定义与约束**：{e.definition}", f"**逐级汇总**：{e.rollup}"]
        if e.by_partner:
            lines.append(f"**国家（地区）分列**：{e.by_partner}")
        if e.rules:
            lines.append("**校验规则**：\n" + "\n".join(f"- `{r}` {t}" for r, t in e.rules))
        entry.markdown("\n\n".join(lines))
