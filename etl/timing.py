"""Seconds per named step of a run: the run summary's `steps_s` and `steps_cpu_s`, so a slow run says where its
time went, and whether it waited or computed."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator


class Stopwatch:
    """Wall and CPU seconds per step, in the order the steps first ran; a step timed twice adds up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the enclosed block as `name`."""
        started, cpu = time.perf_counter(), process_cpu()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + process_cpu() - cpu

    def rounded(self) -> dict[str, float]:
        """The steps' wall seconds to the millisecond, for the summary."""
        return {k: round(v, 3) for k, v in self.seconds.items()}

    def rounded_cpu(self) -> dict[str, float]:
        """The steps' CPU seconds to the centisecond, for the summary."""
        return {k: round(v, 2) for k, v in self.cpu_seconds.items()}


def process_cpu() -> float:
    """CPU seconds (user + system) of this process, its threads (DuckDB's) and the children it has waited for.

    Checking workers are waited for when their pool closes, at the end of the check: their CPU counts there.
    """
    children = os.times()  # in clock ticks (10 ms); process_time is finer
    return time.process_time() + children.children_user + children.children_system
