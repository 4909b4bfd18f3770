"""Print a benchmark's figures as a Markdown table, ready for benchmarks/README.md."""

from __future__ import annotations

from typing import Any


def markdown_table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> str:
    """`columns` are (heading, format string over a row's keys), e.g. ("p50 ms", "{latency[0]:.1f}")."""
    lines = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell.format(**row) for _, cell in columns) + " |" for row in rows]
    return "\n".join(lines)
