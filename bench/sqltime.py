"""Where a build or a patch spends its time, statement by statement: `etl run` with every SQL statement timed.

`python bench/sqltime.py --inbox IN --warehouse WH [--top 30] [--json OUT]` runs `python -m etl run` in this
process with the build's and the patch's DuckDB connection wrapped: each statement (a script is cut into its
statements) is timed in wall seconds and in process CPU seconds (DuckDB's threads included), then the statements are
printed slowest first, those of one kind (the same first 60 characters: a yearly insert ten times) summed into one
line. The run's own step times (runs/*.json) say which phase; this says which statement within it.

Run it on a copy: the run commits and publishes as `etl run` does. For a 1 % re-run, copy a loaded warehouse with
hard links (`cp -al`) and give it an inbox with the corrections (README, 性能基准).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import build, patch  # noqa: E402


class Timed:
    """A DuckDB connection whose `execute` records (wall s, CPU s, statement) for each statement it runs."""

    def __init__(self, con, log: list[tuple[float, float, str]]) -> None:
        self._con, self._log = con, log

    def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str) and len(statements := self._con.extract_statements(sql)) > 1:
            for statement in statements:
                self.execute(statement.query, *args, **kwargs)
            return self
        wall, cpu = time.perf_counter(), time.process_time()
        result = self._con.execute(sql, *args, **kwargs)
        self._log.append((time.perf_counter() - wall, time.process_time() - cpu, " ".join(str(sql).split())))
        return self if result is self._con else result

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def by_kind(log: list[tuple[float, float, str]]) -> list[dict]:
    """The statements summed by kind (their first 60 characters), slowest first."""
    wall: collections.Counter[str] = collections.Counter()
    cpu: collections.Counter[str] = collections.Counter()
    count: collections.Counter[str] = collections.Counter()
    for w, c, text in log:
        kind = text[:60]
        wall[kind] += w
        cpu[kind] += c
        count[kind] += 1
    return [{"statement": k, "n": count[k], "wall_s": round(w, 3), "cpu_s": round(cpu[k], 3)}
            for k, w in wall.most_common()]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write every kind of statement here")
    args = parser.parse_args()
    log: list[tuple[float, float, str]] = []
    connect = build.connect
    build.connect = patch.connect = lambda *a, **kw: Timed(connect(*a, **kw), log)

    from etl.__main__ import main as etl_main

    sys.argv = ["etl", "run", "--inbox", str(args.inbox), "--warehouse", str(args.warehouse), "--quiet"]
    wall, cpu = time.perf_counter(), time.process_time()
    code = etl_main()  # the run's exit code (a failed check or a busy warehouse): timed all the same, then passed on
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    kinds = by_kind(log)
    print(f"etl run: {wall:.1f} s, CPU {cpu:.1f} s (this process); {len(log)} statements: "
          f"{sum(w for w, _, _ in log):.1f} s, CPU {sum(c for _, c, _ in log):.1f} s")  # fmt: skip
    print(f"{'wall s':>8} {'CPU s':>8} {'n':>3}  statement")
    for k in kinds[: args.top]:
        print(f"{k['wall_s']:8.2f} {k['cpu_s']:8.2f} {k['n']:3d}  {k['statement']}")
    if args.json:
        args.json.write_text(json.dumps(kinds, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.exit(code)


if __name__ == "__main__":
    main()
