"""Ingest and encoders on the bundled corpus: end-to-end ingest against the raw encoder
on the same chunk texts and evidence sentences, paperchat's encoder against plain
sentence-transformers fp32, the retrieval quality of an index built with each, and
re-ingest of an unchanged corpus."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

from bench.common import BIN, env_for, eval_questions, run_timed, settings_for


def corpus_papers():
    from paperchat.corpus.loader import load_corpus
    from paperchat.settings import bundled_corpus_dir

    return load_corpus([bundled_corpus_dir()]).papers


def sentence_texts(papers) -> list[str]:
    """Exactly the abstract sentences ingest embeds for the evidence (index/evidence.py)."""
    from paperchat.text.sentences import split_sentences

    return [s for p in papers for s in split_sentences(p.abstract)]


def word_texts(papers) -> list[str]:
    """Exactly the words ingest embeds for the evidence's word vectors (index/word_vectors.py)."""
    from paperchat.index.word_vectors import paper_words

    return sorted({w for p in papers for w in paper_words(p)})


def evidence_size(data_dir: Path) -> dict:
    """Bytes of the newest snapshot's evidence folder, and per paper."""
    folders = sorted(data_dir.glob("cache/*/*/evidence"), key=lambda f: f.stat().st_mtime)
    if not folders:
        return {}
    size = sum(f.stat().st_size for f in folders[-1].iterdir())
    return {"evidence_bytes": size}


def chunk_texts(settings, embedder, papers) -> list[str]:
    """Exactly the chunk texts ingest embeds (same chunker, built the same way)."""
    from paperchat.build import build_chunker

    chunker = build_chunker(settings, embedder)
    return [c.text for p in papers for c in chunker.split(p)]


class PlainSentenceTransformer:
    """The baseline encoder: sentence-transformers fp32 all-MiniLM-L6-v2, `encode` as is."""

    name = "sentence-transformers fp32"

    def __init__(self, batch_size: int = 64):
        from paperchat.index.embedders.minilm import MiniLMEmbedder

        self._inner = MiniLMEmbedder(batch_size=batch_size)  # loads by path, hub offline

    def embed_documents(self, texts: list[str]):
        return self._inner._model.encode(
            texts, batch_size=self._inner.batch_size, normalize_embeddings=True
        )


def ingest_vs_encoder(data_dir: Path, runs: int) -> dict:
    """Median over interleaved runs of a full ingest and of the raw encode of the same
    chunk texts, with one loaded embedder; then re-ingest in process and as a CLI.

    Both sides are timed warm, the same way: the encoder after one untimed call (model
    loaded, onnxruntime imported), ingest after one untimed ingest into a scratch dir
    (chromadb, llama-index's splitter and NLTK imported). Each timed ingest starts from
    nothing (a fresh data dir: no collection, no chunk cache), so it parses, chunks,
    counts, embeds, writes and builds BM25 like a first `paperchat ingest`; the last run
    goes into `data_dir`, the index the later sections use. The warm-up run's time (with
    those imports) is reported too."""
    from paperchat.build import run_ingest
    from paperchat.index.embedders import build_embedder

    settings = settings_for(data_dir)
    embedder = build_embedder(settings)
    papers = corpus_papers()
    texts = chunk_texts(settings, embedder, papers)
    sentences = sentence_texts(papers)  # ingest embeds these too, for the evidence
    words = word_texts(papers)  # ... and these, for its word vectors
    embedder.embed_documents(texts[:32])  # load the model (and export ONNX) outside timing
    # Every run gets a folder no earlier run used: chromadb keeps one client per path in
    # the process, so a path deleted and reused still shows the old collection, and an
    # "ingest" there embeds nothing (a 0.8 s sample that once went into the median).
    warmup = data_dir.with_name(f"{data_dir.name}-ingest-warmup")
    scratch = [data_dir.with_name(f"{data_dir.name}-ingest-{i}") for i in range(runs)]
    first = run_ingest(settings_for(warmup), embedder=embedder)
    shutil.rmtree(warmup)
    ingest_s, encode_s = [], []
    for i in range(runs):
        target = data_dir if i == runs - 1 else scratch[i]
        report = run_ingest(settings_for(target), embedder=embedder)
        if report.embedded != len(texts):
            raise RuntimeError(
                f"timed ingest {i} embedded {report.embedded} of {len(texts)} chunks: "
                "it did not start from nothing, so its time is not an ingest time"
            )
        ingest_s.append(report.seconds)
        if target != data_dir:
            shutil.rmtree(target)
        start = time.perf_counter()
        embedder.embed_documents(texts)
        for at in range(0, len(sentences), 256):  # as Evidence.build batches them
            embedder.embed_documents(sentences[at : at + 256])
        for at in range(0, len(words), 512):  # as WordVectors batches them
            embedder.embed_documents(words[at : at + 512])
        encode_s.append(time.perf_counter() - start)
    again = run_ingest(settings, embedder=embedder)
    cli = [run_timed([str(BIN / "paperchat"), "ingest"], env_for(data_dir)) for _ in range(runs)]
    return {
        "embedder": embedder.name,
        "papers": report.papers,
        "chunks": len(texts),
        "sentences": len(sentences),
        "words": len(words),
        **evidence_size(data_dir),
        "embedded_per_run": report.embedded,
        "protocol": "each timed ingest into a fresh data dir; both sides warm (bench/ingest.py)",
        "ingest_s": statistics.median(ingest_s),
        "encode_s": statistics.median(encode_s),
        "ingest_runs_s": ingest_s,
        "encode_runs_s": encode_s,
        "overhead_ratio": statistics.median(ingest_s) / statistics.median(encode_s),
        "first_ingest_in_process_s": first.seconds,
        "reingest_in_process_s": again.seconds,
        "reingest_embedded": again.embedded,
        "reingest_cli_s": statistics.median(cli),
        "reingest_cli_runs_s": cli,
    }


