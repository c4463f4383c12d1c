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
        typer.echo(f"Kept {report.kept} chunks of papers from files that could not be read.")
    if report.problems:
        typer.echo(f"Skipped {len(report.problems)} records or files (see warnings above).")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="Papers to return.")] = 5,
    since: Annotated[
        int | None, typer.Option("--since", min=1900, max=2100, help="Only papers from YEAR on.")
    ] = None,
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
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 7860,
) -> None:
    """Serve the chat UI and the HTTP API in one process."""
    import uvicorn

    from paperchat.server import create_app

    uvicorn.run(create_app(_settings()), host=host, port=port, log_level="info")


def main() -> None:
    try:
        app()
    except PaperchatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
