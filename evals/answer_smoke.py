"""A small answer eval: right paper cited, fact surfaced, abstention precision/recall.

    python evals/answer_smoke.py [--questions evals/answer_smoke.jsonl] [--data-dir DIR]
    python evals/answer_smoke.py --tune-verify       # claim checks on evals/support_labels.jsonl

Questions (JSONL): `kind` is lookup | fact | followup | unanswerable; `papers` the ids
any of which counts as the right paper; `expect` strings any of which shows the fact was
surfaced; `history` earlier questions (asked first, their answers passed as history).
`--questions evals/questions.jsonl` reads the full eval set's shape too (there a fact
counts as surfaced when every expected item is in the answer).
The scoring functions are pure and unit-tested (tests/answer/test_smoke_scorers.py).
The full eval harness is `paperchat eval`; this one only backs the answerer's numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cited_right_paper(cited_ids: Sequence[str], gold: Iterable[str]) -> bool:
    """Does the answer cite any of the gold papers?"""
    return bool(set(cited_ids) & set(gold))


def surfaced(answer_text: str, expected: Iterable[str]) -> bool:
    """Does the answer text contain any of the expected strings (case-insensitive)?"""
    lowered = answer_text.lower()
    return any(e.lower() in lowered for e in expected)


def surfaced_all(answer_text: str, groups: Iterable[Iterable[str]]) -> bool:
    """Is every expected item (any of its spellings) in the answer text?"""
    return all(surfaced(answer_text, spellings) for spellings in groups)


def abstention_scores(outcomes: Iterable[tuple[bool, bool]]) -> dict[str, float]:
    """Precision and recall of abstaining, from (should_abstain, abstained) pairs.

    Precision: of the abstentions, how many were on unanswerable questions (1.0 when
    there were none). Recall: of the unanswerable questions, how many were abstained on.
    """
    pairs = list(outcomes)
    tp = sum(1 for should, did in pairs if should and did)
    fp = sum(1 for should, did in pairs if not should and did)
    fn = sum(1 for should, did in pairs if should and not did)
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "false_abstentions": float(fp),
    }


def normalize(row: dict) -> dict:
    """A question in this file's shape; also reads evals/questions.jsonl's shape
    (`type`, `gold`, `expected`, `answerable`, `turns`)."""
    if "kind" in row:
        return row
    return {
        "id": row["id"],
        "kind": row.get("type", "lookup") if row.get("answerable", True) else "unanswerable",
        "question": row["question"],
        "papers": row.get("gold", []),
        # there, each expected item must be stated; an item may list accepted spellings
        "expect_all": [[e] if isinstance(e, str) else list(e) for e in row.get("expected", [])],
        "history": row.get("turns", [])[:-1],
    }


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def _assistant(data_dir: str | None):
    from paperchat.build import build_assistant, run_ingest
    from paperchat.settings import load_settings

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}))
    if not (settings.data_dir / "chroma").exists():
        run_ingest(settings)
    return build_assistant(settings)


def run(questions: Path, data_dir: str | None) -> dict:
    from paperchat.answer.models import Turn

    assistant = _assistant(data_dir)
    rows = [normalize(json.loads(x)) for x in questions.read_text().splitlines() if x.strip()]
    right, facts, abstain, details = [], [], [], []
    for row in rows:
        history: list[Turn] = []
        for earlier in row.get("history", []):
            previous = assistant.ask(earlier, mode="extractive")
            history += [
                Turn(role="user", content=earlier),
                Turn(role="assistant", content=previous.answer),
            ]
        answer = assistant.ask(row["question"], history=history or None, mode="extractive")
        cited = [c.id for c in answer.citations]
        unanswerable = row["kind"] == "unanswerable"
        abstain.append((unanswerable, answer.abstained))
        record = {
            "id": row["id"],
            "abstained": answer.abstained,
            "should_abstain": unanswerable,
            "cited": cited,
        }
        if not unanswerable:
            record["right_paper"] = cited_right_paper(cited, row["papers"])
            right.append(record["right_paper"])
        if row.get("expect"):
            record["fact"] = surfaced(answer.answer, row["expect"])
            facts.append(record["fact"])
        elif row.get("expect_all"):
            record["fact"] = surfaced_all(answer.answer, row["expect_all"])
            facts.append(record["fact"])
        details.append(record)
    return {
        "questions": len(rows),
        "right_paper_cited": round(rate(right), 3),
        "right_paper_n": len(right),
        "fact_surfaced": round(rate(facts), 3),
        "fact_n": len(facts),
        **{f"abstention_{k}": round(v, 3) for k, v in abstention_scores(abstain).items()},
        "unanswerable_n": sum(1 for should, _ in abstain if should),
        "misses": [
            d
            for d in details
            if not d.get("right_paper", True)
            or not d.get("fact", True)
            or d["abstained"] != d["should_abstain"]
        ],
    }


def tune_verify(data_dir: str | None) -> None:
    """Accuracy of the claim check on each split of evals/support_labels.jsonl."""
    from paperchat.answer.verify import verify

    assistant = _assistant(data_dir)
    rows = [json.loads(x) for x in (HERE / "support_labels.jsonl").read_text().splitlines() if x]
    for split in ("tune", "test"):
        chosen = [r for r in rows if r["split"] == split]
        correct = 0
        for row in chosen:
            paper = assistant.searcher.papers[row["paper"]]
            evidence = assistant.searcher.snapshot.evidence
            checked = verify(
                f"{row['sentence']} [1]",
                {1: paper},
                evidence,
                assistant.searcher.embedder.embed_documents,
                assistant.thresholds,
                evidence.weights,
            )
            correct += (checked.supported == 1) == row["supported"]
        print(f"{split}: {correct}/{len(chosen)} = {correct / len(chosen):.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "answer_smoke.jsonl")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--tune-verify", action="store_true")
    args = parser.parse_args(argv)
    if args.tune_verify:
        tune_verify(args.data_dir)
    else:
        print(json.dumps(run(args.questions, args.data_dir), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
