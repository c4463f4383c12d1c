"""The Browse tab's map of the corpus as HTML: an inline SVG of the papers, coloured by
cluster, the clusters' labels and counts, and the papers-per-year chart.

Pure and escaping, like ui/render.py: titles and labels are corpus text, so they only
ever appear escaped, as element text or a quoted data attribute; colours come from CSS
classes (`c0`…), never from the data. Hovering a point shows its title in a tooltip and
clicking it opens the paper: MAP_JS (the component's `js_on_load`) reads the data
attributes and sets the tooltip's text, and there are no inline handlers.
"""

from __future__ import annotations

import base64
from html import escape

from paperchat.corpus_map.models import CorpusMap
from paperchat.ui.year_chart import Layer, year_bars_png, year_span

WIDTH, HEIGHT, PAD = 760, 500, 14
LABEL_CHAR_PX, LABEL_LINE_PX = 6.6, 15  # a label's width per character and its line height
COLOURS = 20  # theme.css has .pc-map .c0 … .c19
YEARS_SIZE = (7.6, 1.25)  # inches, shown at 100 px per inch
YEARS_COLOUR = "#6366f1"


def attr(text: str) -> str:
    return escape(" ".join(text.split()), quote=True)


def short_label(label: str, terms: int = 2) -> str:
    """The map shows a cluster's first terms; the legend has them all."""
    return ", ".join(label.split(", ")[:terms])


def _free_spot(
    x: float, y: float, width: float, taken: list[tuple[float, float, float]]
) -> tuple[float, float]:
    """Where a label centred near (x, y) fits: inside the plot and clear of the labels
    already placed (each (x, y, width)), moving down then up a line at a time."""
    x = min(max(x, PAD + width / 2), WIDTH - PAD - width / 2)
    for shift in (0, 1, -1, 2, -2, 3, -3, 4, -4):
        spot = min(max(y + shift * LABEL_LINE_PX, PAD + LABEL_LINE_PX), HEIGHT - PAD)
        if all(
            abs(spot - ty) >= LABEL_LINE_PX or abs(x - tx) >= (width + tw) / 2 + 4
            for tx, ty, tw in taken
        ):
            y = spot
            break
    taken.append((x, y, width))
    return x, y


def _radius(points: int) -> float:
    return 4.5 if points <= 800 else 3.0 if points <= 2500 else 2.2


def map_svg(corpus: CorpusMap) -> str:
    def at(x: float, y: float) -> tuple[float, float]:
        return PAD + x * (WIDTH - 2 * PAD), PAD + (1 - y) * (HEIGHT - 2 * PAD)

    r = _radius(len(corpus.points))
    dots = []
    for p in corpus.points:
        cx, cy = at(p.x, p.y)
        year = f' data-year="{p.year}"' if p.year else ""
        dots.append(
            f'<circle class="pc-map-dot c{p.cluster % COLOURS}" cx="{cx:.1f}" cy="{cy:.1f}" '
            f'r="{r}" data-paper-id="{attr(p.id)}" data-title="{attr(p.title)}"{year}></circle>'
        )
    labels, taken = [], []
    for c in corpus.clusters:  # largest first: a smaller cluster's label moves out of its way
        text = short_label(c.label)
        x, y = _free_spot(*at(c.x, c.y), len(text) * LABEL_CHAR_PX, taken)
        labels.append(
            f'<text class="pc-map-label" x="{x:.1f}" y="{y:.1f}" data-cluster="{c.id}">'
            f"{escape(text)}</text>"
        )
    return (
        f'<svg class="pc-map-plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Map of {corpus.mapped} papers in {len(corpus.clusters)} clusters">'
        f'<g class="pc-map-dots">{"".join(dots)}</g><g class="pc-map-labels">{"".join(labels)}</g>'
        "</svg>"
    )


