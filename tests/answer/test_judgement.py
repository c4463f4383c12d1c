"""The four verdicts, decided on constructed inputs: a small corpus's evidence, a real
Query, and scored papers whose relevance probabilities the test sets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from paperchat.answer.judgement import choose_from_context, judge
from paperchat.answer.llm import VERDICT_NOTES
from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence
from paperchat.retrieve.query import analyse
from paperchat.retrieve.relevance import FEATURES, Candidate, RelevanceModel, ScoredPaper
from paperchat.text.lexical import TermWeights

PAPERS = {
    p.id: p
    for p in [
        Paper(
            id="npnet",
            title="Golden Noise for Diffusion Models",
            abstract="We propose the noise prompt network (NPNet), which turns random noise "
            "into golden noise for text-to-image diffusion models. NPNet is trained on a "
            "dataset of 100k noise pairs. It improves image quality for SDXL.",
        ),
        Paper(
            id="swift",
            title="SwiftNet: Lightweight Convolutional Networks for Image Classification",
            abstract="We propose SwiftNet, a lightweight convolutional network for image "
            "classification. SwiftNet reaches 81.2% top-1 accuracy on ImageNet.",
        ),
        Paper(
            id="distil",
            title="One-Step Distillation of Diffusion Models",
            abstract="We distill diffusion models into one-step image generators. The "
            "student reaches an FID of 2.9 on CIFAR-10 without any additional training data.",
        ),
        Paper(
            id="sampler",
            title="Fast Samplers for Diffusion Models",
            abstract="We present a training-free sampler for diffusion models. It cuts the "
            "number of sampling steps to ten.",
        ),
    ]
}
EMBEDDER = HashEmbedder(64)
MODEL = RelevanceModel(
    family="test",
    coefficients=np.zeros(len(FEATURES)),
    intercept=0.0,
    mean=np.zeros(len(FEATURES)),
    scale=np.ones(len(FEATURES)),
    answer=0.5,
    keep=0.4,
    summary=0.5,
)


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence.build(PAPERS, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name)


def _query(evidence, question, **follow_up):
    return analyse(question, evidence, EMBEDDER.embed_documents, **follow_up)


def _scored(evidence, probabilities: dict[str, float], *, named=()) -> list[ScoredPaper]:
    """Papers with the given probabilities, most relevant first."""
    out = []
    for pid, probability in probabilities.items():
        paper = PAPERS[pid]
        out.append(
            ScoredPaper(
                candidate=Candidate(paper=paper, chunk_id=f"{pid}#0", chunk_text=paper.abstract),
                evidence=evidence.get(paper),
                sentence_scores=np.zeros(len(evidence.get(paper).sentences)),
                coverage=0.0,
                named=pid in named,
                probability=probability,
            )
        )
    return sorted(out, key=lambda p: p.probability, reverse=True)


def _judge(evidence, question, probabilities, **options):
    query = _query(evidence, question)
    papers = _scored(evidence, probabilities, named=options.pop("named", ()))
    return judge(query, papers, MODEL, evidence.weights, **options)


def _ids(papers) -> list[str]:
    return [p.paper.id for p in papers]


def test_answered_when_the_identified_paper_states_what_is_asked(evidence):
    judgement = _judge(
        evidence,
        "How large is the dataset NPNet is trained on?",
        {"npnet": 0.9, "distil": 0.3, "swift": 0.1},
    )
    assert judgement.verdict == "answered" and not judgement.abstain
    assert _ids(judgement.relevant) == ["npnet"]
    assert judgement.confidence == 0.9


def test_answered_from_every_paper_above_the_keep_floor(evidence):
    judgement = _judge(
        evidence,
        "Which methods make diffusion model sampling faster?",
        {"sampler": 0.8, "distil": 0.7, "npnet": 0.35, "swift": 0.05},
    )
    assert judgement.verdict == "answered"
    assert _ids(judgement.relevant) == ["sampler", "distil"]  # 0.35 < keep (0.4)


def test_detail_missing_when_the_identified_paper_does_not_state_the_number_asked(evidence):
    judgement = _judge(
        evidence,
        "What learning rate is NPNet trained with?",
        {"npnet": 0.9, "distil": 0.6, "swift": 0.1},
    )
    assert judgement.verdict == "detail_missing" and not judgement.abstain
    assert _ids(judgement.relevant) == ["npnet"]  # the paper is cited, not the others
    assert judgement.missing == ()


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("How many noise pairs is NPNet trained on?", "answered"),  # "100k noise pairs"
        ("How many images is NPNet trained on?", "detail_missing"),  # 100k counts pairs
        ("How long does it take to train NPNet?", "detail_missing"),  # no duration
        ("Which GPUs was NPNet trained on?", "detail_missing"),  # no hardware named
    ],
)
def test_a_count_duration_or_hardware_asked_must_be_what_the_abstract_gives(
    evidence, question, verdict
):
    judgement = _judge(evidence, question, {"npnet": 0.9, "distil": 0.3})
    assert judgement.verdict == verdict
    assert _ids(judgement.relevant) == ["npnet"]


def test_counted_reads_what_a_how_many_question_counts():
    from paperchat.answer.detail import counted
    from paperchat.text.lexical import content_stems

    assert counted("How many A100 GPU hours did it need?") == content_stems("A100 GPU")
    assert counted("how many participants took part?") == content_stems("participants took")
    assert counted("How many of the images are fake?") == set()
    assert counted("How many times faster is it?") == set()  # a ratio, not a count
    assert counted("What does it reach?") == set()
    # what a method does, not a count asked for
    assert counted("the paper that finds how many hidden factors there are") == set()
    assert counted("a way to work out how many hidden factors there are") == set()


def test_a_quantity_is_asked_by_the_question_not_by_what_it_describes():
    from paperchat.retrieve.query import asks_for_quantity

    assert asks_for_quantity("By what factor does it speed up training?")
    assert asks_for_quantity("Does it report how many GPUs it used?")
    assert not asks_for_quantity("the factor model that learns how many factors there are")
    assert asks_for_quantity("the method that learns how much to trust a view: how large is it?")
    assert asks_for_quantity("What threshold value did they use for gradient clipping?")
    assert asks_for_quantity("What acceleration factor does Speculative Jacobi Decoding reach?")
    assert asks_for_quantity("What temperature was used in the uniformity loss?")
    assert not asks_for_quantity("Which hidden factors cause the domain shift?")
    assert not asks_for_quantity("a fast way to work out how many hidden factors there are")
    assert asks_for_quantity("What mAP does DSL reach on MS-COCO?")
    assert asks_for_quantity("What AP50 does it get, and what CLIP score?")
    assert not asks_for_quantity("What is the map of the corpus?")  # a map, not mAP
    # the verb of a clause describing the thing looked for, unless it reports a figure
    assert not asks_for_quantity(
        "looking for a loss that, besides cosine similarity, also optimizes how much two "
        "images' neighbour sets overlap"
    )
    assert not asks_for_quantity("a regularizer that controls how much each expert is used")
    assert asks_for_quantity("Is there a paper that reports how many GPUs were used?")
    assert asks_for_quantity("a sampler that adapts its steps, and how much faster is it?")


def test_the_missing_detail_is_named_in_the_question_s_terms():
    from paperchat.answer.detail import missing_phrase

    assert missing_phrase("How many A100 GPU hours did it take?", True) == "how many A100 GPU hours"
    assert missing_phrase("How many GPUs were used to train it?", True) == "how many GPUs"
    assert missing_phrase("On what GPU was it trained?", False) == "which hardware was used"
    assert missing_phrase("How long does training take?", True) == "how long it takes"
    assert missing_phrase("How many times faster is it?", True) == "a number for that"
    assert missing_phrase("What loss does it use?", False) == "what you asked"


def test_detail_missing_names_what_the_corpus_lacks_about_a_paper_that_is_here(evidence):
    judgement = _judge(
        evidence, "How much faster does NPNet run with TensorRT?", {"npnet": 0.7, "sampler": 0.3}
    )
    assert judgement.verdict == "detail_missing"
    assert _ids(judgement.relevant) == ["npnet"]
    assert judgement.missing == ("TensorRT",)


def test_a_yes_no_question_opening_with_a_verb_before_a_known_name_is_answered(evidence):
    # "Does NPNet ..." must not make "Does NPNet" a name the corpus lacks
    judgement = _judge(
        evidence, "Does NPNet improve image quality for SDXL?", {"npnet": 0.9, "swift": 0.1}
    )
    assert judgement.missing == ()
    assert judgement.verdict == "answered"


def test_not_in_corpus_when_the_named_method_is_in_no_abstract(evidence):
    # the diffusion papers are relevant enough to answer from, but they are not ControlNet
    judgement = _judge(
        evidence,
        "How does ControlNet add spatial conditioning to diffusion models?",
        {"npnet": 0.55, "sampler": 0.5, "distil": 0.45},
    )
    assert judgement.verdict == "not_in_corpus" and judgement.abstain
    assert judgement.relevant == []  # nothing attributed to the papers that are here
    assert judgement.missing == ("ControlNet",)
    assert _ids(judgement.papers)[:1] == ["npnet"]  # the nearest papers are still known


def test_no_relevant_paper_when_the_best_paper_is_under_the_answer_threshold(evidence):
    judgement = _judge(
        evidence, "How do I keep a sourdough starter alive?", {"swift": 0.2, "npnet": 0.1}
    )
    assert judgement.verdict == "no_relevant_paper" and judgement.abstain
    assert judgement.relevant == [] and judgement.missing == ()
    assert judgement.confidence == 0.2
    empty = _judge(evidence, "How do I keep a sourdough starter alive?", {})
    assert empty.verdict == "no_relevant_paper" and empty.confidence == 0.0


def test_a_question_spelling_out_a_title_is_about_that_paper(evidence):
    judgement = _judge(
        evidence,
        "What optimizer does the paper One-Step Distillation of Diffusion Models use?",
        {"distil": 0.8, "sampler": 0.7},
        named=("distil",),
    )
    assert judgement.verdict == "detail_missing"
    assert _ids(judgement.relevant) == ["distil"]


# -- follow-ups: the conversation's papers -------------------------------------------


CITED = ("sampler", "distil", "npnet")


def test_which_of_these_chooses_among_the_cited_papers_the_question_fits(evidence):
    query = _query(
        evidence,
        "which of these needs no extra training?",
        pointing="among",
        context_ids=CITED,
    )
    papers = _scored(evidence, {"swift": 0.95, "distil": 0.8, "sampler": 0.7, "npnet": 0.1})
    chosen = choose_from_context(query, papers, MODEL, TermWeights.uniform())
    assert _ids(chosen) == ["distil", "sampler"]  # never SwiftNet, however it scores
    judgement = judge(query, papers, MODEL, evidence.weights, chosen=chosen)
    assert judgement.verdict == "answered" and _ids(judgement.relevant) == ["distil", "sampler"]


def test_which_one_picks_the_single_best_fitting_cited_paper(evidence):
    query = _query(
        evidence, "which one needs no extra training?", pointing="among", context_ids=CITED
    )
    papers = _scored(evidence, {"distil": 0.8, "sampler": 0.7, "npnet": 0.1})
    assert _ids(choose_from_context(query, papers, MODEL, TermWeights.uniform())) == ["distil"]


def test_which_one_may_pick_a_paper_the_last_question_found_but_did_not_cite(evidence):
    # "Tell me about diffusion models" cited npnet and sampler; distil was found too
    query = _query(
        evidence,
        "which one distills into a one-step generator?",
        pointing="among",
        context_ids=("npnet", "sampler"),
    )
    in_context = _scored(evidence, {"sampler": 0.6, "distil": 0.55, "npnet": 0.1})

    def choose(alone: dict[str, float], earlier: tuple[str, ...]) -> list[str]:
        chosen = choose_from_context(
            query,
            in_context,
            MODEL,
            TermWeights.uniform(),
            _scored(evidence, alone),
            earlier=earlier,
        )
        return _ids(chosen)

    far_better = {"distil": 0.6, "sampler": 0.3, "npnet": 0.1}
    assert choose(far_better, ("distil",)) == ["distil"]
    assert choose(far_better, ()) == ["sampler"]  # not a candidate of the choice
    a_little_better = {"distil": 0.33, "sampler": 0.3, "npnet": 0.1}
    assert choose(a_little_better, ("distil",)) == ["sampler"]  # the cited one stays


def test_which_one_may_pick_the_topic_paper_that_fits_best_in_context_and_alone(evidence):
    # the answer cited npnet and sampler; distil, of the same topic, fits a little better
    # in context and far better on the question's own words
    query = _query(
        evidence,
        "which one distills into a one-step generator?",
        pointing="among",
        context_ids=("npnet", "sampler"),
    )
    in_context = _scored(evidence, {"distil": 0.62, "sampler": 0.6, "npnet": 0.1})
    alone = _scored(evidence, {"distil": 0.6, "sampler": 0.3, "npnet": 0.1})

    def choose(topic) -> list[str]:
        return _ids(
            choose_from_context(query, in_context, MODEL, TermWeights.uniform(), alone, topic=topic)
        )

    assert choose(frozenset({"npnet", "sampler", "distil"})) == ["distil"]
    assert choose(frozenset({"npnet", "sampler"})) == ["sampler"]  # not of the topic


def test_among_with_no_cited_paper_fitting_searches_the_whole_corpus(evidence):
    query = _query(
        evidence, "which of these classifies images?", pointing="among", context_ids=CITED
    )
    papers = _scored(evidence, {"swift": 0.9, "distil": 0.2, "sampler": 0.1, "npnet": 0.1})
    assert choose_from_context(query, papers, MODEL, TermWeights.uniform()) is None


def test_which_of_these_does_not_leave_for_a_paper_off_the_conversation_s_topic(evidence):
    # "which one works on image-text pairs?" after "dataset distillation": a paper that
    # fits the new words better but was no candidate of the last question is not meant
    query = _query(
        evidence, "which of these classifies images?", pointing="among", context_ids=CITED
    )
    papers = _scored(evidence, {"swift": 0.9, "distil": 0.5, "sampler": 0.1, "npnet": 0.1})

    def choose(topic, in_context=papers):
        topic = None if topic is None else frozenset(topic)
        chosen = choose_from_context(query, in_context, MODEL, TermWeights.uniform(), topic=topic)
        return None if chosen is None else _ids(chosen)

    assert choose({"distil", "sampler", "npnet"}) == ["distil"]
    # a paper of the topic that fits far better: the topic's papers, as the question ranks them
    assert choose({"swift", "distil", "sampler"}) == ["swift", "distil"]
    assert choose(None) is None  # no topic known: the corpus is judged
    # none of the conversation's papers fits the question at all: the corpus is judged ...
    weak = _scored(evidence, {"swift": 0.9, "distil": 0.2, "sampler": 0.1, "npnet": 0.1})
    assert choose({"distil", "sampler", "npnet"}, weak) is None
    # ... unless another paper of the topic fits the question itself: that one, not the
    # outsider ("which of them generates extra views?" after an answer that left it out)
    alone = _scored(evidence, {"npnet": 0.6, "swift": 0.5, "distil": 0.1, "sampler": 0.1})
    topic = frozenset({"distil", "sampler", "npnet"})
    chosen = choose_from_context(query, weak, MODEL, TermWeights.uniform(), alone, topic=topic)
    assert _ids(chosen) == ["npnet"]


def test_an_ordinal_picks_by_position_in_the_last_answer(evidence):
    query = _query(
        evidence,
        "What does the second one reach?",
        pointing="among",
        context_ids=CITED,
        ordinal=1,
    )
    papers = _scored(evidence, {"npnet": 0.9, "sampler": 0.8, "distil": 0.1})
    assert _ids(choose_from_context(query, papers, MODEL, TermWeights.uniform())) == ["distil"]


def test_it_points_at_the_last_answers_first_paper_unless_another_fits_far_better(evidence):
    query = _query(
        evidence,
        "How large is the dataset it is trained on?",
        text="How large is the dataset it is trained on? (NPNet)",
        pointing="subject",
        context_ids=("npnet", "distil"),
    )
    close = _scored(evidence, {"distil": 0.6, "npnet": 0.3, "swift": 0.9})
    assert _ids(choose_from_context(query, close, MODEL, TermWeights.uniform())) == ["npnet"]
    far = _scored(evidence, {"distil": 0.9, "npnet": 0.2})
    assert _ids(choose_from_context(query, far, MODEL, TermWeights.uniform())) == ["distil"]

    chosen = choose_from_context(query, close, MODEL, TermWeights.uniform())
    judgement = judge(query, close, MODEL, evidence.weights, chosen=chosen)
    assert judgement.verdict == "answered" and _ids(judgement.relevant) == ["npnet"]


def test_it_asking_for_a_detail_the_paper_lacks_is_detail_missing(evidence):
    query = _query(
        evidence,
        "What learning rate is it trained with?",
        pointing="subject",
        context_ids=("npnet",),
    )
    papers = _scored(evidence, {"npnet": 0.5, "distil": 0.4})
    chosen = choose_from_context(query, papers, MODEL, TermWeights.uniform())
    judgement = judge(query, papers, MODEL, evidence.weights, chosen=chosen)
    assert judgement.verdict == "detail_missing" and _ids(judgement.relevant) == ["npnet"]


def test_a_follow_up_s_subject_added_from_the_conversation_need_not_be_in_its_paper(evidence):
    # "like SwiftNet" came up before; "it" is the distillation paper, which never says
    # SwiftNet: the number asked is still stated
    query = _query(
        evidence,
        "What FID does it reach on CIFAR-10?",
        text="What FID does it reach on CIFAR-10? (SwiftNet)",
        pointing="subject",
        context_ids=("distil",),
    )
    assert "SwiftNet" in query.names
    papers = _scored(evidence, {"distil": 0.5, "swift": 0.4})
    chosen = choose_from_context(query, papers, MODEL, TermWeights.uniform())
    judgement = judge(query, papers, MODEL, evidence.weights, chosen=chosen)
    assert judgement.verdict == "answered" and _ids(judgement.relevant) == ["distil"]


def test_a_question_that_points_nowhere_is_judged_over_the_whole_corpus(evidence):
    query = _query(evidence, "Which papers distill diffusion models?")
    papers = _scored(evidence, {"distil": 0.9})
    assert choose_from_context(query, papers, MODEL, TermWeights.uniform()) is None


def test_detail_missing_when_the_question_names_something_the_paper_never_mentions(evidence):
    # SwiftNet states a top-1 accuracy, but on ImageNet: CIFAR-10 is another paper's
    judgement = _judge(
        evidence,
        "What top-1 accuracy does SwiftNet reach on CIFAR-10?",
        {"swift": 0.9, "distil": 0.3, "npnet": 0.1},
    )
    assert judgement.verdict == "detail_missing"
    assert _ids(judgement.relevant) == ["swift"]
    stated = _judge(
        evidence,
        "What top-1 accuracy does SwiftNet reach on ImageNet?",
        {"swift": 0.9, "distil": 0.3, "npnet": 0.1},
    )
    assert stated.verdict == "answered"


def test_the_subject_is_the_first_name_the_question_uses(evidence):
    # Lion is in no abstract: a question about Lion that mentions NPNet on the way is
    # not NPNet's to answer; one about NPNet that mentions Lion is
    about_lion = _judge(
        evidence, "How does the Lion optimizer compare with NPNet?", {"npnet": 0.9, "swift": 0.1}
    )
    assert about_lion.verdict == "not_in_corpus" and about_lion.relevant == []
    assert about_lion.missing == ("Lion",)
    about_npnet = _judge(
        evidence, "Is NPNet trained with the Lion optimizer?", {"npnet": 0.9, "swift": 0.1}
    )
    assert about_npnet.verdict == "detail_missing"
    assert _ids(about_npnet.relevant) == ["npnet"]


def test_a_question_asking_two_things_needs_both_stated(evidence):
    both = _judge(
        evidence,
        "What top-1 accuracy does SwiftNet reach, and is it a lightweight convolutional network?",
        {"swift": 0.9, "distil": 0.3},
    )
    assert both.verdict == "answered"
    one = _judge(
        evidence,
        "What top-1 accuracy does SwiftNet reach, and how many GPUs were used to train it?",
        {"swift": 0.9, "distil": 0.3},
    )
    assert one.verdict == "detail_missing"
    assert _ids(one.relevant) == ["swift"]


def test_two_things_asked_of_a_described_paper_need_both_stated(evidence):
    # no name picks the paper out: the best one is what both parts are asked of
    judgement = _judge(
        evidence,
        "What FID does the one-step diffusion distillation reach, and what learning rate "
        "does the student use?",
        {"distil": 0.9, "sampler": 0.3},
    )
    assert judgement.verdict == "detail_missing"
    assert _ids(judgement.relevant) == ["distil"]
    # answered from, but not likely enough to be "the paper you mean"
    query = _query(
        evidence,
        "What FID does the one-step diffusion distillation reach, and what learning rate "
        "does the student use?",
    )
    lenient = replace(MODEL, answer=0.2, keep=0.2)
    unsure = judge(query, _scored(evidence, {"distil": 0.45}), lenient, evidence.weights)
    assert unsure.verdict == "answered"
    stated = _judge(
        evidence,
        "What FID does the one-step diffusion distillation reach?",
        {"distil": 0.9, "sampler": 0.3},
    )
    assert stated.verdict == "answered"


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("What error does it reach, and with which architecture?", 2),
        ("How large is the dataset? How many GPUs were used?", 2),
        ("What really limits deep graph networks? One paper argues it is the data.", 1),
        ("an autoencoder that picks its own size? I think it needed a Lipschitz decoder", 1),
        ("Which papers prune and quantize language models?", 1),
    ],
)
def test_a_question_is_cut_into_parts_only_where_another_question_starts(evidence, question, count):
    from paperchat.answer.detail import parts

    assert len(parts(_query(evidence, question))) == count


def test_a_missing_part_is_named_in_the_user_s_words_without_markup():
    from paperchat.answer.detail import missing_phrase

    assert (
        missing_phrase("What perturbation radius is used", False, part=True)
        == "what perturbation radius is used"
    )
    assert missing_phrase("which <b>radius</b> [x](y)", False, part=True) == "which b radius b x y"


def test_a_described_paper_is_checked_for_the_details_asked_not_for_its_description(evidence):
    # a paraphrase of a paper rarely shares its words: whether the description fits is
    # the relevance model's call; only a number, count, duration or hardware is checked
    judgement = _judge(
        evidence,
        "Why can a single-step generator match its teacher, and how is it trained?",
        {"distil": 0.9, "sampler": 0.3},
    )
    assert judgement.verdict == "answered"
    lacking = _judge(
        evidence,
        "What FID does the one-step diffusion distillation reach, and what learning rate "
        "does the student use?",
        {"distil": 0.9, "sampler": 0.3},
    )
    assert lacking.unstated == "what learning rate does the student use"


def _lacks_in(paper: Paper):
    """unstated(question) over a corpus of just `paper`, the question's only candidate."""
    from paperchat.answer.detail import unstated

    small = Evidence.build({paper.id: paper}, EMBEDDER.embed_documents, embedder_name="hash")
    found = small.get(paper)
    scored = ScoredPaper(
        candidate=Candidate(paper=paper, chunk_id=f"{paper.id}#0", chunk_text=paper.abstract),
        evidence=found,
        sentence_scores=np.zeros(len(found.sentences)),
        coverage=0.0,
        named=False,
        probability=0.9,
    )

    def lacks(question: str) -> str | None:
        return unstated(analyse(question, small, EMBEDDER.embed_documents), [scored], small.weights)

    return lacks


