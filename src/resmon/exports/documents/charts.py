"""Charts drawn into documents (matplotlib, no display): the same figures as the tables beside
them, as PNG for the Word and the PDF renderers alike. matplotlib is imported on first use, so
web workers that never draw a chart do not carry it."""

from __future__ import annotations

import functools
import io
import textwrap
from decimal import Decimal

FONTS = ("Times New Roman", "Liberation Serif", "DejaVu Serif")
BAR = "#0d6efd"  # the pages' blue
MAX_BARS = 25


@functools.cache
def _family() -> str:
    """The first of FONTS installed here (Debian has Liberation, not Times New Roman)."""
    from matplotlib import font_manager

    for name in FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return "serif"


def progress_chart(rows: list[tuple[str, Decimal | None]]) -> bytes | None:
    """A horizontal bar per task (label, percent 0–100); tasks without a figure are left out.
    None when there is nothing to draw."""
    drawn = [(label, float(value)) for label, value in rows if value is not None][:MAX_BARS]
    if not drawn:
        return None
    from matplotlib.figure import Figure  # the object API: no pyplot state shared between threads

    family = _family()
    labels = [textwrap.shorten(label, 48, placeholder="…") for label, _value in drawn]
    values = [value for _label, value in drawn]
    fig = Figure(figsize=(6.3, 0.9 + 0.32 * len(drawn)), dpi=150)
    ax = fig.subplots()
    bars = ax.barh(range(len(drawn)), values, color=BAR, height=0.6)
    ax.set_yticks(range(len(drawn)), labels, fontfamily=family, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Tỷ lệ hoàn thành (%)", fontfamily=family, fontsize=10)
    for tick in ax.get_xticklabels():
        tick.set_fontfamily(family)
    for bar, value in zip(bars, values, strict=True):
        text = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        y = bar.get_y() + bar.get_height() / 2
        ax.text(min(value + 1, 92), y, text, va="center", fontfamily=family, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def status_chart(rows: list[tuple[str, list[int]]], statuses: list[tuple[str, str]]) -> bytes | None:
    """Stacked horizontal bars: for each row (a resolution), the number of tasks in each status.
    ``statuses`` are (label, colour) in the order of each row's counts; a status no row has is
    left out of the legend. None when there is nothing to draw."""
    rows = [(label, counts) for label, counts in rows if sum(counts)][:MAX_BARS]
    if not rows:
        return None
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    family = _family()
    labels = [textwrap.shorten(label, 30, placeholder="…") for label, _counts in rows]
    fig = Figure(figsize=(6.3, 1.9 + 0.36 * len(rows)), dpi=150, layout="constrained")
    ax = fig.subplots()
    left = [0] * len(rows)
    for i, (name, colour) in enumerate(statuses):
        values = [counts[i] for _label, counts in rows]
        if not any(values):
            continue
        ax.barh(range(len(rows)), values, left=left, color=colour, height=0.6, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(rows)), labels, fontfamily=family, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlabel("Số nhiệm vụ", fontfamily=family, fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for tick in ax.get_xticklabels():
        tick.set_fontfamily(family)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=2, frameon=False, prop={"family": family, "size": 9})
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    return out.getvalue()
