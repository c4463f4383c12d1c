"""Papers-per-year bar charts drawn with matplotlib to a PNG: the coverage histogram
under an answer (ui/coverage.py) and the corpus's years on the Browse tab's map.

Bars of several layers are drawn front to back, each narrower than the one behind
(relevant papers, with the cited ones in front). Only numbers reach the figure."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DPI = 200
MAX_LABELS = 8
MIN_YEARS = 5


@dataclass(frozen=True)
class Layer:
    label: str
    color: str
    width: float
    counts: Mapping[int, int]  # year → papers


def year_span(first: int, last: int) -> list[int]:
    """The years from first to last, widened to MIN_YEARS: one year still reads as bars."""
    while last - first + 1 < MIN_YEARS:
        first, last = (first - 1, last) if (last - first) % 2 else (first, last + 1)
    return list(range(first, last + 1))


def year_bars_png(
    years: Sequence[int], layers: Sequence[Layer], size: tuple[float, float], title: str
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = 1
    for layer in layers:
        heights = [layer.counts.get(y, 0) for y in years]
        top = max(top, *heights)
        axes.bar(years, heights, width=layer.width, color=layer.color, label=layer.label)
    step = max(1, -(-len(years) // MAX_LABELS))
    axes.set_xticks(years[::step], [str(y) for y in years[::step]])
    axes.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    axes.set_yticks(range(0, top + 1, max(1, -(-top // 3))))
    axes.set_ylim(0, top * 1.05)
    axes.tick_params(labelsize=6, length=2, pad=1, colors="#4b5563")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#9ca3af")
    axes.legend(
        fontsize=6,
        frameon=False,
        loc="lower left",
        bbox_to_anchor=(0, 1),
        ncols=max(1, len(layers)),
        handlelength=1,
        borderaxespad=0.1,
        title=title,
        title_fontsize=6,
        alignment="left",
    )
    figure.subplots_adjust(left=0.09, right=0.99, top=0.78, bottom=0.18)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
