"""Coverage at a glance: how many papers an answer or summary rests on, the years they
span, how many are undated and how many are cited.

The papers counted are the ones the relevance judgement keeps (answer/judgement.py for
an answer, the summary floor for a summary): there is no second threshold here, so the
note says exactly what the answer was made from. An abstention rests on no paper.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from paperchat.corpus.paper import Paper


class YearCount(BaseModel):
    year: int
    relevant: int = Field(description="Papers from this year that bear on the question.")
    cited: int = Field(description="Of those, the ones the text cites.")


class Coverage(BaseModel):
    """What the corpus holds on a question, in numbers, and the same as one line."""

    papers: int = Field(description="Papers that bear on it (the ones the answer is made from).")
    cited: int = Field(description="Papers the text cites.")
    first_year: int | None = Field(description="Earliest year among the dated papers.")
    last_year: int | None = Field(description="Latest year among the dated papers.")
    undated: int = Field(description="Papers without a publication date.")
    years: list[YearCount] = Field(description="Per year, oldest first; undated papers left out.")
    note: str = Field(
        description='One line: "6 papers bear on this, 2019–2024; 1 undated; 3 cited".'
    )


NONE = "No paper in the corpus bears on this"


def coverage_of(relevant: Sequence[Paper], cited: Iterable[Paper] = ()) -> Coverage:
    """The coverage of an answer made from `relevant` that cites `cited`.

    A cited paper is counted as relevant too, whether or not it is in `relevant`.
    """
    bearing = {p.id: p for p in relevant}
    cited_ids = set()
    for paper in cited:
        bearing.setdefault(paper.id, paper)
        cited_ids.add(paper.id)
    relevant_years = Counter(p.year for p in bearing.values() if p.year is not None)
    cited_years = Counter(bearing[i].year for i in cited_ids if bearing[i].year is not None)
    years = [
        YearCount(year=y, relevant=relevant_years[y], cited=cited_years[y])
        for y in sorted(relevant_years)
    ]
    first = years[0].year if years else None
    last = years[-1].year if years else None
    undated = sum(1 for p in bearing.values() if p.year is None)
    return Coverage(
        papers=len(bearing),
        cited=len(cited_ids),
        first_year=first,
        last_year=last,
        undated=undated,
        years=years,
        note=_note(len(bearing), len(cited_ids), first, last, undated),
    )


def _note(papers: int, cited: int, first: int | None, last: int | None, undated: int) -> str:
    if not papers:
        return NONE
    parts = [f"{papers} paper{'s' * (papers != 1)} bear{'s' * (papers == 1)} on this"]
    if first is not None:
        parts[0] += f", {first}" if first == last else f", {first}–{last}"
    if undated == papers:
        parts.append("all undated" if papers > 1 else "undated")
    elif undated:
        parts.append(f"{undated} undated")
    parts.append(f"{cited} cited")
    return "; ".join(parts)
