"""Render an eval run: `report.md` for people, `report.json` for tools, `report.png` to see it.

Everything here reads the dict `runner.run_eval` returns; nothing is recomputed except
the choice of the weakest question type, which is added to the dict before it is saved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

LABELS = {
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "recall@10": "recall@10",
}
CHART_METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
MAX_EXAMPLES = 6


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _bold_best(values: Sequence[float]) -> list[str]:
    best = max(values) if values else None
    return [f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in values]


def _title(report: dict, paper_id: str | None) -> str:
    if not paper_id:
        return "(nothing)"
    return report.get("titles", {}).get(paper_id, paper_id)


def _views(section: dict) -> list[tuple[str, dict]]:
    """(split, its figures) for each split of a section, test first; a section without
    splits is one view of all its questions."""
    splits = section.get("splits") or []
    if splits in ([], ["unsplit"]):
        return [("all", section)]
    return [(s, section["by_split"][s]) for s in splits]


def _named(split: str) -> str:
    return "all questions" if split == "all" else f"{split} split"


def _view(section: dict, prefer: str) -> tuple[str, dict]:
    """One split's figures: `prefer` when present, else all questions."""
    if prefer in (section.get("by_split") or {}):
        return prefer, section["by_split"][prefer]
    return "all", section


# ---------------------------------------------------------------- weakest type


def weakest(report: dict) -> dict:
    """The question type that fares worst, with examples of its failures: by answer
    success when answers were evaluated, and by hybrid hit@5 in any case.

    Taken from the tune split when there is one: failures are what one reads to improve
    the code, and the test split is not for reading (see evals/README.md)."""
    result: dict = {"answers": None, "retrieval": None}
    answers = report.get("answers") or {}
    if answers.get("available"):
        split, view = _view(answers, "tune")
        by_type = {t: b["success"] for t, b in view["by_type"].items() if b["count"]}
        worst = min(by_type, key=lambda t: by_type[t])
        failures = [
            q
            for q in answers["questions"]
            if q["type"] == worst and not q["success"] and split in ("all", q["split"])
        ]
        result["answers"] = {
            "split": split,
            "type": worst,
            "success": by_type[worst],
            "examples": [
                {
                    "id": q["id"],
                    "question": q["question"],
                    "abstained": q["abstained"],
                    "verdict": q.get("verdict"),
                    "expected_verdict": q.get("expected_verdict"),
                    "cited": [_title(report, pid) for pid in q["cited"]],
                    "gold": [_title(report, pid) for pid in q["gold"]],
                    "fact_recall": q["fact_recall"],
                    "error": q["error"],
                }
                for q in failures[:MAX_EXAMPLES]
            ],
        }
    retrieval = report["retrieval"]
    split, view = _view(retrieval, "tune")
    if "hybrid" in view["by_type"]:
        by_type = {t: s["hit@5"] for t, s in view["by_type"]["hybrid"].items()}
        worst = min(by_type, key=lambda t: by_type[t])
        misses = []
        for q in retrieval["questions"]:
            found = q["methods"]["hybrid"]
            in_split = split in ("all", q.get("split"))
            if q["type"] == worst and not found["hit@5"] and in_split:
                misses.append(
                    {
                        "id": q["id"],
                        "question": q["question"],
                        "gold": [_title(report, pid) for pid in q["gold"]],
                        "top": _title(report, (found["ranked"] or [None])[0]),
                        "first_gold_rank": found["first_gold_rank"],
                    }
                )
        result["retrieval"] = {
            "split": split,
            "type": worst,
            "hit@5": by_type[worst],
            "examples": misses[:MAX_EXAMPLES],
        }
    return result


# ---------------------------------------------------------------- markdown


def _retrieval_table(r: dict, view: dict) -> list[str]:
    methods = r["methods"]
    rows = []
    for metric in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "recall@10"):
        rows.append([LABELS[metric], *_bold_best([view["overall"][x][metric] for x in methods])])
    if "topic" in view["by_type"][methods[0]]:
        topic = [view["by_type"][x]["topic"]["recall@10"] for x in methods]
        rows.append(["recall@10 (topic questions)", *_bold_best(topic)])
    return _table(["metric", *methods], rows)


