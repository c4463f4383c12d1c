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
