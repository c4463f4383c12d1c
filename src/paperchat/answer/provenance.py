"""Provenance: what made an answer, as a bundle that can be saved, served and replayed.

A bundle records the request (question, history, mode, k, since), the index it was
answered from (corpus hash, index version, embedder, store), the settings that shape an
answer (k, candidates, the relevance model, the verification thresholds, the prompts),
every paper retrieved with its chunk id and scores, the verdict, the cited ids and the
answer itself; in LLM mode also each rendered prompt, the model, its parameters and the
raw reply. `replay` asks the same question again and says whether the answer is
identical, or how it differs. Extractive answers are deterministic, so on an unchanged
index a replay is identical; an LLM answer is only as repeatable as its model.

Corpus text inside a bundle (abstracts in prompts, quotes) is data, as everywhere.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from paperchat import __version__
from paperchat.answer.models import Answer, Mode, RequestedMode, Turn, Verdict

if TYPE_CHECKING:
    from paperchat.answer.judgement import Judgement
    from paperchat.answer.service import Assistant
    from paperchat.index.snapshot import IndexSnapshot

FORMAT = "paperchat.bundle/1"
KEEP = 256  # bundles a process keeps for GET /api/answers/{id}/bundle


@dataclass
class Trace:
    """What `Assistant.ask(..., trace=...)` saw on the way: filled by the assistant,
    read here. Without a trace the assistant records nothing."""

    snapshot: IndexSnapshot | None = None
    judgement: Judgement | None = None
    calls: list[tuple[list[dict[str, str]], str]] = field(default_factory=list)

    def judged(self, snapshot: IndexSnapshot, judgement: Judgement) -> None:
        self.snapshot, self.judgement = snapshot, judgement

    def called(self, messages: Sequence[dict[str, str]], reply: str) -> None:
        self.calls.append(([dict(m) for m in messages], reply))


class Request(BaseModel):
    question: str
    history: list[Turn] = Field(default_factory=list)
    mode: RequestedMode = "auto"
    k: int | None = None
    since: int | None = None


class IndexInfo(BaseModel):
    corpus_hash: str = Field(description="sha256 over the index's papers (id + record)")
    version: str = Field(description="The index version stamped by the ingest")
    papers: int
    embedder: str
    store: str


class Retrieved(BaseModel):
    """One paper the judgement considered, with the chunk that brought it in."""

    id: str
    chunk_id: str
    probability: float
    dense_similarity: float | None
    dense_rank: int | None
    keyword_score: float | None
    keyword_rank: int | None
    relevant: bool = Field(description="Among the papers the answer is made from")


class ModelCall(BaseModel):
    messages: list[dict[str, str]]
    reply: str


class LLMRecord(BaseModel):
    model: str
    parameters: dict[str, Any]
    calls: list[ModelCall] = Field(description="Every model call, in order (condense, answer)")


class Bundle(BaseModel):
    format: Literal["paperchat.bundle/1"] = FORMAT
    id: str
    created: str = Field(description="UTC, ISO 8601")
    paperchat: str = __version__
    request: Request
    mode: Mode = Field(description="The mode that answered")
    index: IndexInfo
    settings: dict[str, Any] = Field(description="What shapes an answer besides the index")
    searched: str = Field(description="The question as searched")
    verdict: Verdict
    missing: list[str] = Field(default_factory=list)
    retrieved: list[Retrieved]
    cited: list[str]
    answer: Answer
    llm: LLMRecord | None = None


# -- building -------------------------------------------------------------------------


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def answer_settings(assistant: Assistant) -> dict[str, Any]:
    """The live parameters an answer depends on, read from the assistant itself."""
    searcher = assistant.searcher
    thresholds = assistant.thresholds
    prompts = {name: p.text for name, p in sorted(assistant.prompts._prompts.items())}
    return {
        "k": assistant.k,
        "candidates": searcher.candidates,
        "relevance": {
            "family": searcher.relevance.family,
            "params": _digest(searcher.relevance.to_json()),
        },
        "thresholds": asdict(thresholds) if is_dataclass(thresholds) else str(thresholds),
        "prompts": _digest(prompts),
    }


def model_parameters(model: Any) -> dict[str, Any]:
    """What a chat model says about itself (`parameters`), never its key."""
    parameters = getattr(model, "parameters", None)
    return dict(parameters) if isinstance(parameters, dict) else {}


def build_bundle(assistant: Assistant, request: Request, answer: Answer, trace: Trace) -> Bundle:
    if trace.judgement is None or trace.snapshot is None:
        raise RuntimeError("the trace holds no judgement: ask with trace=")  # pragma: no cover
    snapshot, judgement = trace.snapshot, trace.judgement
    relevant = {p.paper.id for p in judgement.relevant}
    searcher = assistant.searcher
    llm = None
    if answer.mode == "llm" and assistant.chat_model is not None:
        llm = LLMRecord(
            model=assistant.chat_model.name,
            parameters=model_parameters(assistant.chat_model),
            calls=[ModelCall(messages=m, reply=r) for m, r in trace.calls],
        )
    return Bundle(
        id=answer.id or uuid.uuid4().hex,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        request=request,
        mode=answer.mode,
        index=IndexInfo(
            corpus_hash=snapshot.corpus_hash,
            version=snapshot.version,
            papers=len(snapshot.papers),
            embedder=searcher.embedder.name,
            store=getattr(searcher.store, "label", type(searcher.store).__name__),
        ),
        settings=answer_settings(assistant),
        searched=judgement.query.text,
        verdict=answer.verdict,
        missing=list(judgement.missing),
        retrieved=[
            Retrieved(
                id=p.paper.id,
                chunk_id=p.candidate.chunk_id,
                probability=round(float(p.probability), 6),
                dense_similarity=_rounded(p.candidate.dense_similarity),
                dense_rank=p.candidate.dense_rank,
                keyword_score=_rounded(p.candidate.keyword_score),
                keyword_rank=p.candidate.keyword_rank,
                relevant=p.paper.id in relevant,
            )
            for p in judgement.papers
        ],
        cited=list(dict.fromkeys(c.id for c in answer.citations)),
        answer=answer,
        llm=llm,
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def recorded_stream(
    assistant: Assistant,
    request: Request,
    keep=None,
    *,
    stream: bool = True,
) -> Iterator[str | Answer | Bundle]:
    """The assistant's events for the request, the final Answer carrying a fresh `id`,
    then its Bundle (also handed to `keep`, e.g. a BundleStore's `put`)."""
    trace = Trace()
    ask = assistant.ask_stream if stream else _ask_once(assistant)
    events = ask(
        request.question,
        history=request.history,
        mode=request.mode,
        k=request.k,
        since=request.since,
        trace=trace,
    )
    for event in events:
        if isinstance(event, Answer) and trace.judgement is None:
            yield event  # an assistant that does not trace (a scripted fake): no bundle
            return
        if isinstance(event, Answer):
            answer = event.model_copy(update={"id": uuid.uuid4().hex})
            bundle = build_bundle(assistant, request, answer, trace)
            if keep is not None:
                keep(bundle)
            yield answer
            yield bundle
            return
        yield event


def _ask_once(assistant: Assistant):
    def ask(*args, **kwargs) -> Iterator[Answer]:
        yield assistant.ask(*args, **kwargs)

    return ask


def recorded_ask(assistant: Assistant, request: Request, keep=None) -> tuple[Answer, Bundle | None]:
    """Answer the request and return the answer with its bundle (None from an assistant
    that keeps no trace, such as a scripted fake)."""
    events = list(recorded_stream(assistant, request, keep, stream=False))
    answers = [e for e in events if isinstance(e, Answer)]
    bundles = [e for e in events if isinstance(e, Bundle)]
    if not answers:
        raise RuntimeError("the answer pipeline ended without an answer")
    return answers[-1], (bundles[-1] if bundles else None)


class BundleStore:
    """The last KEEP bundles of this process, by answer id (least recently used goes
    first). Per process: another replica, or a restart, does not know them."""

    def __init__(self, capacity: int = KEEP):
        self.capacity = capacity
        self._bundles: OrderedDict[str, Bundle] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, bundle: Bundle) -> None:
        with self._lock:
            self._bundles[bundle.id] = bundle
            self._bundles.move_to_end(bundle.id)
            while len(self._bundles) > self.capacity:
                self._bundles.popitem(last=False)

    def get(self, answer_id: str) -> Bundle | None:
        with self._lock:
            bundle = self._bundles.get(answer_id)
            if bundle is not None:
                self._bundles.move_to_end(answer_id)
            return bundle

    def __len__(self) -> int:
        return len(self._bundles)