def test_which_datasets_is_answered_by_named_benchmarks():
    paper = Paper(
        id="bench",
        title="AnchorFreeDet: Dense Semi-Supervised Detection",
        abstract="We propose AnchorFreeDet, an anchor-free detector. It is evaluated on the "
        "MS-COCO and PASCAL-VOC benchmarks.",
    )
    assert _lacks_in(paper)("Which datasets is AnchorFreeDet evaluated on?") is None


def test_what_kinds_of_datasets_is_answered_by_a_description_of_them():
    paper = Paper(
        id="repr",
        title="Representers for Sparse Models",
        abstract="We explain sparse models by training samples. We study the empirical "
        "performance on three binary classification datasets and two recommender datasets.",
    )
    lacks = _lacks_in(paper)
    assert lacks("What kinds of datasets did they run their experiments on?") is None
    # everyday words, hyphenated or not, and "try": a description the model judges
    assert lacks("What real-world applications did they try it on?") is None
    assert lacks("What F-measure does it reach on them?")  # a metric, not everyday words
    assert lacks("Which datasets did they run their experiments on?")  # names asked: none given


def test_how_large_a_gain_is_stated_by_a_boost_with_its_number():
    paper = Paper(
        id="ssl",
        title="Scaling Up Semi-supervised Learning with Unconstrained Unlabelled Data",
        abstract="We learn from unlabelled images of any distribution. We demonstrate "
        "superior performance over existing semi-supervised methods with a performance boost "
        "of 4.79%. Search costs one GPU search day for the compression of a ViT.",
    )
    lacks = _lacks_in(paper)
    # a gain asked for is stated by a boost with its number
    assert lacks("How large a gain over existing semi-supervised methods does it report?") is None
    # an amount in words next to its unit
    assert lacks("How much search compute did the compression of a ViT need?") is None
    assert lacks("How large a gain in GPU memory use during training does it report?")


