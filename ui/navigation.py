"""The dashboard's pages, by sidebar section in the order shown: app.py registers them, the page tests open each."""

from __future__ import annotations

# section → [(page file pages/<name>.py, title)]; the first page is the default
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "分析": [
        ("overview", "总览"),
        ("partners", "国家和地区"),
        ("funding", "经费投入"),
        ("exchange", "人员交流与人才"),
        ("projects", "项目与成果"),
        ("monitoring", "重点工作监测"),
        ("compare", "地区对比"),
        ("progress", "填报进度"),
        ("quality", "数据质量"),
        ("reports", "报告导出"),
    ],
    "帮助": [
        ("glossary", "指标解释"),
        ("guide", "使用说明"),
    ],
}
NAMES = [name for pages in SECTIONS.values() for name, _ in pages]
DEFAULT = NAMES[0]
