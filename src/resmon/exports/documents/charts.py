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
    rows = [(label, float(value)) for label, value in rows if value is not None][:MAX_BARS]
    if not rows:
        return None
    from matplotlib.figure import Figure  # the object API: no pyplot state shared between threads

    family = _family()
    labels = [textwrap.shorten(label, 48, placeholder="…") for label, _value in rows]
    values = [value for _label, value in rows]
    fig = Figure(figsize=(6.3, 0.9 + 0.32 * len(rows)), dpi=150)
    ax = fig.subplots()
    bars = ax.barh(range(len(rows)), values, color=BAR, height=0.6)
    ax.set_yticks(range(len(rows)), labels, fontfamily=family, fontsize=10)
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
