"""The Compare view's HTML: the evidence table and its papers, pure functions, no gradio.

The same safety rules as ui/render.py: every string from the corpus is escaped (its
`esc`) before any markup is added, links are only the paper's own http(s) URL, and the
output has no newline. A filled cell links to its paper in the panel beside the table
(`href="#cmp-i"`, the citation links' click handling in cite.js) and names its span
(`data-span`): the panel shows that paper's abstract with every cell's span marked, and
the clicked one lit. An empty cell shows a dash and the reason it is empty.
"""

from __future__ import annotations

from itertools import pairwise

from paperchat.research.models import COLUMN_HELP, Cell, EvidenceTable, Span, TableRow
from paperchat.text.sentences import sentence_spans
from paperchat.ui.render import (
    esc,
    links_html,
    meta_html,
    mode_badge,
    sources_panel_html,
    verdict_badge,
)

PREFIX = "cmp"
NO_YEAR = '<span class="pc-none" title="the corpus has no date for this paper">—</span>'


def _span_id(i: int, column: str, j: int) -> str:
    return f"{PREFIX}-{i}-{column}-{j}"


def _cell_html(i: int, column: str, cell: Cell, sentences: dict[int, str]) -> str:
    if not cell.filled:
        reason = esc(cell.empty_reason or "not stated in the abstract")
        return (
            f'<td class="pc-cell pc-cell-empty" data-col="{column}">'
            f'<span class="pc-none">—</span> <span class="pc-reason">{reason}</span></td>'
        )
    parts = []
    for j, span in enumerate(cell.spans):
        sentence = sentences.get(span.sentence, "")
        hover = esc(f"sentence {span.sentence + 1}: {sentence}")
        parts.append(
            f'<a class="pc-cite pc-cell-link" href="#{PREFIX}-{i}" '
            f'data-span="{_span_id(i, column, j)}" title="{hover}">{esc(span.text)}</a>'
        )
    by = (
        '<span class="pc-by" title="proposed by the language model, found verbatim in the '
        'abstract">LLM</span>'
        if cell.filled_by == "llm"
        else ""
    )
    return f'<td class="pc-cell" data-col="{column}">{"; ".join(parts)}{by}</td>'


def _marked_abstract(abstract: str, spans: list[tuple[str, Span]]) -> str:
    """The escaped abstract with each span inside <mark data-spans="ids…">; where spans
    overlap (a dataset named inside a result) the piece carries every id."""
    cuts = sorted({0, len(abstract), *(s.start for _, s in spans), *(s.end for _, s in spans)})
    out = []
    for start, end in pairwise(cuts):
        ids = [sid for sid, s in spans if s.start <= start and end <= s.end]
        piece = esc(abstract[start:end])
        if ids and piece.strip():
            out.append(f'<mark class="pc-m" data-spans="{" ".join(ids)}">{piece}</mark>')
        else:
            out.append(piece)
    return "".join(out)


def _entry_html(i: int, row: TableRow, abstract: str, source) -> str:
    spans = [
        (_span_id(i, column, j), span)
        for column in COLUMN_HELP
        for j, span in enumerate(row.cell(column).spans)
    ]
    return (
        f'<article class="pc-src" id="{PREFIX}-{i}" data-paper-id="{esc(row.id)}">'
        f'<header><span class="pc-n">{i}</span>'
        f'<h4 class="pc-title">{esc(row.title or "Untitled paper")}</h4></header>'
        f"{meta_html(source) if source else ''}"
        f'<p class="pc-abstract">{_marked_abstract(abstract, spans)}</p>'
        f"{links_html(source) if source else ''}</article>"
    )


def _sentences(abstract: str) -> dict[int, str]:
    """Sentence index → its text, for the cells' hover text: the index splits abstracts
    with the same splitter, so a span's sentence index points here."""
    return {i: abstract[b:e] for i, (b, e) in enumerate(sentence_spans(abstract))}


def table_html(table: EvidenceTable) -> str:
    """The table itself (or the abstention, with links to the nearest papers)."""
    head = verdict_badge(table.verdict) + mode_badge(table.mode)
    if table.abstained:
        near = "".join(
            f'<li><a class="pc-cite" href="#{PREFIX}-near-{i}">'
            f"{esc(s.title or 'Untitled paper')}</a></li>"
            for i, s in enumerate(table.sources, start=1)
        )
        nearest = f"<p>The nearest papers are:</p><ul>{near}</ul>" if near else ""
        return (
            f'<div class="pc-answer pc-abstained"><div class="pc-head">{head}</div>'
            f"<p>The corpus has no paper on “{esc(table.topic)}”.</p>{nearest}</div>"
        )
    abstracts = {s.id: s.abstract for s in table.sources}
    header = "".join(
        f'<th title="{esc(COLUMN_HELP[c])}">{esc(c.capitalize())}</th>' for c in table.columns
    )
    body = []
    for i, row in enumerate(table.rows, start=1):
        sentences = _sentences(abstracts.get(row.id, ""))
        cells = "".join(_cell_html(i, c, row.cell(c), sentences) for c in table.columns)
        year = esc(str(row.year)) if row.year else NO_YEAR
        body.append(
            f'<tr data-paper-id="{esc(row.id)}"><td class="pc-paper-cell">'
            f'<a class="pc-cite" href="#{PREFIX}-{i}"><span class="pc-n">{i}</span> '
            f"{esc(row.title or 'Untitled paper')}</a></td>"
            f'<td class="pc-year">{year}</td>{cells}</tr>'
        )
    count = len(table.rows)
    hint = (
        f'<span class="pc-muted">{count} paper{"s" * (count != 1)} · every cell is quoted '
        "from the paper's abstract; click one to see it in its abstract</span>"
    )
    notes = []
    if table.rejected_cells:
        n = len(table.rejected_cells)
        values = "1 value" if n == 1 else f"{n} values"
        notes.append(
            f"{values} the language model proposed for cells, not found in the abstracts, left out"
        )
    if table.note:
        notes.append(table.note)
    note = f'<p class="pc-notes">{esc("; ".join(notes))}</p>' if notes else ""
    return (
        f'<div class="pc-compare"><div class="pc-head">{head}{hint}</div>'
        f'<div class="pc-table-wrap"><table class="pc-table"><thead><tr><th>Paper</th>'
        f"<th>Year</th>{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        f"{note}</div>"
    )


def table_panel_html(table: EvidenceTable) -> str:
    """The papers beside the table, each abstract with its cells' spans marked."""
    if table.abstained:
        return sources_panel_html([], table.sources, prefix=PREFIX)
    by_id = {s.id: s for s in table.sources}
    entries = [
        _entry_html(i, row, by_id[row.id].abstract if row.id in by_id else "", by_id.get(row.id))
        for i, row in enumerate(table.rows, start=1)
    ]
    heading = '<h3 class="pc-panel-h">The papers, their cells marked</h3>'
    return f'<div class="pc-panel pc-scroll">{heading}{"".join(entries)}</div>'
