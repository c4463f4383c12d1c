"""What every parser shares: its result, the problems it reports, and safe reading.

Bad input never stops a load. A parser reports what it could not use as a `Problem`
naming the file and line, skips that record and keeps going. `line` is None only when
the whole file is unusable (unreadable, binary, compressed, empty): ingest relies on
that to keep the papers it already stored from such a file instead of deleting them, and
on the line of a record problem to keep the paper it stored from that line.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from paperchat.corpus.paper import Paper

_SNIFF_BYTES = 8192
# Compressed or archived files saved under a text name (`papers.jsonl` that is really
# gzip): named as such, so the fix (decompress it) is obvious.
_COMPRESSED = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"(\xb5/\xfd": "zstd",
    b"PK\x03\x04": "zip",
    b"7z\xbc\xaf\x27\x1c": "7z",
}


@dataclass
class Problem:
    """One thing in the input that was skipped, and where."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class ParseResult:
    """The papers one file yielded (unmerged, in file order) and what was skipped."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def source_ref(path: Path, line: int) -> str:
    """How a paper records where it was listed: file name and 1-based line."""
    return f"{path.name}:{line}"


def read_source(path: Path) -> tuple[str | None, Problem | None]:
    """The file's text, or the Problem that makes the whole file unusable."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            # Reading a pipe or a device could block forever or never end.
            message = "not a regular file (a pipe, socket or device) — file skipped"
            return None, Problem(str(path), None, message)
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return None, Problem(str(path), None, f"cannot read file ({reason}) — file skipped")
    for magic, kind in _COMPRESSED.items():
        if data.startswith(magic):
            message = f"{kind}-compressed, not a text file: decompress it first — file skipped"
            return None, Problem(str(path), None, message)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = data.decode("utf-16", errors="replace").encode()  # Windows editors save this
    if (bomless := _bomless_utf16(data)) is not None:
        try:
            data = data.decode(bomless).encode()
        except UnicodeDecodeError:
            message = f"looks like {bomless.upper()} without a byte-order mark but does not "
            return None, Problem(str(path), None, message + "decode; save it as UTF-8")
    if b"\x00" in data[:_SNIFF_BYTES]:
        return None, Problem(str(path), None, "binary content, not a text file — file skipped")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 text (bad byte at line {line}) — file skipped"
        return None, Problem(str(path), None, message)
    if not text.strip():
        return None, Problem(str(path), None, "empty file — nothing to load")
    return text, None


def streamable(path: Path, block: int = 1 << 20) -> bool:
    """Whether the file can be read a line at a time with the same outcome as
    `read_source`: a regular file of UTF-8 text (a UTF-8 BOM is fine), not compressed,
    not UTF-16, not binary, not blank, whose first character does not open a JSON array.
    Checking reads the file once in blocks, so a bad byte deep inside is found before any
    record is used; anything else is left to `read_source` and its problems."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as data:
            head = data.read(_SNIFF_BYTES)
            size = os.fstat(data.fileno()).st_size
            if (
                any(head.startswith(magic) for magic in _COMPRESSED)
                or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                or (size % 2 == 0 and _bomless_utf16(head) is not None)
                or b"\x00" in head
            ):
                return False
            data.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8-sig")()
            first = ""
            while chunk := data.read(block):
                text = decoder.decode(chunk)
                first = first or text.lstrip()[:1]
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return False
    return first not in ("", "[")


def _bomless_utf16(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when the bytes read as UTF-16 text with no byte-order
    mark: mostly-ASCII text in UTF-16 has a NUL in every other byte, on one side only."""
    sample = data[:_SNIFF_BYTES]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd > 0.6 * len(odd) and zeros_even < 0.05 * len(even):
        return "utf-16-le"
    if zeros_even > 0.6 * len(even) and zeros_odd < 0.05 * len(odd):
        return "utf-16-be"
    return None
