"""The corpus stage: read paper listings, arXiv metadata and BibTeX into merged Papers."""

from paperchat.corpus.loader import LoadResult, load_corpus, parse_file, real_path
from paperchat.corpus.paper import Paper
from paperchat.corpus.parsing import ParseResult, Problem

__all__ = [
    "LoadResult",
    "Paper",
    "ParseResult",
    "Problem",
    "load_corpus",
    "parse_file",
    "real_path",
]
