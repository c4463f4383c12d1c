"""The Compare view's HTML: cells link to their marked spans, empty cells say why, and
nothing from the corpus becomes markup."""

from __future__ import annotations

import re

from paperchat.research.datasets import KnownDatasets
from paperchat.research.extract import extract_row
from paperchat.research.models import EvidenceTable, RejectedCell, TableRow
from paperchat.research.spans import sentences_of
from paperchat.retrieve.results import SearchResult
from paperchat.text.sentences import split_sentences
from paperchat.ui.compare import table_html, table_panel_html

ABSTRACT = (
    'Attack <script>alert("x")</script> and ![pixel](https://evil.example/p.png) are '
    "common. We propose EvilNet, a model for <b>robust</b> classification. EvilNet reaches "
    "91.5% accuracy on CIFAR-10 [3]."
)


def source(abstract: str = ABSTRACT) -> SearchResult:
    return SearchResult(
        id="p<1>",
        title="Evil <img src=x onerror=alert(1)>",
        abstract=abstract,
        score=0.9,
        published=None,
        authors=None,
        author_count=None,
        url="javascript:alert(1)",
        code_url=None,
    )


def table(**fields) -> EvidenceTable:
    cells = extract_row(sentences_of(ABSTRACT, split_sentences(ABSTRACT)), KnownDatasets([]))
    row = TableRow(
        id="p<1>",
        title=source().title,
        url=None,
        year=None,
        relevance=0.9,
        task=cells.task,
        method=cells.method,
        data=cells.data,
        result=cells.result,
    )
    values = {
        "topic": "robust <i>classification</i>",
        "abstained": False,
        "verdict": "answered",
        "mode": "extractive",
        "rows": [row],
        "sources": [source()],
    } | fields
    return EvidenceTable(**values)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    for tag in ("<script", "<img", "<b>", "<i>"):
        assert tag not in lowered
    assert "](" not in html and "![" not in html and "javascript:" not in lowered
    assert "\n" not in html


def test_cells_are_escaped_and_link_to_their_span():
    t = table()
    html, panel = table_html(t), table_panel_html(t)
    assert_inert(html)
    assert_inert(panel)
    row = t.rows[0]
    assert row.method.filled and row.data.text == "CIFAR-10"
    spans = re.findall(r'data-span="([^"]+)"', html)
    assert "cmp-1-method-0" in spans and "cmp-1-data-0" in spans
    for span_id in spans:  # every cell's span is marked in the panel's abstract
        assert re.search(rf'data-spans="[^"]*\b{span_id}\b', panel), span_id
    assert 'href="#cmp-1"' in html and 'id="cmp-1"' in panel


def test_overlapping_spans_share_their_marked_piece():
    t = table()
    panel = table_panel_html(t)
    # CIFAR-10 sits inside the result clause: that piece carries both ids
    assert 'data-spans="cmp-1-data-0 cmp-1-result-0">CIFAR-10</mark>' in panel
    assert 'data-spans="cmp-1-task-0 cmp-1-method-0">&lt;b&gt;robust' in panel


def test_empty_cells_show_their_reason_and_the_missing_year():
    t = table()
    row = t.rows[0].model_copy(
        update={"data": t.rows[0].data.empty("the abstract names no dataset or benchmark")}
    )
    html = table_html(t.model_copy(update={"rows": [row]}))
    assert "pc-cell-empty" in html and "the abstract names no dataset or benchmark" in html
    assert "the corpus has no date for this paper" in html


def test_llm_cells_are_badged_and_rejected_values_counted():
    t = table(mode="llm", rejected_cells=[RejectedCell(id="p<1>", column="task", value="<x>")])
    row = t.rows[0]
    row = row.model_copy(update={"method": row.method.model_copy(update={"filled_by": "llm"})})
    html = table_html(t.model_copy(update={"rows": [row]}))
    assert 'class="pc-by"' in html and "1 value the language model proposed" in html
    assert "<x>" not in html


def test_an_abstention_links_the_nearest_papers():
    t = table(abstained=True, verdict="no_relevant_paper", rows=[])
    html, panel = table_html(t), table_panel_html(t)
    assert_inert(html)
    assert "pc-abstained" in html and 'href="#cmp-near-1"' in html and 'id="cmp-near-1"' in panel
