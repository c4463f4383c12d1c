"""The verdict on a question: answered, the paper is here but not the detail, the named
thing is not in the corpus, or nothing relevant — decided once, read by every answerer.

It reads the relevance model's probabilities (retrieve/relevance.py) and the Query:

- the question names something no abstract mentions ("ControlNet") → `not_in_corpus`,
  unless a name it uses first identifies a paper that is here ("Does NPNet use PyTorch?"),
  or it says most of the best paper's title ("Which GLUE tasks did the component-wise
  gradient clipping paper use?"): then that paper is cited and its abstract does not
  state the rest (`detail_missing`);
- the best paper's probability is under the fitted answer threshold, and the question
  names no paper that is here → `no_relevant_paper`;
- a rare name the question uses is in the corpus, but none of the papers that would
  answer mentions it ("How does PPO clip ...?") → `detail_missing` citing a paper that
  does mention it (in passing), never the others (`Judgement.passing`);
- otherwise the papers above the keep threshold answer it — unless the question asks
  about an identified paper for something its abstract does not state (answer/detail.py),
  or asks several things of the paper it describes, one a detail its abstract does not
  give ("What error does it reach, and how many GPUs?") → `detail_missing`, citing the
  paper and saying what is not stated (`Judgement.lacking`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from paperchat.answer.detail import own_names, parts, unstated
from paperchat.answer.models import Verdict
from paperchat.retrieve.query import Query, is_acronym, spelled_out_by, spells_out, still_absent
from paperchat.retrieve.relevance import (
    MIN_TITLE_STEMS,
    RelevanceModel,
    ScoredPaper,
    mentions,
    nearest_papers,
)
from paperchat.text.lexical import TermWeights, content_stems, named_terms, says_name, title_name

# a question about the named thing itself: how it works, what it does, what it is
_ABOUT = (  # "why do X ... struggle" asks about a finding, which a paper studying X reports
    r"\b(?:how|what)\s+(?:does|do|did|is|are|was|were)\s+{name}\b"
    r"|\bexplain\b.*\b{name}\b|\bhow\s+{name}\b|\bwhat\s+{name}\s+(?:is|does)\b"
)
# "the personalization paper that ...", "a paper on ...": the question describes a paper,
# and after "the" its words may be the paper's name ("the Decoupled Weight Decay paper")
_A_PAPER = re.compile(
    r"\b(the|a|that|this)\s+((?:[\w-]+\s+){0,6}?)(?:paper|work|article|study)\b", re.I
)
_ONE = re.compile(r"\b(?:which|the|that) one\b|\bwhich (?:paper|method|model|approach)\b", re.I)
KEEP_RATIO = 0.5  # other papers must be at least this share of the best one's probability
# "I'm looking for a paper that ...", "which paper ...": one paper is sought, so others
# join it only as KEEP_RATIO allows, as for any question that does not ask for papers
_ONE_PAPER = re.compile(r"\b(?:a|the|which|what|one)\s+(?:single\s+)?paper\b(?!s)", re.I)
MAX_RELEVANT = 8
MEANT = 0.5  # a paper the question describes is "the paper you mean" when likelier than not
RARE_NAME = 3  # abstracts (or titles) that use a name, at most, for it to pick out its papers
TITLE_SHARE = 0.75  # of a title's words (weighted by rarity) that a question says to pick it out
MIN_CALLED = 2  # title words that call a paper by name ("the gradient clipping paper")
SUBJECT_ODDS = 3.0  # "it" is the last answer's first paper unless another fits this much better
AMONG_ODDS = 1.2  # "which of these" looks past them when a new paper fits this much better
# the papers a question bears on at all ("which of these" never means others): label-noise
# papers on graphs have ~0.06 for "annotators got labels wrong", graph transformers 0.0002
TOPIC_FLOOR = 0.01


@dataclass(frozen=True)
class Judgement:
    query: Query
    papers: list[ScoredPaper]  # every paper considered, most relevant first
    relevant: list[ScoredPaper]  # the papers the answer is made from
    verdict: Verdict
    missing: tuple[str, ...] = ()  # the names the corpus lacks
    weights: TermWeights = field(default_factory=TermWeights.uniform)  # the version's IDF
    unstated: str = ""  # detail_missing: what the abstract does not state, in the question's words
    named: tuple[str, ...] = ()  # ids of the relevant papers the question picks out itself
    passing: tuple[str, ...] = ()  # names the cited paper mentions only in passing

    @property
    def abstain(self) -> bool:
        return self.verdict in ("not_in_corpus", "no_relevant_paper")

    @property
    def note(self) -> str:
        """Which VERDICT_NOTES entry tells an LLM this verdict (answer/llm.py)."""
        return "passing" if self.passing else self.verdict

    @property
    def lacking(self) -> str:
        """What a detail_missing answer says the abstract does not state, in the
        question's terms: "anything about “TensorRT”", "how many GPUs", ..."""
        if self.missing:
            return "anything about " + " or ".join(f"“{m}”" for m in self.missing)
        return self.unstated or "what you asked"

    @property
    def confidence(self) -> float:
        """The model's probability that the top paper bears on the question."""
        top = self.relevant or self.papers
        return round(top[0].probability, 4) if top else 0.0


