"""Run an iterator a few items ahead in a thread, so producing overlaps consuming.

Ingest reads, chunks and plans papers (pure Python, holding the GIL) while it embeds
(ONNX Runtime releases the GIL) and writes (another thread): with the producer in its
own thread the two cores stay busy. `depth` bounds what waits, so memory stays bounded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


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