def test_which_settings_is_answered_by_the_named_transfers():
    paper = Paper(
        id="seg",
        title="Instance Adaptive Self-Training for Cross-Domain Segmentation",
        abstract="We adapt segmentation models from synthetic to real scenes. Results on "
        "GTA5-to-Cityscapes and SYNTHIA-to-Cityscapes show the state of the art.",
    )
    assert _lacks_in(paper)("Which adaptation settings did they evaluate it on?") is None


def test_another_form_of_an_asked_word_states_it():
    paper = Paper(
        id="evo",
        title="Evolving Layers",
        abstract="We evolve normalization layers. The layers work well on image "
        "classification models and transfer to detectors for instance segmentation.",
    )
    from paperchat.answer.detail import _with_variants

    lacks = _lacks_in(paper)
    # "classifiers" and "classification" stem apart; one is the other's start
    assert lacks("Do the evolved layers carry over from image classifiers to detectors?") is None

    # one stem the other's start, five letters or more: not "model" for "mode"
    assert _with_variants({"discov", "mode"}, frozenset({"discoveri", "model"})) == {
        "discoveri",
        "model",
        "discov",
    }


def test_names_of_what_a_paper_used_must_be_given_by_its_abstract():
    paper = Paper(
        id="vid",
        title="Vid2Vid-Zero: Zero-Shot Video Editing",
        abstract="Our Vid2Vid-Zero leverages off-the-shelf image diffusion models. Extensive "
        "experiments on three classic benchmarks show its quality. It aligns a base LLM "
        "with our preference data.",
    )
    lacks = _lacks_in(paper)
    assert lacks("Which Stable Diffusion version does Vid2Vid-Zero use?")
    assert lacks("Which three classic video editing benchmarks was Vid2Vid-Zero evaluated on?")
    assert lacks("Which base LLM did Vid2Vid-Zero align?")
    named = Paper(
        id="fsc",
        title="FSC: Fine-Grained Self-Consistency",
        abstract="We propose FSC, which merges segment-level commonalities of samples. "
        "Extensive experiments on summarization use GPT-3.5-turbo and GPT-4. The CT2X-GAN "
        "results on the public CTSpine1K dataset are the best.",
    )
    lacks = _lacks_in(named)
    assert lacks("Which models did they run FSC with?") is None  # used in its experiments
    assert lacks("On which public dataset was FSC evaluated?") is None  # not a part of "CT"


