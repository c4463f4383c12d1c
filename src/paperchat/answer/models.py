"""The answer and summary objects: one shape for the CLI's --json, the HTTP API and the UI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from paperchat.answer.coverage import Coverage
from paperchat.retrieve.results import SearchResult

Mode = Literal["extractive", "llm"]
RequestedMode = Literal["auto", "extractive", "llm"]
Verdict = Literal["answered", "detail_missing", "not_in_corpus", "no_relevant_paper"]
VERDICT_HELP = (
    "answered; detail_missing: the paper is in the corpus but its abstract does not state "
    "what was asked (it is cited, with what it does say), or the only papers that mention "
    "what the question names do so in passing; not_in_corpus: the question names "
    "a method, dataset or paper no abstract mentions; no_relevant_paper: nothing in the "
    "corpus bears on the question. `abstained` is true for the last two."
)


class _HasVerdict(BaseModel):
    """A verdict left out is read from `abstained` (answered / no_relevant_paper)."""

    abstained: bool
    verdict: Verdict = Field(default="answered", description=VERDICT_HELP)

    @model_validator(mode="before")
    @classmethod
    def _default_verdict(cls, data):
        if isinstance(data, dict) and data.get("verdict") is None:
            data = {**data, "verdict": "no_relevant_paper" if data.get("abstained") else "answered"}
        return data


class Citation(BaseModel):
    """[n] in the text → the paper and the sentence of its abstract that backs the claim.

    `n` is stable across a conversation, so it need not equal the citation's position.
    `quote` is the sentence that best backs the first claim citing [n]; `quotes` lists
    every abstract sentence the text uses from this paper, in the order used.
    """

    n: int = Field(ge=1)
    id: str
    title: str | None
    quote: str
    quotes: list[str] = Field(default_factory=list)


class Turn(BaseModel):
    """One earlier turn. An assistant turn may carry its Answer's citations, which keeps
    citation numbers stable without parsing the text (see answer/conversation.py)."""

    role: Literal["user", "assistant", "system"]
    content: str
    citations: list[Citation] | None = None


COVERAGE_HELP = (
    "How many papers the text rests on (those the relevance judgement kept), their year "
    "span, how many are undated and how many are cited, with per-year counts and a one-line "
    "note. An abstention rests on no paper."
)


class Answer(_HasVerdict):
    question: str
    answer: str
    mode: Mode
    citations: list[Citation]
    sources: list[SearchResult]
    standalone_question: str | None = Field(
        default=None,
        description="The question as searched, when that differs from `question`: a "
        "follow-up rewritten to stand alone, or the question without sentences addressed "
        "to the assistant.",
    )
    confidence: float | None = Field(
        default=None,
        description="The relevance model's probability that the top paper bears on the "
        "question (calibrated on the eval's tune split).",
    )
    supported_sentences: int | None = None
    total_sentences: int | None = None
    removed_claims: list[str] = Field(
        default_factory=list,
        description="LLM sentences no cited abstract supports; removed from `answer`.",
    )
    dropped_citations: list[int] = Field(
        default_factory=list, description="[n] the LLM cited that were not among the sources."
    )
    coverage: Coverage | None = Field(default=None, description=COVERAGE_HELP)
    id: str | None = Field(
        default=None,
        description="This answer's id, when its provenance bundle is kept: "
        "GET /api/answers/{id}/bundle (kept per server process, the most recent ones).",
    )


class Summary(_HasVerdict):
    topic: str
    summary: str
    mode: Mode
    citations: list[Citation]
    sources: list[SearchResult]
    supported_sentences: int | None = None
    total_sentences: int | None = None
    removed_claims: list[str] = Field(default_factory=list)
    dropped_citations: list[int] = Field(default_factory=list)
    coverage: Coverage | None = Field(default=None, description=COVERAGE_HELP)
