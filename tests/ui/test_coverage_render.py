"""The coverage note and histogram as HTML: one line, escaped, a real PNG only when a
counted paper has a year."""

from __future__ import annotations

import base64
import re

from paperchat.answer.coverage import coverage_of
from paperchat.answer.models import Answer
from paperchat.corpus.paper import Paper
from paperchat.ui import render
from paperchat.ui.coverage import year_histogram_png

PNG = b"\x89PNG\r\n\x1a\n"


def papers(*dates: str | None) -> list[Paper]:
    return [Paper(id=f"p{i}", abstract="An abstract.", published=d) for i, d in enumerate(dates)]


def answer(coverage) -> Answer:
    return Answer(
        question="q",
        answer="One paper [1].",
        abstained=False,
        mode="extractive",
        citations=[],
        sources=[],
        coverage=coverage,
    )


def test_the_histogram_is_a_png_drawn_from_the_counts():
    found = papers("2019", "2021", "2021", None)
    png = year_histogram_png(coverage_of(found, found[1:2]))
    assert png.startswith(PNG) and len(png) > 2000
    single = year_histogram_png(coverage_of(papers("2024")))  # one year still draws
    assert single.startswith(PNG)


def test_an_answer_shows_its_note_and_an_inline_plot():
    found = papers("2019", "2021", None)
    html = render.result_html(answer(coverage_of(found, found[:1])))
    assert "\n" not in html
    note = re.search(r'<p class="pc-coverage-note">(.*?)</p>', html).group(1)
    assert note == "3 papers bear on this, 2019–2021; 1 undated; 1 cited"
    src = re.search(r'<img class="pc-coverage-plot" src="data:image/png;base64,([^"]+)"', html)
    assert base64.b64decode(src.group(1)).startswith(PNG)
    assert 'alt="Papers per year: 2019: 1 (1 cited), 2021: 1 (0 cited)"' in html


def test_no_dated_paper_means_a_note_and_no_plot():
    html = render.result_html(answer(coverage_of(papers(None, None))))
    assert "all undated" in html and "pc-coverage-plot" not in html
    assert render.result_html(answer(coverage_of([]))).count("pc-coverage-note") == 1
    assert "pc-coverage" not in render.result_html(answer(None))
