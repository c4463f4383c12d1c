"""Follow-ups keep their subject: what a question points back to, and how it is searched.

The question is never rewritten: what is searched is the question as asked, then its
subject in parentheses. The conversation's cited papers travel with it as candidates.
"""

from __future__ import annotations

import re

import pytest

from paperchat.answer.conversation import CitedPaper, Conversation
from paperchat.answer.followup import read_follow_up, stands_alone


def _after(question: str, *cited: tuple[str, str]) -> Conversation:
    return Conversation(
        questions=[question],
        last_cited=[CitedPaper(i + 1, pid, title) for i, (pid, title) in enumerate(cited)],
        numbers={pid: i + 1 for i, (pid, _) in enumerate(cited)},
    )


NPNET = _after("What is NPNet?", ("p1", "Golden Noise for Diffusion Models"))
SAMPLERS = _after(
    "Which methods make diffusion model sampling faster?",
    ("s1", "Fast sampling of diffusion models with exponential integrators"),
    ("s2", "Progressive distillation for fast sampling"),
    ("s3", "Denoising diffusion implicit models"),
    ("s4", "Consistency trajectory models"),
)


def _question_then_context(question: str, searched: str) -> str:
    """The part of `searched` after the question, which must be " (…)" or nothing."""
    assert searched.startswith(question), searched
    rest = searched[len(question) :]
    assert rest == "" or re.fullmatch(r" \([^()]+\)", rest), rest
    return rest[2:-1] if rest else ""


@pytest.mark.parametrize(
    "question",
    [
        "How large is the dataset it is trained on?",
        "how big is its training set?",
        "What does it use to find the masks?",
        "How fast is this method?",
        "Does that work on SDXL?",
    ],
)
def test_a_pronoun_points_at_the_subject_which_is_added_as_context(question):
    follow = read_follow_up(question, NPNET)
    assert follow.pointing == "subject"
    assert follow.context_ids == ("p1",)
    assert _question_then_context(question, follow.text) == "NPNet"


def test_a_question_naming_its_subject_is_searched_as_asked_plus_context():
    question = "How large is the dataset NPNet is trained on?"
    follow = read_follow_up(question, NPNET)
    assert follow.context_ids == ("p1",)
    _question_then_context(question, follow.text)


def test_which_of_these_chooses_among_every_cited_paper():
    question = "which of these needs no extra training?"
    follow = read_follow_up(question, SAMPLERS)
    assert follow.pointing == "among"
    assert follow.context_ids == ("s1", "s2", "s3", "s4")
    assert follow.ordinal is None
    context = _question_then_context(question, follow.text)
    # no name in the conversation: the earlier question's topic
    assert "diffusion model sampling faster" in context


def test_which_of_these_is_about_the_earlier_topic_not_the_first_cited_title():
    conversation = _after(
        "I'm interested in training classifiers when annotators got some of the labels wrong.",
        ("p1", "Re-labeling ImageNet: from Single to Multi-Labels"),
    )
    question = "Is there one that applies this to graph data?"
    follow = read_follow_up(question, conversation)
    assert follow.pointing == "among"
    context = _question_then_context(question, follow.text)
    assert context == "training classifiers annotators got labels wrong"


@pytest.mark.parametrize(
    ("question", "ordinal"),
    [
        ("What does the second one reach?", 1),
        ("Tell me more about the first paper", 0),
        ("How fast is the last one?", -1),
    ],
)
def test_an_ordinal_picks_a_cited_paper_by_position(question, ordinal):
    follow = read_follow_up(question, SAMPLERS)
    assert follow.pointing == "among"
    assert follow.ordinal == ordinal
    assert follow.context_ids == ("s1", "s2", "s3", "s4")
    _question_then_context(question, follow.text)


def test_a_short_question_without_a_reference_gets_the_earlier_topic():
    conversation = _after(
        "which papers prune large language models?", ("p3", "Pruning large models fast")
    )
    follow = read_follow_up("And for graphs?", conversation)
    assert follow.pointing == "none"  # it points at no paper, only at the topic
    assert follow.context_ids == ("p3",)
    context = _question_then_context("And for graphs?", follow.text)
    assert "prune large language models" in context


