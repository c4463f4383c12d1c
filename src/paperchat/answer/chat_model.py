"""The chat-model seam: answering depends on this, never on a vendor package.

A chat model takes OpenAI-style messages (`{"role": ..., "content": ...}`) and returns
the reply, whole or as text deltas. Failures are `ProviderError(status, retryable)` whose
message says what to do; adapters own retries and deadlines, so callers never retry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

Message = dict[str, str]


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def complete(self, messages: Sequence[Message]) -> str: ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]: ...
