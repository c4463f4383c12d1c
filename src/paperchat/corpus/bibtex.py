"""Parse BibTeX files whose entries carry an `abstract` field (bibtexparser 2.x).

bibtexparser splits the file into blocks and reports each block it cannot parse with
its line; everything after that is done here, so one odd entry (a bad author list, a
year like "forthcoming") costs only that field or that entry, never the file. Entries
without an abstract are skipped with a Problem: there is nothing to search.
"""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares import RemoveEnclosingMiddleware
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import DuplicateBlockKeyBlock, Entry
from pydantic import ValidationError

from paperchat.corpus.clean import clean_text, extract_code_url
from paperchat.corpus.paper import Paper, paper_id
from paperchat.corpus.parsing import ParseResult, Problem, read_source, source_ref

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ARXIV_ID = re.compile(r"(?:arXiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?$", re.I)
_UNENCLOSE = RemoveEnclosingMiddleware(allow_inplace_modification=True)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def _fields(entry: Entry) -> dict[str, str]:
    """Field values by lower-case name (`archivePrefix` and `archiveprefix` alike)."""
    return {f.key.lower(): str(f.value) for f in entry.fields if str(f.value).strip()}


def _authors(value: str | None) -> list[str] | None:
    if not value:
        return None
    names = []
    for raw in split_multiple_persons_names(value):
        try:
            name = parse_single_name_into_parts(raw, strict=False).merge_first_name_first
        except ValueError:  # an unusual name: keep it as written
            name = raw
        if cleaned := clean_text(name).replace("{", "").replace("}", ""):
            names.append(cleaned)
    return names or None


def _arxiv_id(fields: dict[str, str]) -> str | None:
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    eprint = fields.get("eprint", "").strip()
    if eprint and (archive == "arxiv" or not archive) and (m := _ARXIV_ID.fullmatch(eprint)):
        return m.group(1)
    if m := _ARXIV_URL.search(fields.get("url", "").strip()):
        return m.group(1)
    return None


def _month(value: str) -> int | None:
    """`3`, `mar`, `March` or `Mar.` as a month number; None when it is none of those."""
    value = value.strip().lower()
    number = int(value) if value.isdigit() else None
    if number is None and value[:3] in _MONTHS:
        number = _MONTHS.index(value[:3]) + 1
    return number if number and 1 <= number <= 12 else None


def _published(fields: dict[str, str]) -> str | None:
    """`date` (biblatex) or `year` plus `month` when given: YYYY-MM-DD, YYYY-MM or YYYY."""
    if m := re.match(r"\d{4}(?:-\d{2}){0,2}", fields.get("date", "").strip()):
        return m.group(0)
    year = fields.get("year", "").strip()
    if not re.fullmatch(r"\d{4}", year):
        return None
    month = _month(fields.get("month", ""))
    return f"{year}-{month:02d}" if month else year


def _title(value: str | None) -> str | None:
    """Titles brace words to keep their case (`{BERT}`); the braces themselves go."""
    if not value:
        return None
    return " ".join(clean_text(value).replace("{", "").replace("}", "").split()) or None


def _paper(entry: Entry, ref: str) -> Paper | None:
    fields = _fields(entry)
    abstract = clean_text(fields.get("abstract", ""))
    if not abstract:
        return None
    arxiv_id = _arxiv_id(fields)
    doi = _DOI_PREFIX.sub("", fields.get("doi", "").strip()) or None
    authors = _authors(fields.get("author"))
    url = fields.get("url") or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None)
    return Paper(
        id=paper_id(arxiv_id=arxiv_id, doi=doi, abstract=abstract),
        title=_title(fields.get("title")),
        abstract=abstract,
        authors=authors,
        author_count=len(authors) if authors else None,
        published=_published(fields),
        url=url,
        code_url=extract_code_url(abstract) or extract_code_url(fields.get("note", "")),
        doi=doi,
        arxiv_id=arxiv_id,
        categories=[fields["primaryclass"]] if "primaryclass" in fields else None,
        sources=[ref],
    )


def parse_bibtex(path: Path) -> ParseResult:
    """Papers from the entries of a .bib file; bad or abstract-less entries are Problems."""
    text, problem = read_source(path)
    if text is None:
        return ParseResult(problems=[problem] if problem else [])
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # bibtexparser re-raises its own bugs; for us a bad file, no crash
        return ParseResult(problems=[Problem(str(path), None, f"cannot parse BibTeX ({exc})")])
    result = ParseResult()
    entries = list(library.entries)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            # A reused key is no reason to drop a paper; the parse stack skipped this block.
            entries.append(_UNENCLOSE.transform_entry(block.ignore_error_block, library))
            continue
        error = block.error
        reason = " ".join(str(getattr(error, "abort_reason", None) or error).split())
        result.problems.append(Problem(str(path), line, f"malformed entry ({reason}) — skipped"))
    for entry in sorted(entries, key=lambda e: e.start_line or 0):
        line = (entry.start_line or 0) + 1
        try:
            paper = _paper(entry, source_ref(path, line))
        except ValidationError as exc:
            message = f"entry {entry.key!r}: invalid field ({exc.errors()[0]['msg']}) — skipped"
            result.problems.append(Problem(str(path), line, message))
            continue
        if paper is None:
            message = f"entry {entry.key!r} has no abstract — skipped"
            result.problems.append(Problem(str(path), line, message))
        else:
            result.papers.append(paper)
    result.problems.sort(key=lambda p: p.line or 0)
    return result
