"""Evidence-table evals: extracted cells against hand-labelled ones
(`evals/table_labels.jsonl`), cell precision and recall per column, per split.

A label gives, per paper and column, the acceptable verbatim spans of its abstract (any
one will do), or none when the abstract does not state that column; the `data` column
lists every dataset the abstract names, each with its accepted spellings. A predicted
cell is *correct* when its text matches an accepted span: token F1 (lower-cased letters
and digits) of at least MATCH_F1, the SQuAD measure; a data cell when every name in it
matches one of the paper's datasets. Per column:

- precision = correct cells / filled cells (a cell filled where the label is empty is
  wrong, so guessing costs precision);
- recall = correct cells / cells the label fills;
- empty agreement = cells left empty / cells the label leaves empty.

The data column is also scored per name (name precision and recall), since one wrong
name spoils a cell. Splits are by topic; tune on tune, report test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from paperchat.errors import InputError
from paperchat.evals.dataset import SPLITS, Split, _read_jsonl

COLUMNS = ("task", "method", "data", "result")
MATCH_F1 = 0.5
_TOKEN = re.compile(r"[a-z0-9]+")

Predicted = Mapping[str, Sequence[str]]  # column → the cell's span texts (empty: no cell)


class TableLabel(BaseModel):
    id: str
    title: str | None = None
    topic: str
    split: Split
    task: list[str] = Field(default_factory=list)
    method: list[str] = Field(default_factory=list)
    data: list[list[str]] = Field(
        default_factory=list, description="Each dataset named, with its accepted spellings."
    )
    result: list[str] = Field(default_factory=list)
    notes: str | None = None


def load_table_labels(path: Path) -> list[TableLabel]:
    labels = _read_jsonl(path, TableLabel)
    seen: set[str] = set()
    for label in labels:
        if label.id in seen:
            raise InputError(f"{path}: paper {label.id!r} is labelled twice")
        seen.add(label.id)
    return labels


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def token_f1(predicted: str, gold: str) -> float:
    """SQuAD's token F1 between two texts (multiset overlap of their tokens)."""
    p, g = tokens(predicted), tokens(gold)
    if not p or not g:
        return 0.0
    remaining = list(g)
    common = 0
    for token in p:
        if token in remaining:
            remaining.remove(token)
            common += 1
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def matches(predicted: str, accepted: Iterable[str], threshold: float = MATCH_F1) -> bool:
    return any(token_f1(predicted, a) >= threshold for a in accepted)