def _retrieval_section(report: dict) -> list[str]:
    r = report["retrieval"]
    methods = r["methods"]
    lines = [
        "## Retrieval: configurations side by side",
        "",
        f"Top {r['k']} papers per question with gold papers; {r['query']}. Best value per "
        f"row in bold. Search latency excludes embedding the query (p50 "
        f"{r['embed_latency_seconds']['p50'] * 1000:.0f} ms, shared by every configuration).",
    ]
    info = report.get("baselines")
    if info:
        dense, llama = info["abstract-dense"], info["llama-index"]
        cut = (
            f"; {dense['truncated']} of {dense['papers']} title+abstract texts exceed the "
            f"embedder's {dense['max_tokens']} tokens and are cut there"
            if dense["max_tokens"]
            else ""
        )
        lines += [
            "",
            "Baselines: `abstract-dense` embeds each paper's title and abstract whole with "
            f"the index's embedder and ranks by cosine{cut}. `llama-index` is a plain "
            "`VectorStoreIndex` (default node parser, in-memory vector store) over the same "
            f"papers with the same embedder: {llama['nodes']} nodes for {llama['papers']} "
            "papers.",
        ]
    for split, view in _views(r):
        n = view["overall"][methods[0]]["count"]
        lines += ["", f"### {_named(split)} ({n} questions)", "", *_retrieval_table(r, view)]
    latency = r["latency_seconds"]
    lines += [
        "",
        "Search latency p50 / p95 (ms), all questions: "
        + ", ".join(
            f"{x} {latency[x]['p50'] * 1000:.1f} / {latency[x]['p95'] * 1000:.1f}" for x in methods
        )
        + ".",
    ]
    for split, view in _views(r):
        for metric in ("hit@5", "mrr@10"):
            lines += ["", f"### {LABELS[metric]} by question type, {_named(split)}", ""]
            types = list(view["by_type"][methods[0]])
            lines += _table(
                ["type", "n", *methods],
                [
                    [
                        t,
                        str(view["by_type"][methods[0]][t]["count"]),
                        *_bold_best([view["by_type"][x][t][metric] for x in methods]),
                    ]
                    for t in types
                ],
            )
    return lines


def _judge_section(report: dict) -> list[str]:
    j = report.get("judge")
    if not j:
        return ["## Support judge", "", "No hand labels were given (--labels)."]
    test, every = j["test"], j["all"]
    t = j["thresholds"]
    lines = [
        "## Support judge",
        "",
        f"Offline judge ({j['embedder']}): similarity to the closest abstract sentence, "
        "content-word coverage, numbers and negation must match. Thresholds "
        f"close={t['close']}, related={t['related']}, coverage={t['coverage']}, chosen on the "
        "tune half of the hand labels.",
        "",
        f"**Agreement with hand labels, held-out test half: accuracy {test['accuracy']:.3f}, "
        f"Cohen's κ {test['kappa']:.3f} ({test['count']} pairs).** "
        f"All {every['count']} labels: accuracy {every['accuracy']:.3f}, κ {every['kappa']:.3f} "
        f"(false positives {every['false_positive']}, false negatives {every['false_negative']}).",
        "",
    ]
    lines += _table(
        ["kind of sentence", "n", "accuracy"],
        [[k, str(v["count"]), _f(v["accuracy"])] for k, v in j["by_kind"].items()],
    )
    return lines


def _columns(section: dict) -> list[tuple[str, dict]]:
    """The splits, then all questions (when there is more than one split)."""
    views = _views(section)
    return [*views, ("all", section)] if len(views) > 1 else views


def _type_figure(view: dict, type_: str, name: str) -> float | None:
    block = view["by_type"].get(type_)
    return block[name] if block else None