def test_what_a_paper_was_tested_on_is_stated_however_it_is_written():
    paper = Paper(
        id="anomaly",
        title="Prompt Flows for Anomaly Detection",
        abstract="We learn prompt flows for anomaly detection. It segments objects in other "
        "images or videos via three techniques. Extensive experiments on 15 industrial and "
        "medical datasets show it works. Based on the Objaverse dataset samples study, it "
        "wins. It reaches state-of-the-art results on PASCAL VOC 2012 and PASCAL Context. "
        "It helps in few-shot and imbalanced classification settings.",
    )
    lacks = _lacks_in(paper)
    assert lacks("How many datasets was it tested on?") is None  # a number before the noun
    assert lacks("How many images does it segment?")  # "... via three techniques" counts those
    assert lacks("Samples from which dataset did they use?") is None  # a capitalised name
    # a name it reports results on is not its own, however often it is used
    assert lacks("On which benchmark did it reach state-of-the-art results?") is None
    # settings may be named or described
    assert lacks("In which settings beyond supervised classification did it help?") is None


def test_how_long_a_part_takes_is_stated_by_a_duration():
    paper = Paper(
        id="sam",
        title="Personalize Segment Anything with One Shot",
        abstract="We personalize SAM without training. Its fine-tuned variant trains only "
        "2 parameters within 10 seconds.",
    )
    lacks = _lacks_in(paper)
    asked = "How many parameters does its fine-tuned variant train, and how long does that take?"
    assert lacks(asked) is None
    assert lacks("How many parameters does it train, and how long does inference on video take?")


