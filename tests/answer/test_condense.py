"""Follow-ups rewritten to stand alone without an LLM."""

from __future__ import annotations

import pytest

from paperchat.answer.condense import condense, has_reference
from paperchat.answer.conversation import CitedPaper, Conversation


def _after(question: str, *cited: tuple[str, str]) -> Conversation:
    return Conversation(
        questions=[question],
        last_cited=[CitedPaper(i + 1, pid, title) for i, (pid, title) in enumerate(cited)],
        numbers={pid: i + 1 for i, (pid, _) in enumerate(cited)},
    )


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("how big is its training set?", "how big is NPNet's training set?"),
        ("What does it use to find the masks?", "What does NPNet use to find the masks?"),
        ("How fast is this method?", "How fast is NPNet?"),
        ("Does that work on SDXL?", "Does NPNet work on SDXL?"),
    ],
)
def test_references_resolve_to_the_named_subject(follow_up, expected):
    assert condense(follow_up, _after("What is NPNet?", ("p1", "Golden Noise"))) == expected


def test_subject_from_a_cited_title_when_the_question_names_nothing():
    conversation = _after(
        "which paper tunes pruning into fine-tuning?", ("p2", "PAT: Pruning-Aware Tuning")
    )
    assert condense("how fast is it?", conversation) == "how fast is PAT?"


def test_context_appended_when_there_is_no_name():
    conversation = _after(
        "which papers prune large language models?", ("p3", "Pruning large models fast")
    )
    rewritten = condense("how much do they speed up inference?", conversation)
    assert rewritten.startswith("how much do they speed up inference?")
    assert "prune large language models" in rewritten and "Pruning large models fast" in rewritten


def test_standalone_questions_are_left_alone():
    conversation = _after("What is NPNet?", ("p1", "Golden Noise"))
    assert (
        condense("Which papers study label noise?", conversation)
        == "Which papers study label noise?"
    )
    assert (
        condense("how big is its training set?", Conversation()) == "how big is its training set?"
    )


def test_has_reference():
    assert has_reference("how big is its training set?")
    assert has_reference("does this approach scale?")
    assert not has_reference("which papers prune language models?")
