"""Command line: `python -m etl {demo,run,template,to-xlsx,docs}`."""

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
    demo.add_argument("--batch", type=int, default=0, metavar="N",
                      help="每 N 份填报写入一个批量导出文件（<年度>/export-NNNN.jsonl，每行一份）；默认每份一个文件")  # fmt: skip
    run = sub.add_parser("run", help="校验收件箱中的新填报记录并发布仓库")
    run.add_argument("--inbox", type=Path, required=True)
    run.add_argument("--warehouse", type=Path, required=True)
    run.add_argument("--config", type=Path, default=None, help="调查配置文件（默认 data/survey.toml）")
    run.add_argument("--quiet", action="store_true", help="不显示进度条")
    run.add_argument("--workers", type=int, default=None, help="并行校验的进程数（默认每个 CPU 核一个）")
    run.add_argument("--rehash", action="store_true",
                     help="重新读取并核对全部文件（默认按路径、大小和修改时间跳过已处理的文件）")  # fmt: skip
    run.add_argument("--no-wait", action="store_true",
                     help="仓库正被另一次运行使用时立即退出（退出码 4），而不是等待其结束")  # fmt: skip
    template = sub.add_parser("template", help="生成调查表 Excel 模板（由数据字典生成）")
    template.add_argument("--year", type=int, required=True)
    template.add_argument("--out", type=Path, required=True)
    to_xlsx = sub.add_parser("to-xlsx", help="把 JSON 填报记录填入 Excel 模板")
    to_xlsx.add_argument("--in", dest="source", type=Path, required=True)
    to_xlsx.add_argument("--out", type=Path, required=True)
    docs = sub.add_parser("docs", help="由数据字典重新生成 JSON Schema、DDL 和数据字典文档")
    docs.add_argument("--check", action="store_true", help="只检查已提交的文件是否最新")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:  # moved out of the ETL with the user store: say where to, rather than "invalid choice"
        print(f"错误：看板用户管理已改为 python -m accounts {' '.join(argv[1:])}".rstrip(), file=sys.stderr)
        return 2
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .demo import generate

        first, _, last = args.years.partition("-")
        stats = generate(args.inbox, units=args.units, years=range(int(first), int(last or first) + 1), seed=args.seed,
                         batch=args.batch)  # fmt: skip
        print(f"演示数据已写入 {args.inbox}：{stats}")
        return 0
    if args.command == "run":
        from .hierarchy import RegistryError
        from .invariants import InvariantError
        from .lock import WarehouseBusy
        from .report import print_summary
        from .run import run as run_etl

        try:
            summary = run_etl(args.inbox, args.warehouse, config_path=args.config, progress=not args.quiet,
                              workers=args.workers, rehash=args.rehash, wait=not args.no_wait)  # fmt: skip
        except RegistryError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        except InvariantError as exc:  # the documents are committed; the next run builds again
            print(f"错误：{exc}", file=sys.stderr)
            return 3
        except WarehouseBusy as exc:  # nothing was read or changed
            print(f"错误：{exc}", file=sys.stderr)
            return 4
        print_summary(summary, args.warehouse)
        return 0
    if args.command in ("template", "to-xlsx"):
        import orjson

        from .excel.template import workbook_bytes

        doc = orjson.loads(args.source.read_bytes()) if args.command == "to-xlsx" else None
        args.out.write_bytes(workbook_bytes(doc["survey_year"] if doc else args.year, doc))
        print(f"已写入 {args.out}")
        return 0
    from .docs import write_docs

    stale = write_docs(check=args.check)
    if stale:
        print("以下生成文件已过期，请运行 python -m etl docs：" + "、".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    from .startup import skip_pandas_probe

    skip_pandas_probe()  # this process is the ETL's alone: not main() itself, which tests and the bench call in theirs
    sys.exit(main())