def identified(
    query: Query, papers: Sequence[ScoredPaper], weights: TermWeights
) -> list[ScoredPaper]:
    """Papers the question picks out itself: by spelling out the title or the name its
    title gives it ("Manifold Mixup: ..."), by rare words of its title as a paper's name
    ("the Decoupled Weight Decay paper"), or by a rare name (used by at most RARE_NAME
    papers of the corpus) that the paper uses."""
    subject = subject_name(query, weights)
    return [
        p
        for p in papers
        if p.named
        or _says_title_name(query.question, p.paper.title, papers)
        or called_by_title_words(query, p, papers)
        or (subject and mentions(_text(p), subject))
    ]


def titled(
    query: Query, paper: ScoredPaper, papers: Sequence[ScoredPaper], weights: TermWeights
) -> bool:
    """Whether the question picks the paper out by its title: says most of it, or calls
    it by words of it ("the component-wise gradient norm clipping paper"). A name the
    corpus lacks is then a detail asked of it ("which GLUE tasks?")."""
    stems = content_stems(paper.paper.title or "")
    if len(stems) < MIN_TITLE_STEMS:
        return False
    if weights.coverer(stems)(content_stems(query.question)) >= TITLE_SHARE:
        return True
    return called_by_title_words(query, paper, papers)


@lru_cache(maxsize=256)
def _called_phrases(question: str) -> tuple[frozenset[str], ...]:
    """The stems of each "the <words> paper" of a question, of MIN_CALLED words or more."""
    found = (
        frozenset(content_stems(words))
        for article, words in _A_PAPER.findall(question)
        if article.lower() == "the"
    )
    return tuple(f for f in found if len(f) >= MIN_CALLED)


def called_by_title_words(query: Query, paper: ScoredPaper, papers: Sequence[ScoredPaper]) -> bool:
    """ "the Decoupled Weight Decay paper": words of its title that few titles share (not
    "the language models paper"), as the name of a paper."""
    phrases = _called_phrases(query.question)
    if not phrases:
        return False
    stems = content_stems(paper.paper.title or "")
    for called in phrases:
        if not called <= stems:
            continue
        titles = sum(called <= content_stems(p.paper.title or "") for p in papers)
        if titles <= RARE_NAME:
            return True
    return False


def subject_name(query: Query, weights: TermWeights) -> str | None:
    """The question's first rare name ("top-1" is common, "TransMix" rare), unless an
    earlier name is one the corpus lacks ("How does Lion compare to AdamW?" is about
    Lion, whichever kind of name spotted it)."""
    # a short acronym is as often a word ("GPU", "API"), unless the question spells it
    # out itself: "Domain-specific Risk Minimization (DRM)" names a method
    for name in (n for n in _in_order(query) if not is_acronym(n) or spells_out(n, query.question)):
        if name in query.absent:
            return None
        if _rare(name, weights):
            return name
    return None


def _is_subject(query: Query, name: str) -> bool:
    """Whether the question asks about the named thing: how it works, what it is, or
    what it does or reaches ("What error does ShrinkMatch reach?")."""
    acts = rf"\b(?:does|do|did|is|are|was|were|can|could|has|have)\s+{re.escape(name)}\b"
    return _asked_about(query, name) or re.search(acts, query.question, re.I) is not None


def _asked_about(query: Query, name: str) -> bool:
    """Whether the question asks how the named thing works, what it does or what it is."""
    return re.search(_ABOUT.format(name=re.escape(name)), query.question, re.I) is not None


def only_in_passing(
    query: Query, named: Sequence[ScoredPaper], weights: TermWeights
) -> tuple[str, ...]:
    """The name a question asks about itself ("How does MIRO work?", "What does GDumb
    do?") when the papers it picks out only mention it — as a baseline, an example —
    and are not what it names (not their title's name or the one they use most)."""
    subject = subject_name(query, weights)
    if not subject or not named or query.for_papers:
        return ()
    if not _asked_about(query, subject):
        return ()
    if any(_called_by_own_name(query, p, named, subject) for p in named):
        return ()
    return (subject,)


