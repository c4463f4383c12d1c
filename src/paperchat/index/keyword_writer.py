"""Writing a version's BM25 index a page of chunks at a time, into the files
KeywordIndex.load opens (bm25s's score matrix and vocabulary, llama-index's chunk rows).

BM25Retriever tokenises every chunk into Python lists and builds the score matrix from
all of them at once: +~700 MB at 100,000 chunks, ~7 GB at a million. The writer tokenises
a page of chunks at a time into ids of one shared vocabulary, appends each chunk's
distinct terms and their counts to two scratch files and its row to corpus.jsonl, and
keeps only what grows with the vocabulary (the stems, document frequencies) and a length
and a term count per chunk. BM25's weights need the corpus statistics (number of chunks,
average length, document frequencies), so once every chunk is in, a second pass reads
the scratch files back a block at a time and scatters the weights into the score
matrix's columns, written straight into the saved arrays (memory-mapped), never held
whole in memory.

The files are those BM25Retriever.persist writes for the same chunks: the same tokens
(lower-cased, its token pattern, English stop words, the Snowball stemmer), the same
float32 weights by the same float operations, the same rows; only the term ids differ.
bm25s numbers the stems in a set's iteration order, which changes from process to
process; the writer numbers them in order of first use. A query sums the same weights of
the same chunks in the same order whatever the ids, so scores and ranking are the same
(tests/index/test_keyword_writer.py compares both, column by column).
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from paperchat.index.keyword import _TOKEN_PATTERN, LINE_INDEX

PAGE = 2000  # chunks tokenised together
BLOCK = 20_000  # chunks whose weights are scattered together (~80 MB of arrays)
# bm25s.BM25()'s defaults, as BM25Retriever builds it: Lucene's BM25.
K1, B, DELTA = 1.5, 0.75, 0.5
CORPUS = "corpus.jsonl"
TERMS_SCRATCH = "terms.scratch"  # int32 term ids, each chunk's distinct terms in a row
COUNTS_SCRATCH = "counts.scratch"  # float32, how often each of them occurs


class KeywordWriter:
    """`add` every chunk of the version, in the store's order, then `close`."""

    def __init__(self, folder: Path, top_k: int = 50, *, page: int = PAGE, block: int = BLOCK):
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._top_k, self._page, self._block = top_k, page, block
        self._split = re.compile(_TOKEN_PATTERN).findall
        self._stop = frozenset(STOPWORDS_EN)  # BM25Retriever's language="en"
        self._stem_words = Stemmer.Stemmer("english").stemWords
        self._word_ids: dict[str, int] = {}  # a word -> the id of its stem
        self._stems: dict[str, int] = {}  # a stem -> its id, in order of first use
        self._df = np.zeros(0, dtype=np.int64)
        self._lengths = array("q")  # tokens per chunk
        self._distinct = array("q")  # distinct terms per chunk (its entries in the matrix)
        self._line_starts = array("q")
        self._at = 0  # bytes of corpus.jsonl written
        self._rows = (folder / CORPUS).open("wb")
        self._terms = (folder / TERMS_SCRATCH).open("wb")
        self._counts = (folder / COUNTS_SCRATCH).open("wb")
        self._pending: list[tuple[str, str, str]] = []

    def add(self, chunk_id: str, paper_id: str, text: str) -> None:
        self._pending.append((chunk_id, paper_id, text))
        if len(self._pending) >= self._page:
            self._flush()

    def _flush(self) -> None:
        from bm25s.utils.json_functions import dumps
        from llama_index.core.schema import MetadataMode, TextNode
        from llama_index.core.vector_stores.utils import node_to_metadata_dict

        chunks, self._pending = self._pending, []
        if not chunks:
            return
        words = []
        for chunk_id, paper_id, text in chunks:
            node = TextNode(  # the node KeywordIndex.build gives BM25Retriever
                id_=chunk_id,
                text=text,
                metadata={"paper_id": paper_id},
                excluded_embed_metadata_keys=["paper_id"],
            )
            row = dumps(node_to_metadata_dict(node) | {"node_id": node.node_id}, ensure_ascii=False)
            line = (row + "\n").encode("utf-8")
            self._line_starts.append(self._at)
            self._rows.write(line)
            self._at += len(line)
            content = node.get_content(metadata_mode=MetadataMode.EMBED).lower()
            words.append([w for w in self._split(content) if w not in self._stop])
        new = list(dict.fromkeys(w for doc in words for w in doc if w not in self._word_ids))
        for word, stem in zip(new, self._stem_words(new), strict=True):
            self._word_ids[word] = self._stems.setdefault(stem, len(self._stems))
        # each chunk's distinct terms and counts at once: sort (chunk, term) keys
        lengths = np.fromiter((len(doc) for doc in words), dtype=np.int64, count=len(words))
        ids = np.fromiter(
            (self._word_ids[w] for doc in words for w in doc), dtype=np.int64, count=lengths.sum()
        )
        vocabulary = max(len(self._stems), 1)
        keys = np.repeat(np.arange(len(words), dtype=np.int64), lengths) * vocabulary + ids
        keys, counts = np.unique(keys, return_counts=True)
        terms = (keys % vocabulary).astype(np.int32)
        self._terms.write(terms.tobytes())
        self._counts.write(counts.astype(np.float32).tobytes())
        self._lengths.extend(lengths.tolist())
        self._distinct.extend(np.bincount(keys // vocabulary, minlength=len(words)).tolist())
        if len(self._df) < len(self._stems):
            self._df = np.concatenate(
                [self._df, np.zeros(len(self._stems) - len(self._df), np.int64)]
            )
        self._df += np.bincount(terms, minlength=len(self._df))

    def close(self) -> int:
        """Write what is pending and the files that need every chunk; the chunk count.
        No chunk: no file (as KeywordIndex.build([]).save writes none)."""
        self._flush()
        for f in (self._rows, self._terms, self._counts):
            f.close()
        chunks = len(self._lengths)
        try:
            if chunks:
                self._write_matrix()
                self._write_metadata(chunks)
            else:
                (self.folder / CORPUS).unlink()
        finally:
            (self.folder / TERMS_SCRATCH).unlink()
            (self.folder / COUNTS_SCRATCH).unlink()
        return chunks

    def _write_matrix(self) -> None:
        """The score matrix in CSC (a column per term, its chunks in order), as bm25s
        builds it: weight = idf * tf / (k1 * (1 - b + b * length / mean length) + tf)."""
        from bm25s.scoring import _build_idf_array, _score_idf_lucene

        lengths = np.frombuffer(self._lengths, dtype=np.int64)
        distinct = np.frombuffer(self._distinct, dtype=np.int64)
        mean_length = lengths.mean()
        vocabulary = len(self._stems)
        idf = _build_idf_array(
            dict(enumerate(self._df.tolist())), len(lengths), _score_idf_lucene, "float32"
        )
        indptr = np.zeros(vocabulary + 1, dtype=np.int64)
        np.cumsum(self._df, out=indptr[1:])
        entries = int(indptr[-1])
        data = np.lib.format.open_memmap(
            self.folder / "data.csc.index.npy", "w+", np.float32, (entries,)
        )
        indices = np.lib.format.open_memmap(
            self.folder / "indices.csc.index.npy", "w+", np.int32, (entries,)
        )
        heads = indptr[:-1].copy()  # where each column's next entry goes
        with (
            (self.folder / TERMS_SCRATCH).open("rb") as term_file,
            (self.folder / COUNTS_SCRATCH).open("rb") as count_file,
        ):
            for start in range(0, len(lengths), self._block):
                per_chunk = distinct[start : start + self._block]
                n = int(per_chunk.sum())
                terms = np.fromfile(term_file, dtype=np.int32, count=n)
                tf = np.fromfile(count_file, dtype=np.float32, count=n)
                rows = np.repeat(
                    np.arange(start, start + len(per_chunk), dtype=np.int32), per_chunk
                )
                length = np.repeat(lengths[start : start + len(per_chunk)], per_chunk)
                tfc = tf / (K1 * ((1 - B) + B * length / mean_length) + tf)
                weights = (idf[terms] * tfc).astype(np.float32)
                order = np.argsort(terms, kind="stable")  # by column, chunks in order
                sorted_terms = terms[order]
                per_term = np.bincount(sorted_terms, minlength=vocabulary)
                first = np.cumsum(per_term) - per_term
                at = heads[sorted_terms] + (np.arange(n) - first[sorted_terms])
                data[at] = weights[order]
                indices[at] = rows[order]
                heads += per_term
        data.flush()
        indices.flush()
        del data, indices
        np.save(self.folder / "indptr.csc.index.npy", indptr)

    def _write_metadata(self, chunks: int) -> None:
        import bm25s
        from bm25s.utils.json_functions import dumps

        vocab = self._stems | ({"": len(self._stems)} if "" not in self._stems else {})
        (self.folder / "vocab.index.json").write_text(
            dumps(vocab, ensure_ascii=False), encoding="utf-8"
        )
        params = {
            "k1": K1,
            "b": B,
            "delta": DELTA,
            "method": "lucene",
            "idf_method": "lucene",
            "dtype": "float32",
            "int_dtype": "int32",
            "num_docs": chunks,
            "version": bm25s.__version__,
            "backend": "numpy",
        }
        (self.folder / "params.index.json").write_text(json.dumps(params, indent=4))
        (self.folder / LINE_INDEX).write_text(dumps(self._line_starts.tolist()), encoding="utf-8")
        persist = {  # BM25Retriever.persist's arguments
            "similarity_top_k": min(self._top_k, chunks),
            "verbose": False,
            "corpus_weight_mask": None,
        }
        (self.folder / "retriever.json").write_text(json.dumps(persist, indent=2))


def write_keyword_index(
    chunks: Iterable[tuple[str, str, str]], folder: Path, top_k: int = 50
) -> int:
    """Write the BM25 index of (chunk id, paper id, text) chunks into `folder`, a page at
    a time; the chunk count."""
    writer = KeywordWriter(folder, top_k)
    for chunk_id, paper_id, text in chunks:
        writer.add(chunk_id, paper_id, text)
    return writer.close()