def score_cell(column: str, predicted: Sequence[str], label: TableLabel) -> dict:
    """One cell's outcome: filled, expected (the label fills it), correct; for data also
    the names right, the names predicted and the label's datasets found."""
    if column == "data":
        items = label.data
        right = [p for p in predicted if any(matches(p, item) for item in items)]
        found = [item for item in items if any(matches(p, item) for p in predicted)]
        return {
            "filled": bool(predicted),
            "expected": bool(items),
            "correct": bool(predicted) and bool(items) and len(right) == len(predicted),
            "names": len(predicted),
            "names_right": len(right),
            "gold_names": len(items),
            "gold_found": len(found),
        }
    accepted = getattr(label, column)
    text = "; ".join(predicted)
    return {
        "filled": bool(predicted),
        "expected": bool(accepted),
        "correct": bool(predicted) and bool(accepted) and matches(text, accepted),
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def column_figures(outcomes: Sequence[dict]) -> dict:
    filled = sum(o["filled"] for o in outcomes)
    expected = sum(o["expected"] for o in outcomes)
    correct = sum(o["correct"] for o in outcomes)
    unexpected = [o for o in outcomes if not o["expected"]]
    figures = {
        "cells": len(outcomes),
        "filled": filled,
        "expected": expected,
        "correct": correct,
        "precision": _ratio(correct, filled),
        "recall": _ratio(correct, expected),
        "empty_agreement": _ratio(sum(not o["filled"] for o in unexpected), len(unexpected)),
    }
    if outcomes and "names" in outcomes[0]:
        figures["name_precision"] = _ratio(
            sum(o["names_right"] for o in outcomes), sum(o["names"] for o in outcomes)
        )
        figures["name_recall"] = _ratio(
            sum(o["gold_found"] for o in outcomes), sum(o["gold_names"] for o in outcomes)
        )
    return figures


def evaluate_table(
    labels: Sequence[TableLabel], extract: Callable[[TableLabel], Predicted]
) -> dict:
    """Every labelled paper through `extract`; figures per split and column, and each
    paper's cells for reading the failures."""
    papers = []
    for label in labels:
        predicted = extract(label)
        cells = {c: score_cell(c, list(predicted.get(c) or []), label) for c in COLUMNS}
        papers.append(
            {
                "id": label.id,
                "title": label.title,
                "topic": label.topic,
                "split": label.split,
                "predicted": {c: list(predicted.get(c) or []) for c in COLUMNS},
                "cells": cells,
            }
        )
    by_split = {}
    present = {p["split"] for p in papers}
    for split in [*SPLITS, "all"] if len(present) > 1 else [*SPLITS]:
        chosen = [p for p in papers if split == "all" or p["split"] == split]
        if not chosen:
            continue
        by_split[split] = {
            "papers": len(chosen),
            "topics": len({p["topic"] for p in chosen}),
            "columns": {c: column_figures([p["cells"][c] for p in chosen]) for c in COLUMNS},
        }
    return {"by_split": by_split, "papers": papers}


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table_summary(report: dict) -> str:
    """The figures as a Markdown table per split, test first."""
    lines = []
    for split, figures in report["by_split"].items():
        lines.append(
            f"{split} split: {figures['papers']} papers, {figures['topics']} topics"
            if split != "all"
            else f"all: {figures['papers']} papers, {figures['topics']} topics"
        )
        lines.append("")
        lines.append("| column | precision | recall | empty agreement | filled | labelled |")
        lines.append("|---|---|---|---|---|---|")
        for column, c in figures["columns"].items():
            lines.append(
                f"| {column} | {_f(c['precision'])} | {_f(c['recall'])} | "
                f"{_f(c['empty_agreement'])} | {c['filled']} | {c['expected']} |"
            )
        data = figures["columns"].get("data", {})
        if "name_precision" in data:
            lines.append("")
            lines.append(
                f"data names: precision {_f(data['name_precision'])}, "
                f"recall {_f(data['name_recall'])}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def failures(report: dict, split: str = "tune") -> list[str]:
    """Wrong or missed cells of one split, for tuning (never read the test split's)."""
    out = []
    for paper in report["papers"]:
        if paper["split"] != split:
            continue
        for column, cell in paper["cells"].items():
            if cell["correct"] or not (cell["filled"] or cell["expected"]):
                continue
            kind = "wrong" if cell["filled"] else "missed"
            got = "; ".join(paper["predicted"][column]) or "(empty)"
            out.append(f"{kind} {column} {paper['id']}: {got}")
    return out


def run_table_eval(searcher, labels: Sequence[TableLabel]) -> dict:
    """Offline extraction of every labelled paper of the searcher's index version."""
    from paperchat.research.datasets import known_datasets
    from paperchat.research.table import offline_row

    evidence = searcher.snapshot.evidence
    known = known_datasets(evidence)
    missing = [label.id for label in labels if label.id not in evidence.papers]
    if missing:
        raise InputError(
            f"{len(missing)} labelled papers are not in the index ({', '.join(missing[:3])}"
            f"{', …' if len(missing) > 3 else ''}): ingest the bundled corpus"
        )

    def extract(label: TableLabel) -> dict[str, list[str]]:
        row = offline_row(evidence.get(evidence.papers[label.id]), known)
        return {c: [s.text for s in row.cell(c).spans] for c in COLUMNS}

    return evaluate_table(labels, extract)