def test_how_a_rival_compares_is_stated_by_a_comparison_with_a_figure():
    paper = Paper(
        id="anomalies",
        title="Domain-independent detection of known anomalies",
        abstract="We detect known anomalies across domains. Overall, SEMLP achieves the best "
        "performance with an average image-level AUROC of 87.2 % vs. 80.4 % by MIRO.",
    )
    lacks = _lacks_in(paper)
    asked = "What image-level AUROC does it reach, and how does the strongest baseline compare?"
    assert lacks(asked) is None
    plain = Paper(id="plain", title=paper.title, abstract="We detect known anomalies well.")
    assert _lacks_in(plain)("How does the strongest baseline compare?")


def test_the_clause_that_asks_is_what_must_be_stated():
    paper = Paper(
        id="prompt",
        title="A Framework for Model-Preferred Prompts",
        abstract="We build the CFP dataset of coarse and fine prompts. Our approach achieves "
        "an average improvement of 5% across six quality and aesthetic metrics.",
    )
    lacks = _lacks_in(paper)
    # a long description of the paper first: the question asks only its last clause
    described = (
        "For the framework that automatically rewrites novice users' prompts into "
        "model-preferred ones (trained on the CFP dataset), what average improvement is "
        "reported across the quality and aesthetic metrics?"
    )
    assert lacks(described) is None
    setup = described.split(", what")[0]
    assert lacks(f"{setup}, how many GPUs trained it?")  # the setup says nothing of GPUs
    # the description may be a sentence of its own
    told = (
        "A tool turns what beginners type into wording that image generators respond to "
        "better, learnt from pairs of rough and polished requests. What average "
        "improvement does it report?"
    )
    assert lacks(told) is None
    assert lacks(told.replace("What average improvement does it report?", "How many GPUs?"))


def test_an_acronym_the_question_spells_out_names_the_paper_that_uses_it():
    papers = {
        "drm": Paper(
            id="drm",
            title="Domain-Specific Risk Minimization for Out-of-Distribution Generalization",
            abstract="We propose DRM for domain generalization. DRM outperforms baselines.",
        ),
        "other": Paper(
            id="other",
            title="Invariant Features",
            abstract="Invariant features generalize. Results on DomainNet are strong.",
        ),
    }
    judged = _judged_in(papers)
    asked = "What accuracy does Domain-specific Risk Minimization (DRM) reach on DomainNet?"
    judgement = judged(asked, {"drm": 0.9, "other": 0.3})
    assert judgement.verdict == "detail_missing" and _ids(judgement.relevant) == ["drm"]


def test_a_hyphenated_name_of_known_parts_is_not_absent(evidence):
    from paperchat.retrieve.query import absent_names

    # NPNet and SDXL are both in the corpus: their combination is not a new name
    assert absent_names("Does the NPNet-with-SDXL pipeline need training?", evidence) == []
    assert absent_names("Does NPNet-XL need training?", evidence) == ["NPNet-XL"]  # "XL" short


def test_a_word_capitalised_by_its_place_does_not_make_a_known_name_unknown(evidence):
    from paperchat.retrieve.query import absent_names

    assert absent_names("Besides SDXL, where does NPNet help?", evidence) == []
    assert absent_names("Beyond COCO, where does SwiftNet help?", evidence) == ["COCO"]
    # a name the corpus lacks is still caught at the start of a question
    assert any("Inversion" in n for n in absent_names("Textual Inversion: like NPNet?", evidence))
    # a word the corpus writes in lower case is capitalised by its place, not a name
    assert absent_names("Lightweight SwiftNet: how fast is it?", evidence) == []
    assert absent_names("Featherweight SwiftNet: how fast?", evidence) == ["Featherweight SwiftNet"]


def test_a_name_the_question_likens_what_it_describes_to_is_not_asked_about(evidence):
    from paperchat.retrieve.query import absent_names

    # "DETR-style": a detector like DETR is meant, whether or not the corpus has DETR
    assert absent_names("Which DETR-style detector shares its operators?", evidence) == []
    assert absent_names("Which LDA-like model finds topics?", evidence) == []
    assert absent_names("How is DETR trained?", evidence) == ["DETR"]
    assert absent_names("Which DETR-based detector is fastest?", evidence) == ["DETR-based"]


def test_they_after_several_papers_is_told_apart_by_the_question_alone(evidence):
    # in context (the first title added to what is searched) the first paper fits best;
    # the question alone fits another cited paper far better: that one is meant
    query = _query(
        evidence,
        "What FID does their one-step student reach?",
        text="What FID does their one-step student reach? (Golden Noise for Diffusion Models)",
        pointing="subject",
        context_ids=("npnet", "distil", "sampler"),
    )
    in_context = _scored(evidence, {"npnet": 0.8, "distil": 0.5, "sampler": 0.4})
    alone = _scored(evidence, {"distil": 0.7, "npnet": 0.1, "sampler": 0.1})
    chosen = choose_from_context(query, in_context, MODEL, TermWeights.uniform(), alone)
    assert _ids(chosen) == ["distil"]
    assert chosen[0].probability == 0.5  # the paper as scored in context
    unsure = _scored(evidence, {"distil": 0.3, "npnet": 0.2, "sampler": 0.1})
    chosen = choose_from_context(query, in_context, MODEL, TermWeights.uniform(), unsure)
    assert _ids(chosen) == ["npnet"]  # no far better fit: the first paper


@pytest.mark.parametrize(
    ("question", "for_papers"),
    [
        ("Which papers prune language models?", True),
        ("What work adapts CLIP to new tasks with few labels?", True),
        ("Is there work on watermarking generated text?", True),
        ("Are there any studies of label noise on graphs?", True),
        ("How large is the dataset NPNet is trained on?", False),
        ("Does SwiftNet work on ImageNet?", False),
        ("Is there a paper on speeding up diffusion sampling?", True),
        ("In the paper on golden noise, what dataset size did they use?", False),
    ],
)
def test_a_question_asking_for_papers_is_told_apart(evidence, question, for_papers):
    assert _query(evidence, question).for_papers is for_papers


def test_a_paper_far_behind_the_best_joins_papers_asked_for_not_a_paper_looked_for(evidence):
    from paperchat.answer.judgement import keep

    papers = _scored(evidence, {"sampler": 0.9, "distil": 0.42})  # both over `keep`, 0.4
    assert _ids(keep(papers, MODEL, _query(evidence, "Which papers speed up sampling?"))) == [
        "sampler",
        "distil",
    ]
    for one in ("I'm looking for a paper that speeds up sampling", "Which paper is fastest?"):
        assert _ids(keep(papers, MODEL, _query(evidence, one))) == ["sampler"]


