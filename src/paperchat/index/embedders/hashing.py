"""A deterministic, dependency-free embedder for tests and smoke runs.

Words are hashed into buckets (the hashing trick), so texts that share words get similar
vectors. It is a real implementation with real behaviour, not a mock.
"""

from __future__ import annotations

import hashlib
import math
import re

_WORD = re.compile(r"\w\w+")


class HashEmbedder:
    max_tokens: int | None = None

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"hash-{dim}"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))
