"""The one percentile every benchmark script reports."""

from __future__ import annotations

import math


def pct(values: list[float], p: float) -> float | None:
    """The p-th percentile by nearest rank (the ⌈p·n/100⌉-th smallest value); None for no values.

    p95 of 20 samples is the 19th: the slowest one alone does not decide it.
    """
    if not values:
        return None
    v = sorted(values)
    # p·n/100 is exact when it is a whole number (a correctly rounded quotient of integers), so ceil is too.
    return v[min(len(v), max(1, math.ceil(p * len(v) / 100))) - 1]
