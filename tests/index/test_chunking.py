from paperchat.corpus.paper import Paper, paper_id
from paperchat.index.chunking import Chunker
from paperchat.index.embedders.minilm import MAX_WORD_PIECES, MiniLMEmbedder


def _paper(abstract: str, title: str | None = "A Title About Pruning") -> Paper:
    return Paper(id=paper_id(abstract=abstract), title=title, abstract=abstract)


LONG = " ".join(
    f"Sentence {i} reports that sparse attention keeps {i}% of heads with minimal loss."
    for i in range(120)
)


def test_short_abstract_is_one_titled_chunk():
    paper = _paper("We prune large language models in one shot.")
    chunks = Chunker(180, 24).split(paper)
    assert [c.text for c in chunks] == [
        "A Title About Pruning\nWe prune large language models in one shot."
    ]
    assert chunks[0].id == f"{paper.id}#0" and chunks[0].paper_id == paper.id


def test_long_abstract_splits_and_every_chunk_keeps_the_title():
    chunks = Chunker(180, 24).split(_paper(LONG))
    assert len(chunks) > 3
    assert all(c.text.startswith("A Title About Pruning\n") for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    # no text lost: every sentence appears in some chunk
    joined = " ".join(chunks_text.split("\n", 1)[1] for chunks_text in (c.text for c in chunks))
    for i in range(120):
        assert f"Sentence {i} reports" in joined


def test_untitled_paper_has_no_prefix():
    chunks = Chunker(180, 24).split(_paper("Only an abstract here.", title=None))
    assert chunks[0].text == "Only an abstract here."


def test_chunks_fit_minilm_window_even_when_budget_is_too_generous():
    embedder = MiniLMEmbedder()
    # 400 cl100k tokens would overflow 256 word pieces: the chunker must re-split.
    chunker = Chunker(400, 24, window=MAX_WORD_PIECES, count_window_tokens=embedder.count_tokens)
    chunks = chunker.split(_paper(LONG))
    assert chunks
    assert max(embedder.count_tokens(c.text) for c in chunks) <= MAX_WORD_PIECES


def test_very_long_title_is_shortened_in_the_prefix():
    title = "Scaling " * 200
    chunks = Chunker(180, 24).split(_paper("An abstract.", title=title))
    prefix = chunks[0].text.split("\n", 1)[0]
    assert prefix.endswith("…") and len(prefix) < len(title)


def test_text_hash_changes_with_text():
    a = Chunker().split(_paper("First version of the abstract."))[0]
    b = Chunker().split(_paper("Second version of the abstract."))[0]
    assert a.text_hash != b.text_hash
