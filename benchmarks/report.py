"""Print a benchmark's figures as a Markdown table, ready for benchmarks/README.md."""

from __future__ import annotations

import math
import statistics
from typing import Any


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p99) of the values; NaN when there are none."""
    if not values:
        return (math.nan, math.nan)
    if len(values) == 1:
        return (values[0], values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (cuts[49], cuts[98])


def markdown_table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> str:
    """`columns` are (heading, format string over a row's keys), e.g. ("p50 ms", "{latency[0]:.1f}")."""
    lines = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell.format(**row) for _, cell in columns) + " |" for row in rows]
    return "\n".join(lines)
