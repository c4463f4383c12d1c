"""paperchat's own HTTP routes: search, ask (plain and streamed), summarize, the evidence
table, the corpus map, papers."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, StreamingResponse

from paperchat.answer.models import Answer, Summary
from paperchat.answer.provenance import Bundle, Request, recorded_ask, recorded_stream
from paperchat.api.errors import ERROR_RESPONSES, status_for
from paperchat.api.schemas import (
    AskRequest,
    SearchRequest,
    SearchResponse,
    SummarizeRequest,
    TableRequest,
)
from paperchat.api.services import Services
from paperchat.api.streaming import sse, started
from paperchat.corpus.paper import Paper
from paperchat.corpus_map.models import CorpusMap
from paperchat.errors import NotFoundError, PaperchatError
from paperchat.research.models import EvidenceTable
from paperchat.research.table import evidence_table
from paperchat.retrieve.results import SearchResult


def build_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

    @router.post("/search", response_model=SearchResponse, tags=["search"])
    def search(body: SearchRequest) -> SearchResponse:
        hits = services.searcher.search(body.query, body.k, since=body.since)
        return SearchResponse(query=body.query, results=[SearchResult.from_hit(h) for h in hits])

    @router.post("/ask", response_model=Answer, tags=["answers"])
    def ask(body: AskRequest) -> Answer:
        """The answer carries an `id`: its provenance bundle is at
        GET /api/answers/{id}/bundle."""
        answer, _ = recorded_ask(services.assistant, _request(body), services.bundles.put)
        return answer

    @router.post(
        "/ask/stream",
        tags=["answers"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "SSE events"}},
    )
    def ask_stream(body: AskRequest) -> StreamingResponse:
        """Server-sent events: `delta` events with text, then one `answer` event with the
        full answer object (or an `error` event)."""
        recorded = recorded_stream(services.assistant, _request(body), services.bundles.put)
        events = started(e for e in recorded if not isinstance(e, Bundle))
        return StreamingResponse(_sse_events(events), media_type="text/event-stream")

    @router.get("/answers/{answer_id}/bundle", response_model=Bundle, tags=["answers"])
    def answer_bundle(answer_id: str) -> Bundle:
        """What made an answer of this server (API or UI): the request, the index version
        and corpus hash, the settings, every retrieved chunk with its scores, the verdict,
        the answer and, in LLM mode, the prompts, model and parameters. `paperchat replay`
        re-runs it. Kept per process for the most recent answers."""
        bundle = services.bundles.get(answer_id)
        if bundle is None:
            raise NotFoundError(
                f"no answer with id {answer_id!r} on this server (bundles are kept for its "
                "most recent answers, until it restarts); ask again with POST /api/ask"
            )
        return bundle

    @router.post("/summarize", response_model=Summary, tags=["answers"])
    def summarize(body: SummarizeRequest) -> Summary:
        return services.assistant.summarize(body.topic, k=body.k)

    @router.post("/table", response_model=EvidenceTable, tags=["answers"])
    def table(body: TableRequest) -> EvidenceTable:
        """One row per paper on the topic (the summary's papers); task, method, data and
        result cells, each a verbatim span of the paper's abstract with its sentence
        index, or empty with the reason."""
        return evidence_table(services.assistant, body.topic, k=body.k, mode=body.mode)

    @router.get("/map", response_model=CorpusMap, tags=["papers"])
    def corpus_map() -> CorpusMap:
        """The whole corpus at a glance: topic clusters (label, paper count, centre), the
        papers placed in 2-D by their vectors (x, y in 0..1; at most 5,000, a fixed
        sample when `sampled`) and papers per year. Made once per index version."""
        return services.corpus_map()

    @router.get("/papers/{paper_id:path}/bibtex", response_class=PlainTextResponse, tags=["papers"])
    def paper_bibtex(paper_id: str) -> str:
        from paperchat.answer.bibtex import bibtex_entries

        return bibtex_entries([_paper(services, paper_id)])

    @router.get("/papers/{paper_id:path}", response_model=Paper, tags=["papers"])
    def paper(paper_id: str) -> Paper:
        return _paper(services, paper_id)

    return router


def _request(body: AskRequest) -> Request:
    return Request(
        question=body.question, history=body.history, mode=body.mode, k=body.k, since=body.since
    )


def _paper(services: Services, paper_id: str) -> Paper:
    paper = services.searcher.papers.get(paper_id)
    if paper is None:
        raise NotFoundError(f"no paper with id {paper_id!r}; search for it with POST /api/search")
    return paper


def _sse_events(events: Iterator[object]) -> Iterator[str]:
    try:
        for event in events:
            if isinstance(event, Answer | Summary):
                yield sse("answer", event.model_dump(mode="json"))
            else:
                yield sse("delta", {"text": str(event)})
    except PaperchatError as exc:
        status, kind = status_for(exc)
        yield sse("error", {"error": {"type": kind, "message": str(exc), "status": status}})
