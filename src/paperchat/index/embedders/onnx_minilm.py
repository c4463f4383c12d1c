"""all-MiniLM-L6-v2 on ONNX Runtime, int8: the packaged model without torch at query time.

The fp32 embedder pays ~9 s to import sentence-transformers before it embeds anything,
which dominates a one-shot `paperchat search`. This one loads a quantised copy of the
same encoder with onnxruntime, tokenizers and numpy only (well under a second cold) and
encodes about twice as fast, within ~0.005 cosine of the fp32 vectors
(numbers: `bench/encoder.py`).

The quantised file is exported once from the package's own weights (`onnx_export`,
which needs torch) into a cache directory, named after the source model, the
quantisation and a fingerprint of the weights, so an upgraded package re-exports.

Each text runs through the model alone. Dynamic quantisation picks one activation scale
per tensor, so in a padded batch a text's vector would depend on its neighbours; one
text per run makes every vector independent of batching and order (a query embeds
exactly like the same text at ingest), needs no padding, and measured no slower on
~200-word-piece chunks than length-bucketed batches.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from paperchat.errors import ConfigError
from paperchat.index.embedders.minilm import DIM, MAX_WORD_PIECES, MODEL_NAME, model_dir

QUANTS = ("int8", "fp32")
RECIPE = 2  # bump when onnx_export's steps change, so caches re-export
_SOURCE_FILES = ("model.safetensors", "config.json")
_FINGERPRINTS = "fingerprints.json"
EXPORT_ROOM = 4  # the export needs about four times the weights' size free while it runs
COUNTED_TEXTS = 4096  # counted texts whose word pieces are kept for their embedding


def _write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(data)
    os.replace(tmp, path)


def source_fingerprint(source: Path, cache_dir: Path) -> str:
    """A digest of the weights and config (plus the export recipe).

    Hashing ~90 MB of weights takes ~0.1 s, too much for every cold start, so digests
    are remembered in the cache directory under the files' size and mtime.
    """
    stats = [(source / name).stat() for name in _SOURCE_FILES]
    key = f"recipe-{RECIPE}|{source}|" + "|".join(f"{s.st_size}:{s.st_mtime_ns}" for s in stats)
    memo = cache_dir / _FINGERPRINTS
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    digest = hashlib.sha256(f"recipe-{RECIPE}".encode())
    for name in _SOURCE_FILES:
        with open(source / name, "rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    fingerprint = digest.hexdigest()[:16]
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(memo, json.dumps(known | {key: fingerprint}, indent=1))
    return fingerprint


def exported_path(cache_dir: Path, quant: str = "int8", source: Path | None = None) -> Path:
    source = source or model_dir()
    fingerprint = source_fingerprint(source, cache_dir)
    return cache_dir / f"{MODEL_NAME}.{quant}.{fingerprint}.onnx"


def ensure_exported(cache_dir: Path, quant: str = "int8", source: Path | None = None) -> Path:
    """The exported model's path, exporting it first if this cache does not have it."""
    if quant not in QUANTS:
        raise ConfigError(f"unknown quantisation {quant!r} for minilm-onnx; use one of {QUANTS}")
    source = source or model_dir()
    path = exported_path(cache_dir, quant, source)
    if not path.exists():
        from paperchat.index.disk import diagnose, disk_error, require_free
        from paperchat.index.embedders.onnx_export import export_onnx

        doing = "the one-time export of the minilm-onnx model"
        # The export writes the traced, fused and shape-inferred model beside the result.
        need = EXPORT_ROOM * (source / "model.safetensors").stat().st_size
        require_free(cache_dir, need, doing, "; or set PAPERCHAT_EMBED_MODEL=minilm")
        try:
            export_onnx(source, path, quantize=quant == "int8")
        except Exception as exc:
            if kind := diagnose(exc):
                raise disk_error(kind, cache_dir, doing, need) from exc
            raise
        for stale in cache_dir.glob(f"{MODEL_NAME}.{quant}.*.onnx"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path


def _check_pooling(source: Path) -> None:
    """Pooling happens here in numpy, so refuse a package whose model pools differently."""
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    modules = json.loads((source / "modules.json").read_text())
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    normalized = any(m["type"].endswith(".Normalize") for m in modules)
    if not (mean_only and normalized):
        raise ConfigError(
            f"{source} does not mean-pool and normalise, which minilm-onnx assumes; "
            "set PAPERCHAT_EMBED_MODEL=minilm"
        )


class OnnxMiniLMEmbedder:
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 vectors from an ONNX encoder.

    `quant="int8"` is the fast one; `"fp32"` is the fused but unquantised graph, whose
    vectors match sentence-transformers' to ~1e-6 and which is still faster than it.
    """

    dim = DIM
    max_tokens: int | None = MAX_WORD_PIECES

    def __init__(self, cache_dir: Path, quant: str = "int8", *, threads: int | None = None):
        if quant not in QUANTS:
            raise ConfigError(
                f"unknown quantisation {quant!r} for minilm-onnx; use one of {QUANTS}"
            )
        self.quant = quant
        self.name = f"minilm-onnx-{quant}:{MODEL_NAME}"
        self.cache_dir = Path(cache_dir)
        self.threads = threads or os.cpu_count() or 1
        self._lock = threading.Lock()
        self._loaded = None
        # word pieces of texts just counted, so the chunker's count is not tokenized again
        # when the same chunk is embedded (ingest counts every new chunk, then embeds it)
        self._counted: dict[str, list[int]] = {}
        self._counted_lock = threading.Lock()

    @cached_property
    def _source(self) -> Path:
        source = model_dir()
        _check_pooling(source)
        return source

    def _tokenizer(self, truncate: bool):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._source / "tokenizer.json"))
        tokenizer.no_padding()  # one text per run: nothing to pad
        if truncate:  # the file truncates at 128; the model was trained to read 256
            tokenizer.enable_truncation(MAX_WORD_PIECES)
        else:
            tokenizer.no_truncation()
        return tokenizer

    @cached_property
    def _encoder(self):
        return self._tokenizer(truncate=True)

    @cached_property
    def _counter(self):
        return self._tokenizer(truncate=False)

    def _load(self):
        """The session and its input names, exporting the model first if it is missing."""
        import onnxruntime as ort

        path = ensure_exported(self.cache_dir, self.quant, self._source)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # idle pool threads would spin waiting for work, taking a core from Chroma and BM25
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return session, {i.name for i in session.get_inputs()}

    def _session(self):
        if self._loaded is None:
            with self._lock:  # one export and one session, however many threads ask at once
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _word_pieces(self, texts: list[str]) -> list[list[int]]:
        """Each text's ids as the model reads them: cut at MAX_WORD_PIECES like the
        truncating tokenizer (content cut, [SEP] kept), reusing `count_tokens`' work."""
        with self._counted_lock:
            known = [self._counted.pop(t, None) for t in texts]
        missing = [t for t, ids in zip(texts, known, strict=True) if ids is None]
        fresh = iter(self._encoder.encode_batch(missing)) if missing else iter(())
        pieces = []
        for ids in known:
            if ids is None:
                ids = next(fresh).ids
            elif len(ids) > MAX_WORD_PIECES:
                ids = ids[: MAX_WORD_PIECES - 1] + ids[-1:]
            pieces.append(ids)
        return pieces

    def _embed(self, texts: list[str]) -> np.ndarray:
        session, inputs = self._session()  # InferenceSession.run is thread-safe
        vectors = np.empty((len(texts), DIM), dtype=np.float32)
        for row, pieces in enumerate(self._word_pieces(texts)):
            ids = np.asarray([pieces], dtype=np.int64)
            feed = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.zeros_like(ids),
            }
            hidden = session.run(None, {k: v for k, v in feed.items() if k in inputs})[0]
            vectors[row] = hidden[0].mean(axis=0)  # no padding, so every token counts
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0].tolist()

    def count_tokens(self, text: str) -> int:
        """Word pieces including [CLS] and [SEP], untruncated, as the model would see them."""
        ids = self._counter.encode(text).ids
        with self._counted_lock:
            if len(self._counted) >= COUNTED_TEXTS:  # oldest first: dicts keep order
                del self._counted[next(iter(self._counted))]
            self._counted[text] = ids
        return len(ids)
