"""Where a framework retriever's papers come from: a local index or a paperchat server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from paperchat.retrieve.results import SearchResult

if TYPE_CHECKING:
    from paperchat.retrieve.searcher import HybridSearcher
    from paperchat.settings import Settings


class PaperSource(Protocol):
    def search(self, query: str, k: int, since: int | None) -> list[SearchResult]: ...


class LocalSource:
    """The index in `settings.data_dir` (built on first use), or a searcher passed in."""

    def __init__(self, settings: Settings | None = None, searcher: HybridSearcher | None = None):
        self._settings = settings
        self._searcher = searcher

    def search(self, query: str, k: int, since: int | None) -> list[SearchResult]:
        if self._searcher is None:
            from paperchat.build import build_searcher
            from paperchat.settings import load_settings

            self._searcher = build_searcher(self._settings or load_settings())
        hits = self._searcher.search(query, k, since=since)
        return [SearchResult.from_hit(hit) for hit in hits]


class ServerSource:
    """`POST {url}/api/search` of a running paperchat server."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    def search(self, query: str, k: int, since: int | None) -> list[SearchResult]:
        import httpx

        body = {"query": query, "k": k} | ({"since": since} if since else {})
        resp = httpx.post(
            f"{self.url}/api/search", json=body, headers=self._headers, timeout=self._timeout
        )
        if resp.status_code != 200:
            from paperchat.errors import ProviderError

            try:
                message = resp.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = resp.text[:200]
            raise ProviderError(
                f"paperchat server at {self.url} answered {resp.status_code}: {message}",
                status=resp.status_code,
            )
        return [SearchResult.model_validate(r) for r in resp.json()["results"]]


def make_source(
    url: str | None, api_key: str | None, settings: Settings | None, searcher
) -> PaperSource:
    return ServerSource(url, api_key) if url else LocalSource(settings, searcher)


def metadata(result: SearchResult) -> dict:
    """A paper's fields as flat metadata (lists joined), for node and document stores."""
    return {
        "paper_id": result.id,
        "title": result.title,
        "published": result.published,
        "authors": ", ".join(result.authors) if result.authors else None,
        "url": result.url,
        "code_url": result.code_url,
        "score": result.score,
        "source": "paperchat",
    }


def page_text(result: SearchResult) -> str:
    return f"{result.title}\n\n{result.abstract}" if result.title else result.abstract
