"""The `paperchat` command. Thin: parse arguments, call the stages, print results.

Heavy imports (the embedding model, Chroma, llama-index, Gradio) happen inside commands,
so `paperchat --help` and one-shot commands pay only for what they use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from paperchat.errors import PaperchatError

app = typer.Typer(
    name="paperchat",
    help="Chat with a corpus of research papers; every answer cites its sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON object instead of text.")]
SinceOption = Annotated[
    int | None,
    typer.Option(
        "--since",
        min=1900,
        max=2100,
        help="Only papers dated YEAR or later (undated papers are left out).",
    ),
]


def _settings():
    from paperchat.settings import load_settings

    return load_settings()


def _print_json(obj) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders (.txt listings, arXiv .jsonl, .bib). "
            "Default: the bundled data/papers/ (or what was ingested before)."
        ),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and build it from scratch.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Parse papers and bring the index up to date (only new or changed text is embedded)."""
    from paperchat.build import run_ingest

    report = run_ingest(
        _settings(), paths or [], rebuild=rebuild, show_progress=sys.stderr.isatty()
    )
    for problem in report.problems:
        typer.echo(f"warning: {problem}", err=True)
    if as_json:
        _print_json(
            {
                "sources": report.sources,
                "files": report.files,
                "listings": report.listings,
                "papers": report.papers,
                "chunks": report.chunks,
                "embedded": report.embedded,
                "updated": report.updated,
                "deleted": report.deleted,
                "kept": report.kept,
                "skipped": len(report.problems),
                "seconds": round(report.seconds, 3),
            }
        )
        return
    typer.echo(
        f"{report.papers} papers from {report.listings} listings in {report.files} files; "
        f"{report.chunks} chunks."
    )
    if report.changed:
        typer.echo(
            f"Embedded {report.embedded} chunks, updated {report.updated}, "
            f"deleted {report.deleted} in {report.seconds:.1f}s."
        )
    else:
        typer.echo(f"Index already up to date: embedded 0 chunks ({report.seconds:.1f}s).")
    if report.kept:
        typer.echo(
            f"Kept {report.kept} chunks of papers from files or records that could not be "
            "read (see warnings above)."
        )
    if report.problems:
        typer.echo(f"Skipped {len(report.problems)} records or files (see warnings above).")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="Papers to return.")] = 5,
    since: SinceOption = None,
    method: Annotated[
        str, typer.Option("--method", help="hybrid | dense | keyword", hidden=True)
    ] = "hybrid",
    as_json: JsonFlag = False,
) -> None:
    """Hybrid search (dense + BM25) over the indexed papers."""
    from paperchat.build import build_searcher
    from paperchat.retrieve.results import SearchResult

    hits = build_searcher(_settings()).search(query, k, since=since, method=method)  # type: ignore[arg-type]
    results = [SearchResult.from_hit(hit) for hit in hits]
    if as_json:
        _print_json({"query": query, "results": [r.model_dump() for r in results]})
        return
    if not results:
        typer.echo("No papers matched." + (f" (only papers from {since} on)" if since else ""))
        return
    from paperchat.render import search_table

    search_table(query, results)


ModeOption = Annotated[
    str,
    typer.Option(
        "--mode",
        help="auto (the LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set) | extractive | llm",
    ),
]


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question about the papers.")],
    mode: ModeOption = "auto",
    k: Annotated[
        int | None, typer.Option("-k", "--k", min=1, max=20, help="Papers to answer from.")
    ] = None,
    since: SinceOption = None,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            help="Also write the answer's provenance bundle (JSON) to FILE; "
            "`paperchat replay FILE` re-runs it.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer from the corpus with numbered citations, or say the corpus has nothing on it."""
    from paperchat.build import build_assistant

    assistant = build_assistant(_settings())
    if bundle is None:
        answer = assistant.ask(question, mode=mode, k=k, since=since)
    else:
        from paperchat.answer.provenance import Request, recorded_ask

        request = Request(question=question, mode=mode, k=k, since=since)  # type: ignore[arg-type]
        answer, record = recorded_ask(assistant, request)
        bundle.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if as_json:
        _print_json(answer.model_dump(mode="json"))
        return
    from paperchat.render import answer_view

    answer_view(answer)


