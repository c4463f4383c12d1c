"""The evidence table of a topic: one row per paper on it, a cell per column.

The papers are the ones a summary of the topic is made of (`Assistant.topic_papers`:
the one relevance judgement, with the summary floor). Cells are read from each abstract
offline (research/extract.py); in LLM mode the language model proposes cells and only
those found verbatim in the abstract are kept (research/llm_cells.py), the rest listed
as rejected. Every cell says whether the patterns or the model filled it, and every
empty cell says why it is empty. When the corpus has nothing on the topic the table
abstains, with the nearest papers as its sources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperchat.answer.models import RequestedMode
from paperchat.index.evidence import PaperEvidence
from paperchat.research.datasets import KnownDatasets, known_datasets
from paperchat.research.extract import Row, extract_row
from paperchat.research.llm_cells import ask_for_cells, check_cells
from paperchat.research.models import COLUMNS, Cell, EvidenceTable, TableRow
from paperchat.research.spans import Sentence, sentences_of
from paperchat.retrieve.relevance import ScoredPaper
from paperchat.retrieve.results import SearchResult
from paperchat.retrieve.searcher import hit_of

if TYPE_CHECKING:
    from paperchat.answer.service import Assistant

TABLE_K = 8
NEAREST = 3


def paper_sentences(evidence: PaperEvidence) -> list[Sentence]:
    """A paper's sentences and roles as the index version holds them, with offsets."""
    return sentences_of(evidence.paper.abstract, evidence.sentences, evidence.roles)


def offline_row(evidence: PaperEvidence, known: KnownDatasets) -> Row:
    """The cells the patterns read from one paper's abstract."""
    return extract_row(paper_sentences(evidence), known)


def _table_row(paper: ScoredPaper, cells: Row) -> TableRow:
    p = paper.paper
    return TableRow(
        id=p.id,
        title=p.title,
        url=p.url,
        year=p.year,
        relevance=round(paper.probability, 4),
        task=cells.task,
        method=cells.method,
        data=cells.data,
        result=cells.result,
    )


def evidence_table(
    assistant: Assistant,
    topic: str,
    *,
    k: int | None = None,
    mode: RequestedMode | str = "auto",
) -> EvidenceTable:
    """The evidence table for `topic` (see the module docstring)."""
    resolved = assistant.resolve_mode(mode)
    judgement, papers = assistant.topic_papers(topic, k or TABLE_K)
    topic = topic.strip()
    if not papers:
        nearest = [SearchResult.from_hit(hit_of(p)) for p in judgement.papers[:NEAREST]]
        return EvidenceTable(
            topic=topic,
            abstained=True,
            verdict="not_in_corpus"
            if judgement.verdict == "not_in_corpus"
            else "no_relevant_paper",
            mode=resolved,
            rows=[],
            sources=nearest,
        )
    known = known_datasets(assistant.searcher.snapshot.evidence)
    offline = {p.paper.id: offline_row(p.evidence, known) for p in papers}
    rejected = []
    note = None
    if resolved == "llm":
        assert assistant.chat_model is not None
        sources = {n: p.paper for n, p in enumerate(papers, start=1)}
        proposed = ask_for_cells(assistant.chat_model, assistant.prompts, topic, sources)
        checked = check_cells(
            proposed, sources, {p.paper.id: paper_sentences(p.evidence) for p in papers}
        )
        rejected = checked.rejected
        if not checked.read:
            note = (
                "the language model's reply held no table rows; every cell was read "
                "from the abstracts offline"
            )
        for paper in papers:
            accepted = checked.accepted.get(paper.paper.id, {})
            cells = {
                column: Cell.of(accepted[column], "llm")
                if accepted.get(column)
                else offline[paper.paper.id].cell(column)
                for column in COLUMNS
            }
            offline[paper.paper.id] = Row(**cells)
    return EvidenceTable(
        topic=topic,
        abstained=False,
        verdict="answered",
        mode=resolved,
        rows=[_table_row(p, offline[p.paper.id]) for p in papers],
        sources=[SearchResult.from_hit(hit_of(p)) for p in papers],
        rejected_cells=rejected,
        note=note,
    )
