"""The vector store seam and its Chroma adapter (embedded PersistentClient or a server).

Chroma is the single source of truth for the index: every chunk carries its text, its
paper id and hashes of its text and metadata; the first chunk of each paper carries the
paper record. So an app replica pointed at a shared Chroma server needs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from paperchat.corpus.paper import Paper
from paperchat.errors import IndexMissingError, StoreError
from paperchat.index.chunking import paper_of

PAGE = 2000
DIRTY = "dirty"


class IndexMismatchError(IndexMissingError):
    """The collection was built with another embedder than the one configured."""


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    paper_id: str
    text: str
    similarity: float


@dataclass(frozen=True)
class StoredChunk:
    text_hash: str
    meta_hash: str
    paper_id: str


MIN_SEARCH_BREADTH = 100  # Chroma's default ef_search
EXHAUSTIVE_UP_TO = 2000  # chunks: a search this wide visits all of them
# past that the graph is mostly saved (Chroma's sync threshold is 1,000) and the same in
# every process; at 100,000 papers a breadth of 1,000 finds 99.4% of the 50 nearest
# that 2,000 finds, in 5.6 ms against 7.6
LARGE_SEARCH_BREADTH = 1000


class VectorStore(Protocol):
    """What ingest and retrieval need from a vector store."""

    label: str

    def info(self) -> dict[str, Any]: ...
    def current_version(self) -> str: ...
    def open(self, embedder_name: str, dim: int, *, create: bool) -> None: ...
    def reset(self) -> None: ...
    def set_info(self, **values: Any) -> None: ...
    def set_search_breadth(self, chunks: int) -> None: ...
    def count(self) -> int: ...
    def count_papers(self) -> int: ...
    def manifest(self) -> dict[str, StoredChunk]: ...
    def upsert(self, ids, embeddings, documents, metadatas) -> None: ...
    def update_metadata(self, ids, metadatas) -> None: ...
    def delete(self, ids: Sequence[str]) -> None: ...
    def query(
        self, embedding: list[float], k: int, since: int | None = None, *, texts: bool = True
    ) -> list[DenseHit]: ...
    def papers(self) -> list[Paper]: ...
    def iter_papers(self) -> Iterator[Paper]: ...
    def chunk_texts(self) -> Iterator[tuple[str, str, str]]: ...


class ChromaStore:
    """A Chroma collection in cosine space, opened through any Chroma client."""

    def __init__(self, client_factory, name: str, label: str):
        self._client_factory = client_factory
        self._client = None
        self.name = name
        self.label = label
        self._collection = None

    # -- connection ---------------------------------------------------------------------
    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (IndexMissingError, StoreError):
            raise
        except Exception as exc:  # chromadb raises many unrelated types; name the store
            if _is_connection_error(exc):
                self._client = None
                self._collection = None
                raise StoreError(
                    f"the Chroma store at {self.label} is unreachable ({what}): {exc}. "
                    "Start it (`chroma run --path DIR --port PORT`) or unset PAPERCHAT_CHROMA_URL."
                ) from exc
            raise StoreError(f"Chroma failed during {what}: {exc}") from exc

    @property
    def client(self):
        if self._client is None:
            self._client = self._call("connect", self._client_factory)
        return self._client

    @property
    def collection(self):
        if self._collection is None:
            try:
                self._collection = self._call("open", self.client.get_collection, self.name)
            except StoreError as exc:
                if _not_found(exc):
                    raise IndexMissingError(
                        f"no index in {self.label} (collection {self.name!r}): "
                        "run `paperchat ingest` first"
                    ) from None
                raise
        return self._collection

    # -- lifecycle ----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return dict(self.collection.metadata or {})

    def current_version(self) -> str:
        """The version stamped on the collection now, not when this handle was opened (a
        handle keeps the metadata it was opened with): a long-lived reader polls it to
        notice a finished ingest. A missing collection (a rebuild under way) reads `dirty`."""
        try:
            fresh = self._call("read version", self.client.get_collection, self.name)
        except StoreError as exc:
            if _not_found(exc):
                return DIRTY
            raise
        return str((fresh.metadata or {}).get("version", DIRTY))

    def open(self, embedder_name: str, dim: int, *, create: bool) -> None:
        """Open the collection, creating it if asked; refuse one built by another embedder."""
        if create:
            self._collection = self._call(
                "create",
                self.client.get_or_create_collection,
                self.name,
                metadata={"embedder": embedder_name, "dim": dim, "version": DIRTY},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        info = self.info()
        if info.get("embedder") != embedder_name or int(info.get("dim", -1)) != dim:
            raise IndexMismatchError(
                f"the index was built with {info.get('embedder')} (dim {info.get('dim')}) but "
                f"the configured embedder is {embedder_name} (dim {dim}): "
                "run `paperchat ingest --rebuild`, or set PAPERCHAT_EMBED_MODEL back"
            )

    def reset(self) -> None:
        names = [getattr(c, "name", c) for c in self._call("list", self.client.list_collections)]
        if self.name in names:
            self._call("delete collection", self.client.delete_collection, self.name)
        self._collection = None

    def set_info(self, **values: Any) -> None:
        merged = self.info() | values
        self._call("update metadata", self.collection.modify, metadata=merged)

    def set_search_breadth(self, chunks: int) -> None:
        """How many graph nodes a query visits (HNSW's ef_search), set for `chunks`
        stored. An embedded collection under Chroma's sync threshold rebuilds its graph
        in every process that opens it, with random levels, so a narrow search returns
        other near-ties in each process: visiting every chunk of a small index makes the
        same query give the same candidates everywhere (answers replay identically), and
        larger ones get a wide search, at a cost that stays within milliseconds."""
        breadth = (
            max(chunks, MIN_SEARCH_BREADTH) if chunks <= EXHAUSTIVE_UP_TO else LARGE_SEARCH_BREADTH
        )
        self._call(
            "configure search",
            self.collection.modify,
            configuration={"hnsw": {"ef_search": breadth}},
        )

    def count(self) -> int:
        return self._call("count", self.collection.count)

    def count_papers(self) -> int:
        # unfiltered pages, as iter_papers: a where filter costs a whole scan per page
        return sum(
            meta.get("chunk") == 0
            for page in self._pages(["metadatas"])
            for meta in page["metadatas"]
        )

    # -- reading ------------------------------------------------------------------------
    def _pages(self, include: list[str], where: dict | None = None) -> Iterator[dict]:
        offset = 0
        while True:
            page = self._call(
                "read",
                self.collection.get,
                include=include,
                where=where,
                limit=PAGE,
                offset=offset,
            )
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def manifest(self) -> dict[str, StoredChunk]:
        stored: dict[str, StoredChunk] = {}
        for page in self._pages(["metadatas"]):
            for chunk_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                stored[chunk_id] = StoredChunk(
                    text_hash=str(meta.get("text_hash", "")),
                    meta_hash=str(meta.get("meta_hash", "")),
                    paper_id=str(meta.get("paper_id", "")),
                )
        return stored

    def papers(self) -> list[Paper]:
        return list(self.iter_papers())

    def iter_papers(self) -> Iterator[Paper]:
        """Every paper, read a page of chunks at a time (a snapshot is written as they
        come), from its first chunk's metadata. Pages are not filtered with
        `where={"chunk": 0}`: Chroma evaluates that filter over the whole collection for
        every page (0.5-0.9 s a page at 300,000 chunks, hours at a million) where a plain
        page costs ~0.1 s; the order is the same (by Chroma's row id)."""
        for page in self._pages(["metadatas"]):
            for meta in page["metadatas"]:
                if meta.get("chunk") == 0:
                    yield Paper.model_validate_json(meta["paper"])

    def chunk_texts(self) -> Iterator[tuple[str, str, str]]:
        """(chunk id, paper id, text) of every chunk, in pages."""
        for page in self._pages(["documents", "metadatas"]):
            for chunk_id, doc, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
            ):
                yield chunk_id, str(meta["paper_id"]), doc

    def query(
        self, embedding: list[float], k: int, since: int | None = None, *, texts: bool = True
    ) -> list[DenseHit]:
        """The k nearest chunks; `texts=False` leaves their texts out (empty), which
        halves the time of a query on a small index."""
        where = {"year": {"$gte": since}} if since is not None else None
        result = self._call(
            "query",
            self.collection.query,
            query_embeddings=[embedding],
            n_results=k,
            where=where,
            include=["documents", "distances"] if texts else ["distances"],
        )
        ids, distances = result["ids"][0], result["distances"][0]
        documents = result["documents"][0] if texts else [""] * len(ids)
        return [
            DenseHit(
                chunk_id=chunk_id,
                paper_id=paper_of(chunk_id),
                text=doc,
                similarity=1.0 - float(distance),
            )
            for chunk_id, doc, distance in zip(ids, documents, distances, strict=True)
        ]

    # -- writing ------------------------------------------------------------------------
    def upsert(self, ids, embeddings, documents, metadatas) -> None:
        self._call(
            "upsert",
            self.collection.upsert,
            ids=list(ids),
            embeddings=list(embeddings),
            documents=list(documents),
            metadatas=list(metadatas),
        )

    def update_metadata(self, ids, metadatas) -> None:
        self._call("update", self.collection.update, ids=list(ids), metadatas=list(metadatas))

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self._call("delete", self.collection.delete, ids=list(ids[start : start + PAGE]))


def _not_found(exc: StoreError) -> bool:
    cause = exc.__cause__
    return "does not exist" in str(cause) or "NotFound" in type(cause).__name__


def _is_connection_error(exc: BaseException) -> bool:
    names = {type(e).__name__ for e in _chain(exc)}
    text = " ".join(str(e) for e in _chain(exc)).lower()
    return bool(
        names & {"ConnectError", "ConnectionError", "ConnectTimeout", "RemoteProtocolError"}
        or "could not connect" in text
        or "connection refused" in text
    )


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__
