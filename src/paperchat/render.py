"""Terminal rendering of results (rich), kept apart from the commands."""

from __future__ import annotations

from paperchat.retrieve.results import SearchResult


def search_table(query: str, results: list[SearchResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Papers for: {query}", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Paper", ratio=3)
    table.add_column("Date", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    for n, result in enumerate(results, start=1):
        title = result.title or "(untitled)"
        snippet = (result.snippet or result.abstract).split("\n", 1)[-1]
        snippet = snippet[:220] + ("…" if len(snippet) > 220 else "")
        links = "  ".join(x for x in (result.url, result.code_url) if x)
        body = f"[bold]{_escape(title)}[/bold]\n[dim]{_escape(snippet)}[/dim]"
        if links:
            body += f"\n[cyan]{_escape(links)}[/cyan]"
        table.add_row(str(n), body, result.published or "", f"{result.score:.4f}")
    table.caption = f"id of #1: {results[0].id}" if results else None
    Console().print(table)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _cited_view(text: str, citations, sources, footer: str, coverage=None) -> None:
    """Answer or summary text (markdown), then the numbered sources with their quotes."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    console.print(Markdown(text))
    seen = {}
    for citation in citations:
        seen.setdefault(citation.n, citation)
    if seen:
        console.print()
        console.print("[bold]Sources[/bold]")
        for n, citation in sorted(seen.items()):
            title = _escape(citation.title or "(untitled)")
            console.print(f" [bold]\\[{n}][/bold] {title}  [dim]{_escape(citation.id)}[/dim]")
            quote = citation.quote if len(citation.quote) <= 300 else citation.quote[:300] + "…"
            console.print(f"     [italic dim]“{_escape(quote)}”[/italic dim]")
    elif sources:  # an abstention: the text names the nearest papers; here their ids
        ids = ", ".join(result.id for result in sources)
        console.print(f"\n[dim]nearest paper ids: {_escape(ids)}[/dim]")
    if coverage is not None:
        console.print(f"\n[bold]Coverage:[/bold] {_escape(coverage.note)}")
    console.print(f"\n[dim]{_escape(footer)}[/dim]")


def _footer(result) -> str:
    parts = [f"verdict: {result.verdict}", f"mode: {result.mode}"]
    if getattr(result, "confidence", None) is not None:
        parts.append(f"relevance of the top paper: {result.confidence:.2f}")
    if result.total_sentences:
        parts.append(f"{result.supported_sentences}/{result.total_sentences} sentences supported")
    if result.removed_claims:
        parts.append(f"{len(result.removed_claims)} unsupported sentence(s) removed")
    if result.dropped_citations:
        cited = ", ".join(f"[{n}]" for n in result.dropped_citations)
        parts.append(f"dropped citations to sources that do not exist: {cited}")
    return " · ".join(parts)


def answer_view(answer) -> None:
    """A paperchat Answer for the terminal."""
    _cited_view(answer.answer, answer.citations, answer.sources, _footer(answer), answer.coverage)


def summary_view(summary) -> None:
    """A paperchat Summary for the terminal."""
    _cited_view(
        summary.summary, summary.citations, summary.sources, _footer(summary), summary.coverage
    )


def evidence_table_view(table) -> None:
    """An evidence table for the terminal: one row per paper, empty cells in dim italics
    with their reason."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if table.abstained:
        console.print(f"The corpus has no paper on “{_escape(table.topic)}”.")
        for result in table.sources:
            console.print(
                f" - {_escape(result.title or result.id)}  [dim]{_escape(result.id)}[/dim]"
            )
        console.print(f"\n[dim]verdict: {table.verdict} · mode: {table.mode}[/dim]")
        return
    view = Table(title=f"Evidence table: {table.topic}", show_lines=True, expand=True)
    view.add_column("Paper", ratio=2)
    view.add_column("Year", no_wrap=True)
    for column in table.columns:
        view.add_column(column.capitalize(), ratio=2)
    for row in table.rows:
        cells = []
        for column in table.columns:
            cell = row.cell(column)
            if cell.filled:
                marks = ", ".join(f"s{s.sentence + 1}" for s in cell.spans)
                by = " llm" if cell.filled_by == "llm" else ""
                cells.append(f"{_escape(cell.text)} [dim]({marks}{by})[/dim]")
            else:
                cells.append(f"[dim italic]— {_escape(cell.empty_reason or 'empty')}[/dim italic]")
        title = f"[bold]{_escape(row.title or '(untitled)')}[/bold]\n[dim]{_escape(row.id)}[/dim]"
        view.add_row(title, str(row.year or "—"), *cells)
    view.caption = "Cells are verbatim spans of each abstract; (sN) is the sentence they come from."
    console.print(view)
    footer = f"mode: {table.mode} · {len(table.rows)} papers"
    if table.rejected_cells:
        footer += f" · {len(table.rejected_cells)} LLM cell(s) rejected: not in the abstract"
    if table.note:
        footer += f" · {table.note}"
    console.print(f"[dim]{_escape(footer)}[/dim]")


def corpus_map_view(corpus) -> None:
    """The corpus map for the terminal: its clusters with counts, then papers per year."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    view = Table(title=f"Map of the corpus: {corpus.papers:,} papers", expand=False)
    view.add_column("#", justify="right", no_wrap=True)
    view.add_column("Cluster (its distinctive title words)")
    view.add_column("Papers", justify="right", no_wrap=True)
    for cluster in corpus.clusters:
        view.add_row(str(cluster.id + 1), _escape(cluster.label), f"{cluster.count:,}")
    console.print(view)
    top = max((y.papers for y in corpus.years), default=0)
    for bar in corpus.years:
        width = round(40 * bar.papers / top) if top else 0
        console.print(f" {bar.year}  [indigo]{'█' * max(width, 1)}[/indigo] {bar.papers:,}")
    notes = [f"{corpus.undated:,} undated"] if corpus.undated else []
    if corpus.sampled:
        notes.append(f"{len(corpus.points):,} of {corpus.mapped:,} papers in the points (a sample)")
    notes.append(f"index version {corpus.version}; `--json` gives the points")
    console.print(f"[dim]{_escape(' · '.join(notes))}[/dim]")
