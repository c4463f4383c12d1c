"""Embedders by name, from one registry with lazy imports.

Names: `minilm-onnx[:int8|fp32]` (default: the packaged all-MiniLM-L6-v2 exported once to
ONNX Runtime, int8 unless asked; no torch at query time), `minilm` (the same model on
sentence-transformers/torch, fp32), `openai:<model>`, `hash[:<dim>]` (tests).

Why int8 ONNX is the default: on the eval set (`paperchat eval --no-answers`) the hybrid
retrieval users get is as good as fp32's or better (hit@1 0.875 vs 0.856, hit@5 0.981
both, MRR@10 0.924 vs 0.914, recall@10 0.848 both), though dense ranking alone is a
little worse (hit@1 0.808 vs 0.837, MRR@10 0.871 vs 0.889); it encodes several times
faster, and a one-shot CLI or the server never imports torch (~9 s, ~400 MB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperchat.errors import ConfigError
from paperchat.index.embedders.base import Embedder

if TYPE_CHECKING:
    from paperchat.settings import Settings

NAMES = ("minilm", "minilm-onnx[:int8|fp32]", "openai:<model>", "hash[:<dim>]")


def build_embedder(settings: Settings) -> Embedder:
    kind, _, arg = settings.embed_model.partition(":")
    if kind == "minilm":
        from paperchat.index.embedders.minilm import MiniLMEmbedder

        return MiniLMEmbedder(batch_size=settings.embed_batch_size)
    if kind == "minilm-onnx":
        from paperchat.index.embedders.onnx_minilm import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(settings.data_dir / "models", arg or "int8")
    if kind == "openai":
        from paperchat.index.embedders.openai import OpenAIEmbedder

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return OpenAIEmbedder(
            arg or "text-embedding-3-small", api_key=key, base_url=settings.openai_base_url
        )
    if kind == "hash":
        from paperchat.index.embedders.hashing import HashEmbedder

        return HashEmbedder(int(arg) if arg.isdigit() else 256)
    raise ConfigError(
        f"unknown embedder {settings.embed_model!r}; PAPERCHAT_EMBED_MODEL must be one of: "
        + ", ".join(NAMES)
    )


__all__ = ["NAMES", "Embedder", "build_embedder"]