def _one(paper: Paper, question: str, cosine: float = 0.0):
    small = Evidence.build({paper.id: paper}, EMBEDDER.embed_documents, embedder_name="hash")
    n = len(small.get(paper).sentences)
    scored = ScoredPaper(
        candidate=Candidate(paper=paper, chunk_id=f"{paper.id}#0", chunk_text=paper.abstract),
        evidence=small.get(paper),
        sentence_scores=np.full(n, cosine),
        coverage=0.0,
        named=True,
        probability=0.9,
    )
    return analyse(question, small, EMBEDDER.embed_documents), [scored], small.weights


def test_a_number_the_question_gives_itself_does_not_state_what_it_asks():
    from paperchat.answer.detail import unstated

    paper = Paper(
        id="glam",
        title="InpaintNet: Joint Losses for Inpainting",
        abstract="We propose InpaintNet for image inpainting. InpaintNet was ranked first "
        "in terms of PSNR in the NTIRE 2022 challenge.",
    )
    query, scored, weights = _one(paper, "What PSNR did InpaintNet score in NTIRE 2022?")
    assert unstated(query, scored, weights) == "a number for that"
    query, scored, weights = _one(paper, "Which challenge did InpaintNet rank first in?")
    assert unstated(query, scored, weights) is None


def test_one_part_of_a_question_is_not_stated_by_a_sentence_close_to_the_whole():
    # the sentence is close to the whole question in meaning (cosine 0.9) and gives a
    # number; the part "by how much did it beat the runner-up" is still not stated
    from paperchat.answer.detail import unstated

    paper = Paper(
        id="glam",
        title="InpaintNet: Joint Losses for Inpainting",
        abstract="We propose InpaintNet for image inpainting. InpaintNet scored 24.1 PSNR in "
        "the NTIRE challenge.",
    )
    question = "What PSNR did InpaintNet score, and by how much did it beat the runner-up?"
    query, scored, weights = _one(paper, question, cosine=0.9)
    assert unstated(query, scored, weights) == "by how much did it beat the runner-up"


def test_which_datasets_is_answered_by_the_names_results_are_reported_on():
    from paperchat.answer.detail import unstated

    paper = Paper(
        id="cps",
        title="CrossTeach: Semi-Supervised Segmentation",
        abstract="In CrossTeach two networks supervise each other with pseudo labels. "
        "CrossTeach achieves state-of-the-art performance on Cityscapes and PASCAL VOC 2012.",
    )
    question = "Which datasets does CrossTeach report results on?"
    query, scored, weights = _one(paper, question)
    assert unstated(query, scored, weights) is None
    plain = Paper(id="p", title="CrossTeach", abstract="In CrossTeach two networks teach.")
    query, scored, weights = _one(plain, question)
    assert unstated(query, scored, weights) is not None


def test_a_paper_the_question_names_answers_it_under_the_answer_threshold(evidence):
    # "How many GPUs trained NPNet?": the rest of the question fits nothing, so the
    # paper scores low; it is named, so it is cited and the GPUs are said to be missing
    judgement = _judge(
        evidence, "How many GPUs were used to train NPNet?", {"npnet": 0.1, "swift": 0.05}
    )
    assert judgement.verdict == "detail_missing" and _ids(judgement.relevant) == ["npnet"]
    nothing = _judge(evidence, "How many layers does a deep network have?", {"npnet": 0.1})
    assert nothing.verdict == "no_relevant_paper"


def test_a_paper_named_by_its_title_s_name_joins_the_answer(evidence):
    # "SwiftNet" is named by the title ("SwiftNet: ..."): it answers beside the best paper
    # however far behind it is
    judgement = _judge(evidence, "How do NPNet and SwiftNet differ?", {"npnet": 0.95, "swift": 0.2})
    assert set(_ids(judgement.relevant)) == {"npnet", "swift"}
    assert set(judgement.named) == {"npnet", "swift"}


def test_a_number_asked_of_named_baselines_and_datasets_is_stated_where_they_are_named():
    # the question describes the method in its own words ("letting a vision-language
    # model synthesize change labels"); the sentence naming the baseline and both datasets
    # with numbers states what is asked, however few of the description's words it uses
    from paperchat.answer.detail import unstated

    paper = Paper(
        id="semicd",
        title="SemiCD-VL: Visual-Language Model Guidance for Change Detection",
        abstract="We propose SemiCD-VL, a semi-supervised change detection method. It "
        "synthesizes free change labels with visual language models. SemiCD-VL improves "
        "the FixMatch baseline by +5.3 IoU on WHU-CD and by +2.4 IoU on LEVIR-CD with 5% "
        "labels.",
    )
    question = (
        "With 5% of labels, how many IoU points does letting a vision-language model "
        "produce labels add over the FixMatch baseline on WHU-CD and on LEVIR-CD?"
    )
    query, scored, weights = _one(paper, question)
    assert unstated(query, scored, weights) is None


@pytest.mark.parametrize(
    ("acronym", "text", "spelled"),
    [
        ("PDE", "samples that fulfil partial differential equations", True),
        ("PDEs", "a partial differential equation", True),
        ("MDP", "a Markov decision process", True),
        ("PoE", "a product of experts", False),  # capitals only: not an acronym
        ("DPO", "we do policy optimization", False),  # "do" is too short to spell a letter
        ("GAN", "generative models", False),
    ],
)
def test_an_acronym_is_spelled_out_by_the_words_its_capitals_begin(acronym, text, spelled):
    from paperchat.retrieve.query import _ACRONYM, spells_out

    assert (bool(_ACRONYM.fullmatch(acronym)) and spells_out(acronym, text)) is spelled


def test_an_acronym_no_abstract_uses_but_a_near_paper_spells_out_is_not_absent(evidence):
    physics = Paper(
        id="physics",
        title="Physics-Informed Diffusion Models",
        abstract="A loss term makes generated samples fulfil partial differential "
        "equations. It reduces the residual error by two orders of magnitude.",
    )
    small = Evidence.build({"physics": physics}, EMBEDDER.embed_documents, embedder_name="h")
    question = "How much lower is the residual error when diffusion training enforces the PDE?"
    query = analyse(question, small, EMBEDDER.embed_documents)
    assert query.absent == ("PDE",)  # no abstract writes it
    scored = ScoredPaper(
        candidate=Candidate(
            paper=physics, chunk_id="physics#0", chunk_text=physics.abstract, dense_rank=1
        ),
        evidence=small.get(physics),
        sentence_scores=np.zeros(len(small.get(physics).sentences)),
        coverage=0.0,
        named=False,
        probability=0.9,
    )
    judgement = judge(query, [scored], MODEL, small.weights)
    assert judgement.verdict == "answered" and judgement.missing == ()
    assert _ids(judgement.relevant) == ["physics"]
    # a paper dense search did not rank near the question does not spell it out
    far = replace(scored, candidate=replace(scored.candidate, dense_rank=None), probability=0.3)
    assert judge(query, [far], MODEL, small.weights).verdict == "not_in_corpus"
    # ... unless it fits the question well: a short acronym is as often a word as a name
    fitting = replace(far, probability=0.9)
    assert judge(query, [fitting], MODEL, small.weights).verdict == "answered"


def _scored_in(evidence: Evidence, papers: dict[str, Paper], probabilities: dict[str, float]):
    return [
        ScoredPaper(
            candidate=Candidate(paper=papers[pid], chunk_id=f"{pid}#0", chunk_text=""),
            evidence=evidence.get(papers[pid]),
            sentence_scores=np.zeros(len(evidence.get(papers[pid]).sentences)),
            coverage=0.0,
            named=False,
            probability=probability,
        )
        for pid, probability in probabilities.items()
    ]