HEADLINE = (
    ("verdict accuracy", lambda v: v["verdict_accuracy"]),
    ("abstention precision", lambda v: v["abstention_precision"]),
    ("abstention recall", lambda v: v["abstention_recall"]),
    ("answerable declined (answered + detail_missing)", lambda v: v["false_abstention_rate"]),
    ("detail_missing verdict given", lambda v: v["verdict_rate"]["detail_missing"]),
    ("not_in_corpus verdict given", lambda v: v["verdict_rate"]["not_in_corpus"]),
    ("named-absent: declined, nothing cited", lambda v: v["named_absent"]["success"]),
    ("lookup: gold paper cited", lambda v: _type_figure(v, "lookup", "gold_cited")),
    ("dialog: success", lambda v: _type_figure(v, "dialog", "success")),
    ("fact recall (expected strings, cited to gold)", lambda v: v["overall"]["fact_recall"]),
    ("citation precision", lambda v: v["overall"]["citation_precision"]),
    ("citation recall", lambda v: v["overall"]["citation_recall"]),
    ("gold paper cited (answerable)", lambda v: v["overall"]["gold_cited"]),
    ("success", lambda v: v["overall"]["success"]),
)


def _answers_section(report: dict) -> list[str]:
    a = report["answers"]
    lines = ["## Answers", ""]
    if not a.get("available"):
        return [*lines, f"_{a.get('note', 'answers were not evaluated')}_"]
    o = a["overall"]
    lat = a["latency_seconds"]
    columns = _columns(a)
    lines += [
        f"Mode(s): {', '.join(a['modes']) or '–'}; {o['count']} questions, {lat['asks']} "
        f"`ask` calls (dialogs turn by turn), {o['errors']} errors. Abstained means the "
        "verdict is not_in_corpus or no_relevant_paper; citation scores use the judge above "
        "(ALCE definitions).",
        "",
    ]
    rows = [[name, *(_f(value(v)) for _, v in columns)] for name, value in HEADLINE]
    rows.append(
        [
            "named-absent answers citing a paper",
            *(
                f"{v['named_absent']['attributed']} of {v['named_absent']['count']}"
                for _, v in columns
            ),
        ]
    )
    rows.append(
        [
            "latency p50 / p95 (s)",
            *(
                f"{v['latency_seconds']['p50']:.2f} / {v['latency_seconds']['p95']:.2f}"
                for _, v in columns
            ),
        ]
    )
    lines += _table(["metric", *(f"{s} ({v['count']})" for s, v in columns)], rows)
    for split, view in _views(a):
        lines += ["", f"### By question type, {_named(split)}", ""]
        lines += _table(
            ["type", "n", "success", "verdict", "abstained", "gold cited", "fact recall",
             "cit. P", "cit. R"],
            [
                [
                    t,
                    str(b["count"]),
                    _f(b["success"]),
                    _f(b["verdict_accuracy"]),
                    _f(b["abstained"]),
                    _f(b["gold_cited"]),
                    _f(b["fact_recall"]),
                    _f(b["citation_precision"]),
                    _f(b["citation_recall"]),
                ]
                for t, b in view["by_type"].items()
            ],
        )  # fmt: skip
    for split, view in _views(a):
        confusion = view["confusion"]
        got = list(next(iter(confusion.values())))
        lines += ["", f"### Verdicts, expected × got, {_named(split)}", ""]
        lines += _table(
            ["expected \\ got", *got],
            [[e, *(str(row[g]) for g in got)] for e, row in confusion.items()],
        )
    return lines


def _calibration_section(report: dict) -> list[str]:
    a = report["answers"]
    lines = ["## Calibration of the relevance model", ""]
    if not a.get("available"):
        return [*lines, "_answers were not evaluated_"]
    c = a["calibration"]
    if not c["available"]:
        return [
            *lines,
            "_No answer carried a `confidence` (the relevance model's probability that the "
            "top paper bears on the question): nothing to calibrate._",
        ]
    lines += [
        f"Predicted: `confidence`. Observed: {c['outcome']}. Bins of predicted probability "
        "(empty bins left out); Brier score and expected calibration error (ECE) per split."
        + (f" {c['missing']} answers had no confidence." if c["missing"] else ""),
    ]
    for split, view in _views(a):
        cal = view["calibration"]
        lines += ["", f"### {_named(split)}", ""]
        lines += _table(
            ["got verdict", "n", "Brier", "ECE", "observed rate"],
            [
                [name, str(part["count"]), _f(part["brier"]), _f(part["ece"]),
                 _f(part["observed_rate"])]
                for name, part in [("all", cal["overall"]), *cal["by_verdict"].items()]
            ],
        )  # fmt: skip
        lines.append("")
        rows = []
        for name, part in [("all", cal["overall"]), *cal["by_verdict"].items()]:
            for b in part["table"]:
                if b["count"]:
                    rows.append(
                        [
                            name,
                            f"{b['low']:.1f}–{b['high']:.1f}",
                            str(b["count"]),
                            _f(b["mean_predicted"]),
                            _f(b["observed"]),
                        ]
                    )
        lines += _table(["got verdict", "predicted", "n", "mean predicted", "observed"], rows)
    return lines


