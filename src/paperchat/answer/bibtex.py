"""BibTeX for papers: what `paperchat summarize --bibtex` writes and the API serves."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from paperchat.corpus.paper import Paper
from paperchat.text.lexical import STOPWORDS

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape(text: str) -> str:
    """Text safe inside a BibTeX field: special characters escaped, whitespace folded."""
    text = " ".join(text.split())
    return "".join(_SPECIAL.get(ch, ch) for ch in text)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _last_name(author: str) -> str:
    """ "Ada Lovelace" → "Lovelace"; "Lovelace, Ada" → "Lovelace"."""
    if "," in author:
        return author.split(",", 1)[0]
    parts = author.split()
    return parts[-1] if parts else ""


def cite_key(paper: Paper) -> str:
    """`lastname2024word`: first author's last name (or first title word), year, title word."""
    title_words = [
        w for w in re.findall(r"[A-Za-z0-9]+", paper.title or "") if w.lower() not in STOPWORDS
    ]
    first = _ascii_word(_last_name(paper.authors[0])) if paper.authors else ""
    word = _ascii_word(title_words[0]) if title_words else ""
    head = first or word or _ascii_word(paper.id) or "paper"
    year = str(paper.year) if paper.year else ""
    tail = word if first else (_ascii_word(title_words[1]) if len(title_words) > 1 else "")
    return f"{head}{year}{tail}" or "paper"


def bibtex_entry(paper: Paper, key: str | None = None) -> str:
    # Double braces keep the title's capitals ("Conv-TasNet") in every bibliography style.
    fields: list[tuple[str, str]] = [("title", "{" + escape(paper.title or "Untitled") + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(escape(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.arxiv_id:
        fields += [("eprint", escape(paper.arxiv_id)), ("archiveprefix", "arXiv")]
    if paper.doi:
        fields.append(("doi", escape(paper.doi)))
    if paper.url:
        fields.append(("url", escape(paper.url)))
    fields.append(("abstract", escape(paper.abstract)))
    fields.append(("note", escape(f"paperchat id: {paper.id}")))
    kind = "article" if paper.arxiv_id or paper.doi else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key or cite_key(paper)},\n{body}\n}}\n"


def bibtex_entries(papers: Iterable[Paper]) -> str:
    """Entries for the papers, one per paper id, with unique keys (a, b, … on clashes)."""
    seen_ids: set[str] = set()
    used: dict[str, int] = {}
    entries = []
    for paper in papers:
        if paper.id in seen_ids:
            continue
        seen_ids.add(paper.id)
        key = cite_key(paper)
        count = used.get(key, 0)
        used[key] = count + 1
        if count:
            key = f"{key}{chr(ord('a') + count - 1)}" if count <= 26 else f"{key}{count}"
        entries.append(bibtex_entry(paper, key))
    return "\n".join(entries)