# -- replaying ------------------------------------------------------------------------

ChangeKind = Literal[
    "index_version",
    "corpus",
    "embedder",
    "settings",
    "prompt",
    "retrieved",
    "verdict",
    "text",
    "citations",
    "sources",
    "error",
]
ANSWER_CHANGES = {"verdict", "text", "citations", "sources", "error"}


class Change(BaseModel):
    kind: ChangeKind
    detail: str


class ReplayReport(BaseModel):
    identical: bool = Field(description="The replayed answer equals the recorded one")
    changes: list[Change] = Field(
        description="What differs: the index or settings (context), and the answer"
    )
    original: str = Field(description="The recorded bundle's id")
    replayed: Bundle | None = None

    def summary(self) -> str:
        head = "identical" if self.identical else "differs"
        if not self.changes:
            return head
        lines = [f"- {c.kind}: {c.detail}" for c in self.changes]
        return "\n".join([head, *lines])


def replay(bundle: Bundle, assistant: Assistant) -> ReplayReport:
    """Ask the bundle's question again, in the mode that answered it, and compare."""
    from paperchat.errors import PaperchatError

    request = bundle.request.model_copy(update={"mode": bundle.mode})
    try:
        _, again = recorded_ask(assistant, request)
    except PaperchatError as exc:
        change = Change(kind="error", detail=f"the replay failed: {exc}")
        return ReplayReport(identical=False, changes=[change], original=bundle.id)
    changes = compare(bundle, again)
    identical = not any(c.kind in ANSWER_CHANGES for c in changes)
    return ReplayReport(identical=identical, changes=changes, original=bundle.id, replayed=again)


