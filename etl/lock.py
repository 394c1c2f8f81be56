"""One run at a time on a warehouse: a run holds an exclusive lock on <warehouse>/run.lock for as long as it runs.

Two runs at once would delete each other's uncommitted Parquet files (each drops the rows no committed run wrote)
and race to publish. The lock is fcntl.flock on an open file: the kernel releases it when the holding process ends,
however it ends (kill -9 and the OOM killer included), so a run that died never blocks the next one. The file's
content (who holds it) only serves the message of a run that has to wait: it may be stale and decides nothing.
Checking workers are spawned, not forked, so no worker inherits the lock and outlives the run holding it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

LOCK_FILE = "run.lock"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse and this one was told not to wait (the message, in Chinese, names the holder)."""


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def run_lock(warehouse: Path, *, wait: bool = True, notify: Callable[[str], None] = _to_stderr) -> Iterator[None]:
    """Hold the warehouse's run lock for the enclosed block.

    When another run holds it: with `wait`, `notify` says whom this run waits for and the lock is awaited;
    without, WarehouseBusy is raised at once.
    """
    warehouse.mkdir(parents=True, exist_ok=True)
    path = warehouse / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = holder(path)
            if not wait:
                raise WarehouseBusy(
                    f"数据仓库 {warehouse} 正在被另一次运行使用（{who}），本次未运行；请待其结束后再试"
                ) from None
            notify(f"数据仓库 {warehouse} 正在被另一次运行使用（{who}），等待其结束后开始……（按 Ctrl+C 取消）")
            fcntl.flock(fd, fcntl.LOCK_EX)
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        yield
        os.ftruncate(fd, 0)  # a run that ended names no holder; one killed does, harmlessly (see above)
    finally:
        os.close(fd)  # releases the lock


def holder(path: Path) -> str:
    """Who holds the lock, as the holder wrote it: process, host and start time (in Chinese)."""
    try:
        me = json.loads(path.read_bytes())
        started = dt.datetime.fromisoformat(me["started_at"]).strftime("%Y-%m-%d %H:%M:%S")
        return f"进程 {me['pid']}，主机 {me['host']}，开始于 {started}"
    except (OSError, ValueError, KeyError, TypeError):  # taken a moment ago, not yet written
        return "持有者未知"