def encoder_speed(data_dir: Path, runs: int, limit: int | None = None) -> dict:
    """chunks/s of paperchat's embedder and of plain ST fp32 on the same texts,
    interleaved runs, median (a busy machine slows both alike)."""
    from bench.encoder import throughput
    from paperchat.index.embedders import build_embedder

    settings = settings_for(data_dir)
    ours = build_embedder(settings)
    plain = PlainSentenceTransformer()
    texts = chunk_texts(settings, ours, corpus_papers())[:limit]
    speed, _ = throughput(
        {"paperchat": ours.embed_documents, "st-fp32": plain.embed_documents}, texts, runs
    )
    return {
        "embedder": ours.name,
        "chunks": len(texts),
        "paperchat_chunks_per_s": speed["paperchat"]["chunks_per_s"],
        "st_fp32_chunks_per_s": speed["st-fp32"]["chunks_per_s"],
        "speedup": speed["paperchat"]["chunks_per_s"] / speed["st-fp32"]["chunks_per_s"],
        "runs": {name: s["runs_chunks_per_s"] for name, s in speed.items()},
    }


def retrieval_quality(settings, embedder=None) -> dict:
    """hit@1/5, MRR@10 (hybrid and dense) of paperchat's eval harness on an index."""
    from paperchat.build import build_searcher
    from paperchat.evals.retrieval import evaluate_retrieval

    searcher = build_searcher(settings, embedder)
    result = evaluate_retrieval(searcher, eval_questions(), methods=("hybrid", "dense"))
    keep = ("hit@1", "hit@5", "mrr@10", "count")
    return {
        "embedder": searcher.embedder.name,
        **{m: {k: result["overall"][m][k] for k in keep} for m in result["methods"]},
    }


def quality_both_encoders(data_dir: Path, fp32_dir: Path) -> dict:
    """Eval-set retrieval with paperchat's index (already ingested in data_dir) and with
    an index built by the fp32 sentence-transformers model (`minilm`)."""
    from paperchat.build import run_ingest

    ours = retrieval_quality(settings_for(data_dir))
    fp32_settings = settings_for(fp32_dir, embed_model="minilm")
    if ours["embedder"].startswith("minilm:"):
        fp32 = dict(ours, note="paperchat's embedder is the fp32 model itself")
    else:
        run_ingest(fp32_settings)
        fp32 = retrieval_quality(fp32_settings)
    delta = {
        m: {k: ours[m][k] - fp32[m][k] for k in ("hit@1", "hit@5", "mrr@10")}
        for m in ("hybrid", "dense")
    }
    where, metric = max(
        ((m, k) for m in delta for k in delta[m]), key=lambda mk: abs(delta[mk[0]][mk[1]])
    )
    return {
        "paperchat": ours,
        "st_fp32": fp32,
        "delta": delta,
        "max_abs_delta": abs(delta[where][metric]),
        "largest_delta": {"method": where, "metric": metric, "delta": delta[where][metric]},
    }
