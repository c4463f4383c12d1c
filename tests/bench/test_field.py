"""The generated field the scale benchmarks put the real papers in: on their topics, but
no copy of their titles, sentences or names, with vectors as close to them as real
papers are to each other."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bench.field import Field, unit
from paperchat.corpus.loader import load_corpus
from paperchat.settings import bundled_corpus_dir
from paperchat.text.lexical import named_terms
from paperchat.text.sentences import split_sentences


@pytest.fixture(scope="module")
def corpus():
    papers = load_corpus([bundled_corpus_dir()]).papers
    rng = np.random.default_rng(0)
    topics = unit(rng.standard_normal((len(papers), 32)).astype(np.float32))
    vectors, encodes = {}, []
    for paper, topic in zip(papers, topics, strict=True):
        # sentences of a paper near its topic, its encode nearer: as an encoder places them
        for sentence in split_sentences(paper.abstract):
            noise = rng.standard_normal(32).astype(np.float32)
            vectors[sentence] = unit(topic + 0.8 * unit(noise))
        encodes.append(unit(topic + 0.4 * unit(rng.standard_normal(32).astype(np.float32))))
    return papers, vectors, np.stack(encodes)


@pytest.fixture(scope="module")
def made(corpus):
    papers, vectors, encodes = corpus
    field = Field(papers, vectors, encodes=encodes)
    return field, list(field.papers(3000))


def test_no_real_title_or_sentence_is_copied_whole(corpus, made):
    papers, _, _ = corpus
    _, generated = made
    titles = {p.title for p in papers}
    sentences = {s for p in papers for s in split_sentences(p.abstract) if len(s) > 30}
    assert not [p for p, _, _ in generated if p.title in titles]
    assert not [s for p, _, _ in generated for s in split_sentences(p.abstract) if s in sentences]
    assert len({p.title for p, _, _ in generated}) > 0.95 * len(generated)


def test_a_name_one_paper_coins_is_rare_in_the_field_and_shared_names_stay(corpus, made):
    papers, _, _ = corpus
    _, generated = made
    users: dict[str, int] = {}
    for paper in papers:
        for name in set(named_terms(f"{paper.title} {paper.abstract}")):
            users[name] = users.get(name, 0) + 1
    own = {n for n, c in users.items() if c == 1 and len(n) > 3}
    shared = {n for n, c in users.items() if c >= 10}
    text = " ".join(f"{p.title} {p.abstract}" for p, _, _ in generated)
    said = set(re.findall(r"[A-Za-z0-9]+(?:[-+][A-Za-z0-9]+)*", text)) & (own | shared)
    # one real paper's names: kept one time in a hundred, as a citing paper would
    assert len(said & own) < 0.2 * len(own)
    assert len(said & shared) > 0.8 * len(shared)


def test_vectors_are_found_again_by_text_and_as_close_to_real_papers_as_real_ones_are(corpus, made):
    _, _, encodes = corpus
    field, generated = made
    found = [field.vector_of(s) for p, _, _ in generated[:300] for s in split_sentences(p.abstract)]
    assert sum(v is not None for v in found) > 0.95 * len(found)
    assert field.vector_of("A sentence nobody generated.") is None
    again = split_sentences(generated[0][0].abstract)[0]
    np.testing.assert_array_equal(field.vector_of(again), field.vector_of(again))

    real = unit(encodes)
    own = real @ real.T
    between_real = (own.sum() - np.trace(own)) / (len(real) * (len(real) - 1))
    vectors = np.stack([v for _, _, v in generated])
    assert field.noise["paper"] > 0  # a mean of vectors alone sits nearer everything
    assert abs(float((vectors @ real.T).mean()) - between_real) < 0.02


def test_the_same_seed_gives_the_same_field(corpus):
    papers, vectors, encodes = corpus
    first = [
        (p.title, p.abstract) for p, _, _ in Field(papers, vectors, encodes=encodes).papers(50)
    ]
    again = [
        (p.title, p.abstract) for p, _, _ in Field(papers, vectors, encodes=encodes).papers(50)
    ]
    assert first == again


def test_without_noise_a_papers_vector_is_the_mean_of_its_sentences_vectors(corpus):
    papers, vectors, _ = corpus
    field = Field(papers, vectors)  # no encodes to calibrate against: no noise
    made = list(field.papers(300))
    means = 0
    for paper, text, vector in made:
        assert text.startswith(paper.title + "\n")
        found = [field.vector_of(s) for s in split_sentences(paper.abstract)]
        if all(v is not None for v in found):
            means += np.allclose(vector, unit(np.mean(found, axis=0)), atol=1e-5)
    assert means > 0.9 * len(made)  # the rest: a sentence cut otherwise, or made twice
    assert all(v is None for _, _, v in Field(papers, None).papers(3))  # text only
