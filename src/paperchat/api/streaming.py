"""Server-sent events helpers shared by /api/ask/stream and /v1/chat/completions."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def started(events: Iterator[object]) -> Iterator[object]:
    """Run a stream up to its first event now, so bad input is a 4xx, not a broken stream."""
    first = next(events)
    return itertools.chain([first], events)
