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


# ---------------------------------------------------------------- weakest type


def weakest(report: dict) -> dict:
    """The question type that fares worst, with examples of its failures: by answer
    success when answers were evaluated, and by hybrid hit@5 in any case."""
    result: dict = {"answers": None, "retrieval": None}
    answers = report.get("answers") or {}
    if answers.get("available"):
        by_type = {t: b["success"] for t, b in answers["by_type"].items() if b["count"]}
        worst = min(by_type, key=lambda t: by_type[t])
        failures = [q for q in answers["questions"] if q["type"] == worst and not q["success"]]
        result["answers"] = {
            "type": worst,
            "success": by_type[worst],
            "examples": [
                {
                    "id": q["id"],
                    "question": q["question"],
                    "abstained": q["abstained"],
                    "cited": [_title(report, pid) for pid in q["cited"]],
                    "gold": [_title(report, pid) for pid in q["gold"]],
                    "fact_recall": q["fact_recall"],
                    "error": q["error"],
                }
                for q in failures[:MAX_EXAMPLES]
            ],
        }
    retrieval = report["retrieval"]
    if "hybrid" in retrieval["by_type"]:
        by_type = {t: s["hit@5"] for t, s in retrieval["by_type"]["hybrid"].items()}
        worst = min(by_type, key=lambda t: by_type[t])
        misses = []
        for q in retrieval["questions"]:
            found = q["methods"]["hybrid"]
            if q["type"] == worst and not found["hit@5"]:
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
            "type": worst,
            "hit@5": by_type[worst],
            "examples": misses[:MAX_EXAMPLES],
        }
    return result


# ---------------------------------------------------------------- markdown


