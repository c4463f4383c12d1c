"""Typed request and response bodies, so /openapi.json describes the API exactly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from paperchat.answer.models import RequestedMode, Turn
from paperchat.retrieve.results import SearchResult

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20


# "Has a character that is not whitespace", spelled out so that the JSON Schema (for
# clients and fuzzers) and the server's check agree on every engine: Python's whitespace
# (str.isspace) plus the byte-order mark, as literal characters in one class.
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\ufeff"
HAS_TEXT = "[^" + _WHITESPACE + "]"


SINCE_HELP = "Only papers dated this year or later; papers without a date are left out."


class _Strict(BaseModel):
    """Request bodies: no unknown fields, and no coercion ("3" or true is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SearchRequest(_Strict):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=HAS_TEXT)
    k: int = Field(default=5, ge=1, le=50)
    since: int | None = Field(default=None, ge=1900, le=2100, description=SINCE_HELP)


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class AskRequest(_Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=HAS_TEXT)
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    mode: RequestedMode = "auto"
    k: int | None = Field(default=None, ge=1, le=20)
    since: int | None = Field(default=None, ge=1900, le=2100, description=SINCE_HELP)


class SummarizeRequest(_Strict):
    topic: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=HAS_TEXT)
    k: int | None = Field(default=None, ge=1, le=30)


class TableRequest(_Strict):
    topic: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=HAS_TEXT)
    k: int | None = Field(default=None, ge=1, le=30, description="Papers (rows); default 8.")
    mode: RequestedMode = Field(
        default="auto",
        description="extractive: cells read from the abstracts offline; llm: the language "
        "model proposes cells, kept only when verbatim in the abstract; auto: llm when one "
        "is configured.",
    )


class Check(BaseModel):
    status: Literal["ok", "down"]
    message: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="`ok` (HTTP 200) when every check passes, else `degraded` (HTTP 503)."
    )
    papers: int
    chunks: int
    llm: bool = Field(description="An LLM is configured.")
    checks: dict[str, Check] = Field(
        default_factory=dict, description="`store` always; `llm` when one is configured."
    )


class Liveness(BaseModel):
    status: Literal["alive"]


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
