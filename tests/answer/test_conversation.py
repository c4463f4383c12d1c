"""History in, conversation state out: stable [n] numbers, cited papers, questions."""

from __future__ import annotations

from paperchat.answer.conversation import Numbering, read_history, with_sources
from paperchat.answer.models import Answer, Citation, Turn
from paperchat.corpus.paper import Paper

PAPERS = {
    "p1": Paper(id="p1", title="Golden Noise for Diffusion Models", abstract="a"),
    "p2": Paper(id="p2", title="PAT: Pruning-Aware Tuning", abstract="b"),
    "p3": Paper(id="p3", title="MaskLLM: Learnable Sparsity", abstract="c"),
}


def _answer(citations) -> Answer:
    return Answer(
        question="q",
        answer="text [2] and [5]",
        abstained=False,
        mode="extractive",
        citations=citations,
        sources=[],
    )


def test_numbering_continues_the_conversation():
    numbering = Numbering({"p2": 2, "p3": 5})
    assert numbering("p3") == 5
    assert numbering("new-a") == 6
    assert numbering("p2") == 2
    assert numbering("new-b") == 7


def test_numbering_fills_nothing_below_used_numbers():
    numbering = Numbering()
    assert [numbering(x) for x in ("a", "b", "a", "c")] == [1, 2, 1, 3]


def test_source_list_round_trips_through_plain_text():
    answer = _answer(
        [
            Citation(n=2, id="p2", title=PAPERS["p2"].title, quote="b"),
            Citation(n=5, id="p3", title=PAPERS["p3"].title, quote="c"),
        ]
    )
    text = with_sources(answer)
    assert text.startswith("text [2] and [5]") and "Sources:" in text
    history = [
        Turn(role="user", content="which papers prune?"),
        Turn(role="assistant", content=text),
    ]
    conversation = read_history(history, PAPERS)
    assert conversation.numbers == {"p2": 2, "p3": 5}
    assert conversation.questions == ["which papers prune?"]
    assert [c.paper_id for c in conversation.last_cited] == ["p2", "p3"]


def test_source_list_without_ids_is_matched_by_title():
    text = "Answer [1].\n\nSources:\n[1] Golden Noise for Diffusion Models\n[3] unknown title"
    conversation = read_history([Turn(role="assistant", content=text)], PAPERS)
    assert conversation.numbers == {"p1": 1}


def test_structured_citations_win_over_text():
    turn = Turn(
        role="assistant",
        content="no source list here [4]",
        citations=[Citation(n=4, id="p1", title=PAPERS["p1"].title, quote="a")],
    )
    assert read_history([turn], PAPERS).numbers == {"p1": 4}


def test_earlier_numbers_survive_later_turns():
    first = Turn(
        role="assistant", content="x", citations=[Citation(n=1, id="p1", title="t", quote="a")]
    )
    second = Turn(
        role="assistant", content="y", citations=[Citation(n=2, id="p2", title="t", quote="b")]
    )
    conversation = read_history([first, second], PAPERS)
    assert conversation.numbers == {"p1": 1, "p2": 2}
    assert [c.paper_id for c in conversation.last_cited] == ["p2"]
