"""Load a corpus: find the files, parse each with the parser for its type, merge.

Parsers are picked by file extension from one small registry and imported only when
a file of their type shows up. Nothing in the input stops a load: a missing path, an
unknown type or an unreadable file is a `Problem` and the rest still loads.
"""

from __future__ import annotations

import errno
import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paperchat.corpus.merge import merge_papers
from paperchat.corpus.paper import Paper
from paperchat.corpus.parsing import ParseResult, Problem

__all__ = [
    "LoadResult",
    "ParseResult",
    "Problem",
    "corpus_files",
    "iter_file",
    "load_corpus",
    "parse_file",
    "real_path",
]

# Real abstracts run to a few thousand characters (arXiv caps them at 1,920); a record far
# past that is a broken or hostile file, and would cost thousands of chunks to embed.
MAX_ABSTRACT_CHARS = 20_000
MAX_TITLE_CHARS = 2_000

# extension -> (module, function); `.json` is JSON Lines or one JSON array.
_PARSERS: dict[str, tuple[str, str]] = {
    ".txt": ("paperchat.corpus.listing", "parse_listing"),
    ".jsonl": ("paperchat.corpus.arxiv_jsonl", "parse_arxiv_jsonl"),
    ".json": ("paperchat.corpus.arxiv_jsonl", "parse_arxiv_jsonl"),
    ".bib": ("paperchat.corpus.bibtex", "parse_bibtex"),
}
# Formats that can be read record by record (the others are parsed whole, per file).
_STREAMERS: dict[str, tuple[str, str]] = {
    ".jsonl": ("paperchat.corpus.arxiv_jsonl", "iter_arxiv_jsonl"),
    ".json": ("paperchat.corpus.arxiv_jsonl", "iter_arxiv_jsonl"),
}


@dataclass
class LoadResult:
    """The merged papers (sorted by id), how many listings they came from, what was
    skipped, and the files read."""

    papers: list[Paper]
    listings: int
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _parser(suffix: str, registry: dict[str, tuple[str, str]] = _PARSERS) -> Callable | None:
    if suffix not in registry:
        return None
    module, name = registry[suffix]
    return getattr(importlib.import_module(module), name)


def parse_file(path: Path) -> ParseResult:
    """The papers of one file, by the parser registered for its extension."""
    path = Path(path)
    parse = _parser(path.suffix.lower())
    if parse is None:
        supported = ", ".join(sorted(_PARSERS))
        kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
        message = f"unsupported file type {kind}; supported: {supported} — file skipped"
        return ParseResult(problems=[Problem(str(path), None, message)])
    try:
        return parse(path)
    except Exception as exc:  # a parser bug must cost one file, not the whole load
        message = f"parser failed ({exc.__class__.__name__}: {exc}) — file skipped; please report"
        return ParseResult(problems=[Problem(str(path), None, message)])


def iter_file(path: Path) -> Iterator[Paper | Problem]:
    """The papers (within the length limits) and problems of one file, in file order:
    a record at a time for the formats that stream, else from the whole file's parse."""
    path = Path(path)
    stream = _parser(path.suffix.lower(), _STREAMERS)
    try:
        items = stream(path) if stream else _items(parse_file(path))
        for item in items:
            too_long = _too_long(item) if isinstance(item, Paper) else None
            if too_long:
                line = int(item.sources[0].rsplit(":", 1)[1]) if item.sources else None
                yield Problem(str(path), line, too_long)
            else:
                yield item
    except Exception as exc:  # a parser bug must cost one file, not the whole load
        message = f"parser failed ({exc.__class__.__name__}: {exc}) — file skipped; please report"
        yield Problem(str(path), None, message)


def _items(result: ParseResult) -> Iterator[Paper | Problem]:
    yield from result.problems
    yield from result.papers


def _walk(directory: Path, problems: list[Problem]) -> list[Path]:
    """Files under a directory, sorted, hidden files and directories left out."""

    def report(error: OSError) -> None:
        reason = error.strerror or error.__class__.__name__
        where = str(error.filename or directory)
        problems.append(Problem(where, None, f"cannot list directory ({reason}) — skipped"))

    found = []
    for root, dirs, names in os.walk(directory, onerror=report):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root, n) for n in sorted(names) if not n.startswith("."))
    if not found:
        problems.append(Problem(str(directory), None, "no files in this directory — skipped"))
    return found


def real_path(path: Path | str) -> str:
    """The absolute path with symlinks followed as far as they go. Never raises: a
    symlink loop (which makes `Path.resolve` raise RuntimeError) stays as written."""
    return os.path.realpath(path)


def _unusable(path: Path) -> str | None:
    """Why a given path cannot be read at all, or None."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links) — skipped"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "no such file or directory — skipped"
        return f"cannot read ({exc.strerror or exc.__class__.__name__}) — skipped"
    return None


def corpus_files(paths: Iterable[Path], problems: list[Problem]) -> list[Path]:
    """The files to read under the given paths, each once; unusable paths go to `problems`."""
    files: list[Path] = []
    for path in map(Path, paths):
        if reason := _unusable(path):
            problems.append(Problem(str(path), None, reason))
        elif path.is_dir():
            files.extend(_walk(path, problems))
        else:
            files.append(path)
    seen: set[str] = set()
    unique = []
    for file in files:  # a file given twice (or inside a directory also given) reads once
        if (real := real_path(file)) not in seen:
            seen.add(real)
            unique.append(file)
    return unique


def _too_long(paper: Paper) -> str | None:
    for name, text, limit in (
        ("abstract", paper.abstract, MAX_ABSTRACT_CHARS),
        ("title", paper.title or "", MAX_TITLE_CHARS),
    ):
        if len(text) > limit:
            return (
                f"{name} of {len(text):,} characters, far longer than any real {name} "
                f"(limit {limit:,}) — record skipped"
            )
    return None


def load_corpus(paths: Iterable[Path]) -> LoadResult:
    """Every paper in the given files and directories, merged across files."""
    problems: list[Problem] = []
    files = corpus_files(paths, problems)
    papers: list[Paper] = []
    for file in files:
        for item in iter_file(file):
            (problems if isinstance(item, Problem) else papers).append(item)
    return LoadResult(merge_papers(papers), len(papers), problems, files)
