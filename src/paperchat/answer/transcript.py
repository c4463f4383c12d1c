"""A conversation as a Markdown document to take away: each question, its answer, and
the numbered references every [n] points to (numbers are stable across a conversation,
so one list serves every answer).

Answers are Markdown already, their corpus text escaped where the assistant placed it;
questions and reference fields are escaped here (answer/safe_text.py), so a title or a
question cannot turn into a link, an image or HTML in the exported file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from paperchat.answer.models import Answer
from paperchat.answer.safe_text import markdown_link, markdown_text
from paperchat.retrieve.results import SearchResult


def reference_line(n: int, paper: SearchResult) -> str:
    title = markdown_link(paper.title or paper.id, paper.url)
    parts = [f"[{n}] {title}."]
    if paper.authors:
        shown = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
        parts.append(markdown_text(shown) + ".")
    if paper.published:
        parts.append(f"{paper.published[:4]}.")
    parts.append(f"paperchat id: `{paper.id.replace('`', '')}`")
    return " ".join(parts)


def conversation_markdown(
    exchanges: Sequence[tuple[str, Answer]],
    references: Mapping[int, SearchResult],
    *,
    title: str = "paperchat conversation",
) -> str:
    """Questions and answers in order, then the references by number."""
    lines = [f"# {title}", ""]
    for i, (question, answer) in enumerate(exchanges, start=1):
        lines += [f"## Question {i}", "", markdown_text(question), "", "### Answer", ""]
        lines += [answer.answer.strip(), ""]
        notes = [f"mode: {answer.mode}", f"verdict: {answer.verdict}"]
        if answer.id:
            notes.append(f"provenance: `/api/answers/{answer.id}/bundle`")
        lines += ["*" + " · ".join(notes) + "*", ""]
    if references:
        lines += ["## References", ""]
        lines += [reference_line(n, references[n]) for n in sorted(references)]
        lines.append("")
    return "\n".join(lines)