def test_a_name_heading_the_cited_title_is_the_subject_when_the_question_names_none():
    conversation = _after(
        "which paper tunes pruning into fine-tuning?", ("p2", "PAT: Pruning-Aware Tuning")
    )
    follow = read_follow_up("how fast is it?", conversation)
    assert follow.pointing == "subject"
    assert _question_then_context("how fast is it?", follow.text) == "PAT"


def test_standalone_questions_and_first_questions_are_searched_as_asked():
    standalone = read_follow_up("Which papers study label noise?", NPNET)
    assert (standalone.pointing, standalone.text, standalone.context_ids) == (
        "none",
        "Which papers study label noise?",
        (),
    )
    first = read_follow_up("how big is its training set?", Conversation())
    assert (first.pointing, first.text) == ("none", "how big is its training set?")


def test_without_cited_papers_a_follow_up_points_at_the_named_subject():
    """No source list to read (a plain client's history): "its" is the subject the
    earlier question named, found by that name among the candidates."""
    conversation = Conversation(questions=["What is NPNet?"])
    follow = read_follow_up("how big is its training set?", conversation)
    assert follow.pointing == "subject" and follow.context_ids == ()
    assert follow.text == "how big is its training set? (NPNet)"


def test_stands_alone():
    assert stands_alone("which papers prune language models?")
    assert stands_alone("What is NPNet?")  # a name is enough
    assert not stands_alone("how big is its training set?")
    assert not stands_alone("does this approach scale?")
    assert not stands_alone("which of these is fastest?")
    assert not stands_alone("And for graphs?")  # one word of its own


def test_the_earlier_topic_keeps_its_words_whole():
    conversation = _after(
        "What papers reconstruct 3D scenes from a handful of photos with text-to-image models?",
        ("p4", "Sparse reconstruction"),
    )
    follow = read_follow_up("Which of these need no depth sensor?", conversation)
    context = _question_then_context("Which of these need no depth sensor?", follow.text)
    assert "3d scenes" in context and "text-to-image" in context
    assert " d " not in f" {context} "  # "3D" is not cut into "3 d"


def test_the_second_after_an_answer_about_the_first_is_the_second_of_the_list():
    listed = [CitedPaper(1, "g1", "ERASE"), CitedPaper(2, "g2", "Countering Noisy Labels")]
    conversation = Conversation(
        questions=["What papers deal with noisy labels on graphs?", "Does the first one work?"],
        last_cited=listed[:1],  # the last answer was about the first paper only
        listed=listed,
        numbers={"g1": 1, "g2": 2},
    )
    follow = read_follow_up("What about the second?", conversation)
    assert follow.pointing == "among" and follow.ordinal == 1
    assert follow.context_ids == ("g1", "g2")
    # "the first time" is no position in a list
    assert read_follow_up("Was that the first time it was tried?", NPNET).ordinal is None


def test_the_history_keeps_the_last_answer_that_listed_several_papers():
    from paperchat.answer.conversation import read_history
    from paperchat.answer.models import Citation, Turn
    from paperchat.corpus.paper import Paper

    papers = {i: Paper(id=i, title=f"Paper {i}", abstract="About graphs.") for i in "abc"}

    def said(*ids):
        cited = [Citation(n=n, id=i, title=f"Paper {i}", quote="q") for n, i in enumerate(ids, 1)]
        return Turn(role="assistant", content="...", citations=cited)

    history = [
        Turn(role="user", content="Which papers?"),
        said("a", "b"),
        Turn(role="user", content="And the first?"),
        said("a"),
    ]
    conversation = read_history(history, papers)
    assert [c.paper_id for c in conversation.last_cited] == ["a"]
    assert [c.paper_id for c in conversation.listed] == ["a", "b"]


def test_an_ordinal_counts_in_the_order_the_user_named_the_papers():
    # the answer cited RegMixup first; "the second one" is still the second the user named
    conversation = Conversation(
        questions=["Can you compare Manifold Mixup and RegMixup?"],
        last_cited=[
            CitedPaper(1, "reg", "RegMixup: Mixup as a Regularizer"),
            CitedPaper(2, "man", "Manifold Mixup: Better Representations"),
        ],
        numbers={"reg": 1, "man": 2},
    )
    follow = read_follow_up("Does the second one help with OOD inputs?", conversation)
    assert follow.context_ids == ("man", "reg") and follow.ordinal == 1


