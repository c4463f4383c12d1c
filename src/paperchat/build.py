"""The composition root: every client is built here from Settings and passed down."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from paperchat.errors import DiskError, IndexMissingError, StoreError
from paperchat.index.chunk_cache import CachedChunker
from paperchat.index.chunking import Chunker
from paperchat.index.disk import diagnose, disk_error, low_on_space
from paperchat.index.embedders import Embedder, build_embedder
from paperchat.index.ingest import IngestReport, ingest
from paperchat.index.lock import writer_lock
from paperchat.index.snapshot import IndexSnapshot, load_snapshot, snapshot_dir
from paperchat.index.store import ChromaStore
from paperchat.retrieve.searcher import HybridSearcher
from paperchat.settings import Settings, bundled_corpus_dir


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _forget_shared_system(path: Path) -> None:
    """Chroma shares one System per path within a process, and with it the vectors it
    loaded: a client made on it never sees what another process (an ingest) wrote since.
    Dropping it from the cache makes the next client load the store afresh; clients
    already made keep the old System and go on working."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        SharedSystemClient._identifier_to_system.pop(str(path), None)


def build_store(settings: Settings, *, must_exist: bool = True, fresh: bool = False) -> ChromaStore:
    """A Chroma store: the server at PAPERCHAT_CHROMA_URL, else embedded under the data dir.

    `fresh`: an embedded store reads the files again instead of what this process has
    loaded already (a server is always current)."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)

        def connect():
            import chromadb

            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=_chroma_settings(),
            )

        return ChromaStore(connect, settings.collection, settings.chroma_url)

    path = settings.data_dir / "chroma"

    def open_embedded():
        if must_exist and not path.exists():
            raise IndexMissingError(f"no index at {path}: run `paperchat ingest` first")
        import chromadb

        if fresh:
            _forget_shared_system(path)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())

    return ChromaStore(open_embedded, settings.collection, str(path))


def build_chunker(settings: Settings, embedder: Embedder) -> Chunker:
    return Chunker(
        settings.chunk_tokens,
        settings.chunk_overlap,
        window=embedder.max_tokens,
        count_window_tokens=embedder.count_tokens,
    )


def cache_root(settings: Settings) -> Path:
    return settings.data_dir / "cache"


def snapshot_root(settings: Settings) -> Path:
    """Where index-version snapshots live: PAPERCHAT_SNAPSHOT_DIR, else the cache."""
    return settings.snapshot_dir or cache_root(settings)


def _one_blas_thread() -> None:
    """A question's matrix products are small (a few question words against the corpus's
    words, one vector against a paper's sentences): BLAS's worker threads only contend
    with ONNX Runtime's and with other requests, and under load a product waits for
    them (3 ms of relevance features took 8 ms with two BLAS threads on a busy machine)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def build_searcher(
    settings: Settings, embedder: Embedder | None = None, *, relevance=None
) -> HybridSearcher:
    """A searcher that follows the index: after an ingest elsewhere it moves to the new
    version (see HybridSearcher.refresh)."""
    _one_blas_thread()
    embedder = embedder or build_embedder(settings)

    def open_view(fresh: bool = True) -> tuple[ChromaStore, IndexSnapshot]:
        store = build_store(settings, fresh=fresh)
        store.open(embedder.name, embedder.dim, create=False)
        return store, load_snapshot(
            store,
            snapshot_root(settings),
            settings.candidates,
            embedder=embedder,
            cache_root=cache_root(settings),
        )

    store, snapshot = open_view(fresh=False)
    return HybridSearcher(
        embedder,
        store,
        snapshot,
        candidates=settings.candidates,
        rrf_k=settings.rrf_k,
        relevance=relevance,
        reopen=open_view,
    )


def build_corpus_maps(settings: Settings, searcher: HybridSearcher):
    """The corpus maps of this searcher's versions, saved beside each version's snapshot."""
    from paperchat.corpus_map.build import CorpusMaps

    root = snapshot_root(settings)
    return CorpusMaps(lambda snapshot: snapshot_dir(root, searcher.store, snapshot.version))


# Measured: the bundled 466 papers (846 chunks) take 17 MB of Chroma store and caches.
INDEX_ROOM_HINT = "; an index takes about 20 KB per chunk, 17 MB for the bundled corpus"


def run_ingest(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    rebuild: bool = False,
    show_progress: bool = False,
    embedder: Embedder | None = None,
) -> IngestReport:
    try:
        return _ingest(settings, paths, rebuild, show_progress, embedder)
    except (OSError, StoreError) as exc:
        kind = diagnose(exc)
        if kind is None and isinstance(exc, StoreError) and not settings.chroma_url:
            # Chroma's embedded store can fail a write on a full disk with no errno and
            # no word of space ("Error in compaction"); the space left tells.
            kind = "full" if low_on_space(settings.data_dir) else None
        if kind is None:
            raise
        where = settings.data_dir
        if settings.chroma_url and not isinstance(exc, OSError):
            raise DiskError(
                f"the Chroma server at {settings.chroma_url} reports its disk {kind}: "
                "free space on the server's disk (or make it writable), then run it again"
            ) from exc
        raise disk_error(kind, where, "ingest", hint=INDEX_ROOM_HINT) from exc


def _ingest(
    settings: Settings,
    paths: Sequence[Path],
    rebuild: bool,
    show_progress: bool,
    embedder: Embedder | None,
) -> IngestReport:
    embedder = embedder or build_embedder(settings)
    with writer_lock(settings.data_dir):
        return ingest(
            paths,
            store=build_store(settings, must_exist=False),
            embedder=embedder,
            chunker=CachedChunker(
                build_chunker(settings, embedder), cache_root(settings) / "chunks", embedder.name
            ),
            default_corpus=bundled_corpus_dir(),
            cache_root=cache_root(settings),
            snapshot_root=snapshot_root(settings),
            rebuild=rebuild,
            show_progress=show_progress,
        )


def index_stats(settings: Settings) -> dict:
    store = build_store(settings)
    info = store.info()
    return {
        "papers": store.count_papers(),
        "chunks": store.count(),
        "embedder": info.get("embedder"),
        "dim": info.get("dim"),
        "store": store.label,
        "version": info.get("version"),
    }


def build_chat_model(settings: Settings):
    """The LLM behind `--mode llm`: None unless OPENAI_API_KEY or OPENAI_BASE_URL is set."""
    if settings.openai_api_key is None and not settings.openai_base_url:
        return None
    from paperchat.answer.openai_chat import OpenAIChatModel

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIChatModel(
        settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        attempt_timeout=settings.llm_timeout,
        deadline=settings.llm_deadline,
        max_attempts=settings.llm_max_attempts,
    )


def build_assistant(
    settings: Settings,
    *,
    searcher: HybridSearcher | None = None,
    chat_model=None,
):
    """The question-answering service over the index, with the LLM when one is configured."""
    from paperchat.answer.prompts import PromptLibrary
    from paperchat.answer.service import Assistant

    searcher = searcher or build_searcher(settings)
    return Assistant(
        searcher,
        chat_model=chat_model if chat_model is not None else build_chat_model(settings),
        prompts=PromptLibrary.load(settings.prompts_dir),
        k=settings.search_k,
    )