def _meant(
    query: Query, named: list[ScoredPaper], papers: Sequence[ScoredPaper]
) -> list[ScoredPaper]:
    """The identified papers less those picked out only by a name they use ("SDXL?" in a
    question describing another paper, not by their title) when the best paper fits far
    better: the question describes that one."""
    if not papers or papers[0].probability < MEANT:
        return named
    best = papers[0]
    return [
        p
        for p in named
        if p is best
        or p.probability >= KEEP_RATIO * best.probability
        or p.named
        or _says_title_name(query.question, p.paper.title, papers)
    ]


def _called_by_own_name(
    query: Query, paper: ScoredPaper, papers: Sequence[ScoredPaper], subject: str | None
) -> bool:
    """Whether the question calls the paper by its title or by a name it gives its own
    work, not by a name it only uses ("DINO", which a paper on robot learning tests)."""
    if paper.named or _says_title_name(query.question, paper.paper.title, papers):
        return True
    called = {n for n in (subject, *query.names) if n and n not in query.absent}
    return any(n in own or own in n for n in called for own in own_names(paper))


def _says_title_name(question: str, title: str | None, papers: Sequence[ScoredPaper]) -> bool:
    """The question uses the name the paper's title gives it — two words or more, or one
    that is a name ("RegMixup"), not an everyday word ("Dropout: ...") — as a name:
    written as the title writes it ("Manifold Mixup"), or as "the ... paper", or in any
    case when few papers use it ("weight normalization"), unlike the "consistency
    models" many speak of."""
    name = title_name(title or "")
    if not (len(name.split()) > 1 or named_terms(name)) or not says_name(question, name):
        return False
    if says_name(question, name, any_case=False) or says_name(question, f"{name} paper"):
        return True
    users = sum(mentions(f"{p.paper.title or ''} {p.paper.abstract}", name) for p in papers)
    return users <= RARE_NAME


def _in_order(query: Query) -> list[str]:
    """The names the question uses and those it lacks, in the order the question says them
    (a name not found in the question itself, such as a follow-up's subject, comes last)."""
    names = list(dict.fromkeys([*query.names, *query.absent]))
    position = {n: query.question.find(n) for n in names}
    return sorted(names, key=lambda n: position[n] if position[n] >= 0 else len(query.question))


def _rare(name: str, weights: TermWeights) -> bool:
    stems = content_stems(name)
    return bool(stems) and all(weights.document_count(s) <= RARE_NAME for s in stems)


def _text(paper: ScoredPaper) -> str:
    return f"{paper.paper.title or ''} {paper.paper.abstract}"


def _rare_names(query: Query, weights: TermWeights) -> list[str]:
    """The rare names the question uses that the corpus has ("F1", "L2": notation)."""
    return [n for n in query.names if n not in query.absent and len(n) > 2 and _rare(n, weights)]


def _says_any(paper: ScoredPaper, names: Sequence[str]) -> bool:
    text = _text(paper)
    return any(mentions(text, n) or spelled_out_by(n, text) for n in names)


def unmentioned_names(
    query: Query, relevant: Sequence[ScoredPaper], weights: TermWeights
) -> tuple[str, ...]:
    """The rare names the question uses when none of `relevant` mentions any of them: an
    answer from those papers would be about something else ("How does PPO clip the
    policy update?" from a paper that never says PPO). Only names the question writes
    itself: a follow-up's subject added from the conversation was a guess at what "it"
    is, not something asked about."""
    names = [n for n in _rare_names(query, weights) if n in query.question]
    return () if any(_says_any(p, names) for p in relevant) else tuple(names)


def on_the_names(
    query: Query, relevant: list[ScoredPaper], weights: TermWeights
) -> list[ScoredPaper]:
    """Of `relevant`, those that mention a rare name the question uses, when some do: "How
    does TransMix mix labels?" is answered by the TransMix paper, not by one on label
    mixing that never says TransMix."""
    names = _rare_names(query, weights)
    saying = [p for p in relevant if _says_any(p, names)] if names else []
    return saying or relevant


def keep(papers: Sequence[ScoredPaper], model: RelevanceModel, query: Query) -> list[ScoredPaper]:
    """The papers an answer is made from: over the fitted keep threshold, and — unless the
    question asks for papers — not far behind the best one."""
    if not papers:
        return []
    ratio = 0.0 if query.for_papers and not _ONE_PAPER.search(query.question) else KEEP_RATIO
    floor = max(model.keep, ratio * papers[0].probability)
    others = [p for p in papers[1:] if p.probability >= floor]
    return [papers[0], *others][:MAX_RELEVANT]  # the best paper answers, whatever `keep`


