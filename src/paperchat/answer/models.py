"""The answer and summary objects: one shape for the CLI's --json, the HTTP API and the UI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from paperchat.retrieve.results import SearchResult

Mode = Literal["extractive", "llm"]
RequestedMode = Literal["auto", "extractive", "llm"]


class Turn(BaseModel):
    role: Literal["user", "assistant", "system"]
    content: str


class Citation(BaseModel):
    """[n] in the text → the paper and the sentence of its abstract that backs the claim."""

    n: int = Field(ge=1)
    id: str
    title: str | None
    quote: str


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    mode: Mode
    citations: list[Citation]
    sources: list[SearchResult]
    standalone_question: str | None = Field(
        default=None, description="The follow-up rewritten to stand alone, when history was used."
    )
    supported_sentences: int | None = None
    total_sentences: int | None = None


class Summary(BaseModel):
    topic: str
    summary: str
    abstained: bool
    mode: Mode
    citations: list[Citation]
    sources: list[SearchResult]
    supported_sentences: int | None = None
    total_sentences: int | None = None
