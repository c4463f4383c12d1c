"""The coverage note under an answer or summary, with a small year histogram.

The histogram (ui/year_chart.py: papers per year that bear on the question, and the
cited ones among them) is a PNG inlined as a data URI, so it travels inside the chat
message like the rest of the answer's HTML: no extra component, no request to load it,
and it stays with its answer as the conversation grows. Only numbers reach the figure
and its alt text; ui/render.py writes the escaped note.
"""

from __future__ import annotations

import base64

from paperchat.answer.coverage import Coverage
from paperchat.ui.year_chart import Layer, year_bars_png, year_span

WIDTH, HEIGHT = 3.4, 1.25  # inches; shown at 100 px per inch, drawn at twice that
RELEVANT = "#c7d2fe"
CITED = "#4f46e5"


def year_histogram_png(coverage: Coverage) -> bytes:
    """Papers per year as bars: relevant (light) with the cited ones (dark) in front."""
    years = year_span(coverage.first_year or 0, coverage.last_year or 0)
    layers = [
        Layer("bear on it", RELEVANT, 0.8, {c.year: c.relevant for c in coverage.years}),
        Layer("cited", CITED, 0.5, {c.year: c.cited for c in coverage.years}),
    ]
    return year_bars_png(years, layers, (WIDTH, HEIGHT), "papers per year")


def histogram_img(coverage: Coverage) -> str:
    """The histogram as an <img> with a data URI, and its numbers as the alt text."""
    data = base64.b64encode(year_histogram_png(coverage)).decode("ascii")
    counts = ", ".join(f"{c.year}: {c.relevant} ({c.cited} cited)" for c in coverage.years)
    return (
        f'<img class="pc-coverage-plot" src="data:image/png;base64,{data}" '
        f'width="{round(WIDTH * 100)}" height="{round(HEIGHT * 100)}" '
        f'alt="Papers per year: {counts}">'
    )
