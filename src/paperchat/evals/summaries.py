"""Summary evals: every topic question through `Assistant.summarize`, scored by the
papers it cites against the topic's gold set — paper precision (cited ∩ gold / cited)
and recall (cited ∩ gold / gold), the mean over topics, per split and overall."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from paperchat.errors import PaperchatError
from paperchat.evals import metrics as m
from paperchat.evals.dataset import Question, split_order


def _quiet(_: str) -> None:
    return None


def score_summary(question: Question, summary: Any) -> dict:
    cited = list(dict.fromkeys(c.id for c in summary.citations))
    return {
        "id": question.id,
        "split": question.split_name,
        "question": question.question,
        "gold": question.gold,
        "cited": cited,
        "verdict": getattr(summary, "verdict", None),
        "abstained": summary.abstained,
        "precision": m.paper_precision(cited, question.gold),
        "recall": m.paper_recall(cited, question.gold),
        "error": None,
    }


def summary_figures(rows: Sequence[dict]) -> dict:
    """Mean paper precision and recall over the rows; an error scores 0 on both."""
    return {
        "count": len(rows),
        "precision": m.mean([r["precision"] for r in rows]) if rows else None,
        "recall": m.mean([r["recall"] for r in rows]) if rows else None,
        "abstained": sum(1 for r in rows if r["abstained"]),
        "errors": sum(1 for r in rows if r["error"]),
    }


def evaluate_summaries(
    assistant: Any,
    questions: Sequence[Question],
    *,
    mode: str = "auto",
    progress: Callable[[str], None] = _quiet,
) -> dict:
    topics = [q for q in questions if q.type == "topic"]
    progress(f"summaries: {len(topics)} topics (mode {mode})")
    rows, seconds = [], []
    for q in topics:
        start = time.perf_counter()
        try:
            summary = assistant.summarize(q.question, mode=mode)
        except PaperchatError as exc:
            rows.append(
                {
                    "id": q.id,
                    "split": q.split_name,
                    "question": q.question,
                    "gold": q.gold,
                    "cited": [],
                    "verdict": None,
                    "abstained": False,
                    "precision": 0.0,
                    "recall": 0.0,
                    "error": f"{exc.__class__.__name__}: {exc}",
                }
            )
            continue
        seconds.append(time.perf_counter() - start)
        rows.append(score_summary(q, summary))
    splits = split_order(r["split"] for r in rows)
    return {
        "available": True,
        **summary_figures(rows),
        "latency_seconds": {"p50": m.percentile(seconds, 50), "p95": m.percentile(seconds, 95)},
        "splits": splits,
        "by_split": {s: summary_figures([r for r in rows if r["split"] == s]) for s in splits},
        "questions": rows,
    }
