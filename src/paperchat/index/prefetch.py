"""Run an iterator a few items ahead, so producing overlaps consuming.

Ingest reads, chunks and plans papers (pure Python, holding the GIL) while it embeds
(ONNX Runtime releases the GIL) and writes (another thread). `prefetched` produces in a
thread; that overlaps the encoder but not Chroma's writes, whose Python client holds the
GIL while its Rust core works (a spinning Python thread gets 4% of its speed meanwhile),
so on a large corpus `prefetched_in_process` produces in a forked child process instead
and the two cores stay busy. `depth` bounds what waits, so memory stays bounded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()
POLL_S = 0.5  # how often a waiting side checks that the other is still there
_PR_SET_PDEATHSIG = 1


def prefetched(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """The items of `items`, produced in a thread up to `depth` ahead. An exception in
    the producer is raised here; leaving early (break, an exception) stops the producer."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
        except BaseException as exc:  # raised in the consumer
            offer((_END, exc))
            return
        offer((_END, None))

    thread = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


def prefetched_in_process(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """`prefetched`, with `items` run in a forked child process (it inherits the
    iterator, so nothing but the items is pickled). An exception in the child is raised
    here (as a RuntimeError with its traceback when it cannot be pickled); leaving early
    stops the child; the child dies with this process, even when it is killed."""
    context = multiprocessing.get_context("fork")  # "spawn" would re-import everything
    ready = context.Queue(maxsize=depth)
    child = context.Process(
        target=_produce_into,
        args=(items, ready, os.getpid()),
        name="ingest-reader",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = ready.get(timeout=POLL_S)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # what it sent just before it ended
                    kind, payload = ready.get(timeout=POLL_S)
                except queue.Empty:
                    raise RuntimeError(
                        f"the ingest reader process stopped (exit code {child.exitcode})"
                    ) from None
            if kind == "error":
                raise payload
            if kind == "end":
                return
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        ready.cancel_join_thread()
        ready.close()


def _produce_into(items: Iterator, ready, parent: int) -> None:
    _die_with(parent)
    try:
        for item in items:
            _offer(ready, ("item", item), parent)
    except BaseException as exc:  # raised in the consumer
        _offer(ready, ("error", _picklable(exc)), parent)
        return
    _offer(ready, ("end", None), parent)


def _offer(ready, entry: tuple, parent: int) -> None:
    while True:
        try:
            ready.put(entry, timeout=POLL_S)
            return
        except queue.Full:
            if os.getppid() != parent:  # the consumer is gone (where PDEATHSIG is not)
                os._exit(1)


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies (Linux), so a killed ingest
    leaves no reader behind holding the ingest lock's inherited descriptor."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before the request took
        os._exit(1)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"the ingest reader process failed:\n{text}")
