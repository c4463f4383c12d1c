"""Property-based tests (hypothesis) of the parsers and the chunker: no crash on any
text, no text lost, ids stable under re-parsing, file order and whitespace."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperchat.corpus.arxiv_jsonl import parse_arxiv_jsonl
from paperchat.corpus.bibtex import parse_bibtex
from paperchat.corpus.clean import clean_text
from paperchat.corpus.listing import parse_listing
from paperchat.corpus.loader import load_corpus
from paperchat.corpus.paper import Paper, paper_id
from paperchat.index.chunking import Chunker

BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words as abstracts have them: letters (any script), digits, a little punctuation.
WORD = st.text(
    st.characters(categories=("Lu", "Ll", "Lo", "Nd"), max_codepoint=0x2FFFF),
    min_size=1,
    max_size=12,
)
PUNCT = st.sampled_from(["", "", "", ",", ".", ";", ":", "!", "?", "%", "-"])
TOKEN = st.builds(lambda w, p: w + p, WORD, PUNCT)
ABSTRACT = st.lists(TOKEN, min_size=12, max_size=120).map(" ".join)
TITLE = st.lists(WORD, min_size=2, max_size=8).map(lambda ws: "Study of " + " ".join(ws))
SPACES = st.sampled_from([" ", "  ", "\t", " \t ", "\u00a0"])
ANY_TEXT = st.text(max_size=400)


def _write(folder: str, name: str, text: str) -> Path:
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _record(n: int, title: str, abstract: str, **extra) -> dict:
    return {"id": f"2401.{n:05d}", "title": title, "abstract": abstract} | extra


# -- no crash on arbitrary text --------------------------------------------------------


@BOUNDED
@given(ANY_TEXT, st.sampled_from([("x.jsonl", parse_arxiv_jsonl), ("x.bib", parse_bibtex)]))
def test_parsers_never_raise_on_arbitrary_text(text, parser):
    name, parse = parser
    with tempfile.TemporaryDirectory() as folder:
        result = parse(_write(folder, name, text))
    for paper in result.papers:
        assert paper.abstract and paper.sources
    for problem in result.problems:
        assert problem.path.endswith(name) and problem.message


@BOUNDED
@given(st.lists(st.one_of(ANY_TEXT, st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "title", "abstract", "authors", "doi", "update_date", "versions"]),
    st.one_of(st.none(), st.integers(), ANY_TEXT, st.lists(ANY_TEXT, max_size=3)),
))), max_size=8))  # fmt: skip
def test_jsonl_reports_every_unusable_line_and_keeps_the_rest(lines):
    with tempfile.TemporaryDirectory() as folder:
        result = parse_arxiv_jsonl(_write(folder, "x.jsonl", "\n".join(lines)))
    if result.problems and result.problems[0].line is None:
        return  # the whole file was unusable (empty, ...)
    used = {int(p.sources[0].rsplit(":", 1)[1]) for p in result.papers}
    # a problem that leaves out only part of a record (an unparsable date) keeps the paper
    skipped = {p.line for p in result.problems if "left out" not in p.message}
    assert not used & skipped


# -- no lost text, round trips -------------------------------------------------------------


@BOUNDED
@given(st.lists(st.tuples(TITLE, ABSTRACT), min_size=1, max_size=5))
def test_arxiv_jsonl_round_trip_keeps_every_abstract(pairs):
    records = [_record(n, t, a) for n, (t, a) in enumerate(pairs)]
    with tempfile.TemporaryDirectory() as folder:
        text = "".join(json.dumps(r) + "\n" for r in records)
        first = parse_arxiv_jsonl(_write(folder, "a.jsonl", text))
        assert not first.problems
        assert [p.abstract for p in first.papers] == [clean_text(a) for _, a in pairs]
        # What was parsed, written out and parsed again, is the same papers.
        again = [_record(n, p.title, p.abstract) for n, p in enumerate(first.papers)]
        text = "".join(json.dumps(r) + "\n" for r in again)
        second = parse_arxiv_jsonl(_write(folder, "b.jsonl", text))
    strip = {"sources"}
    assert [p.model_dump(exclude=strip) for p in second.papers] == [
        p.model_dump(exclude=strip) for p in first.papers
    ]


@BOUNDED
@given(TITLE, ABSTRACT)
def test_bibtex_round_trip_keeps_the_abstract_and_its_hash_id(title, abstract):
    entry = "@article{{key1,\n  title = {{{}}},\n  abstract = {{{}}},\n  year = {{2024}}\n}}\n"
    with tempfile.TemporaryDirectory() as folder:
        (paper,) = parse_bibtex(_write(folder, "a.bib", entry.format(title, abstract))).papers
        (again,) = parse_bibtex(
            _write(folder, "b.bib", entry.format(paper.title, paper.abstract))
        ).papers
    assert paper.abstract == clean_text(abstract)
    assert paper.id == paper_id(abstract=abstract) == again.id
    assert (again.title, again.abstract) == (paper.title, paper.abstract)


@BOUNDED
@given(st.lists(st.tuples(TITLE, ABSTRACT), min_size=1, max_size=5, unique_by=lambda p: p[1]))
def test_listing_title_blank_abstract_layout_loses_nothing(pairs):
    pairs = [(t, a) for t, a in pairs if len(clean_text(a)) >= 60 and len(a) > len(t)]
    text = "".join(f"{t}\n\n{a}\n\n" for t, a in pairs)
    with tempfile.TemporaryDirectory() as folder:
        result = parse_listing(_write(folder, "page.txt", text or "x"))
    if not pairs:
        return
    assert [(p.title, p.abstract) for p in result.papers] == [
        (clean_text(t), clean_text(a)) for t, a in pairs
    ]


# -- ids stable ----------------------------------------------------------------------------


@BOUNDED
@given(ABSTRACT, st.lists(SPACES, min_size=1, max_size=20), st.booleans())
def test_whitespace_changes_do_not_change_hash_ids(abstract, spaces, pad):
    words = abstract.split(" ")
    spaced = "".join(w + spaces[i % len(spaces)] for i, w in enumerate(words))
    if pad:
        spaced = f"\n  {spaced}\t\n"
    records = [{"title": "T", "abstract": abstract}, {"title": "T", "abstract": spaced}]
    with tempfile.TemporaryDirectory() as folder:
        text = "".join(json.dumps(r) + "\n" for r in records)
        first, second = parse_arxiv_jsonl(_write(folder, "a.jsonl", text)).papers
    assert first.id == second.id and first.id.startswith("h")


@BOUNDED
@given(
    st.lists(st.tuples(TITLE, ABSTRACT), min_size=2, max_size=6, unique_by=lambda p: p[1]),
    st.randoms(use_true_random=False),
)
def test_file_order_does_not_change_ids_or_records(pairs, rnd):
    """Papers spread over files (some listed twice): any order of the files gives the
    same merged papers with the same ids."""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i, (title, abstract) in enumerate(pairs):
            records = [{"title": title, "abstract": abstract}]
            if i and rnd.random() < 0.5:  # the previous paper again, with an arXiv id
                records.append(_record(i, pairs[i - 1][0], pairs[i - 1][1]))
            files.append(_write(folder, f"f{i}.jsonl", "".join(map(_line, records))))
        first = load_corpus(files)
        shuffled = files[:]
        rnd.shuffle(shuffled)
        second = load_corpus(shuffled)
        again = load_corpus(files)
    dump = [p.model_dump() for p in first.papers]
    assert [p.model_dump() for p in again.papers] == dump
    assert [p.model_dump() for p in second.papers] == dump


def _line(record: dict) -> str:
    return json.dumps(record) + "\n"


# -- the chunker -----------------------------------------------------------------------


CHUNKER = Chunker(220, 24)  # the settings' defaults


@BOUNDED
@given(st.one_of(TITLE, st.none()), ABSTRACT)
def test_chunker_loses_no_word_and_ids_are_stable(title, abstract):
    paper = Paper(id=paper_id(abstract=abstract), title=title, abstract=abstract)
    chunks = CHUNKER.split(paper)
    assert chunks
    assert [c.id for c in chunks] == [f"{paper.id}#{i}" for i in range(len(chunks))]
    for word in abstract.split():
        assert any(word in c.text for c in chunks), word
    if title:  # every chunk opens with the title (cut to 48 tokens, marked "…")
        prefix = chunks[0].text.split("\n", 1)[0]
        assert title.startswith(prefix.removesuffix("…"))
        assert all(c.text.startswith(prefix + "\n") for c in chunks)
    assert [(c.id, c.text_hash) for c in CHUNKER.split(paper)] == [
        (c.id, c.text_hash) for c in chunks
    ]


@BOUNDED
@given(st.text(min_size=1, max_size=2000).filter(str.strip), st.text(max_size=300))
def test_chunker_never_raises_on_arbitrary_text(abstract, title):
    paper = Paper(id="p", title=title or None, abstract=abstract)
    for chunk in CHUNKER.split(paper):
        assert chunk.text.strip() and chunk.paper_id == "p"


def test_listing_keeps_the_word_abstract_inside_an_abstract(tmp_path):
    """Found by the layout property above: `Abstract:` was cut anywhere in the line, so
    an abstract saying "... the abstract: ..." lost those words."""
    text = "A Title\n\nWe write the abstract: it states that pruning keeps 90% accuracy overall.\n"
    (paper,) = parse_listing(_write(str(tmp_path), "p.txt", text)).papers
    assert "the abstract: it states" in paper.abstract