def test_the_first_one_after_an_answer_about_one_paper_is_the_first_of_the_last_list():
    listed = [CitedPaper(1, "man", "Manifold Mixup: X"), CitedPaper(2, "reg", "RegMixup: Y")]
    conversation = Conversation(
        questions=["Can you compare Manifold Mixup and RegMixup?", "Does the second one work?"],
        last_cited=listed[1:],
        listed=listed,
        numbers={"man": 1, "reg": 2},
    )
    follow = read_follow_up("And the first one?", conversation)
    assert follow.context_ids == ("man", "reg") and follow.ordinal == 0


def _history(*turns: tuple[str, list[tuple[str, str]]]) -> Conversation:
    """A conversation of (question, [(paper id, title) cited by its answer]) turns, its
    citation numbers given in order of first citation, as read from the history."""
    from paperchat.answer.conversation import read_history
    from paperchat.answer.models import Citation, Turn
    from paperchat.corpus.paper import Paper

    numbers: dict[str, int] = {}
    history, papers = [], {}
    for question, cited in turns:
        citations = []
        for pid, title in cited:
            numbers.setdefault(pid, len(numbers) + 1)
            papers[pid] = Paper(id=pid, title=title, abstract="An abstract.")
            citations.append(Citation(n=numbers[pid], id=pid, title=title, quote="An abstract."))
        history += [
            Turn(role="user", content=question),
            Turn(role="assistant", content="An answer.", citations=citations),
        ]
    return read_history(history, papers)


IRM_THEN_SHORTCUTS = _history(
    ("What do you have on invariant risk minimization?", [("i1", "IRM A"), ("i2", "IRM B")]),
    ("Anything on shortcut learning?", [("c1", "Shortcuts A"), ("c2", "Shortcuts B")]),
)


@pytest.mark.parametrize(
    ("question", "papers", "pointing"),
    [
        ("Back to the first question: which of those uses penalties?", ("i1", "i2"), "among"),
        ("For the first topic, which paper proves a bound?", ("i1", "i2"), "among"),
        ("Going back to the second topic, which one builds datasets?", ("c1", "c2"), "among"),
        ("Returning to the original question, what do they assume?", ("i1", "i2"), "subject"),
    ],
)
def test_a_question_going_back_to_an_earlier_turn_points_at_its_papers(question, papers, pointing):
    follow = read_follow_up(question, IRM_THEN_SHORTCUTS)
    assert follow.context_ids == papers and follow.pointing == pointing
    topic = "invariant risk minimization" if papers[0] == "i1" else "shortcut learning"
    assert _question_then_context(question, follow.text) == topic
    assert follow.asked_before in IRM_THEN_SHORTCUTS.questions


def test_an_earlier_turn_that_does_not_exist_is_not_pointed_at():
    follow = read_follow_up("Back to the third question: which of those?", IRM_THEN_SHORTCUTS)
    assert follow.asked_before is None and follow.context_ids == ("c1", "c2")  # the last answer's


def test_the_first_paper_after_answers_of_one_paper_each_is_the_first_cited():
    one_each = _history(
        ("Summarize the paper on fine-tuning with very large dropout.", [("d1", "Dropout")]),
        ("And the one on why weight-space ensembles help?", [("w1", "Ensembles")]),
    )
    follow = read_follow_up("Going back to the first paper: what does it beat?", one_each)
    assert follow.ordinal == 0 and follow.context_ids[follow.ordinal] == "d1"
    follow = read_follow_up("And the second paper: what does it beat?", one_each)
    assert follow.context_ids[follow.ordinal] == "w1"


def test_those_with_a_noun_after_an_answer_about_one_paper_is_that_paper():
    hypernet = _after(
        "Which of them has a second network produce the weights?", ("h1", "Hypernets")
    )
    follow = read_follow_up("What kind of network do they use to generate those weights?", hypernet)
    assert follow.pointing == "subject" and follow.context_ids == ("h1",)
    # a choice is still a choice: "which of these", "is there one", "these papers"
    for question in ["Which of these uses a GAN?", "Do these papers use labels?"]:
        assert read_follow_up(question, hypernet).pointing == "among"
    assert read_follow_up("What kind of network generates those weights?", SAMPLERS).pointing == (
        "among"
    )  # after several papers, "those" may be any of them