def judge(
    query: Query,
    papers: list[ScoredPaper],
    model: RelevanceModel,
    weights: TermWeights,
    *,
    chosen: list[ScoredPaper] | None = None,
) -> Judgement:
    """The verdict for `query` over its scored candidates.

    `chosen`: papers a follow-up points at ("it", "which of these"), already narrowed
    down; they are treated as identified by the question."""

    query = replace(
        query, absent=still_absent(query, nearest_papers([p.candidate for p in papers]))
    )
    named_ids: set[str] = set()

    def verdict(
        relevant, name: Verdict, missing: tuple[str, ...] = (), lacks="", passing=()
    ) -> Judgement:
        picked = tuple(p.paper.id for p in relevant if p.paper.id in named_ids)
        return Judgement(query, papers, relevant, name, missing, weights, lacks, picked, passing)

    if chosen:
        if query.pointing == "among":  # the question chose among them: that is the answer
            return verdict(chosen, "answered")
        lacks = unstated(query, chosen, weights)
        return verdict(chosen, "detail_missing" if lacks else "answered", lacks=lacks or "")
    named = _meant(query, identified(query, papers, weights), papers)
    named_ids = {p.paper.id for p in named}
    if passing := only_in_passing(query, named, weights):
        lacks = unstated(query, named[:1], weights) or ""
        return verdict(named[:1], "detail_missing", lacks=lacks, passing=passing)
    # a short acronym ("API", "SQL") is as often a word as a name: lacking it, a question
    # a paper fits well is still that paper's
    answered = model.answers(papers)
    if query.absent and not (answered and all(is_acronym(n) for n in query.absent)):
        here = [p for p in named if p.probability >= model.answer or not p.named]
        here = here or [p for p in papers[:1] if titled(query, p, papers, weights)]
        if here:  # the question picks out a paper that is here; the rest it lacks
            return verdict(here[:1], "detail_missing", query.absent)
        return verdict([], "not_in_corpus", query.absent)
    # a paper the question names bears on it, however far behind the best one and however
    # little else of the question it speaks to ("How many GPUs trained NPNet?")
    if not named and not answered:
        return verdict([], "no_relevant_paper")
    relevant = keep(papers, model, query) if answered else []
    relevant += [p for p in named if p not in relevant]
    relevant = relevant[:MAX_RELEVANT]
    # "the personalization paper that ...: which base model (SDXL?)": the paper it
    # describes is meant, and the names are details asked of it
    described_paper = (
        bool(relevant and _A_PAPER.search(query.question)) and relevant[0].probability >= MEANT
    )
    if not described_paper:
        relevant = on_the_names(query, relevant, weights)
    passing = () if described_paper else unmentioned_names(query, relevant, weights)
    if (
        passing
        and relevant[0].probability >= MEANT
        and not query.for_papers
        and not any(_is_subject(query, n) for n in passing)
    ):
        # a paper that fits this well is the one meant, and the name only says what it
        # works on or with ("segmenting brain tissue in MRI scans", "robust accuracy under
        # AutoAttack"), unless the name is what the question asks about ("How does PPO clip
        # ...?", "What error does ShrinkMatch reach?") or the papers are ("Which papers use
        # PPO?")
        passing = ()
    if passing:
        # the papers that do mention the name are too weak to answer: say what they say
        users = [p for p in papers if any(mentions(_text(p), n) for n in passing)]
        if not users:
            return verdict([], "not_in_corpus", passing)
        if query.for_papers:  # "Which papers use X?": those that say it
            return verdict(users[:MAX_RELEVANT], "answered")
        lacks = unstated(query, users[:1], weights) or ""
        return verdict(users[:1], "detail_missing", lacks=lacks, passing=passing)
    # the paper the question is about: the one it names, else — when it asks several
    # things of one paper ("What error does it reach, and with which radius?") — the best,
    # checked for the details asked (its description is the relevance model's to judge)
    focus = [p for p in relevant if p.paper.id in named_ids]
    described = not focus and len(parts(query)) > 1 and relevant[0].probability >= MEANT
    if described:
        focus = relevant[:1]
    if focus and not query.for_papers:
        # a paper picked out by a name it only uses is described by the rest of the
        # question, like one the question describes in its own words
        by_use = not _called_by_own_name(query, focus[0], papers, subject_name(query, weights))
        lacks = unstated(query, focus, weights, details_only=described or by_use)
        if lacks:
            return verdict(focus[:1], "detail_missing", lacks=lacks)
    return verdict(relevant, "answered")


