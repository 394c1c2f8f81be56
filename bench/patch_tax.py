"""What patching costs the dashboard: every benchmark query on a warehouse's (patched) database and on a
rebuild of the same runs, alternately, median of --repeat runs each.

    .venv/bin/python bench/patch_tax.py --warehouse bench/work/wh --inbox /tmp/big/inbox

The rebuild (about 3 minutes nationally) is written beside the published file and deleted afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import queries  # noqa: E402
from bench.run import query_specs  # noqa: E402
from etl import config, hierarchy  # noqa: E402
from etl.build import build  # noqa: E402
from etl.store import Warehouse  # noqa: E402


def medians_ms(fn, params: dict, repeat: int, *cons) -> list[float]:
    """Median milliseconds of fn on each connection, run in turn so that all meet the same machine."""
    times: list[list[float]] = [[] for _ in cons]
    for con in cons:
        fn(con, **params)  # warm up
    for _ in range(repeat):
        for con, out in zip(cons, times, strict=True):
            t = time.perf_counter()
            fn(con, **params)
            out.append((time.perf_counter() - t) * 1000)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--inbox", type=Path, required=True, help="收件箱（读取 accounts.csv）")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    wh = Warehouse(args.warehouse)
    current = wh.current_db()
    rebuilt = build(wh, wh.committed_runs(), hierarchy.load(args.inbox / "accounts.csv"), config.load(None),
                    "patch-tax-rebuilt.duckdb")  # fmt: skip
    try:
        cp, cr = queries.connect(current), queries.connect(rebuilt)
        patches = cp.execute("select count(*) from meta_build where kind = 'patch'").fetchone()[0]
        print(f"{current.name}：修补 {patches} 次；与同样数据整库重建的文件交替各测 {args.repeat} 次（中位数，毫秒）")
        worst = [0.0, 0.0]
        for scope, name, params in query_specs(cp):
            p, r = medians_ms(getattr(queries, name), params, args.repeat, cp, cr)
            worst = [max(worst[0], p), max(worst[1], r)]
            print(f"{scope:<4}{name:<32}{p:8.1f}{r:8.1f}")
        print(f"{'最慢':<36}{worst[0]:8.1f}{worst[1]:8.1f}")
        cp.close()
        cr.close()
    finally:
        rebuilt.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
