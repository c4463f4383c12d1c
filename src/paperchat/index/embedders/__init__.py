"""Embedders by name, from one registry with lazy imports.

Names: `minilm` (default, local, offline), `minilm-onnx[:int8|fp32]` (the same model on
ONNX Runtime: faster, no torch at query time), `openai:<model>`, `hash[:<dim>]` (tests).
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
