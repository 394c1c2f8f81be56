"""Command line: `python -m etl {demo,run,docs}`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one sub-command."""
    parser = argparse.ArgumentParser(prog="python -m etl", description="国际科技合作统计分析平台 ETL")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="生成全国演示数据（账号注册表 + 填报记录）")
    demo.add_argument("--inbox", type=Path, required=True)
    demo.add_argument("--units", type=int, default=5000, help="三级填报单位数（默认 5000，最多 100000）")
    demo.add_argument("--years", default="2016-2020", help="统计年度范围，如 2016-2020")
    demo.add_argument("--seed", type=int, default=2021)
    run = sub.add_parser("run", help="校验收件箱中的新填报记录并发布仓库")
    run.add_argument("--inbox", type=Path, required=True)
    run.add_argument("--warehouse", type=Path, required=True)
    run.add_argument("--config", type=Path, default=None, help="调查配置文件（默认 data/survey.toml）")
    run.add_argument("--quiet", action="store_true", help="不显示进度条")
    docs = sub.add_parser("docs", help="由数据字典重新生成 JSON Schema、DDL 和数据字典文档")
    docs.add_argument("--check", action="store_true", help="只检查已提交的文件是否最新")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .demo import generate

        first, _, last = args.years.partition("-")
        stats = generate(args.inbox, units=args.units, years=range(int(first), int(last or first) + 1), seed=args.seed)
        print(f"演示数据已写入 {args.inbox}：{stats}")
        return 0
    if args.command == "run":
        from .hierarchy import RegistryError
        from .report import print_summary
        from .run import run as run_etl

        try:
            summary = run_etl(args.inbox, args.warehouse, config_path=args.config, progress=not args.quiet)
        except RegistryError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print_summary(summary, args.warehouse)
        return 0
    from .docs import write_docs

    stale = write_docs(check=args.check)
    if stale:
        print("以下生成文件已过期，请运行 python -m etl docs：" + "、".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
