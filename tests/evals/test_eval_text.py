from __future__ import annotations

from paperchat.evals.text import content_words, numbers, split_sentences, statements


def test_split_sentences_keeps_abbreviations_together():
    text = (
        "Models such as ResNets, e.g. ResNet-50, reach 82% accuracy. We follow Song et al. "
        "(2023) here. Does it work? Yes."
    )
    assert split_sentences(text) == [
        "Models such as ResNets, e.g. ResNet-50, reach 82% accuracy.",
        "We follow Song et al. (2023) here.",
        "Does it work?",
        "Yes.",
    ]


def test_numbers_drop_thousands_separators():
    assert numbers("20,000 annotations, 1.5B parameters, 82% [3]") == {"20000", "1.5", "82"}
    assert numbers("no digits") == set()


def test_content_words_are_stemmed_without_stopwords():
    assert content_words("The networks were pruned using masks") == {"network", "prun", "mask"}


def test_statements_follow_the_extractive_layout():
    text = (
        "2 papers in the corpus address this:\n"
        "\n"
        "- **Golden Noise for Diffusion Models**: It collects 100k noise pairs [1]. "
        "NPNet is small [1].\n"
        "- **Consistency Models**: They sample in one step [2, 3]. Uncited claim here.\n"
    )
    claims = statements(text, {1: "p1", 2: "p2"})
    assert [(c.text, c.cited) for c in claims] == [
        ("It collects 100k noise pairs.", ("p1",)),
        ("NPNet is small.", ("p1",)),
        ("They sample in one step.", ("p2", "[3]")),  # [3] names no citation
        ("Uncited claim here.", ()),
    ]


def test_statements_of_plain_prose():
    claims = statements(
        "Dropout helps early [1]. It was introduced in 2012 [1][2].", {1: "a", 2: "b"}
    )
    assert [c.cited for c in claims] == [("a",), ("a", "b")]
    assert claims[1].text == "It was introduced in 2012."