def _best_of(ranked: list[ScoredPaper], query: Query, floor: float) -> list[ScoredPaper]:
    """The first of `ranked` when the question asks for one, else those near the first."""
    if _ONE.search(query.question):
        return ranked[:1]
    floor = max(floor, KEEP_RATIO * ranked[0].probability)
    return [p for p in ranked if p.probability >= floor][:MAX_RELEVANT]


def choose_from_context(
    query: Query,
    papers: list[ScoredPaper],
    model: RelevanceModel,
    weights: TermWeights,
    alone: list[ScoredPaper] | None = None,
    earlier: Sequence[str] = (),
    topic: Collection[str] | None = None,
) -> list[ScoredPaper] | None:
    """The conversation's papers a follow-up points at, or None to judge the whole corpus.

    "the second one" → that paper; "it" → the last answer's first paper, unless another
    of the conversation's papers fits the question (alone, when `alone` is given) far
    better; "which of these ..." →
    those of them the question fits best, told apart by `alone` (the candidates scored
    against the question without its context) — unless, in context, a paper the
    conversation has not seen fits better than all of them: then the papers of the
    conversation's topic are, or the whole corpus when `topic` is not known. When none
    of the papers it has seen fits at all, another paper of the topic that fits the
    question alone is chosen; failing that, the whole corpus is judged.
    `earlier`: papers the last question bore on that its answer did not cite; one joins
    the choice when it fits the question far better than every cited one, and so does
    the paper that fits best in context when it is of the topic. `topic`: the
    papers the last question bears on at all (TOPIC_FLOOR); another is not what "which of
    these" means, however well it fits the new words ("image-text pairs" after "dataset
    distillation" is not composed image retrieval), while one of theirs fits the question.
    """
    if query.pointing == "subject" and not query.context_ids:
        return identified(query, papers, weights)[:1] or None  # "it" = the paper named before
    if query.pointing == "none" or not query.context_ids:
        return None
    by_id = {p.paper.id: p for p in papers}
    context = [by_id[i] for i in query.context_ids if i in by_id]
    if not context:
        return None
    if query.ordinal is not None and -len(context) <= query.ordinal < len(context):
        return [context[query.ordinal]]
    if query.pointing == "subject":
        ranked = {p.paper.id: p for p in (alone or papers)}
        fits = [ranked.get(p.paper.id, p) for p in context]
        best = max(fits, key=lambda p: p.probability)
        subject = fits[0] if fits[0].probability * SUBJECT_ODDS >= best.probability else best
        return [by_id[subject.paper.id]]
    ranked = {p.paper.id: p for p in (alone or papers)}
    cited = [ranked.get(p.paper.id, p) for p in context]
    best_cited = max(p.probability for p in cited)
    outsider = papers[0].paper.id
    # the best fit in context joins the choice when it is of the topic, as do the papers
    # the last question bore on
    joining = [*earlier, *([outsider] if topic and outsider in topic else [])]
    also = [
        ranked[i]
        for i in dict.fromkeys(joining)
        if i in ranked and i in by_id and i not in query.context_ids
    ]
    ours = [*query.context_ids, *earlier]
    one_fits = max(by_id[i].probability for i in ours if i in by_id) >= model.keep
    if outsider not in query.context_ids and (
        papers[0].probability > AMONG_ODDS * max(p.probability for p in context)
    ):  # a paper the conversation has not seen fits far better
        if topic is None:
            return None  # the corpus is judged
        on_topic = [p for p in papers if p.paper.id in topic or p.paper.id in ours]
        if not one_fits:  # none it has seen: another of the topic's papers, or the corpus
            fitting = sorted(
                (ranked.get(p.paper.id, p) for p in on_topic),
                key=lambda p: p.probability,
                reverse=True,
            )
            if not fitting or fitting[0].probability < model.keep:
                return None
            return [by_id[p.paper.id] for p in _best_of(fitting, query, model.keep)]
        if outsider in topic:  # the topic's papers, as the question in context ranks them
            return _best_of(on_topic, query, model.keep)
    better = [p for p in also if p.probability > AMONG_ODDS * best_cited]
    choices = sorted([*cited, *better], key=lambda p: p.probability, reverse=True)
    if _ONE.search(query.question):
        return [by_id[choices[0].paper.id]]
    floor = KEEP_RATIO * choices[0].probability
    return [by_id[p.paper.id] for p in choices if p.probability >= floor]
