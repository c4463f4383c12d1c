"""Give every question in evals/questions.jsonl a split, and merge new questions into it.

    .venv/bin/python evals/assign_splits.py                      # splits for lines without one
    .venv/bin/python evals/assign_splits.py --merge new_A.jsonl new_B.jsonl
    .venv/bin/python evals/assign_splits.py --merge new.jsonl --index   # gold ids vs the index
    .venv/bin/python evals/assign_splits.py --merge new.jsonl --dry-run # check, write nothing

A line that has a split keeps it, byte for byte; lines without one get one per stratum
(type and subtype) by a stable hash of the id (`paperchat.evals.splits`). `--merge`
appends the files' questions first. Every line is validated (schema, unique ids, gold
ids exist: in the bundled corpus by default, in the configured index with `--index`);
on any problem nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paperchat.errors import PaperchatError
from paperchat.evals.splits import read_rows, split_counts, write_with_splits

HERE = Path(__file__).resolve().parent


def known_papers(use_index: bool) -> set[str]:
    if use_index:
        from paperchat.build import build_searcher
        from paperchat.settings import Settings

        return set(build_searcher(Settings()).papers)
    from paperchat.corpus import load_corpus
    from paperchat.settings import bundled_corpus_dir

    return {p.id for p in load_corpus([bundled_corpus_dir()]).papers}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    parser.add_argument("--merge", type=Path, nargs="*", default=[], help="files to append")
    parser.add_argument("--index", action="store_true", help="check gold ids in the index")
    parser.add_argument("--no-check", action="store_true", help="do not check gold ids")
    parser.add_argument("--dry-run", action="store_true", help="validate; write nothing")
    args = parser.parse_args(argv)
    try:
        new = [row for path in args.merge for row in read_rows(path)]
        known = None if args.no_check else known_papers(args.index)
        rows = write_with_splits(args.questions, new, known, dry_run=args.dry_run)
    except PaperchatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    done = "would have" if args.dry_run else "now has"
    print(f"{args.questions} {done} {len(rows)} questions ({len(new)} merged)")
    for type_, counts in split_counts(rows).items():
        print(f"  {type_:14} " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
