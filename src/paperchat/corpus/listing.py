"""Parse page dumps of paper listings (the bundled `data/papers/*.txt`).

Three layouts occur, and one reader handles them all by looking at each line:
- `Abstract:<text>` lines, untitled;
- title, blank line, abstract, then optional `• 8 authors` / `·` / `Dec 13, 2023`;
- title and abstract on alternating lines, no blank lines.
A title is a short line followed by a longer one (its abstract); page furniture
("Subscribe", "Daily Papers", the page's own date before the first paper...) is
dropped, also when glued to the first title (`SubscribeMaskingDepth: ...`).

Listing dates without a year ("Aug 2") are this year's papers on the page, which shows
a year only for other years. The page's year is not written anywhere, so it is taken
as one after the latest year the same file shows; a file with no years leaves such
dates unknown (None) rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from paperchat.corpus.clean import clean_text, extract_code_url
from paperchat.corpus.paper import Paper, paper_id
from paperchat.corpus.parsing import ParseResult, Problem, read_source, source_ref

_FURNITURE_LINES = re.compile(
    r"new|subscribe|daily papers|byak and the research community|upvote|·|•|\d+"
    r"|get trending papers in your email inbox( once a day)?!|submitted by\b.*|\d+ upvotes?",
    re.IGNORECASE,
)
# Furniture glued onto the next line; only split off before a capital or digit, so a
# title like "Subscribe to ..." or "Subscriber churn ..." stays whole.
_GLUED = re.compile(
    r"^(?:Get trending papers in your email inbox(?: once a day)?!|Subscribe|Daily Papers"
    r"|byAK and the research community)\s*(?=[A-Z0-9])"
)
_AUTHORS = re.compile(r"•\s*(\d+)\s+authors?", re.IGNORECASE)
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# "Dec 13, 2023", "Aug 2" (this year), optionally followed by the upvote count.
_DATE = re.compile(r"([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?(?: \d+)?")
_ABSTRACT_PREFIX = re.compile(r"^abstract\s*:\s*", re.IGNORECASE)  # only a line's start
# Titles in the corpus run to 145 characters, abstracts start at 636; a line shorter
# than _MIN_ABSTRACT with no abstract after it is unknown furniture, reported.
_MAX_TITLE = 300
_MIN_ABSTRACT = 60


@dataclass
class _Listing:
    line: int
    title: str | None
    abstract: str
    author_count: int | None = None
    month_day: tuple[int, int] | None = None
    year: int | None = None


def _date(text: str) -> tuple[int, int, int | None] | None:
    match = _DATE.fullmatch(text)
    if not match or match.group(1).lower() not in _MONTHS:
        return None
    month, day = _MONTHS.index(match.group(1).lower()) + 1, int(match.group(2))
    return month, day, int(match.group(3)) if match.group(3) else None


def _content_lines(text: str) -> list[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers, glued furniture split off."""
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        while (glued := _GLUED.match(line)) and glued.end() < len(line):
            line = line[glued.end() :]
        if line and not _FURNITURE_LINES.fullmatch(line):
            lines.append((number, line))
    return lines


def _is_text(line: str) -> bool:
    return not (_AUTHORS.fullmatch(line) or _date(line))


def _read_listings(path: Path, text: str, problems: list[Problem]) -> list[_Listing]:
    lines = _content_lines(text)
    listings: list[_Listing] = []
    i = 0
    while i < len(lines):
        number, line = lines[i]
        i += 1
        if authors := _AUTHORS.fullmatch(line):
            if listings and listings[-1].author_count is None:
                listings[-1].author_count = int(authors.group(1))
            continue
        if listed := _date(line):
            # A date before the first paper is the page's own date, not a paper's.
            if listings and listings[-1].month_day is None:
                listings[-1].month_day, listings[-1].year = listed[:2], listed[2]
            continue
        title = None
        if not _ABSTRACT_PREFIX.match(line) and i < len(lines):
            following = lines[i][1]
            if len(line) <= _MAX_TITLE and _is_text(following) and len(following) > len(line):
                title, line = line, following
                i += 1
        abstract = _ABSTRACT_PREFIX.sub("", line, count=1)
        if title is None and len(abstract) < _MIN_ABSTRACT:
            message = f"line not recognised as a title or an abstract ({line[:40]!r}) — skipped"
            problems.append(Problem(str(path), number, message))
            continue
        listings.append(_Listing(number, title, abstract))
    return listings


def _published(listing: _Listing, page_year: int | None) -> str | None:
    year = listing.year or page_year
    if listing.month_day is None or year is None:
        return None
    try:
        return date(year, *listing.month_day).isoformat()
    except ValueError:  # "Feb 30": not a day, so no date rather than a wrong one
        return None


def parse_listing(path: Path) -> ParseResult:
    """Papers listed in one page dump, in page order, each with its file:line source."""
    text, problem = read_source(path)
    if text is None:
        return ParseResult(problems=[problem] if problem else [])
    result = ParseResult()
    listings = _read_listings(path, text, result.problems)
    years = [listing.year for listing in listings if listing.year]
    page_year = max(years) + 1 if years else None
    for listing in listings:
        abstract = clean_text(listing.abstract)
        if not abstract:
            message = "abstract is empty after removing markup — skipped"
            result.problems.append(Problem(str(path), listing.line, message))
            continue
        paper = Paper(
            id=paper_id(abstract=abstract),
            title=clean_text(listing.title or "") or None,
            abstract=abstract,
            author_count=listing.author_count,
            published=_published(listing, page_year),
            code_url=extract_code_url(abstract),
            sources=[source_ref(path, listing.line)],
        )
        result.papers.append(paper)
    return result
