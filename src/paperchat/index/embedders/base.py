"""The embedder seam: retrieval and ingest depend on this, never on a vendor package."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit vectors.

    `name` and `dim` are recorded in the collection, so an index is never queried with
    vectors from another model. `max_tokens` is the model's input window in its own
    units (None when it has no practical limit); `count_tokens` measures in those units.
    """

    name: str
    dim: int
    max_tokens: int | None

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, text: str) -> int: ...