@app.command()
def replay(
    file: Annotated[Path, typer.Argument(help="A bundle written by `paperchat ask --bundle`.")],
    as_json: JsonFlag = False,
) -> None:
    """Ask a bundled question again and say whether the answer is identical.

    Exit code 0: identical; 1: it differs (the report says how: verdict, text, citations,
    sources, and whether the index, embedder, settings or prompts changed), or an error.
    Extractive answers replay identically on an unchanged index."""
    from pydantic import ValidationError

    from paperchat.answer.provenance import Bundle
    from paperchat.answer.provenance import replay as replay_bundle
    from paperchat.build import build_assistant
    from paperchat.errors import InputError

    try:
        recorded = Bundle.model_validate_json(file.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise InputError(f"{file} is not a paperchat bundle ({str(exc).splitlines()[0]})") from None
    report = replay_bundle(recorded, build_assistant(_settings()))
    if as_json:
        _print_json(report.model_dump(mode="json", exclude={"replayed"}))
    else:
        typer.echo(report.summary())
    raise typer.Exit(0 if report.identical else 1)


@app.command()
def summarize(
    topic: Annotated[str, typer.Argument(help="The topic to summarize the corpus on.")],
    k: Annotated[
        int | None, typer.Option("-k", "--k", min=1, max=30, help="Papers to include (8).")
    ] = None,
    mode: ModeOption = "auto",
    bibtex: Annotated[
        Path | None, typer.Option("--bibtex", help="Also write the cited papers to FILE (.bib).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The papers on a topic, grouped by approach, every statement cited."""
    from paperchat.build import build_assistant

    assistant = build_assistant(_settings())
    summary = assistant.summarize(topic, k=k, mode=mode)
    if bibtex is not None:
        from paperchat.answer.bibtex import bibtex_entries

        papers = [assistant.searcher.papers[c.id] for c in summary.citations]
        bibtex.write_text(bibtex_entries(papers), encoding="utf-8")
    if as_json:
        _print_json(summary.model_dump(mode="json"))
        return
    from paperchat.render import summary_view

    summary_view(summary)
    if bibtex is not None:
        typer.echo(f"\nWrote {len({c.id for c in summary.citations})} BibTeX entries to {bibtex}")


@app.command()
def table(
    topic: Annotated[str, typer.Argument(help="The topic to tabulate the corpus on.")],
    k: Annotated[
        int | None, typer.Option("-k", "--k", min=1, max=30, help="Papers to include (8).")
    ] = None,
    mode: ModeOption = "auto",
    as_json: JsonFlag = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV, one row per paper, instead of text.")
    ] = False,
) -> None:
    """An evidence table: one row per paper on the topic, with its task, method, data,
    result and year; every cell a verbatim span of the paper's abstract."""
    from paperchat.build import build_assistant
    from paperchat.errors import InputError
    from paperchat.research.table import evidence_table

    if as_json and as_csv:
        raise InputError("choose one of --json and --csv")
    result = evidence_table(build_assistant(_settings()), topic, k=k, mode=mode)
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    if as_csv:
        from paperchat.research.export import table_csv

        typer.echo(table_csv(result), nl=False)
        return
    from paperchat.render import evidence_table_view

    evidence_table_view(result)


@app.command("map")
def corpus_map(as_json: JsonFlag = False) -> None:
    """The map of the corpus: topic clusters with a label and paper count, papers per
    year; with --json also every paper's place in 2-D (what GET /api/map serves)."""
    from paperchat.build import build_corpus_maps, build_searcher

    settings = _settings()
    searcher = build_searcher(settings)
    corpus = build_corpus_maps(settings, searcher).get(searcher.snapshot)
    if as_json:
        _print_json(corpus.model_dump(mode="json"))
        return
    from paperchat.render import corpus_map_view

    corpus_map_view(corpus)


@app.command()
def stats(as_json: JsonFlag = False) -> None:
    """How many papers and chunks are indexed, with which embedder and store."""
    from paperchat.build import index_stats

    figures = index_stats(_settings())
    if as_json:
        _print_json(figures)
        return
    for key, value in figures.items():
        typer.echo(f"{key:>9}: {value}")


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            help="Interface to bind (default PAPERCHAT_HOST, else 127.0.0.1); 0.0.0.0 exposes it."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port (default PAPERCHAT_PORT, else 7860)."),
    ] = None,
) -> None:
    """Serve the chat UI and the HTTP API in one process."""
    import logging

    import uvicorn

    from paperchat.server import create_app

    # The server log says which index version each snapshot is and whether it was
    # loaded (shared by the writer) or built here; once, whatever a library later
    # attaches to the root logger.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    ours = logging.getLogger("paperchat")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    settings = _settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


@app.command("mcp")
def mcp_() -> None:
    """The MCP server on stdio (for Claude Desktop, Cursor, VS Code): search_papers, ask,
    get_paper, summarize_topic, paper_bibtex. `paperchat serve` also serves it at /mcp."""
    from paperchat.api.services import Services
    from paperchat.build import build_assistant, build_searcher
    from paperchat.mcp_server import run_stdio

    settings = _settings()
    searcher = build_searcher(settings)
    run_stdio(Services(searcher=searcher, assistant=build_assistant(settings, searcher=searcher)))


@app.command("eval")
def eval_(
    questions: Annotated[
        Path | None,
        typer.Option("--questions", help="Question set (JSONL). Default: evals/questions.jsonl."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for report.md, report.json, report.png.")
    ] = Path("evals/out"),
    subset: Annotated[
        str, typer.Option("--subset", help='all | fast (the questions marked "gate": true)')
    ] = "all",
    split: Annotated[
        str,
        typer.Option("--split", help="tune | test | all: tune on tune, report test."),
    ] = "all",
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels", help="Hand-labelled support pairs. Default: evals/support_labels.jsonl."
        ),
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="auto | extractive | llm")] = "auto",
    answers: Annotated[
        bool,
        typer.Option("--answers/--no-answers", help="Also evaluate the answers and summaries."),
    ] = True,
    baselines: Annotated[
        bool,
        typer.Option(
            "--baselines/--no-baselines",
            help="Also rank with the abstract-dense and llama-index baselines.",
        ),
    ] = True,
) -> None:
    """Measure retrieval (dense, keyword, hybrid and two baselines side by side), verdicts,
    grounding, calibration and summaries; every figure per split (test first)."""
    from paperchat.build import run_ingest
    from paperchat.errors import IndexMissingError, InputError
    from paperchat.evals.dataset import default_file, load_questions
    from paperchat.evals.report import summary, write_report
    from paperchat.evals.runner import open_searcher, run_eval, select

    questions = questions or default_file("questions.jsonl")
    if questions is None:
        raise InputError("no evals/questions.jsonl here: pass --questions FILE")
    select(load_questions(questions), subset, split)  # a bad file fails before slow work
    settings = _settings()
    try:
        searcher = open_searcher(settings)
    except IndexMissingError:
        typer.echo("No index yet: ingesting the bundled corpus first.", err=True)
        run_ingest(settings, show_progress=sys.stderr.isatty())
        searcher = open_searcher(settings)
    report = run_eval(
        settings,
        questions,
        labels or default_file("support_labels.jsonl"),
        subset=subset,
        split=split,
        mode=mode,
        answers=answers,
        baselines=baselines,
        searcher=searcher,
        progress=lambda line: typer.echo(line, err=True),
    )
    paths = write_report(report, out)
    typer.echo(summary(report))
    typer.echo(f"\nReport: {paths['markdown']} (also {paths['json'].name}, {paths['png'].name})")