def _judged_in(papers: dict[str, Paper]):
    """judge(question, {paper id: probability}) over a corpus of just `papers`."""
    evidence = Evidence.build(papers, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name)

    def judged(question: str, probabilities: dict[str, float]):
        query = analyse(question, evidence, EMBEDDER.embed_documents)
        return judge(query, _scored_in(evidence, papers, probabilities), MODEL, evidence.weights)

    return judged


def test_a_rare_name_no_answering_paper_mentions_is_answered_by_the_papers_that_do():
    papers = {
        "policy": Paper(
            id="policy",
            title="Diffusion Policies for Reinforcement Learning",
            abstract="We model reinforcement learning policies with diffusion models. The "
            "policy update is stable and reaches high returns on locomotion tasks.",
        ),
        "dpo": Paper(
            id="dpo",
            title="Revisiting Preference Optimization",
            abstract="We compare DPO with RLHF-PPO on instruction following. DPO drops the "
            "likelihood of rejected responses.",
        ),
        "pde": Paper(
            id="pde",
            title="Physics-Informed Diffusion",
            abstract="We train diffusion models whose samples satisfy a partial differential "
            "equation. The residual error falls by two orders of magnitude.",
        ),
        "solver": Paper(
            id="solver",
            title="Neural Solvers",
            abstract="A neural operator solves each PDE of a family in one forward pass.",
        ),
    }
    judged = _judged_in(papers)
    how = judged(
        "How does PPO clip the policy update in reinforcement learning?",
        {"policy": 0.9, "pde": 0.2, "dpo": 0.1},
    )
    assert how.verdict == "detail_missing" and how.passing == ("PPO",)
    assert _ids(how.relevant) == ["dpo"]  # never the paper that does not say PPO
    assert how.note == "passing" and how.note in VERDICT_NOTES  # an LLM is told so too
    which = judged("Which papers use PPO?", {"policy": 0.9, "pde": 0.2, "dpo": 0.1})
    assert which.verdict == "answered" and _ids(which.relevant) == ["dpo"]
    # an acronym the answering paper spells out in words is mentioned
    spelled = judged("How is the PDE enforced in diffusion training?", {"pde": 0.9, "solver": 0.1})
    assert spelled.verdict == "answered" and _ids(spelled.relevant) == ["pde"]
    # two capitals too: a paper on reinforcement learning speaks of RL
    rl = judged("Which diffusion policies were tested on RL tasks?", {"policy": 0.9, "dpo": 0.1})
    assert rl.verdict == "answered" and _ids(rl.relevant) == ["policy"]


def test_a_rare_name_that_only_describes_a_paper_that_fits_well_is_not_asked_about():
    papers = {
        "brain": Paper(
            id="brain",
            title="One-Shot Brain Tissue Segmentation Across the Lifespan",
            abstract="We segment brain tissue from one annotated scan of any age. Results on "
            "the iSeg2019 and ADNI datasets show its effectiveness.",
        ),
        "recon": Paper(
            id="recon",
            title="Accelerated MRI Reconstruction",
            abstract="We reconstruct undersampled MRI of the knee and brain.",
        ),
    }
    judged = _judged_in(papers)
    question = "Which method segments brain tissue in MRI scans from a single annotated scan?"
    fits = judged(question, {"brain": 0.9, "recon": 0.05})
    assert fits.verdict == "answered" and _ids(fits.relevant) == ["brain"]
    # asked about the name itself, the paper that says it is quoted, however well the
    # other fits
    about = judged(
        "How does MRI reconstruction work on brain scans?", {"brain": 0.9, "recon": 0.05}
    )
    assert about.verdict == "detail_missing" and _ids(about.relevant) == ["recon"]
    # a coined name is what the question is about, however well another paper fits
    papers["recon"] = Paper(
        id="recon", title="Accelerated MRI Reconstruction", abstract="We compare to BrainSegNet."
    )
    coined = _judged_in(papers)(
        "How accurate is BrainSegNet at segmenting brain tissue from one scan?",
        {"brain": 0.9, "recon": 0.05},
    )
    assert coined.verdict == "detail_missing" and _ids(coined.relevant) == ["recon"]
    # "which MRI datasets" asks for dataset names, which the paper gives
    datasets = judged("Which MRI datasets did the lifespan segmentation use?", {"brain": 0.9})
    assert datasets.verdict == "answered"


def test_a_name_added_from_the_conversation_is_not_asked_about():
    papers = {
        "policy": Paper(
            id="policy",
            title="Diffusion Policies",
            abstract="We model reinforcement learning policies with diffusion models. The "
            "policy update is stable on locomotion tasks.",
        ),
        "dpo": Paper(
            id="dpo", title="Preference Optimization", abstract="We compare DPO with PPO."
        ),
    }
    evidence = Evidence.build(papers, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name)
    question = "Which locomotion tasks was the policy update tested on?"
    query = analyse(question, evidence, EMBEDDER.embed_documents, text=f"{question} (PPO)")
    assert "PPO" in query.names  # the earlier question's subject, searched as context
    # a fit too weak to be the paper meant whatever names it lacks (judgement.MEANT)
    scored = _scored_in(evidence, papers, {"policy": 0.4, "dpo": 0.1})
    judgement = judge(query, scored, replace(MODEL, answer=0.3, keep=0.3), evidence.weights)
    assert judgement.verdict == "answered" and _ids(judgement.relevant) == ["policy"]


def test_a_name_the_corpus_lacks_asked_of_a_paper_the_question_describes_is_a_detail():
    papers = {
        "clip": Paper(
            id="clip",
            title="Stable Fine-Tuning of Language Models via Component-Wise Gradient Clipping",
            abstract="We clip the gradient norm of each component separately. Fine-tuning "
            "becomes stable across random seeds.",
        ),
        "prune": Paper(
            id="prune",
            title="Pruning Language Models",
            abstract="We prune the attention heads of language models.",
        ),
        **{
            f"lm{i}": Paper(id=f"lm{i}", title=f"Language Models {i}", abstract="We train LMs.")
            for i in range(3)
        },
    }
    judged = _judged_in(papers)
    described = judged(
        "Which GLUE tasks did the component-wise gradient clipping paper for stable "
        "fine-tuning of language models use?",
        {"clip": 0.3, "prune": 0.1},
    )
    assert described.verdict == "detail_missing" and described.missing == ("GLUE",)
    assert _ids(described.relevant) == ["clip"]
    # or called by the rare words of its title
    called = judged("Which GLUE tasks did the component-wise clipping paper use?", {"clip": 0.3})
    assert called.verdict == "detail_missing" and _ids(called.relevant) == ["clip"]
    # a question about the name itself, the paper's title not said: the corpus lacks it
    lacked = judged("How does GLUE test language models?", {"clip": 0.3, "prune": 0.1})
    assert lacked.verdict == "not_in_corpus" and not lacked.relevant
    every = {"clip": 0.3, "prune": 0.1, "lm0": 0.05, "lm1": 0.05, "lm2": 0.05}
    common = judged("Which GLUE tasks did the language models paper use?", every)
    assert common.verdict == "not_in_corpus"  # words many titles share pick out none


