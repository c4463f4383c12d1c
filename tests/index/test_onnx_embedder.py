"""The int8 ONNX MiniLM against the fp32 sentence-transformers model it was exported from.

The model is exported once per session into a temporary cache. Thresholds sit a margin
below what was measured on the bundled corpus (numbers beside each), so they catch a
broken export, pooling or truncation rather than quantisation noise.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading

import numpy as np
import pytest

from paperchat.corpus.loader import load_corpus
from paperchat.errors import ConfigError
from paperchat.index.embedders import Embedder, build_embedder
from paperchat.index.embedders.minilm import MiniLMEmbedder
from paperchat.index.embedders.onnx_minilm import (
    OnnxMiniLMEmbedder,
    ensure_exported,
    exported_path,
    source_fingerprint,
)

pytestmark = pytest.mark.slow

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@pytest.fixture(scope="session")
def papers(corpus_dir):
    return [p for p in load_corpus([corpus_dir]).papers if p.abstract and p.title]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    ensure_exported(cache)
    return cache


@pytest.fixture(scope="session")
def onnx_embedder(model_cache) -> OnnxMiniLMEmbedder:
    return OnnxMiniLMEmbedder(model_cache)


@pytest.fixture(scope="session")
def fp32() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def _cosines(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    return (np.asarray(a) * np.asarray(b)).sum(axis=1)  # both are unit vectors


def test_is_an_embedder_with_its_own_name(onnx_embedder):
    assert isinstance(onnx_embedder, Embedder)
    assert onnx_embedder.name == "minilm-onnx-int8:all-MiniLM-L6-v2"
    assert onnx_embedder.name != MiniLMEmbedder.name
    assert (onnx_embedder.dim, onnx_embedder.max_tokens) == (384, 256)


def test_registry_builds_it_with_a_models_dir_under_the_data_dir(make_settings):
    settings = make_settings(embed_model="minilm-onnx")
    embedder = build_embedder(settings)
    assert isinstance(embedder, OnnxMiniLMEmbedder)
    assert embedder.cache_dir == settings.data_dir / "models"
    assert embedder.quant == "int8"
    assert build_embedder(make_settings(embed_model="minilm-onnx:fp32")).quant == "fp32"
    with pytest.raises(ConfigError, match="int8"):
        build_embedder(make_settings(embed_model="minilm-onnx:int4"))


@pytest.fixture(scope="session")
def sentences(papers) -> list[str]:
    """The first sentence of every ninth abstract: 50 real sentences."""
    found = [s for p in papers[::9] for s in _SENTENCE_END.split(p.abstract)[:1]][:50]
    assert len(found) == 50
    return found


def test_sentences_agree_with_fp32(onnx_embedder, fp32, sentences):
    cosines = _cosines(onnx_embedder.embed_documents(sentences), fp32.embed_documents(sentences))
    assert cosines.min() >= 0.985  # measured: mean 0.997, min 0.996
    assert cosines.mean() >= 0.995
    norms = np.linalg.norm(onnx_embedder.embed_documents(sentences), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_unquantised_export_reproduces_fp32(model_cache, fp32, sentences):
    """The export itself (graph, fusions, pooling) is exact; only quantisation moves vectors."""
    unquantised = OnnxMiniLMEmbedder(model_cache, "fp32")
    assert unquantised.name == "minilm-onnx-fp32:all-MiniLM-L6-v2"
    cosines = _cosines(unquantised.embed_documents(sentences), fp32.embed_documents(sentences))
    assert cosines.min() >= 0.9999  # measured: 1.0000


def test_top1_passage_agrees_with_fp32(onnx_embedder, fp32, papers):
    passages = [p.abstract for p in papers[:200]]
    queries = [p.title for p in papers[:200:10]]
    assert len(queries) == 20
    top = {}
    for label, embedder in (("onnx", onnx_embedder), ("fp32", fp32)):
        scores = (
            np.asarray(embedder.embed_documents(queries))
            @ np.asarray(embedder.embed_documents(passages)).T
        )
        top[label] = scores.argmax(axis=1)
    agree = int((top["onnx"] == top["fp32"]).sum())
    assert agree >= 19  # measured: 20 of 20


def test_long_text_is_cut_at_256_word_pieces_like_fp32(onnx_embedder, fp32, papers):
    text = " ".join(p.abstract for p in papers[:3])
    assert onnx_embedder.count_tokens(text) > 300  # longer than the window
    [cosine] = _cosines([onnx_embedder.embed_query(text)], [fp32.embed_query(text)])
    assert cosine >= 0.985  # measured: 0.998; cut at 128 instead: 0.857


def test_count_tokens_does_not_truncate(onnx_embedder, fp32):
    text = "retrieval " * 400
    assert onnx_embedder.count_tokens(text) == 402  # [CLS] + 400 + [SEP]
    assert onnx_embedder.count_tokens(text) == fp32.count_tokens(text)


def test_a_list_embeds_like_its_items_one_by_one(onnx_embedder, papers):
    texts = ["a", papers[0].abstract, "graph neural networks", papers[1].title, ""]
    together = np.asarray(onnx_embedder.embed_documents(texts))
    alone = np.asarray([onnx_embedder.embed_query(t) for t in texts])
    assert np.abs(together - alone).max() <= 1e-5
    reordered = np.asarray(onnx_embedder.embed_documents(texts[::-1]))[::-1]
    assert np.abs(together - reordered).max() <= 1e-5


def test_counting_first_does_not_change_the_embedding(model_cache, papers):
    # ingest counts each chunk and then embeds it; the embedder reuses the counted word
    # pieces, which must cut long texts exactly as its truncating tokenizer does
    long_text = " ".join(p.abstract for p in papers[:3])
    texts = [long_text, papers[0].abstract, "graph neural networks", ""]
    plain = np.asarray(OnnxMiniLMEmbedder(model_cache).embed_documents(texts))
    counted = OnnxMiniLMEmbedder(model_cache)
    assert counted.count_tokens(long_text) > 256
    for text in texts[1:]:
        counted.count_tokens(text)
    assert np.abs(np.asarray(counted.embed_documents(texts)) - plain).max() <= 1e-6


def test_empty_list_embeds_to_nothing(onnx_embedder):
    assert onnx_embedder.embed_documents([]) == []


def test_threads_share_one_embedder(onnx_embedder, papers):
    texts = [p.title for p in papers[:8]]
    expected = onnx_embedder.embed_documents(texts)
    results: dict[int, list[float]] = {}

    def work(i: int) -> None:
        results[i] = onnx_embedder.embed_query(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == expected


def test_query_path_does_not_import_torch(model_cache):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from paperchat.index.embedders.onnx_minilm import OnnxMiniLMEmbedder\n"
        "vector = OnnxMiniLMEmbedder(Path(sys.argv[1])).embed_query('x')\n"
        "assert len(vector) == 384\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers', 'onnx'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(model_cache)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_export_is_reused_and_named_after_model_quantisation_and_weights(model_cache):
    [model] = model_cache.glob("*.int8.*.onnx")
    assert model == exported_path(model_cache)
    assert model.name.startswith("all-MiniLM-L6-v2.int8.")
    before = model.stat().st_mtime_ns
    assert ensure_exported(model_cache) == model
    assert model.stat().st_mtime_ns == before
    assert not list(model_cache.glob(".export-*"))  # no temporary left behind


def test_fingerprint_follows_the_weights(tmp_path):
    source, cache = tmp_path / "model", tmp_path / "cache"
    source.mkdir()
    (source / "config.json").write_text("{}")
    (source / "model.safetensors").write_bytes(b"weights v1")
    first = source_fingerprint(source, cache)
    assert source_fingerprint(source, cache) == first
    assert (cache / "fingerprints.json").exists()  # remembered, not rehashed

    (source / "model.safetensors").write_bytes(b"new weights, v2")
    assert source_fingerprint(source, cache) != first