@app.command("eval-table")
def eval_table(
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels", help="Hand-labelled table cells. Default: evals/table_labels.jsonl."
        ),
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="tune | test | all: tune on tune, report test.")
    ] = "all",
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write table_report.md and .json here.")
    ] = None,
    failures: Annotated[
        bool, typer.Option("--failures", help="List the tune split's wrong and missed cells.")
    ] = False,
) -> None:
    """Measure evidence-table extraction: cell precision and recall per column against
    hand-labelled cells, per split (test first)."""
    from paperchat.errors import IndexMissingError, InputError
    from paperchat.evals import table as table_eval
    from paperchat.evals.dataset import default_file
    from paperchat.evals.runner import open_searcher

    labels = labels or default_file("table_labels.jsonl")
    if labels is None:
        raise InputError("no evals/table_labels.jsonl here: pass --labels FILE")
    if split not in ("tune", "test", "all"):
        raise InputError(f"unknown split {split!r}; use tune, test or all")
    chosen = [x for x in table_eval.load_table_labels(labels) if split in ("all", x.split)]
    if not chosen:
        raise InputError(f"no labels of split {split!r} in {labels}")
    settings = _settings()
    try:
        searcher = open_searcher(settings)
    except IndexMissingError:
        from paperchat.build import run_ingest

        typer.echo("No index yet: ingesting the bundled corpus first.", err=True)
        run_ingest(settings, show_progress=sys.stderr.isatty())
        searcher = open_searcher(settings)
    report = table_eval.run_table_eval(searcher, chosen)
    text = table_eval.table_summary(report)
    typer.echo(text)
    if failures:
        for line in table_eval.failures(report, "tune"):
            typer.echo(line)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "table_report.md").write_text(
            f"# Evidence-table extraction\n\nLabels: {labels.name}\n\n{text}", encoding="utf-8"
        )
        (out / "table_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        typer.echo(f"Report: {out / 'table_report.md'} (also table_report.json)")


@app.command()
def calibrate(
    questions: Annotated[
        Path | None,
        typer.Option(
            "--questions", help="Labelled questions (JSONL). Default: evals/questions.jsonl."
        ),
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="Which split to fit on: tune | test | all.")
    ] = "tune",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the parameters. Default: the packaged file for "
            "this embedder family (src/paperchat/retrieve/relevance-FAMILY.json).",
        ),
    ] = None,
    answerability_only: Annotated[
        bool,
        typer.Option(
            "--answerability-only",
            help="Keep this embedder's fitted relevance model (ranking, summary papers) and "
            "refit only the decision to answer or decline.",
        ),
    ] = False,
) -> None:
    """Fit the relevance model (ranking, abstention, summary papers) on labelled questions."""
    from paperchat.build import build_searcher
    from paperchat.errors import InputError
    from paperchat.evals.dataset import default_file, load_questions
    from paperchat.retrieve.calibrate import calibrate as fit_model
    from paperchat.retrieve.calibrate import report
    from paperchat.retrieve.relevance import RelevanceModel, family_of, load_model, params_path

    questions = questions or default_file("questions.jsonl")
    if questions is None:
        raise InputError("no evals/questions.jsonl here: pass --questions FILE")
    if split not in ("tune", "test", "all"):
        raise InputError(f"unknown split {split!r}; use tune, test or all")
    chosen = [q for q in load_questions(questions) if split == "all" or q.split == split]
    if not chosen:
        raise InputError(f"no questions of split {split!r} in {questions}")
    settings = _settings()
    family = family_of(settings.embed_model)
    searcher = build_searcher(settings, relevance=RelevanceModel.untrained(family))
    target = out or params_path(family_of(searcher.embedder.name))
    fitted_on = f"{questions.name} split={split} ({len(chosen)} questions)"
    kept = None
    if answerability_only:
        if not params_path(family).exists():
            raise InputError(
                f"no relevance model fitted for {family} yet: run `paperchat calibrate` "
                "without --answerability-only first"
            )
        kept = load_model(settings.embed_model, answerability=False)  # refitted below
    model = fit_model(searcher, chosen, out=target, fitted_on=fitted_on, relevance=kept)
    typer.echo(report(model))
    typer.echo(f"Written to {target}")


def main() -> None:
    try:
        app()
    except PaperchatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
