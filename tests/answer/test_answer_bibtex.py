"""BibTeX export of cited papers."""

from __future__ import annotations

from paperchat.answer.bibtex import bibtex_entries, cite_key
from paperchat.corpus.paper import Paper


def test_entries_escape_specials_and_keep_capitals():
    paper = Paper(
        id="arxiv:2401.00001",
        arxiv_id="2401.00001",
        title="Conv-TasNet: 100% & more_stuff",
        abstract="Reaches 20% {gain}.",
        authors=["Yi Luo", "Nima Mesgarani"],
        published="2019-05-01",
    )
    text = bibtex_entries([paper])
    assert text.startswith("@article{luo2019conv,")
    assert "title = {{Conv-TasNet: 100\\% \\& more\\_stuff}}" in text
    assert "author = {Yi Luo and Nima Mesgarani}" in text
    assert "year = {2019}" in text and "eprint = {2401.00001}" in text
    assert "abstract = {Reaches 20\\% \\{gain\\}.}" in text
    assert text.count("{") == text.count("}")


def test_keys_are_unique_and_papers_once():
    a = Paper(id="a", title="Golden Noise", abstract="x", published="2024")
    b = Paper(id="b", title="Golden Noise", abstract="y", published="2024")
    text = bibtex_entries([a, b, a])
    assert text.count("@misc{") == 2
    assert "@misc{golden2024noise," in text and "@misc{golden2024noisea," in text


def test_key_without_title_or_authors():
    assert cite_key(Paper(id="h123", abstract="x")) == "h123"
