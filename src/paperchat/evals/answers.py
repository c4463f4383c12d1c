"""Answer evals: every question through the Assistant — a dialog turn by turn, with the
answers so far as history — scored for verdicts and abstention, fact recall, ALCE
citation precision and recall (with the support judge), the relevance model's
calibration and latency; every figure per split and over all questions."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperchat.errors import PaperchatError
from paperchat.evals import metrics as m
from paperchat.evals.dataset import (
    ABSTAIN_VERDICTS,
    QUESTION_TYPES,
    VERDICTS,
    Question,
    split_order,
)
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
    split: str = "unsplit"
    expected_verdict: str = "answered"
    verdict: str | None = None
    abstained: bool = False
    mode: str | None = None
    answer: str = ""
    cited: list[str] = field(default_factory=list)
    gold_cited: bool = False
    confidence: float | None = None
    top_paper: str | None = None
    top_is_gold: bool = False
    fact_recall: float | None = None
    citation_recall: float | None = None
    citation_precision: float | None = None
    statements: int = 0
    seconds: float = 0.0
    ask_seconds: list[float] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def of(cls, question: Question, **fields: Any) -> AnswerRow:
        return cls(
            id=question.id,
            type=question.type,
            subtype=question.subtype,
            answerable=question.answerable,
            question=question.question,
            gold=question.gold,
            split=question.split_name,
            expected_verdict=question.expected_verdict,
            **fields,
        )

    @property
    def declined(self) -> bool:
        """Abstained, read from the verdict: not_in_corpus or no_relevant_paper."""
        return self.verdict in ABSTAIN_VERDICTS

    @property
    def success(self) -> bool:
        """The outcome a user wants, by expected verdict: answered → answered, citing a
        gold paper, every expected string stated and cited; detail_missing → that verdict,
        citing a gold paper; not_in_corpus → declined, citing nothing (nothing attributed
        to a paper that does not mention the named thing); no_relevant_paper → declined."""
        if self.error:
            return False
        expected = self.expected_verdict
        if expected == "answered":
            return (
                self.verdict == "answered"
                and self.gold_cited
                and (self.fact_recall is None or self.fact_recall == 1.0)
            )
        if expected == "detail_missing":
            return self.verdict == "detail_missing" and self.gold_cited
        if expected == "not_in_corpus":
            return self.declined and not self.cited
        return self.declined


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


def top_paper(answer: Any) -> str | None:
    """The paper the answer's `confidence` is about: its top source, else its first
    citation."""
    sources = getattr(answer, "sources", None) or []
    if sources:
        return sources[0].id
    citations = getattr(answer, "citations", None) or []
    return citations[0].id if citations else None


def score_answer(question: Question, answer: Any, judge: SupportJudge) -> AnswerRow:
    """Score one Answer (text with [n] markers, citations n → paper id, verdict,
    abstained, and `confidence` when the answerer gives one)."""
    ids = {c.n: c.id for c in answer.citations}
    verdict = getattr(answer, "verdict", None)
    confidence = getattr(answer, "confidence", None)
    row = AnswerRow.of(
        question,
        verdict=verdict or ("no_relevant_paper" if answer.abstained else "answered"),
        abstained=answer.abstained,
        mode=answer.mode,
        answer=answer.answer,
        cited=list(dict.fromkeys(ids.values())),
        confidence=None if confidence is None else float(confidence),
        top_paper=top_paper(answer),
    )
    row.gold_cited = bool(set(row.cited) & set(question.gold))
    row.top_is_gold = row.top_paper in question.gold
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


def calibration(rows: Sequence[AnswerRow], bins: int = 10) -> dict:
    """How well `confidence` predicts that the top paper is a gold one: a reliability
    table and the Brier score, over all rows with a confidence and per verdict given."""

    def part(members: Sequence[AnswerRow]) -> dict:
        predicted = [r.confidence for r in members if r.confidence is not None]
        observed = [r.top_is_gold for r in members if r.confidence is not None]
        table = m.reliability(predicted, observed, bins)
        return {
            "count": len(predicted),
            "brier": m.brier_score(predicted, observed),
            "ece": m.expected_calibration_error(table),
            "observed_rate": m.mean([float(o) for o in observed]) if observed else None,
            "table": table,
        }

    scored = [r for r in rows if not r.error]
    with_confidence = [r for r in scored if r.confidence is not None]
    verdicts = [v for v in VERDICTS if any(r.verdict == v for r in with_confidence)]
    return {
        "available": bool(with_confidence),
        "missing": len(scored) - len(with_confidence),
        "outcome": "the top source (else the first citation) is a gold paper",
        "overall": part(with_confidence),
        "by_verdict": {v: part([r for r in with_confidence if r.verdict == v]) for v in verdicts},
    }


def answer_figures(rows: Sequence[AnswerRow]) -> dict:
    """Every answer figure of one set of rows (a split, or all of them)."""
    scored = [r for r in rows if not r.error]

    def block(part: Sequence[AnswerRow]) -> dict:
        answerable = [r for r in part if r.answerable]
        return {
            "count": len(part),
            "success": _rate(part, lambda r: float(r.success)),
            "verdict_accuracy": _rate(part, lambda r: float(r.verdict == r.expected_verdict)),
            "abstained": _rate(part, lambda r: float(r.declined)),
            "gold_cited": _rate(answerable, lambda r: float(r.gold_cited)),
            "fact_recall": _rate(part, lambda r: r.fact_recall),
            "citation_precision": _rate(part, lambda r: r.citation_precision),
            "citation_recall": _rate(part, lambda r: r.citation_recall),
            "errors": sum(1 for r in part if r.error),
        }

    types = [t for t in QUESTION_TYPES if any(r.type == t for r in rows)]
    abstain_expected = [r.expected_verdict not in ABSTAIN_VERDICTS for r in scored]
    # verdicts over every row: an error is a wrong verdict, in the table's "error" column
    expected = [r.expected_verdict for r in rows]
    got = [None if r.error else r.verdict for r in rows]
    named = [r for r in rows if r.expected_verdict == "not_in_corpus"]
    confusion = m.confusion(expected, got, VERDICTS)
    seconds = [s for r in rows for s in r.ask_seconds]
    return {
        "count": len(rows),
        "abstention_precision": m.abstention_precision(
            [r.declined for r in scored], abstain_expected
        ),
        "abstention_recall": m.abstention_recall([r.declined for r in scored], abstain_expected),
        # answered and detail_missing questions alike: declining either is wrong
        "false_abstention_rate": _rate(
            [r for r in scored if r.expected_verdict not in ABSTAIN_VERDICTS],
            lambda r: float(r.declined),
        ),
        "verdict_accuracy": m.verdict_accuracy(got, expected) if rows else None,
        # per expected verdict, the share that got it (the confusion table's diagonal)
        "verdict_rate": {
            v: (row[v] / sum(row.values()) if sum(row.values()) else None)
            for v, row in confusion.items()
        },
        "confusion": confusion,
        "named_absent": {
            "count": len(named),
            "success": _rate(named, lambda r: float(r.success)),
            "attributed": sum(1 for r in named if r.cited),
        },
        "latency_seconds": {
            "p50": m.percentile(seconds, 50),
            "p95": m.percentile(seconds, 95),
            "asks": len(seconds),
        },
        "overall": block(rows),
        "by_type": {t: block([r for r in rows if r.type == t]) for t in types},
        "calibration": calibration(rows),
    }


def summarize_answers(rows: Sequence[AnswerRow]) -> dict:
    """All rows' figures at the top level, each split's under `by_split` (test first)."""
    splits = split_order(r.split for r in rows)
    return {
        "available": True,
        "modes": sorted({r.mode for r in rows if r.mode}),
        **answer_figures(rows),
        "splits": splits,
        "by_split": {s: answer_figures([r for r in rows if r.split == s]) for s in splits},
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
    progress(f"answers: {len(questions)} questions (mode {mode})")
    for done, question in enumerate(questions):
        if done and done % 25 == 0:
            progress(f"answers: {done} of {len(questions)}")
        try:
            answer, took = _ask(assistant, question, mode)
        except PaperchatError as exc:
            rows.append(AnswerRow.of(question, error=f"{exc.__class__.__name__}: {exc}"))
            continue
        row = score_answer(question, answer, judge)
        row.seconds = sum(took)
        row.ask_seconds = took
        rows.append(row)
    return summarize_answers(rows)
