"""Generate docs/submission.schema.json, docs/warehouse_ddl.sql and docs/data_dictionary.md."""

from __future__ import annotations

import json
from pathlib import Path

from . import dictionary as d
from .ddl import ddl_text
from .dictionary.model import number_text
from .schema import json_schema

DOCS = Path(__file__).resolve().parent.parent / "docs"
KIND_ZH = {"int": "整数", "money": "金额", "bool": "是/否", "text": "文本", "string": "代码", "enum": "单选",
           "multi_enum": "多选", "partner_list": "国家（地区）代码列表", "date": "日期", "timestamp": "时间", "uuid": "UUID"}  # fmt: skip
PARTNER_ZH = {"": "", "additive": "是（分列之和 = 合计，C-03）", "multi": "是（多国项目，C-03b）"}


def dictionary_markdown() -> str:
    """The human data dictionary, section by section, then the rules."""
    out = [
        "# 数据字典 · Data dictionary",
        "",
        "> 由 `etl/dictionary` 生成，请勿手改；运行 `python -m etl docs` 重新生成。",
        "> Generated from `etl/dictionary`; do not edit by hand.",
        "",
        "汇总方式：" + "；".join(f"`{k}` {v}" for k, v in d.AGGREGATIONS.items()) + "。",
        "",
    ]
    for g in d.GROUPS:
        where = (
            "填报文件中的列表（明细行）"
            if g.is_list
            else ("由 ETL 根据明细计算" if not g.in_document else "填报文件中的对象")
        )
        out += [f"## {g.number} {g.title_zh} · `{g.key}`", "", f"{where}。{g.note_zh}".rstrip(), "",
                "| 字段 | 中文 | 单位 | 类型 | 必填 | 汇总 | 按国家（地区）分列 | 约束 | 规则 |",
                "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for f in g.fields:
            kind = KIND_ZH[f.kind] + (f"：{'、'.join(f'{v} {z}' for v, z in zip(f.enum, f.enum_zh, strict=True))}"
                                      if f.enum_zh else (f"：{'、'.join(f.enum)}" if f.enum else ""))  # fmt: skip
            req = "计算" if f.derived else ("是" if f.required else "否")
            out.append(f"| `{f.name}` | {f.label_zh} | {f.unit} | {kind} | {req} | {f.agg} | "
                       f"{PARTNER_ZH[f.by_partner]} | {f.constraint} | {'、'.join(f.rules)} |")  # fmt: skip
        out.append("")
    out += ["## 规则 · Rules", "", "H = 硬规则（隔离）；S = 软规则（随数据载入并提示）。",
            "检查位置：document = 单份填报；warehouse = 仓库级跨记录；definition = 计算口径。", "",
            "参数：规则的阈值（`etl/dictionary/rules.py`），规则说明、检查和提示信息都读取这些数值。", "",
            "| 编号 | 级别 | 检查位置 | 中文 | English | 参数 |", "|---|---|---|---|---|---|"]  # fmt: skip
    out += [f"| {r.id} | {r.severity} | {r.where} | {r.text_zh} | {r.text_en} | {_params(r)} |" for r in d.RULES]
    out += ["", "## 其他隔离原因 · Other reason codes", "", "| 代码 | 中文 | English |", "|---|---|---|"]
    out += [f"| {k} | {zh} | {en} |" for k, (zh, en) in d.REASONS.items()]
    return "\n".join(out) + "\n"


def _params(rule: d.Rule) -> str:
    """A rule's thresholds as `name = value`, for the docs' rule table."""
    return "<br>".join(f"`{name} = {number_text(value)}`" for name, value in rule.params.items())


def generated() -> dict[str, str]:
    """Every generated file's name and content."""
    return {
        "submission.schema.json": json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n",
        "warehouse_ddl.sql": ddl_text(),
        "data_dictionary.md": dictionary_markdown(),
    }


def write_docs(check: bool = False) -> list[str]:
    """Write the generated files (or, with check, list those that are stale)."""
    stale = []
    for name, text in generated().items():
        path = DOCS / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale if check else []
