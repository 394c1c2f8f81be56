"""Seconds per named step of a run: the run summary's `steps_s`, so a slow run says where its time went."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


class Stopwatch:
    """Wall seconds per step, in the order the steps first ran; a step timed twice adds up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the enclosed block as `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def rounded(self) -> dict[str, float]:
        """The steps to the millisecond, for the summary."""
        return {k: round(v, 3) for k, v in self.seconds.items()}
