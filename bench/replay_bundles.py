"""Bundle N eval questions and replay them: how many answers come back identical.

    PAPERCHAT_DATA_DIR=... python bench/replay_bundles.py [-n 20] [--out DIR] [--mode extractive]

With --out the bundles are written there, so `paperchat replay DIR/NN.json` can replay
them from another process (the command prints the count; see the report in the PR).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paperchat.answer.provenance import Request, recorded_ask, replay
from paperchat.build import build_assistant
from paperchat.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"))
    parser.add_argument("--mode", default="extractive")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()][: args.n]
    assistant = build_assistant(load_settings())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    identical = 0
    for i, question in enumerate(questions, start=1):
        _, bundle = recorded_ask(assistant, Request(question=question, mode=args.mode))
        if args.out:
            (args.out / f"{i:02d}.json").write_text(bundle.model_dump_json(indent=2), "utf-8")
        report = replay(bundle, assistant)
        identical += report.identical
        kinds = ",".join(c.kind for c in report.changes) or "-"
        outcome = "identical" if report.identical else "DIFFERS"
        print(f"{i:02d} {bundle.verdict:18} {outcome} {kinds}")
    print(f"identical: {identical}/{len(questions)}")


if __name__ == "__main__":
    main()
