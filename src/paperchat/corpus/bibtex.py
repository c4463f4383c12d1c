"""Parse BibTeX files whose entries carry an `abstract` field.

Two libraries, each for what it does well. bibtexparser 2 splits the file into blocks,
each with its line, and flags a broken block without losing the ones after it (an
unclosed brace costs one entry, not the rest of the file). pybtex then reads each block's
values the way BibTeX does: `@string` macros, `#` concatenation and the month macros.
A `crossref` child takes the fields it lacks from its parent, as in BibTeX, except what
identifies a paper. Everything after that is done here, so one odd entry (a bad author
list, a year like "forthcoming", an undefined macro) costs only that field or that entry,
never the file. Entries without an abstract are skipped with a Problem: there is nothing
to search.
"""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import Block, DuplicateBlockKeyBlock, Entry, String
from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.exceptions import PybtexError
from pybtex.utils import CaseInsensitiveDict
from pydantic import ValidationError

from paperchat.corpus.clean import clean_text, extract_code_url
from paperchat.corpus.paper import Paper, paper_id
from paperchat.corpus.parsing import ParseResult, Problem, read_source, source_ref

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ARXIV_ID = re.compile(r"(?:arXiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:v\d+)?(?:\.pdf)?$", re.I)
# A proceedings volume's DOI or URL is not its papers': these are never inherited.
_OWN_FIELDS = frozenset({"doi", "url", "eprint", "archiveprefix", "eprinttype", "primaryclass"})
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


Fields = dict[str, str]


def _evaluate(raw: str, macros: CaseInsensitiveDict) -> tuple[Fields, list[tuple[str, str]]]:
    """One @string or entry block read by pybtex: its fields by lower-case name
    (`archivePrefix` and `archiveprefix` alike; the first of a repeated field), and the
    (field, macro) pairs of undefined macros, which BibTeX reads as empty text. An
    @string adds itself to `macros`; any other error in the block raises PybtexError."""
    undefined: list[tuple[str, str]] = []

    def note_undefined(error: PybtexError) -> None:
        if not isinstance(error, UndefinedMacro):
            raise error
        undefined.append((str(error.parser.current_field_name).lower(), str(error.args[0])))

    fields: Fields = {}
    for command, body in LowLevelParser(raw, macros=macros, handle_error=note_undefined):
        if command.lower() not in ("string", "preamble"):
            for name, parts in body[1]:
                if (value := "".join(parts)).strip():
                    fields.setdefault(name.lower(), value)
    return fields, undefined


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


def _arxiv_id(fields: Fields) -> str | None:
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


def _published(fields: Fields) -> str | None:
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


def _paper(fields: Fields, ref: str) -> Paper | None:
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


def _blocks(library: bibtexparser.Library, path: Path, result: ParseResult) -> list[Block]:
    """The @string and entry blocks in file order; every other broken block is a Problem."""
    blocks: list[Block] = []
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, Entry | String
        ):
            # A reused key is no reason to drop a paper; a redefined @string wins, as in BibTeX.
            blocks.append(block.ignore_error_block)
        elif isinstance(block, Entry | String):
            blocks.append(block)
        elif error := getattr(block, "error", None):
            line = (block.start_line or 0) + 1
            reason = " ".join(str(getattr(error, "abort_reason", None) or error).split())
            message = f"malformed entry ({reason}) — skipped"
            result.problems.append(Problem(str(path), line, message))
    return blocks


def _read(blocks: list[Block], path: Path, result: ParseResult) -> list[tuple[Entry, Fields]]:
    """Each entry with its fields as BibTeX reads them: the macros defined so far expanded."""
    macros = CaseInsensitiveDict(month_names)
    entries = []
    for block in blocks:
        line = (block.start_line or 0) + 1
        name = f"entry {block.key!r}" if isinstance(block, Entry) else f"@string {block.key!r}"
        try:
            fields, undefined = _evaluate(block.raw, macros)
        except PybtexError as exc:  # its own message names a line inside the block: left out
            message = f"malformed {name} ({exc.args[0]}) — skipped"
            result.problems.append(Problem(str(path), line, message))
            continue
        for field, macro in undefined:
            where, kept = (f" in {field}", "paper") if isinstance(block, Entry) else ("", "string")
            message = (
                f"{name}: undefined @string macro {macro!r}{where} — read as empty, {kept} "
                f"kept; define it with @string{{{macro} = ...}}"
            )
            result.problems.append(Problem(str(path), line, message))
        if isinstance(block, Entry):
            entries.append((block, fields))
    return entries


def _inherit(
    entries: list[tuple[Entry, Fields]], path: Path, result: ParseResult
) -> list[tuple[Entry, Fields]]:
    """A `crossref` child takes the fields it lacks from its parent (one level, as BibTeX)."""
    by_key: dict[str, Fields] = {}
    for entry, fields in entries:
        by_key.setdefault(entry.key.lower(), fields)
    inherited = []
    for entry, fields in entries:
        crossref = fields.get("crossref", "").strip()
        if crossref and (parent := by_key.get(crossref.lower())) is None:
            line = (entry.start_line or 0) + 1
            message = (
                f"entry {entry.key!r}: crossref {crossref!r} is not in this file — "
                "nothing inherited, paper kept"
            )
            result.problems.append(Problem(str(path), line, message))
        elif crossref:
            fields = {k: v for k, v in parent.items() if k not in _OWN_FIELDS} | fields
        inherited.append((entry, fields))
    return inherited


def parse_bibtex(path: Path) -> ParseResult:
    """Papers from the entries of a .bib file; bad or abstract-less entries are Problems."""
    text, problem = read_source(path)
    if text is None:
        return ParseResult(problems=[problem] if problem else [])
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser re-raises its own bugs; for us a bad file, no crash
        return ParseResult(problems=[Problem(str(path), None, f"cannot parse BibTeX ({exc})")])
    result = ParseResult()
    entries = _inherit(_read(_blocks(library, path, result), path, result), path, result)
    for entry, fields in entries:
        line = (entry.start_line or 0) + 1
        try:
            paper = _paper(fields, source_ref(path, line))
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
