"""The lines of a JSON-lines file found by key and read when asked for.

A snapshot's papers and sentences are one JSON line per paper. Parsing them all into
Python objects made a replica's memory and start grow with the corpus (~17 KB and
~20 µs per paper); instead, the writer saves beside each file its keys (in file order),
their sort order and every line's byte offset, as .npy arrays that a reader memory-maps.
Finding a key is a binary search over the mapped keys; reading its line, a slice of the
mapped file (its pages count in RSS as file pages, which the kernel can drop).
Nothing is read at open, so opening costs the same at a million lines as at ten.
"""

from __future__ import annotations

import mmap
import os
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

KEYS = ".keys.npy"  # every line's key, utf-8, in file order
ORDER = ".order.npy"  # the rows in key order (np.argsort of the keys)
OFFSETS = ".offsets.npy"  # byte offset of every line, and the file's length last
READ_BLOCK = 1 << 20


def index_paths(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in (KEYS, ORDER, OFFSETS)]


class LineWriter:
    """Writes a JSON-lines file one keyed line at a time, then its index (`close`)."""

    def __init__(self, path: Path):
        self.path = path
        self._out = path.open("wb")
        self._keys: list[bytes] = []
        self._offsets = array("q", [0])

    def add(self, key: str, line: str) -> None:
        data = line.encode("utf-8") + b"\n"
        self._out.write(data)
        self._keys.append(key.encode("utf-8"))
        self._offsets.append(self._offsets[-1] + len(data))

    def close(self) -> None:
        self._out.close()
        _save_index(self.path, self._keys, np.frombuffer(self._offsets, dtype=np.int64))

    def __enter__(self) -> LineWriter:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.close()
        else:
            self._out.close()


def _save_index(path: Path, keys: Sequence[bytes], offsets: np.ndarray) -> None:
    width = max((len(k) for k in keys), default=1)
    ids = np.array(keys, dtype=f"S{width}") if keys else np.zeros(0, dtype="S1")
    keys_path, order_path, offsets_path = index_paths(path)
    np.save(keys_path, ids)
    np.save(order_path, np.argsort(ids, kind="stable").astype(np.int64))
    np.save(offsets_path, offsets)


class KeyedLines:
    """A read-only view of an indexed JSON-lines file: rows in file order, by key."""

    def __init__(self, path: Path):
        keys_path, order_path, offsets_path = index_paths(path)
        self.path = path
        self._keys = np.load(keys_path, mmap_mode="r")
        self._order = np.load(order_path, mmap_mode="r")
        self._offsets = np.load(offsets_path, mmap_mode="r")
        self._width = self._keys.dtype.itemsize
        with path.open("rb") as file:  # mapped: a pruned snapshot stays readable
            size = os.fstat(file.fileno()).st_size
            self._data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    @staticmethod
    def exists(path: Path) -> bool:
        return path.exists() and all(p.exists() for p in index_paths(path))

    def __len__(self) -> int:
        return int(self._keys.shape[0])

    def row(self, key: str) -> int:
        """The row of a key, -1 when the file has none."""
        raw = key.encode("utf-8")
        if not len(self) or len(raw) > self._width:
            return -1
        at = int(np.searchsorted(self._keys, raw, sorter=self._order))
        if at == len(self):
            return -1
        row = int(self._order[at])
        return row if self._keys[row] == raw else -1

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """The rows of many keys at once (-1 for those the file lacks)."""
        if not len(self) or not keys:
            return np.full(len(keys), -1, dtype=np.int64)
        raw = [k.encode("utf-8") for k in keys]
        fits = np.array([len(r) <= self._width for r in raw])
        wanted = np.array([r if ok else b"" for r, ok in zip(raw, fits, strict=True)])
        at = np.minimum(np.searchsorted(self._keys, wanted, sorter=self._order), len(self) - 1)
        rows = np.asarray(self._order[at], dtype=np.int64)
        found = fits & (np.asarray(self._keys[rows]) == wanted.astype(self._keys.dtype))
        return np.where(found, rows, -1)

    def key(self, row: int) -> str:
        return bytes(self._keys[row]).decode("utf-8")

    def keys(self) -> Iterator[str]:
        """Every key in file order."""
        for first in range(0, len(self), 65536):
            for raw in self._keys[first : first + 65536]:
                yield bytes(raw).decode("utf-8")

    def read(self, row: int) -> bytes:
        return self._data[int(self._offsets[row]) : int(self._offsets[row + 1])]

    def lines(self) -> Iterator[bytes]:
        """Every line in file order, read in blocks (never the whole file at once)."""
        with self.path.open("rb", buffering=READ_BLOCK) as lines:
            for line in lines:
                if line.strip():
                    yield line
