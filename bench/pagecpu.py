"""The dashboard's CPU per page click, and two versions of the code compared click by click (interleaved).

`python bench/pagecpu.py --warehouse WH --users users.json --root A --root B [--rounds 5] [--port 8700]` starts one
dashboard (`python -m ui.server`) per `--root` (this checkout by default; another is an export of an earlier
commit), signs one bench/protocol.py tab into each (ministry, then hebei), and visits every page in turn: the same
page on each dashboard one after the other, then the next page, `--rounds` times. A click's cost is the dashboard
process's CPU (utime + stime from /proc, 10 ms ticks) from sending the click until 0.3 s after the run's
`script_finished` (the messages are sent by then). CPU, not wall time: on a machine shared with others the wall time
swings with their load. No browser: what the server does for a click is the same whoever asks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from browser import dashboard  # noqa: E402
from protocol import Tab, _cpu_s  # noqa: E402

from accounts import users  # noqa: E402
from ui import navigation  # noqa: E402

SETTLE_S = 0.3


async def click(tab: Tab, pid: int, page: str) -> tuple[float, int, list[str]]:
    """(server CPU ms, bytes, errors) of one click on `page`."""
    before = _cpu_s([pid])
    run = await tab.rerun(page=page)
    await asyncio.sleep(SETTLE_S)
    return (_cpu_s([pid]) - before) * 1000, run.bytes, run.errors


async def compare(bases: list[tuple[str, int]], user: str, pages: list[str], rounds: int) -> dict:
    """Per page and per dashboard: the CPU ms of the cold visit and of each warm visit."""
    password = users.DEMO_USERS[user][1]
    tabs = []
    for base, _ in bases:
        tab = Tab(base)
        await tab.open()
        await tab.sign_in(user, password)
        tabs.append(tab)
    out: dict = {page: [{"cold": None, "warm": [], "bytes": 0, "errors": []} for _ in bases] for page in pages}
    try:
        for r in range(rounds + 1):
            for page in pages:
                for k, (tab, (_, pid)) in enumerate(zip(tabs, bases, strict=True)):
                    ms, nbytes, errors = await click(tab, pid, page)
                    cell = out[page][k]
                    cell["errors"] += errors
                    cell["bytes"] = nbytes
                    if r == 0:
                        cell["cold"] = round(ms)
                    else:
                        cell["warm"].append(round(ms))
    finally:
        for tab in tabs:
            with contextlib.suppress(Exception):
                await tab.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="每次点击看板用的 CPU，按页面；多份代码交替测")
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--users", type=Path, required=True)
    ap.add_argument("--root", type=Path, action="append", help="看板代码目录（可重复；默认本目录）")
    ap.add_argument("--port", type=int, default=8700, help="第一个看板的端口，其余依次加一")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--user", action="append", help="演示用户（默认 ministry、hebei）")
    ap.add_argument("--pages", default=",".join(navigation.NAMES))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    roots = args.root or [ROOT]
    users.ensure_demo_users(args.users)
    pages = args.pages.split(",")
    results: dict = {"roots": [str(r) for r in roots], "rounds": args.rounds}
    with contextlib.ExitStack() as stack:
        bases = []
        for k, root in enumerate(roots):
            log = Path(f"/tmp/pagecpu-{args.port + k}.log")
            base, proc = stack.enter_context(dashboard(args.warehouse, args.users, args.port + k, log, root))
            bases.append((base, proc.pid))
        for user in args.user or ["ministry", "hebei"]:
            t = time.time()
            results[user] = res = asyncio.run(compare(bases, user, pages, args.rounds))
            print(f"{user}（{time.time() - t:.0f} s）：冷 / 热中位数 / 热各次 CPU ms，每份代码一列")
            for page in pages:
                cells = [
                    f"{c['cold']:>5} / {statistics.median(c['warm']):>5.0f} {c['warm']}{' 错误' if c['errors'] else ''}"
                    for c in res[page]
                ]
                print(f"  {page:<11}" + "   |   ".join(cells))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
