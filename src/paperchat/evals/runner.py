"""An eval run: settings + dataset + scorers, and out comes one report (a plain dict)
that `report.write_report` renders. Each part is usable alone: `retrieval` (with the
`baselines`), the judge's agreement with the hand labels (`judge.evaluate_judge`),
`answers` and `summaries`. Every figure is given per split (test first) and overall."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from paperchat.errors import InputError
from paperchat.evals.answers import evaluate_answers, load_assistant
from paperchat.evals.dataset import (
    QUESTION_TYPES,
    SPLITS,
    Question,
    load_labels,
    load_questions,
    split_order,
)
from paperchat.evals.judge import SupportJudge, evaluate_judge
from paperchat.evals.retrieval import CachingEmbedder, evaluate_retrieval, with_query_cache
from paperchat.evals.summaries import evaluate_summaries
from paperchat.retrieve.searcher import HybridSearcher
from paperchat.settings import Settings

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def open_searcher(settings: Settings) -> HybridSearcher:
    """The searcher of the configured index, its query vectors cached for the run."""
    from paperchat.build import build_searcher
    from paperchat.index.embedders import build_embedder

    return build_searcher(settings, CachingEmbedder(build_embedder(settings)))


def select(
    questions: Sequence[Question], subset: str | None, split: str | None = None
) -> list[Question]:
    """All questions, or the `fast` subset (those marked `"gate": true`); of those, all
    splits or one (`tune`, `test`)."""
    if subset in (None, "all"):
        chosen = list(questions)
    elif subset == "fast":
        chosen = [q for q in questions if q.gate]
        if not chosen:
            raise InputError('--subset fast needs questions marked "gate": true; none are')
    else:
        raise InputError(f"unknown subset {subset!r}; use 'fast' or 'all'")
    if split in (None, "all"):
        return chosen
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use tune, test or all")
    unsplit = [q.id for q in chosen if q.split is None]
    if unsplit:
        raise InputError(
            f"{len(unsplit)} questions have no split (e.g. {unsplit[0]}): run "
            "`python evals/assign_splits.py`, or use --split all"
        )
    return [q for q in chosen if q.split == split]


def check_gold(questions: Iterable[Question], known: Mapping[str, Any]) -> None:
    missing = sorted({g for q in questions for g in q.gold if g not in known})
    if missing:
        raise InputError(
            f"{len(missing)} gold paper ids are not in the index (e.g. {missing[0]}): the "
            "question set was written for the bundled corpus — index it with `paperchat "
            "ingest` (no paths), or use a data dir that holds it"
        )


def run_eval(
    settings: Settings,
    questions_path: Path,
    labels_path: Path | None,
    *,
    subset: str | None = None,
    split: str | None = None,
    mode: str = "auto",
    answers: bool = True,
    baselines: bool = True,
    searcher: HybridSearcher | None = None,
    progress: Progress = _quiet,
) -> dict:
    """The whole eval as one dict: what `report.write_report` renders."""
    questions = select(load_questions(questions_path), subset, split)
    searcher = with_query_cache(searcher or open_searcher(settings))
    check_gold(questions, searcher.papers)
    started = time.perf_counter()
    splits = split_order(q.split_name for q in questions)
    report: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions_file": str(questions_path),
        "subset": subset or "all",
        "split": split or "all",
        "splits": splits,
        "counts": {t: sum(1 for q in questions if q.type == t) for t in QUESTION_TYPES},
        "counts_by_split": {
            s: {
                t: sum(1 for q in questions if q.type == t and q.split_name == s)
                for t in QUESTION_TYPES
            }
            for s in splits
        },
        "papers_indexed": len(searcher.papers),
        "embedder": searcher.embedder.name,
        "machine": f"{platform.system()} {platform.machine()}, python {platform.python_version()}",
    }
    rankers, report["baselines"] = {}, None
    if baselines:
        from paperchat.evals.baselines import build_baselines

        rankers, report["baselines"] = build_baselines(searcher.embedder, searcher.papers, progress)
    report["retrieval"] = evaluate_retrieval(
        searcher, questions, progress=progress, rankers=rankers
    )

    judge_embedder = searcher.embedder
    if settings.embed_model != "minilm":
        from paperchat.index.embedders import build_embedder

        judge_embedder = build_embedder(settings.model_copy(update={"embed_model": "minilm"}))
    abstracts = {pid: paper.abstract for pid, paper in searcher.papers.items()}
    judge = SupportJudge(judge_embedder, abstracts)
    if labels_path is not None:
        progress("judge: agreement with the hand labels")
        labels = load_labels(labels_path)
        unknown = sorted({label.paper for label in labels if label.paper not in abstracts})
        if unknown:
            raise InputError(f"{labels_path}: {len(unknown)} label paper ids are not indexed")
        report["judge"] = evaluate_judge(judge, labels)
    else:
        report["judge"] = None

    if not answers:
        note = "answers were not evaluated (--no-answers)"
        report["answers"] = report["summaries"] = {"available": False, "note": note}
    else:
        assistant, note = load_assistant(settings, searcher)
        if assistant is None:
            report["answers"] = report["summaries"] = {"available": False, "note": note}
        else:
            report["answers"] = evaluate_answers(
                assistant, questions, judge, mode=mode, progress=progress
            )
            report["summaries"] = evaluate_summaries(
                assistant, questions, mode=mode, progress=progress
            )
    report["titles"] = _titles(report, searcher)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _titles(report: dict, searcher: HybridSearcher) -> dict[str, str]:
    """Titles of the papers a reader of the report meets: gold, top hits, citations."""
    needed: set[str] = set()
    for q in report["retrieval"]["questions"]:
        needed.update(q["gold"])
        for found in q["methods"].values():
            needed.update(found["ranked"][:1])
    for q in report["answers"].get("questions", []) + report["summaries"].get("questions", []):
        needed.update(q["cited"])
        needed.update(q["gold"])
    papers = searcher.papers
    return {pid: papers[pid].display_title for pid in sorted(needed) if pid in papers}