def test_a_paper_picked_out_by_a_name_it_only_uses_is_judged_on_the_rest_by_the_model():
    papers = {
        "robot": Paper(
            id="robot",
            title="Revisiting Vision Models for Robot Learning",
            abstract="We find that DINO and iBOT struggle when pre-trained on scene data. "
            "We design SlotNet, which reduces the number of prototypes. SlotNet scales.",
        ),
        "other": Paper(
            id="other",
            title="Robust Losses for Noisy Labels",
            abstract="We study learning with noisy labels. Our bounded loss stays accurate.",
        ),
    }
    judged = _judged_in(papers)
    why = judged(
        "Why do DINO- and iBOT-style encoders falter on cluttered rooms, and which method "
        "shrinks the prototypes?",
        {"robot": 0.9, "other": 0.1},
    )
    # not a question about DINO itself, and "cluttered rooms" is the model's to judge
    assert why.verdict == "answered" and not why.passing and _ids(why.relevant) == ["robot"]
    # a detail asked is still checked: the abstract gives no GPU
    gpus = judged("How many GPUs did the DINO comparison use?", {"robot": 0.9, "other": 0.1})
    assert gpus.verdict == "detail_missing"


def test_a_paper_s_words_written_otherwise_in_the_question_still_identify_it():
    papers = {
        "uda": Paper(
            id="uda",
            title="Unsupervised Data Augmentation for Consistency Training",
            abstract="We noise unlabeled examples with strong augmentation. On IMDb, with "
            "only 20 labeled examples, our method reaches an error rate of 4.20.",
        ),
        "outlier": Paper(
            id="outlier",
            title="Autoencoder Outlier Detection with Mean-Shift Scoring",
            abstract="We score outliers by mean shift. Experiments on 32 real-world outlier "
            "detection datasets show the effectiveness of the method.",
        ),
    }
    judged = _judged_in(papers)
    # the acronym its title spells out
    uda = judged("With 20 labels on IMDb, what error rate does UDA reach?", {"uda": 0.9})
    assert uda.verdict == "answered"
    # "outlier-detection" hyphenated, where the title has "Outlier Detection"
    outlier = judged(
        "The autoencoder outlier-detection paper: on how many real-world datasets was it tested?",
        {"outlier": 0.9},
    )
    assert outlier.verdict == "answered"
    # two letters are spelled out by chance: "AP" is not "applied to point clouds"
    seg = Paper(
        id="seg",
        title="PointSeg: Segmenting Point Clouds",
        abstract="We propose PointSeg. It is applied to point clouds of driving scenes.",
    )
    assert _judged_in({"seg": seg})("What AP does PointSeg reach?", {"seg": 0.9}).verdict == (
        "detail_missing"
    )


def test_names_in_a_question_describing_a_paper_are_details_asked_of_it():
    papers = {
        "dco": Paper(
            id="dco",
            title="Consistency Optimization for Personalized Image Generation",
            abstract="We fine-tune a text-to-image model to stay consistent with reference "
            "images while staying close to the pretrained model.",
        ),
        "lcm": Paper(
            id="lcm",
            title="LCM-LoRA: A Universal Acceleration Module",
            abstract="We distill SDXL into a few-step sampler. SDXL keeps its quality.",
        ),
        "bounds": Paper(
            id="bounds",
            title="How Deep Nets Break the Curse of Dimensionality",
            abstract="We bound the error with covering numbers and a Barron norm.",
        ),
    }
    judged = _judged_in(papers)
    guess = judged(
        "The personalization paper that fine-tunes toward reference images: which base "
        "model did it use (SDXL?), and for how many GPU hours?",
        {"dco": 0.95, "lcm": 0.03},
    )
    # not the paper that uses SDXL, and not "mentioned in passing" there
    assert guess.verdict == "detail_missing" and _ids(guess.relevant) == ["dco"]
    assert not guess.passing
    # two characters ("F1", "L2") are notation more often than a name
    norm = judged(
        "Which paper bounds deep nets with covering numbers and an F1 norm?", {"bounds": 0.9}
    )
    assert norm.verdict == "answered" and _ids(norm.relevant) == ["bounds"]


def test_a_paper_called_by_its_own_name_after_another_name_is_checked_in_full():
    papers = {
        "flow": Paper(
            id="flow",
            title="Contrastive Superflows are Dense 3D Representation Learners",
            abstract="We propose SuperFlow for LiDAR pretraining. SuperFlow is tested on "
            "many LiDAR datasets, reporting mIoU.",
        ),
    }
    judged = _judged_in(papers)
    both = judged(
        "Which LiDAR datasets was SuperFlow tested on, and what linear-probing mIoU does it get?",
        {"flow": 0.9},
    )
    assert both.verdict == "detail_missing" and "linear-probing" in both.unstated


def test_a_paper_called_by_words_of_its_title_is_asked_for_the_detail():
    papers = {
        "adamw": Paper(
            id="adamw",
            title="Decoupled Weight Decay Regularization",
            abstract="We decouple weight decay from the gradient step. It improves Adam's "
            "generalization on image classification.",
        ),
        "l2": Paper(
            id="l2",
            title="Weight Decay and Batch Normalization",
            abstract="We study how weight decay interacts with normalization layers.",
        ),
    }
    judged = _judged_in(papers)
    rate = judged(
        "What learning rate did the Decoupled Weight Decay paper use?", {"adamw": 0.9, "l2": 0.2}
    )
    assert rate.verdict == "detail_missing" and _ids(rate.relevant) == ["adamw"]


def test_of_the_answering_papers_those_that_say_the_name_asked_about_answer():
    papers = {
        "recsys": Paper(
            id="recsys",
            title="Long-Sequence Recommendation",
            abstract="We handle long sequences of user behaviour with two-stage attention.",
        ),
        "vim": Paper(
            id="vim",
            title="Scaling State-Space Vision Models",
            abstract="We train VisionMamba at a large scale. VisionMamba reads long "
            "sequences of patches in linear time.",
        ),
    }
    judged = _judged_in(papers)
    how = judged("How does VisionMamba handle long sequences?", {"recsys": 0.9, "vim": 0.8})
    assert how.verdict == "answered" and _ids(how.relevant) == ["vim"]


def test_a_name_the_question_asks_about_that_its_paper_only_mentions_is_passing():
    papers = {
        "swad": Paper(
            id="swad",
            title="Flat Minima for Domain Generalization",
            abstract="We propose SWAD, which averages weights densely to find flat minima. "
            "SWAD outperforms MIRO on five DomainBed benchmarks. SWAD needs no extra cost.",
        ),
        "other": Paper(
            id="other",
            title="Robust Losses for Noisy Labels",
            abstract="We study learning with noisy labels. Our bounded loss stays accurate.",
        ),
    }
    judge_in = _judged_in(papers)

    def judged(question):
        return judge_in(question, {"swad": 0.9, "other": 0.1})

    about = judged("How does MIRO work?")
    assert about.verdict == "detail_missing" and about.passing == ("MIRO",)
    assert _ids(about.relevant) == ["swad"]
    own = judged("How does SWAD work?")  # the paper's own name: that is the paper meant
    assert own.verdict == "answered" and not own.passing
    listing = judged("Which papers compare against MIRO?")  # asks for the papers that do
    assert listing.verdict == "answered" and not listing.passing
