"""Answer evals: every question through the Assistant — a dialog turn by turn, with the
answers so far as history — scored for abstention, fact recall, ALCE citation precision
and recall (with the support judge) and latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperchat.errors import PaperchatError
from paperchat.evals import metrics as m
from paperchat.evals.dataset import QUESTION_TYPES, Question
from paperchat.evals.judge import SupportJudge
from paperchat.evals.retrieval import CachingEmbedder
from paperchat.evals.text import statements
from paperchat.retrieve.searcher import HybridSearcher
from paperchat.settings import Settings


def _quiet(_: str) -> None:
    return None


@dataclass
class AnswerRow:
    id: str
    type: str
    subtype: str | None
    answerable: bool
    question: str
    gold: list[str]
    abstained: bool = False
    mode: str | None = None
    answer: str = ""
    cited: list[str] = field(default_factory=list)
    gold_cited: bool = False
    fact_recall: float | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    statements: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def success(self) -> bool:
        """The outcome a user wants: unanswerable → declined; answerable → answered,
        citing a gold paper, with every expected string stated and cited."""
        if self.error:
            return False
        if not self.answerable:
            return self.abstained
        return (
            not self.abstained
            and self.gold_cited
            and (self.fact_recall is None or self.fact_recall == 1.0)
        )


def load_assistant(
    settings: Settings, searcher: HybridSearcher | None = None
) -> tuple[Any | None, str | None]:
    """The Assistant from the composition root, or None and why (the answering layer
    may not be installed yet; the report then says so instead of scoring nothing).

    It gets the run's searcher without the query cache, so answer latency includes
    embedding the question, as it does for a user."""
    try:
        from paperchat.build import build_assistant
    except ImportError:
        return None, "answering layer not available: paperchat.build has no build_assistant"
    if isinstance(searcher, HybridSearcher) and isinstance(searcher.embedder, CachingEmbedder):
        searcher = HybridSearcher(
            searcher.embedder.inner,
            searcher.store,
            searcher.snapshot,
            candidates=searcher.candidates,
            rrf_k=searcher.rrf_k,
        )
    return build_assistant(settings, searcher=searcher), None


def _ask(assistant: Any, question: Question, mode: str) -> tuple[Any, list[float]]:
    """Ask the question, a dialog turn by turn with the answers so far as history."""
    from paperchat.answer.models import Turn

    history: list[Turn] = []
    seconds: list[float] = []
    answer = None
    for turn in question.turns or [question.question]:
        start = time.perf_counter()
        answer = assistant.ask(turn, history=list(history) or None, mode=mode)
        seconds.append(time.perf_counter() - start)
        history += [
            Turn(role="user", content=turn),
            Turn(role="assistant", content=answer.answer, citations=answer.citations or None),
        ]
    return answer, seconds


def score_answer(question: Question, answer: Any, judge: SupportJudge) -> AnswerRow:
    """Score one Answer (text with [n] markers, citations n → paper id, abstained)."""
    ids = {c.n: c.id for c in answer.citations}
    row = AnswerRow(
        id=question.id,
        type=question.type,
        subtype=question.subtype,
        answerable=question.answerable,
        question=question.question,
        gold=question.gold,
        abstained=answer.abstained,
        mode=answer.mode,
        answer=answer.answer,
        cited=list(dict.fromkeys(ids.values())),
    )
    row.gold_cited = bool(set(row.cited) & set(question.gold))
    if answer.abstained:
        return row
    claims = statements(answer.answer, ids)
    row.statements = len(claims)
    judge.prepare([c.text for c in claims], [p for c in claims for p in c.cited])
    if question.expected:
        row.fact_recall = m.fact_recall(claims, question.expected, question.gold)
    if claims:
        row.citation_recall = m.citation_recall(claims, judge.supports)
        row.citation_precision = m.citation_precision(claims, judge.supports)
    return row


def _rate(rows: Sequence[AnswerRow], value: Callable[[AnswerRow], float | None]) -> float | None:
    values = [v for v in (value(r) for r in rows) if v is not None]
    return m.mean(values) if values else None


def summarize_answers(rows: Sequence[AnswerRow], seconds: Sequence[float]) -> dict:
    answered_ok = [r for r in rows if not r.error]

    def block(part: Sequence[AnswerRow]) -> dict:
        answerable = [r for r in part if r.answerable]
        return {
            "count": len(part),
            "success": _rate(part, lambda r: float(r.success)),
            "abstained": _rate(part, lambda r: float(r.abstained)),
            "gold_cited": _rate(answerable, lambda r: float(r.gold_cited)),
            "fact_recall": _rate(part, lambda r: r.fact_recall),
            "citation_precision": _rate(part, lambda r: r.citation_precision),
            "citation_recall": _rate(part, lambda r: r.citation_recall),
            "errors": sum(1 for r in part if r.error),
        }

    types = [t for t in QUESTION_TYPES if any(r.type == t for r in rows)]
    return {
        "available": True,
        "modes": sorted({r.mode for r in rows if r.mode}),
        "abstention_precision": m.abstention_precision(
            [r.abstained for r in answered_ok], [r.answerable for r in answered_ok]
        ),
        "abstention_recall": m.abstention_recall(
            [r.abstained for r in answered_ok], [r.answerable for r in answered_ok]
        ),
        "false_abstention_rate": _rate(
            [r for r in answered_ok if r.answerable], lambda r: float(r.abstained)
        ),
        "latency_seconds": {
            "p50": m.percentile(seconds, 50),
            "p95": m.percentile(seconds, 95),
            "asks": len(seconds),
        },
        "overall": block(rows),
        "by_type": {t: block([r for r in rows if r.type == t]) for t in types},
        "questions": [vars(r) | {"success": r.success} for r in rows],
    }


def evaluate_answers(
    assistant: Any,
    questions: Sequence[Question],
    judge: SupportJudge,
    *,
    mode: str = "auto",
    progress: Callable[[str], None] = _quiet,
) -> dict:
    rows: list[AnswerRow] = []
    seconds: list[float] = []
    progress(f"answers: {len(questions)} questions (mode {mode})")
    for done, question in enumerate(questions):
        if done and done % 25 == 0:
            progress(f"answers: {done} of {len(questions)}")
        try:
            answer, took = _ask(assistant, question, mode)
        except PaperchatError as exc:
            rows.append(
                AnswerRow(
                    id=question.id,
                    type=question.type,
                    subtype=question.subtype,
                    answerable=question.answerable,
                    question=question.question,
                    gold=question.gold,
                    error=f"{exc.__class__.__name__}: {exc}",
                )
            )
            continue
        seconds += took
        row = score_answer(question, answer, judge)
        row.seconds = sum(took)
        rows.append(row)
    return summarize_answers(rows, seconds)