def compare(old: Bundle, new: Bundle) -> list[Change]:
    """The differences between two bundles of one request, context first."""
    changes: list[Change] = []

    def note(kind: ChangeKind, before: Any, after: Any, what: str) -> None:
        if before != after:
            changes.append(Change(kind=kind, detail=f"{what}: {before} → {after}"))

    note("index_version", old.index.version, new.index.version, "index version")
    if old.index.corpus_hash != new.index.corpus_hash:
        changes.append(
            Change(
                kind="corpus",
                detail=f"corpus changed ({old.index.papers} → {new.index.papers} papers)",
            )
        )
    note("embedder", old.index.embedder, new.index.embedder, "embedder")
    for key in sorted(set(old.settings) | set(new.settings)):
        note("settings", old.settings.get(key), new.settings.get(key), key)
    old_calls = [c.messages for c in old.llm.calls] if old.llm else []
    new_calls = [c.messages for c in new.llm.calls] if new.llm else []
    if old_calls != new_calls:
        changes.append(Change(kind="prompt", detail="the rendered prompts differ"))
    before = [(r.id, r.chunk_id, r.probability) for r in old.retrieved]
    after = [(r.id, r.chunk_id, r.probability) for r in new.retrieved]
    if before != after:
        changes.append(Change(kind="retrieved", detail=_retrieved_diff(old, new)))
    note("verdict", old.verdict, new.verdict, "verdict")
    if old.answer.answer != new.answer.answer:
        changes.append(Change(kind="text", detail=text_diff(old.answer.answer, new.answer.answer)))
    cites = [(c.n, c.id, c.quotes or [c.quote]) for c in old.answer.citations]
    cites_now = [(c.n, c.id, c.quotes or [c.quote]) for c in new.answer.citations]
    if cites != cites_now:
        was = ", ".join(f"[{n}] {pid}" for n, pid, _ in cites) or "none"
        now = ", ".join(f"[{n}] {pid}" for n, pid, _ in cites_now) or "none"
        detail = f"{was} → {now}" if was != now else "same papers, other quotes"
        changes.append(Change(kind="citations", detail=detail))
    sources = [(s.id, s.score) for s in old.answer.sources]
    sources_now = [(s.id, s.score) for s in new.answer.sources]
    if sources != sources_now:
        changes.append(
            Change(
                kind="sources",
                detail=f"{[s for s, _ in sources]} → {[s for s, _ in sources_now]}"
                if [s for s, _ in sources] != [s for s, _ in sources_now]
                else "same papers, other scores",
            )
        )
    return changes


def _retrieved_diff(old: Bundle, new: Bundle) -> str:
    was = {r.id: r.probability for r in old.retrieved}
    now = {r.id: r.probability for r in new.retrieved}
    gone, came = sorted(set(was) - set(now)), sorted(set(now) - set(was))
    moved = sum(1 for pid in set(was) & set(now) if was[pid] != now[pid])
    parts = []
    if came:
        parts.append(f"new papers {came[:5]}{' …' if len(came) > 5 else ''}")
    if gone:
        parts.append(f"papers gone {gone[:5]}{' …' if len(gone) > 5 else ''}")
    if moved:
        parts.append(f"{moved} papers scored differently")
    return "; ".join(parts) or "the same papers in another order"


def text_diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "recorded", "replayed", lineterm="", n=1
    )
    return "\n".join(lines)
