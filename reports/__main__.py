"""Command line: `python -m reports build|summary --warehouse DIR --account ID [ID …] --year Y --out DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Build report packs or stamped summaries for one or many accounts (a batch per province or city)."""
    parser = argparse.ArgumentParser(prog="python -m reports", description="国际科技合作统计分析平台：报告导出")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("build", "报告包：Word 简报 + Excel 表格"), ("summary", "汇总表（盖章版）：PDF + Excel")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--warehouse", type=Path, required=True)
        p.add_argument(
            "--account", nargs="+", required=True, help="账号ID；可写多个，或写 CHILDREN:账号ID 表示其全部直接下级"
        )
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--approved-only", action="store_true", help="只用已审核的填报")
        if name == "build":
            p.add_argument("--compiler", help="封面上的编制单位（默认取 data/survey.toml 的 [report] compiler）")
    args = parser.parse_args(argv)

    import queries

    from .content import build_brief
    from .pack import write_pack
    from .summary import write_summary

    pointer = args.warehouse / "CURRENT"
    if not pointer.exists():
        print(f"错误：{args.warehouse} 不是已发布的数据仓库（没有 CURRENT 文件）", file=sys.stderr)
        return 2
    con = queries.connect(args.warehouse / pointer.read_text(encoding="utf-8").strip())
    basis = "approved" if args.approved_only else "finished"
    accounts: list[str] = []
    for a in args.account:
        if a.startswith("CHILDREN:"):
            accounts += list(queries.scope_children(con, a.removeprefix("CHILDREN:"))["account_id"])
        else:
            accounts.append(a)
    failed = 0
    for account in accounts:
        try:
            if args.command == "build":
                paths = write_pack(build_brief(con, account, args.year, basis, args.compiler), args.out)
            else:
                paths = write_summary(con, account, args.year, args.out, basis)
            print("已生成：" + "、".join(str(p) for p in paths))
        except ValueError as exc:
            failed += 1
            print(f"跳过 {account}：{exc}", file=sys.stderr)
    return 1 if failed and failed == len(accounts) else 0


if __name__ == "__main__":
    sys.exit(main())
