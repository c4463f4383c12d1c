"""Merge the listings of one paper, from any files and formats, into one Paper.

Two records are the same paper when they share the arXiv id, the DOI, or the abstract
once cleaned and normalized (lower-case words only, so LaTeX, quotes, spacing and case
do not matter). Nothing fuzzier: in the bundled corpus every repeated listing has an
identical normalized abstract, and no two different papers come near each other,
while a similarity threshold would sooner or later fold a paper into its follow-up.

The merged id is what `paper_id` gives the merged record: the arXiv id, else the DOI,
else the hash of the abstract. Every member of an abstract-linked group has the same
normalized abstract, so that hash does not depend on which files listed the paper.
The abstract shown is the longest variant (ties: the alphabetically first).
"""

from __future__ import annotations

from collections import defaultdict

from paperchat.corpus.paper import Paper, abstract_key, paper_id

_SCALARS = ("title", "authors", "url", "code_url", "doi", "arxiv_id", "categories")


def merge_keys(paper: Paper) -> list[str]:
    """The keys any one of which, shared, makes two records the same paper."""
    keys = [f"abstract:{abstract_key(paper.abstract)}"]
    if paper.arxiv_id:
        keys.append(f"arxiv:{paper.arxiv_id}")
    if paper.doi:
        keys.append(f"doi:{paper.doi.lower()}")
    return keys


def _groups(papers: list[Paper]) -> list[list[Paper]]:
    """Papers linked by any shared key, transitively (union-find)."""
    parent = list(range(len(papers)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, paper in enumerate(papers):
        for key in merge_keys(paper):
            if key in owner:
                parent[root(i)] = root(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[Paper]] = defaultdict(list)
    for i, paper in enumerate(papers):
        groups[root(i)].append(paper)
    return list(groups.values())


def _source_order(source: str) -> tuple[str, int]:
    name, _, line = source.rpartition(":")
    return (name, int(line)) if line.isdigit() else (source, 0)


def _preference(paper: Paper) -> tuple[int, tuple[str, int]]:
    """Richer records first, then the earliest source: each field comes from the first
    record that has it, so the choice never depends on the order files were given."""
    known = sum(getattr(paper, name) is not None for name in (*_SCALARS, "published"))
    first = min((_source_order(s) for s in paper.sources), default=("", 0))
    return -known, first


def merge_group(group: list[Paper]) -> Paper:
    """One Paper from all the records of one paper."""
    if len(group) == 1:
        return group[0]
    ordered = sorted(group, key=_preference)
    fields = {
        name: next((v for p in ordered if (v := getattr(p, name)) is not None), None)
        for name in _SCALARS
    }
    abstract = min((p.abstract for p in group), key=lambda a: (-len(a), a))
    # The most precise date wins: a listing's 2023-12-13 over a BibTeX year 2023.
    dates = [p.published for p in ordered if p.published]
    published = max(dates, key=len) if dates else None
    authors = fields["authors"]
    counts = [p.author_count for p in ordered if p.author_count is not None]
    author_count = len(authors) if authors else (counts[0] if counts else None)
    sources = sorted({s for p in group for s in p.sources}, key=_source_order)
    return Paper(
        id=paper_id(arxiv_id=fields["arxiv_id"], doi=fields["doi"], abstract=abstract),
        abstract=abstract,
        published=published,
        author_count=author_count,
        sources=sources,
        **fields,
    )


def merge_papers(papers: list[Paper]) -> list[Paper]:
    """One Paper per distinct paper, fields combined from all its records, sorted by id."""
    return sorted((merge_group(group) for group in _groups(papers)), key=lambda p: p.id)