def _retrieval_section(report: dict) -> list[str]:
    r = report["retrieval"]
    methods = r["methods"]
    lines = [
        "## Retrieval: configurations side by side",
        "",
        f"Top {r['k']} papers per question, {r['overall'][methods[0]]['count']} questions with "
        f"gold papers; {r['query']}. Best value per row in bold. Search latency excludes "
        f"embedding the query (p50 {r['embed_latency_seconds']['p50'] * 1000:.0f} ms, shared "
        "by dense and hybrid).",
        "",
    ]
    rows = []
    for metric in ("hit@1", "hit@5", "mrr@10", "ndcg@10"):
        rows.append([LABELS[metric], *_bold_best([r["overall"][x][metric] for x in methods])])
    if "topic" in r["by_type"][methods[0]]:
        topic = [r["by_type"][x]["topic"]["recall@10"] for x in methods]
        rows.append(["recall@10 (topic questions)", *_bold_best(topic)])
    latency = r["latency_seconds"]
    rows.append(
        [
            "search latency p50 / p95 (ms)",
            *(f"{latency[x]['p50'] * 1000:.0f} / {latency[x]['p95'] * 1000:.0f}" for x in methods),
        ]
    )
    lines += _table(["metric", *methods], rows)
    for metric in ("hit@5", "mrr@10"):
        lines += ["", f"### {LABELS[metric]} by question type", ""]
        types = list(r["by_type"][methods[0]])
        lines += _table(
            ["type", "n", *methods],
            [
                [
                    t,
                    str(r["by_type"][methods[0]][t]["count"]),
                    *_bold_best([r["by_type"][x][t][metric] for x in methods]),
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


def _answers_section(report: dict) -> list[str]:
    a = report["answers"]
    lines = ["## Answers", ""]
    if not a.get("available"):
        return [*lines, f"_{a.get('note', 'answers were not evaluated')}_"]
    o = a["overall"]
    lat = a["latency_seconds"]
    lines += [
        f"Mode(s): {', '.join(a['modes']) or '–'}; {o['count']} questions, {lat['asks']} "
        f"`ask` calls (dialogs turn by turn), {o['errors']} errors. Citation scores use the "
        "judge above (ALCE definitions).",
        "",
    ]
    lines += _table(
        ["metric", "value"],
        [
            ["abstention precision", _f(a["abstention_precision"])],
            ["abstention recall", _f(a["abstention_recall"])],
            ["false abstention (answerable declined)", _f(a["false_abstention_rate"])],
            ["fact recall (expected strings, cited to gold)", _f(o["fact_recall"])],
            ["citation precision", _f(o["citation_precision"])],
            ["citation recall", _f(o["citation_recall"])],
            ["gold paper cited (answerable)", _f(o["gold_cited"])],
            ["latency p50 / p95 (s)", f"{lat['p50']:.2f} / {lat['p95']:.2f}"],
        ],
    )
    lines += ["", "### By question type", ""]
    lines += _table(
        ["type", "n", "success", "abstained", "gold cited", "fact recall", "cit. P", "cit. R"],
        [
            [
                t,
                str(b["count"]),
                _f(b["success"]),
                _f(b["abstained"]),
                _f(b["gold_cited"]),
                _f(b["fact_recall"]),
                _f(b["citation_precision"]),
                _f(b["citation_recall"]),
            ]
            for t, b in a["by_type"].items()
        ],
    )
    return lines


def _weakest_section(report: dict) -> list[str]:
    w = report["weakest"]
    lines = ["## Weakest question type", ""]
    if w["answers"]:
        a = w["answers"]
        lines += [f"By answer success: **{a['type']}** ({a['success']:.3f}). Failures:", ""]
        for ex in a["examples"]:
            if ex["error"]:
                what = ex["error"]
            elif ex["abstained"]:
                what = "declined"
            else:
                what = f"cited {', '.join(ex['cited']) or 'nothing'}"
                if ex["fact_recall"] is not None:
                    what += f"; fact recall {ex['fact_recall']:.2f}"
            gold = ", ".join(ex["gold"]) or "(unanswerable)"
            lines.append(f"- `{ex['id']}` {ex['question']} — {what}; gold: {gold}")
        lines.append("")
    if w["retrieval"]:
        r = w["retrieval"]
        lines += [f"By hybrid retrieval hit@5: **{r['type']}** ({r['hit@5']:.3f}). Misses:", ""]
        for ex in r["examples"]:
            rank = ex["first_gold_rank"]
            where = f"gold at rank {rank}" if rank else "gold not in the top 10"
            lines.append(
                f"- `{ex['id']}` {ex['question']} — {where}; top hit: {ex['top']}; "
                f"gold: {', '.join(ex['gold'])}"
            )
    return lines


def summary(report: dict) -> str:
    """The headline for a terminal: the side-by-side table, the judge, the answers."""
    lines = _retrieval_section(report)[4:]
    lines = lines[: lines.index("") if "" in lines else len(lines)]
    j = report.get("judge")
    if j:
        lines += [
            "",
            f"judge agreement (test half): accuracy {j['test']['accuracy']:.3f}, "
            f"kappa {j['test']['kappa']:.3f}",
        ]
    a = report["answers"]
    if a.get("available"):
        o = a["overall"]
        lines.append(
            f"answers: abstention P {a['abstention_precision']:.3f} R {a['abstention_recall']:.3f}"
            f", fact recall {_f(o['fact_recall'])}, citation P {_f(o['citation_precision'])} "
            f"R {_f(o['citation_recall'])}, latency p50 {a['latency_seconds']['p50']:.2f}s"
        )
    else:
        lines.append(f"answers: {a.get('note')}")
    return "\n".join(lines)


def render_markdown(report: dict) -> str:
    counts = ", ".join(f"{n} {t}" for t, n in report["counts"].items() if n)
    lines = [
        "# paperchat eval report",
        "",
        f"- created {report['created']}, {report['seconds']} s, {report['machine']}",
        f"- questions: `{report['questions_file']}` (subset: {report['subset']}): {counts}",
        f"- index: {report['papers_indexed']} papers, embedder {report['embedder']}",
        "",
        *_retrieval_section(report),
        "",
        *_judge_section(report),
        "",
        *_answers_section(report),
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

    r = report["retrieval"]
    methods = r["methods"]
    answers = report["answers"] if report["answers"].get("available") else None
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
        "Retrieval, all questions with gold",
    )
    axes[0].legend(loc="upper center", ncol=len(methods), fontsize="small")
    types = list(r["by_type"][methods[0]])
    grouped(
        axes[1],
        types,
        {x: [r["by_type"][x][t]["hit@5"] for t in types] for x in methods},
        "hit@5 by question type",
    )
    if answers:
        by_type = answers["by_type"]
        names = list(by_type)
        axes[2].bar(names, [by_type[t]["success"] or 0.0 for t in names], color="tab:gray")
        axes[2].set_ylim(0, 1.05)
        axes[2].set_title("Answer success by question type")
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
