"""Papers into token-counted chunks that fit the embedder's window, each titled.

Chunks are sized in cl100k tokens with llama-index's SentenceSplitter (metadata-aware, so
the title prefix counts against the budget). Word pieces and cl100k tokens differ, so a
chunk the embedder would truncate is split again with a smaller budget until it fits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from paperchat.corpus.paper import Paper

MAX_TITLE_TOKENS = 48


@dataclass(frozen=True)
class Chunk:
    id: str
    paper_id: str
    index: int
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:20]


def chunk_id(paper_id: str, index: int) -> str:
    return f"{paper_id}#{index}"


def paper_of(chunk_id_: str) -> str:
    """The paper id a chunk id was made from (paper ids may hold "#"; the index follows
    the last one)."""
    return chunk_id_.rsplit("#", 1)[0]


class Chunker:
    def __init__(
        self,
        chunk_tokens: int = 180,
        overlap: int = 24,
        *,
        window: int | None = None,
        count_window_tokens: Callable[[str], int] | None = None,
    ):
        self.chunk_tokens = chunk_tokens
        self.overlap = min(overlap, chunk_tokens // 4)
        self.window = window
        self.count_window_tokens = count_window_tokens

    @cached_property
    def _tokenize(self):
        from paperchat.index.tokens import tokenizer

        return tokenizer()

    def _splitter(self, size: int):
        from llama_index.core.node_parser import SentenceSplitter

        return SentenceSplitter(
            chunk_size=size, chunk_overlap=min(self.overlap, size // 4), tokenizer=self._tokenize
        )

    def _prefix(self, paper: Paper) -> str:
        if not paper.title:
            return ""
        tokens = self._tokenize(paper.title)
        if len(tokens) <= MAX_TITLE_TOKENS:
            return paper.title + "\n"
        # Every word is at least one token: more words than the budget never fit, and
        # trimming a huge title one word at a time would take quadratic time.
        words = paper.title.split()[:MAX_TITLE_TOKENS]
        while words and len(self._tokenize(" ".join(words))) > MAX_TITLE_TOKENS:
            words.pop()
        return " ".join(words) + "…\n"

    def _fits(self, text: str) -> bool:
        if self.window is None or self.count_window_tokens is None:
            return True
        return self.count_window_tokens(text) <= self.window

    def split(self, paper: Paper) -> list[Chunk]:
        prefix = self._prefix(paper)
        size = self.chunk_tokens
        while True:
            pieces = self._splitter(size).split_text_metadata_aware(paper.abstract, prefix)
            texts = [prefix + piece for piece in pieces if piece.strip()]
            if all(self._fits(t) for t in texts) or size <= 64:
                break
            size = int(size * 0.85)
        return [
            Chunk(id=chunk_id(paper.id, i), paper_id=paper.id, index=i, text=text)
            for i, text in enumerate(texts)
        ]
