"""The chair-occupancy figure: daily held chair time / open chair time, online planner against the offline optimum."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402


def plot_occupancy(path: Path, days: list[date], lines: dict[str, list[float]], quarter_end: date, title: str) -> None:
    figure, axes = plt.subplots(figsize=(10, 3.8), dpi=100)
    for label, shares in lines.items():
        points = [(d, s * 100) for d, s in zip(days, shares, strict=True) if s == s]  # NaN: closed day, no point
        axes.plot([d for d, _ in points], [s for _, s in points], marker=".", linewidth=1.2, label=label)
    axes.axvspan(quarter_end, days[-1], color="0.9", zorder=0, label="after the quarter (courses still running)")
    axes.set_ylim(0, 105)
    axes.set_ylabel("chair time held / open, %")
    axes.set_title(title, fontsize=10)
    axes.grid(True, linewidth=0.4, alpha=0.6)
    axes.legend(loc="lower center", fontsize=8, ncols=3)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
