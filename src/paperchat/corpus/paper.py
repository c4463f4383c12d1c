"""The Paper record every parser produces and every later stage consumes."""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, Field

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_text(text: str) -> str:
    """Lower-case words only: two spellings of one abstract compare equal."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def abstract_key(abstract: str) -> str:
    """What makes two abstracts the same: their normalized words. Text with no Latin
    letters or digits normalizes to nothing, so it is compared casefolded instead."""
    return normalize_text(abstract) or " ".join(abstract.casefold().split())


def paper_id(*, arxiv_id: str | None = None, doi: str | None = None, abstract: str = "") -> str:
    """A stable id: the arXiv id or DOI when known, else a hash of the normalized abstract."""
    if arxiv_id:
        return f"arxiv:{arxiv_id.strip()}"
    if doi:
        return f"doi:{doi.strip().lower()}"
    digest = hashlib.sha256(abstract_key(abstract).encode()).hexdigest()
    return f"h{digest[:16]}"


class Paper(BaseModel):
    """One paper: what the corpus says about it, cleaned. Unknown fields are None."""

    id: str
    title: str | None = None
    abstract: str
    authors: list[str] | None = None
    author_count: int | None = None
    published: str | None = Field(default=None, description="ISO date: YYYY-MM-DD, YYYY-MM or YYYY")
    url: str | None = None
    code_url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    categories: list[str] | None = None
    sources: list[str] = Field(default_factory=list, description="file:line of each listing")

    @property
    def year(self) -> int | None:
        return int(self.published[:4]) if self.published else None

    @property
    def display_title(self) -> str:
        return self.title or f"(untitled) {self.abstract[:70]}…"