def _summaries_section(report: dict) -> list[str]:
    s = report.get("summaries") or {"available": False, "note": "summaries were not evaluated"}
    lines = ["## Topic summaries", ""]
    if not s.get("available"):
        return [*lines, f"_{s.get('note', 'summaries were not evaluated')}_"]
    lines += [
        "`summarize(topic)` for every topic question; paper precision = cited ∩ gold / cited "
        "(0 when nothing is cited), recall = cited ∩ gold / gold; means over topics.",
        "",
    ]
    lines += _table(
        ["split", "topics", "paper precision", "paper recall", "abstained", "errors"],
        [
            [name, str(v["count"]), _f(v["precision"]), _f(v["recall"]), str(v["abstained"]),
             str(v["errors"])]
            for name, v in _columns(s)
        ],
    )  # fmt: skip
    # per topic only where one may read outcomes: the tune split, or a file without splits
    split = None if s.get("splits", []) in ([], ["unsplit"]) else "tune"
    shown = [q for q in s["questions"] if split in (None, q["split"])]
    lines += ["", f"Per topic, {_named(split or 'all')}:", ""]
    lines += _table(
        ["id", "cited", "gold", "precision", "recall"],
        [
            [f"`{q['id']}`", str(len(q["cited"])), str(len(q["gold"])), _f(q["precision"]),
             _f(q["recall"])]
            for q in shown
        ],
    )  # fmt: skip
    return lines


def _weakest_section(report: dict) -> list[str]:
    w = report["weakest"]
    lines = ["## Weakest question type", ""]
    if w["answers"]:
        a = w["answers"]
        lines += [
            f"By answer success, {_named(a['split'])}: **{a['type']}** ({a['success']:.3f}). "
            "Failures:",
            "",
        ]
        for ex in a["examples"]:
            if ex["error"]:
                what = ex["error"]
            elif ex["abstained"]:
                what = f"declined ({ex.get('verdict')})"
            else:
                what = f"{ex.get('verdict')}, cited {', '.join(ex['cited']) or 'nothing'}"
                if ex["fact_recall"] is not None:
                    what += f"; fact recall {ex['fact_recall']:.2f}"
            gold = ", ".join(ex["gold"]) or "(unanswerable)"
            wrong = ex.get("expected_verdict") not in (None, ex.get("verdict"))
            expected = f" (expected {ex['expected_verdict']})" if wrong else ""
            lines.append(f"- `{ex['id']}` {ex['question']} — {what}{expected}; gold: {gold}")
        lines.append("")
    if w["retrieval"]:
        r = w["retrieval"]
        lines += [
            f"By hybrid retrieval hit@5, {_named(r['split'])}: **{r['type']}** "
            f"({r['hit@5']:.3f}). Misses:",
            "",
        ]
        for ex in r["examples"]:
            rank = ex["first_gold_rank"]
            where = f"gold at rank {rank}" if rank else "gold not in the top 10"
            lines.append(
                f"- `{ex['id']}` {ex['question']} — {where}; top hit: {ex['top']}; "
                f"gold: {', '.join(ex['gold'])}"
            )
    return lines


