"""The run summary's step timer: wall and CPU seconds, so a slow step shows whether it computed or waited."""

from __future__ import annotations

import subprocess
import sys
import time

from etl.timing import Stopwatch


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_step_that_waits_uses_wall_time_but_no_cpu():
    watch = Stopwatch()
    with watch.step("wait"):
        time.sleep(0.3)
    with watch.step("compute"):
        _busy(0.4)
    assert watch.seconds["wait"] >= 0.3 and watch.cpu_seconds["wait"] < 0.1
    assert watch.cpu_seconds["compute"] >= 0.35
    assert list(watch.rounded_cpu()) == list(watch.rounded()) == ["wait", "compute"]


def test_cpu_of_a_worker_process_counts_in_the_step_that_waits_for_it():
    """Checking workers are child processes: their CPU is part of the check, not invisible."""
    watch = Stopwatch()
    busy = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    with watch.step("check"):
        subprocess.run([sys.executable, "-c", busy], check=True)
    assert watch.cpu_seconds["check"] >= 0.35  # the child's CPU is counted in clock ticks (10 ms)


def test_a_step_timed_twice_adds_up():
    watch = Stopwatch()
    for _ in range(2):
        with watch.step("compute"):
            _busy(0.2)
    assert watch.cpu_seconds["compute"] >= 0.35
