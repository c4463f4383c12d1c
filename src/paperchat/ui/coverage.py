"""The coverage note under an answer or summary, with a small year histogram.

The histogram is a matplotlib figure (papers per year: those that bear on the question,
and the cited ones among them) rendered to a PNG and inlined as a data URI, so it travels
inside the chat message like the rest of the answer's HTML: no extra component, no
request to load it, and it stays with its answer as the conversation grows. Only
numbers reach the figure and its alt text; ui/render.py writes the escaped note.
"""

from __future__ import annotations

import base64
import io

from paperchat.answer.coverage import Coverage

WIDTH, HEIGHT = 3.4, 1.25  # inches; shown at 100 px per inch, drawn at twice that
DPI = 200
RELEVANT = "#c7d2fe"
CITED = "#4f46e5"
MAX_LABELS = 8
MIN_YEARS = 5


def year_histogram_png(coverage: Coverage) -> bytes:
    """Papers per year as bars: relevant (light) with the cited ones (dark) in front."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    first, last = coverage.first_year or 0, coverage.last_year or 0
    while last - first + 1 < MIN_YEARS:  # a year or two still reads as a histogram
        first, last = (first - 1, last) if (last - first) % 2 else (first, last + 1)
    years = list(range(first, last + 1))
    counts = {c.year: c for c in coverage.years}
    relevant = [counts[y].relevant if y in counts else 0 for y in years]
    cited = [counts[y].cited if y in counts else 0 for y in years]

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(years, relevant, width=0.8, color=RELEVANT, label="bear on it")
    axes.bar(years, cited, width=0.5, color=CITED, label="cited")
    step = max(1, -(-len(years) // MAX_LABELS))
    axes.set_xticks(years[::step], [str(y) for y in years[::step]])
    axes.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    top = max(relevant)
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
        ncols=2,
        handlelength=1,
        borderaxespad=0.1,
        title="papers per year",
        title_fontsize=6,
        alignment="left",
    )
    figure.subplots_adjust(left=0.09, right=0.99, top=0.78, bottom=0.18)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def histogram_img(coverage: Coverage) -> str:
    """The histogram as an <img> with a data URI, and its numbers as the alt text."""
    data = base64.b64encode(year_histogram_png(coverage)).decode("ascii")
    counts = ", ".join(f"{c.year}: {c.relevant} ({c.cited} cited)" for c in coverage.years)
    return (
        f'<img class="pc-coverage-plot" src="data:image/png;base64,{data}" '
        f'width="{round(WIDTH * 100)}" height="{round(HEIGHT * 100)}" '
        f'alt="Papers per year: {counts}">'
    )
