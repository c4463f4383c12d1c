"""Full or read-only disks, told as such: what was being written, where, and how much room
it needs, instead of an `OSError` traceback or a store's own puzzling message.

Chroma reports a full disk in its own words ("database or disk is full", or a failed
compaction with no errno at all), and the ONNX export can end in a protobuf DecodeError
when the disk fills while the model is written; so besides errno, the text of the error
chain and the space left on the disk are read.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

from paperchat.errors import DiskError

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXT = ("database or disk is full", "no space left on device", "disk quota exceeded")
_READ_ONLY_TEXT = ("read-only file system", "readonly database", "read-only database")
LOW_SPACE = 64 * 2**20  # below this, a store that failed while writing is taken as full
MB = 2**20


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def diagnose(exc: BaseException) -> str | None:
    """`full`, `read-only`, or None when the error is not about the disk."""
    for error in _chain(exc):
        if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
            return "full"
        if isinstance(error, OSError) and error.errno == errno.EROFS:
            return "read-only"
        text = str(error).lower()
        if any(t in text for t in _FULL_TEXT):
            return "full"
        if any(t in text for t in _READ_ONLY_TEXT):
            return "read-only"
    return None


def free_bytes(path: Path) -> int | None:
    """Free space on the disk that holds `path` (or its nearest existing parent)."""
    for candidate in (Path(path), *Path(path).parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def low_on_space(path: Path) -> bool:
    free = free_bytes(path)
    return free is not None and free < LOW_SPACE


def disk_error(
    kind: str, where: Path, doing: str, need: int | None = None, *, hint: str = ""
) -> DiskError:
    """The DiskError for `kind` (`full` or `read-only`) met while `doing` wrote to `where`."""
    if kind == "read-only":
        return DiskError(
            f"{doing} needs to write to {where}, which is on a read-only disk: remount it "
            "read-write or point PAPERCHAT_DATA_DIR at a writable folder"
        )
    free = free_bytes(where)
    room = f"{free / MB:.0f} MB free" if free is not None else "free space unknown"
    needed = f"; it needs about {need / MB:.0f} MB" if need else ""
    return DiskError(
        f"{doing} ran out of disk space in {where} ({room}{needed}{hint}): free space there "
        "or point PAPERCHAT_DATA_DIR at a larger disk, then run it again"
    )


def require_free(where: Path, need: int, doing: str, alternative: str = "") -> None:
    """Refuse to start `doing` when the disk holding `where` has less than `need` free."""
    free = free_bytes(where)
    if free is not None and free < need:
        raise DiskError(
            f"{doing} needs about {need / MB:.0f} MB free in {where}, which has "
            f"{free / MB:.0f} MB: free space there or point PAPERCHAT_DATA_DIR at a larger "
            f"disk{alternative}"
        )
