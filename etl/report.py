"""Print a run summary that reconciles: documents_in = loaded + superseded + quarantined + unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LABELS = {
    "documents_in": "收件箱中的填报记录",
    "loaded": "新载入（现行版本）",
    "superseded": "新载入（已被更高版次取代）",
    "quarantined": "隔离（未通过校验）",
    "unchanged": "未变化（已处理过）",
}


def print_summary(summary: dict[str, Any], warehouse: Path) -> None:
    """Human-readable summary in Chinese; the same figures are in <warehouse>/runs/<run_id>.json."""
    print(f"运行 {summary['run_id']}，用时 {summary['seconds']} 秒")
    for key, label in LABELS.items():
        print(f"  {label}（{key}）：{summary[key]:,}")
    balanced = summary["documents_in"] == sum(summary[k] for k in list(LABELS)[1:])
    print(f"  核对：{'通过' if balanced else '不平衡'}（documents_in = loaded + superseded + quarantined + unchanged）")
    if summary["quarantine_codes"]:
        codes = "，".join(f"{k} × {v}" for k, v in summary["quarantine_codes"].items())
        print(f"  隔离原因：{codes}（详见 {warehouse / 'quarantine'}）")
    if summary["registry_problems"]:
        print(f"  账号注册表问题：{summary['registry_problems']} 条（见仓库表 quality_registry）")
    if summary["ignored_files"]:
        print(f"  未处理的非 JSON 文件：{len(summary['ignored_files'])} 个，例如 {summary['ignored_files'][0]}")
    for dup in summary.get("duplicates", []):  # an operator tells each unit that its file was a copy
        print(f"  重复文件（内容与已收到的文件相同，未重复计入）：{dup['source_file']} 与 {dup['same_as']} 相同")
    state = "无变化，沿用"
    if summary["warehouse_rebuilt"]:
        state = "已在上一版基础上修补并发布" if summary.get("warehouse_patched") else "已重建并发布"
    print(f"  仓库：{state} {warehouse / summary['database'] if summary['database'] else '（尚无）'}")
