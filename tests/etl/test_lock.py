"""Two runs on one warehouse, in processes of their own: the second waits for the first, saying for whom, or exits
with code 4 having touched nothing; a holder killed outright (kill -9) does not block the run that waits."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from tests.fixtures.inbox import write_inbox

ROOT = Path(__file__).resolve().parents[2]
# Another run, frozen while it holds the warehouse: it takes the lock as `etl run` does and waits for its stdin.
HOLD = """import sys
from pathlib import Path
from etl.lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def _etl_run(inbox: Path, wh: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "etl", "run", "--inbox", str(inbox), "--warehouse", str(wh), "--quiet",
            "--workers", "1", *extra]  # fmt: skip


def _line(stream, timeout: float = 60) -> str:
    ready, _, _ = select.select([stream], [], [], timeout)
    assert ready, "no line within the time allowed"
    return stream.readline().decode()


def test_a_second_run_waits_for_the_first_or_leaves_at_once(tmp_path: Path):
    inbox, wh = write_inbox(tmp_path / "inbox"), tmp_path / "wh"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(wh)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)  # fmt: skip
    waiter = None
    try:
        assert _line(holder.stdout) == "held\n"

        busy = subprocess.run(_etl_run(inbox, wh, "--no-wait"), cwd=ROOT, capture_output=True, timeout=120, check=False)
        assert busy.returncode == 4
        message = busy.stderr.decode()
        assert message.startswith(f"错误：数据仓库 {wh} 正在被另一次运行使用（进程 {holder.pid}，主机 ")
        assert "开始于 20" in message and "本次未运行" in message
        assert not (wh / "CURRENT").exists() and not (wh / "ledger").exists()  # nothing read, nothing written

        waiter = subprocess.Popen(_etl_run(inbox, wh), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        waiting = _line(waiter.stderr)
        assert waiting.startswith(f"数据仓库 {wh} 正在被另一次运行使用（进程 {holder.pid}，主机 ")
        assert "等待其结束后开始" in waiting
        assert waiter.poll() is None and not (wh / "ledger").exists()

        holder.kill()  # SIGKILL: no clean-up runs, the kernel drops the lock
        holder.wait(timeout=10)
        assert waiter.wait(timeout=300) == 0, waiter.stderr.read().decode()
    finally:
        for proc in (holder, waiter):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert (wh / "CURRENT").exists()
    (summary_file,) = (wh / "runs").glob("*.json")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["documents_in"] == 28 and summary["loaded"] > 0
    assert (wh / "run.lock").read_bytes() == b""  # a run that ended names no holder
