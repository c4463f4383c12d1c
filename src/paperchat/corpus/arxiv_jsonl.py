"""Parse arXiv metadata in the shape of the public arXiv snapshot (the Kaggle dump).

One JSON object per line (`.jsonl`, and also `.json`: the dump itself is named
`arxiv-metadata-oai-snapshot.json` but holds JSON Lines); a `.json` file holding one
JSON array of such objects works too. Fields used: `id`, `title`, `abstract`,
`authors` (one string "A. Name, B. Name and C. Name") or `authors_parsed`
([last, first, suffix] lists, preferred), `categories` (space-separated), `doi`,
`versions` (the first one's date is when the paper appeared) and `update_date`
(the fallback date), `comments` (often where the code link is).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from paperchat.corpus.clean import clean_text, extract_code_url
from paperchat.corpus.paper import Paper, paper_id
from paperchat.corpus.parsing import ParseResult, Problem, read_source, source_ref, streamable

_VERSION = re.compile(r"v\d+$")
_PARENS = re.compile(r"\([^()]*\)")
_AND = re.compile(r",?\s+and\s+|,")


class RecordError(ValueError):
    """A record that cannot become a Paper; the message says why."""


def _records(text: str) -> Iterator[tuple[int, Any]]:
    """(line, value) per record; a value that is a JSONDecodeError marks a bad one."""
    if text.lstrip().startswith("["):
        yield from _array_records(text)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        yield from _line_record(number, line)


def _line_record(number: int, line: str) -> Iterator[tuple[int, Any]]:
    if line.strip():
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, exc
        except RecursionError:  # `[[[[...` thousands deep: one bad record, not the file
            yield number, json.JSONDecodeError("nested too deeply", line, 0)


def _array_records(text: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        try:
            value, end = decoder.raw_decode(text, pos)
        except RecursionError:
            yield text.count("\n", 0, pos) + 1, json.JSONDecodeError("nested too deeply", text, pos)
            return
        except json.JSONDecodeError as exc:
            # The array cannot be followed past a syntax error: report it and stop.
            yield text.count("\n", 0, exc.pos) + 1, exc
            return
        yield text.count("\n", 0, pos) + 1, value
        pos = end


def _text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"field {name!r} is not a string")
    return clean_text(value) or None


def _authors(record: dict[str, Any]) -> list[str] | None:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and all(isinstance(p, list) for p in parsed) and parsed:
        names = [" ".join(str(part) for part in (p[1:2] + p[:1] + p[2:3]) if part) for p in parsed]
    else:
        text = _text(record, "authors") or ""
        while _PARENS.search(text):  # affiliations: "A. Name (MIT), B. Name"
            text = _PARENS.sub("", text)
        names = _AND.split(text)
    names = [clean_text(name) for name in names]
    return [name for name in names if name] or None


def _first_version_date(record: dict[str, Any]) -> str | None:
    versions = record.get("versions")
    if not (isinstance(versions, list) and versions and isinstance(versions[0], dict)):
        return None
    try:
        return parsedate_to_datetime(str(versions[0].get("created"))).date().isoformat()
    except (TypeError, ValueError):
        return None


def _published(record: dict[str, Any], notes: list[str]) -> str | None:
    """When the paper appeared (its first version), else when its metadata last changed.
    A date that does not parse costs only the date: the paper loads undated, noted."""
    if first := _first_version_date(record):
        return first
    updated = record.get("update_date")
    if not updated:
        return None
    try:
        return date.fromisoformat(str(updated)[:10]).isoformat()
    except ValueError:
        notes.append(f"update_date {str(updated)[:40]!r} is not a YYYY-MM-DD date — date left out")
        return None


def _paper(record: Any, ref: str, notes: list[str]) -> Paper:
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, got {type(record).__name__}")
    abstract = _text(record, "abstract")
    if not abstract:
        raise RecordError("no abstract")
    arxiv_id = _text(record, "id")
    arxiv_id = _VERSION.sub("", arxiv_id) if arxiv_id else None
    doi = (_text(record, "doi") or "").split(" ")[0] or None
    categories = (_text(record, "categories") or "").split()
    return Paper(
        id=paper_id(arxiv_id=arxiv_id, doi=doi, abstract=abstract),
        title=_text(record, "title"),
        abstract=abstract,
        authors=(authors := _authors(record)),
        author_count=len(authors) if authors else None,
        published=_published(record, notes),
        url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
        code_url=extract_code_url(abstract) or extract_code_url(_text(record, "comments") or ""),
        doi=doi,
        arxiv_id=arxiv_id,
        categories=categories or None,
        sources=[ref],
    )


def parse_arxiv_jsonl(path: Path) -> ParseResult:
    """Papers from an arXiv metadata file; each bad record is a Problem, the rest load."""
    result = ParseResult()
    for item in iter_arxiv_jsonl(path):
        (result.problems if isinstance(item, Problem) else result.papers).append(item)
    return result


def iter_arxiv_jsonl(path: Path) -> Iterator[Paper | Problem]:
    """The papers and problems of an arXiv metadata file, in file order. A plain UTF-8
    JSON Lines file is read a line at a time, so its size does not bound memory; a JSON
    array, UTF-16 text or a file that is unusable as a whole is read whole (the problem
    that makes it unusable is then the only item)."""
    if streamable(path):
        records: Iterator[tuple[int, Any]] = _line_records(path)
    else:
        text, problem = read_source(path)
        if text is None:
            if problem:
                yield problem
            return
        records = _records(text)
    for line, record in records:
        if isinstance(record, json.JSONDecodeError):
            message = f"invalid JSON ({record.msg}, column {record.colno}) — record skipped"
            yield Problem(str(path), line, message)
            continue
        notes: list[str] = []
        try:
            paper = _paper(record, source_ref(path, line), notes)
        except (RecordError, ValidationError) as exc:
            yield Problem(str(path), line, f"{exc} — record skipped")
            continue
        yield paper
        yield from (Problem(str(path), line, f"{n}, paper kept") for n in notes)


def _line_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, value) per non-blank line of a file `streamable` accepted."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            yield from _line_record(number, line)
