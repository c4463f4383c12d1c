"""The evidence table's objects: one shape for the CLI's --json, the HTTP API and the UI.

A table has one row per paper on the topic and a cell per column. A filled cell holds
spans of that paper's abstract, each a verbatim slice (`abstract[start:end] == text`)
with the index of the sentence it sits in, so every cell links back to its sentence. An
empty cell says why it is empty ("the abstract names no dataset or benchmark"); nothing
is ever guessed into a cell.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from paperchat.answer.models import VERDICT_HELP, Mode, Verdict
from paperchat.retrieve.results import SearchResult

Column = Literal["task", "method", "data", "result"]
COLUMNS: tuple[Column, ...] = ("task", "method", "data", "result")
COLUMN_HELP: dict[Column, str] = {
    "task": "the problem the paper addresses",
    "method": "what the paper proposes",
    "data": "the datasets or benchmarks it names",
    "result": "the numbers it reports, with their metric",
}
Filler = Literal["pattern", "llm"]
SEPARATOR = "; "


class Span(BaseModel):
    """A verbatim piece of one abstract."""

    text: str
    sentence: int = Field(ge=0, description="Index of the abstract sentence it is in (0 = first).")
    start: int = Field(ge=0, description="Offset in the abstract: abstract[start:end] == text.")
    end: int = Field(ge=0)


class Cell(BaseModel):
    """One column of one paper: its spans, or why there are none."""

    text: str | None = Field(description="The spans joined by '; '; null when the cell is empty.")
    spans: list[Span] = Field(default_factory=list)
    empty_reason: str | None = Field(
        default=None, description="Why the cell is empty; null when it is filled."
    )
    filled_by: Filler | None = Field(
        default=None,
        description="pattern: read from the abstract offline; llm: proposed by the language "
        "model and found verbatim in the abstract.",
    )

    @classmethod
    def empty(cls, reason: str) -> Cell:
        return cls(text=None, spans=[], empty_reason=reason)

    @classmethod
    def of(cls, spans: list[Span], filled_by: Filler) -> Cell:
        return cls(text=SEPARATOR.join(s.text for s in spans), spans=spans, filled_by=filled_by)

    @property
    def filled(self) -> bool:
        return bool(self.spans)


class TableRow(BaseModel):
    id: str
    title: str | None
    url: str | None
    year: int | None = Field(description="From the paper's metadata; null when it has no date.")
    relevance: float = Field(description="The relevance model's probability for the topic.")
    task: Cell
    method: Cell
    data: Cell
    result: Cell

    def cell(self, column: Column) -> Cell:
        return getattr(self, column)


class RejectedCell(BaseModel):
    """A value the language model proposed that is not a verbatim span of the abstract."""

    id: str
    column: Column
    value: str


class EvidenceTable(BaseModel):
    topic: str
    abstained: bool
    verdict: Verdict = Field(description=VERDICT_HELP)
    mode: Mode
    columns: list[Column] = Field(default_factory=lambda: list(COLUMNS))
    rows: list[TableRow]
    sources: list[SearchResult] = Field(
        description="The rows' papers in row order; after an abstention, the nearest papers."
    )
    rejected_cells: list[RejectedCell] = Field(
        default_factory=list,
        description="LLM mode: values the model proposed that the abstract does not contain "
        "verbatim; they are not in the table.",
    )
    note: str | None = Field(
        default=None, description="Anything the reader should know about how it was filled."
    )