def legend_html(corpus: CorpusMap) -> str:
    items = "".join(
        f'<li data-cluster="{c.id}"><span class="pc-map-swatch c{c.id % COLOURS}"></span>'
        f'<span class="pc-map-name">{escape(c.label)}</span>'
        f'<span class="pc-map-count">{c.count}</span></li>'
        for c in corpus.clusters
    )
    return f'<ol class="pc-map-legend">{items}</ol>'


def years_img(corpus: CorpusMap) -> str:
    """The corpus's papers per year as a PNG (numbers only), its counts as the alt text."""
    if not corpus.years:
        return ""
    counts = {y.year: y.papers for y in corpus.years}
    png = year_bars_png(
        year_span(corpus.years[0].year, corpus.years[-1].year),
        [Layer("papers", YEARS_COLOUR, 0.8, counts)],
        YEARS_SIZE,
        "papers per year",
    )
    data = base64.b64encode(png).decode("ascii")
    alt = ", ".join(f"{y}: {n}" for y, n in counts.items())
    return (
        f'<img class="pc-map-years" src="data:image/png;base64,{data}" '
        f'width="{round(YEARS_SIZE[0] * 100)}" height="{round(YEARS_SIZE[1] * 100)}" '
        f'alt="Papers per year: {alt}">'
    )


def _caption(corpus: CorpusMap) -> str:
    shown = (
        f"{len(corpus.points):,} of {corpus.mapped:,} papers shown (a fixed sample)"
        if corpus.sampled
        else f"{corpus.mapped:,} papers"
    )
    unmapped = corpus.papers - corpus.mapped
    extra = f"; {unmapped:,} without an abstract are not placed" if unmapped else ""
    undated = f"; {corpus.undated:,} undated" if corpus.undated else ""
    return (
        f'<p class="pc-map-caption">{shown} in {len(corpus.clusters)} topic clusters{extra}'
        f"{undated}. Nearby papers have similar abstracts. Hover a point for its title; "
        "click it to read the paper.</p>"
    )


def corpus_map_html(corpus: CorpusMap) -> str:
    if not corpus.points:
        return (
            '<div class="pc-map"><p class="pc-empty">No paper to map yet: '
            "run `paperchat ingest`.</p></div>"
        )
    return (
        '<div class="pc-map">'
        f"{_caption(corpus)}"
        f'<div class="pc-map-canvas">{map_svg(corpus)}'
        '<div class="pc-map-tip" role="tooltip" hidden></div></div>'
        f"{legend_html(corpus)}"
        f"{years_img(corpus)}"
        "</div>"
    )


# Hover: the tooltip shows the point's title (as text); click: the `select` event with
# the paper id, which opens it in the reading pane.
MAP_JS = """const tipOf = () => element.querySelector(".pc-map-tip");
element.addEventListener("mouseover", (event) => {
  const dot = event.target.closest(".pc-map-dot");
  const tip = tipOf();
  if (!tip) return;
  if (!dot) { tip.hidden = true; return; }
  const year = dot.dataset.year ? " (" + dot.dataset.year + ")" : "";
  tip.textContent = dot.dataset.title + year;
  const canvas = dot.closest(".pc-map-canvas").getBoundingClientRect();
  const box = dot.getBoundingClientRect();
  const left = box.left - canvas.left + box.width / 2;
  tip.style.left = Math.min(Math.max(left, 8), canvas.width - 8) + "px";
  tip.style.top = (box.top - canvas.top) + "px";
  tip.classList.toggle("pc-tip-left", left > canvas.width / 2);
  tip.hidden = false;
});
element.addEventListener("mouseleave", () => { const tip = tipOf(); if (tip) tip.hidden = true; });
element.addEventListener("click", (event) => {
  const dot = event.target.closest(".pc-map-dot");
  if (!dot) return;
  element.querySelectorAll(".pc-map-dot.pc-picked").forEach((d) => d.classList.remove("pc-picked"));
  dot.classList.add("pc-picked");
  trigger("select", { index: 0, value: dot.dataset.paperId });
});"""
