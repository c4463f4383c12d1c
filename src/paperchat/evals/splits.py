"""Tune and test splits of the question set, and merging new questions into it.

A question's split is written in the file (`"split": "tune" | "test"`) so it never moves:
assigning splits to new questions leaves every existing line as it is. New questions are
split per stratum (type and subtype), in the order of a stable hash of their id, each to
the split that has fewer questions of that stratum so far — about half each, the same
result on every machine, and independent of the order the lines were written in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from paperchat.errors import InputError
from paperchat.evals.dataset import Question

Row = dict


def stable_hash(text: str) -> int:
    """A hash of the text that is the same in every process (Python's `hash` is not)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def stratum(row: Row) -> tuple[str, str]:
    return (str(row.get("type")), str(row.get("subtype") or ""))


def assign_splits(rows: Sequence[Row]) -> list[Row]:
    """The rows with a split on every one; rows that have a split keep it unchanged.

    Within each stratum the unsplit rows, in stable-hash order of their ids, go to the
    split with fewer rows so far; on a tie the hash's lowest bit chooses.
    """
    counts: Counter[tuple[tuple[str, str], str]] = Counter(
        (stratum(r), r["split"]) for r in rows if r.get("split")
    )
    chosen: dict[int, str] = {}
    pending = sorted(
        (i for i, r in enumerate(rows) if not r.get("split")),
        key=lambda i: stable_hash(str(rows[i]["id"])),
    )
    for i in pending:
        key = stratum(rows[i])
        test, tune = counts[(key, "test")], counts[(key, "tune")]
        if test != tune:
            split = "test" if test < tune else "tune"
        else:
            split = "test" if stable_hash(str(rows[i]["id"])) & 1 else "tune"
        counts[(key, split)] += 1
        chosen[i] = split
    return [r | {"split": chosen[i]} if i in chosen else r for i, r in enumerate(rows)]


def validate_rows(
    rows: Iterable[tuple[str, Row]], known_papers: Collection[str] | None = None
) -> list[str]:
    """Problems with the rows (each labelled, e.g. "file:12"): schema, duplicate ids, and
    gold ids not in `known_papers` when given. Empty when all is well."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for where, row in rows:
        try:
            question = Question.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "line"
                problems.append(f"{where}: {field}: {err['msg']}")
            continue
        if question.id in seen:
            problems.append(f"{where}: id {question.id!r} already used at {seen[question.id]}")
        seen.setdefault(question.id, where)
        if known_papers is not None:
            missing = [g for g in question.gold if g not in known_papers]
            if missing:
                problems.append(f"{where}: gold ids not in the index: {', '.join(missing)}")
    return problems


# ---------------------------------------------------------------- files


def read_rows(path: Path) -> list[tuple[str, Row]]:
    """(label "path:line", object) for each non-empty line; bad JSON stops with its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: a line must be a JSON object")
        rows.append((f"{path}:{number}", row))
    return rows


def dump_row(row: Row) -> str:
    return json.dumps(row, ensure_ascii=False)


def write_with_splits(
    path: Path,
    new_rows: Sequence[tuple[str, Row]] = (),
    known: Collection[str] | None = None,
    *,
    dry_run: bool = False,
) -> list[Row]:
    """Append `new_rows` to the question file at `path`, give every line without a split
    one, check the whole file, then write it (unless `dry_run`). A line that already had
    a split is written back byte for byte. Nothing is written when any line has a problem.
    Returns every row of the file, as written (or as it would be)."""
    text = Path(path).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    old = read_rows(path)
    rows = [row for _, row in old] + [row for _, row in new_rows]
    problems = validate_rows([*old, *new_rows], known)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise InputError(f"{len(problems)} problems, nothing written:\n  {shown}{more}")
    split = assign_splits(rows)
    out = [
        lines[i] if i < len(lines) and rows[i].get("split") else dump_row(row)
        for i, row in enumerate(split)
    ]
    if not dry_run:
        Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")
    return split


def split_counts(rows: Iterable[Row]) -> dict[str, dict[str, int]]:
    """{type: {split: n}}, for the README and a script's output."""
    table: dict[str, Counter[str]] = {}
    for row in rows:
        table.setdefault(str(row.get("type")), Counter())[str(row.get("split") or "unsplit")] += 1
    return {t: dict(c) for t, c in table.items()}
