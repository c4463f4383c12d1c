"""The search-result object shared by the CLI's --json and the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel

from paperchat.corpus.paper import Paper
from paperchat.retrieve.searcher import SearchHit


class SearchResult(BaseModel):
    """A paper found for a query. Unknown fields are null, never missing."""

    id: str
    title: str | None
    abstract: str
    score: float
    published: str | None
    authors: list[str] | None
    author_count: int | None
    url: str | None
    code_url: str | None
    snippet: str | None = None

    @classmethod
    def from_paper(cls, paper: Paper, score: float, snippet: str | None = None) -> SearchResult:
        return cls(
            id=paper.id,
            title=paper.title,
            abstract=paper.abstract,
            score=round(score, 6),
            published=paper.published,
            authors=paper.authors,
            author_count=paper.author_count,
            url=paper.url,
            code_url=paper.code_url,
            snippet=snippet,
        )

    @classmethod
    def from_hit(cls, hit: SearchHit) -> SearchResult:
        return cls.from_paper(hit.paper, hit.score, hit.chunk_text)
