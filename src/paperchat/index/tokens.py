"""Token counting with the cl100k tokenizer that llama-index ships.

`tiktoken.get_encoding` would download its BPE file and fail offline; llama-index's
`get_tokenizer` points tiktoken at the copy inside the llama-index package instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def tokenizer() -> Callable[[str], list[int]]:
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


def count_tokens(text: str) -> int:
    return len(tokenizer()(text))