def summary(report: dict) -> str:
    """The headline for a terminal: retrieval per split, the judge, answers, summaries."""
    r = report["retrieval"]
    lines: list[str] = []
    for split, view in _views(r):
        lines += [f"retrieval, {_named(split)}:", *_retrieval_table(r, view), ""]
    j = report.get("judge")
    if j:
        lines.append(
            f"judge agreement (test half): accuracy {j['test']['accuracy']:.3f}, "
            f"kappa {j['test']['kappa']:.3f}"
        )
    a = report["answers"]
    if a.get("available"):
        for split, v in _columns(a):
            o = v["overall"]
            lines.append(
                f"answers, {split}: verdict accuracy {_f(v['verdict_accuracy'])}, abstention "
                f"P {v['abstention_precision']:.3f} R {v['abstention_recall']:.3f}, answerable "
                f"declined {_f(v['false_abstention_rate'])}, fact recall {_f(o['fact_recall'])}"
                f", citation P {_f(o['citation_precision'])} R {_f(o['citation_recall'])}"
            )
        c = a["calibration"]
        lines.append(
            f"calibration: Brier {_f(c['overall']['brier'])} ({c['overall']['count']} answers)"
            if c["available"]
            else "calibration: no answer carried a confidence"
        )
    else:
        lines.append(f"answers: {a.get('note')}")
    s = report.get("summaries") or {}
    if s.get("available"):
        for split, v in _columns(s):
            lines.append(
                f"summaries, {split}: paper precision {_f(v['precision'])}, "
                f"recall {_f(v['recall'])} ({v['count']} topics)"
            )
    return "\n".join(lines)


def _counts_lines(report: dict) -> list[str]:
    by_split = report.get("counts_by_split") or {}
    if not by_split:
        return []
    splits = list(by_split)
    types = [t for t, n in report["counts"].items() if n]
    return _table(
        ["type", *splits, "all"],
        [[t, *(str(by_split[s][t]) for s in splits), str(report["counts"][t])] for t in types],
    )


def render_markdown(report: dict) -> str:
    counts = ", ".join(f"{n} {t}" for t, n in report["counts"].items() if n)
    split = report.get("split", "all")
    lines = [
        "# paperchat eval report",
        "",
        f"- created {report['created']}, {report['seconds']} s, {report['machine']}",
        f"- questions: `{report['questions_file']}` (subset: {report['subset']}, split: "
        f"{split}): {counts}",
        f"- index: {report['papers_indexed']} papers, embedder {report['embedder']}",
        "- test figures are the ones to report; tune on the tune split only",
        "",
        *_counts_lines(report),
        "",
        *_retrieval_section(report),
        "",
        *_judge_section(report),
        "",
        *_answers_section(report),
        "",
        *_calibration_section(report),
        "",
        *_summaries_section(report),
        "",
        *_weakest_section(report),
        "",
        "![metrics per configuration](report.png)",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- chart


def render_png(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    split, r = _view(report["retrieval"], "test")
    methods = report["retrieval"]["methods"]
    answers = report["answers"] if report["answers"].get("available") else None
    if answers:
        answers = _view(answers, "test")[1]
    panels = 3 if answers else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.2))
    width = 0.8 / len(methods)

    def grouped(ax, groups: list[str], values: dict[str, list[float]], title: str) -> None:
        for i, method in enumerate(methods):
            xs = [g + (i - (len(methods) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(xs, values[method], width, label=method)
        ax.set_xticks(range(len(groups)), groups, rotation=20)
        ax.set_ylim(0, 1.15)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)

    grouped(
        axes[0],
        [LABELS[x] for x in CHART_METRICS],
        {x: [r["overall"][x][metric] for metric in CHART_METRICS] for x in methods},
        f"Retrieval, {_named(split)}",
    )
    axes[0].legend(loc="upper center", ncol=min(len(methods), 3), fontsize="small")
    types = list(r["by_type"][methods[0]])
    grouped(
        axes[1],
        types,
        {x: [r["by_type"][x][t]["hit@5"] for t in types] for x in methods},
        f"hit@5 by question type, {_named(split)}",
    )
    if answers:
        by_type = answers["by_type"]
        names = list(by_type)
        axes[2].bar(names, [by_type[t]["success"] or 0.0 for t in names], color="tab:gray")
        axes[2].set_ylim(0, 1.05)
        axes[2].set_title(f"Answer success by type, {_named(split)}")
        axes[2].tick_params(axis="x", rotation=20)
        axes[2].grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict, out_dir: Path) -> dict[str, Path]:
    """Write report.md, report.json and report.png into out_dir (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report["weakest"] = weakest(report)
    paths = {
        "markdown": out_dir / "report.md",
        "json": out_dir / "report.json",
        "png": out_dir / "report.png",
    }
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    render_png(report, paths["png"])
    return paths
