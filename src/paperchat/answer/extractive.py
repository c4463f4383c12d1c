"""The extractive answerer: an answer made only of abstract sentences, each cited.

Every sentence of the answer is copied from the abstract it cites, so it is supported by
construction; the only words not taken from an abstract are the lead line and the paper
titles. Text inside an abstract is never interpreted — an abstract saying "ignore
previous instructions" can at most be quoted.

Each sentence of each relevant paper is scored against the question:

    cosine(question, sentence)                 meaning
  + OVERLAP_WEIGHT × shared content words      the question's own terms
  ± NUMBER_BONUS when the question asks for a quantity: + if the sentence states one,
    − if it does not and nothing else is asked (it cannot answer "how much"); a count
    asked for ("how many views") may be stated in words ("three views"), an amount only
    in digits
  + NAMES_BONUS when the question asks for names ("On which datasets ...?") and the
    sentence names something besides the paper itself ("on GTA5 and SYNTHIA")
  + NAME_BONUS when the sentence names what the question names ("CoACT", "CIFAR-10"),
    and DEFINITION_BONUS more when the question asks what it is and the sentence defines
    it ("... network (NPNet)")
  + ASKED_BONUS when a sentence stating what the paper proposes or reaches has the thing
    a "What/Which <thing> ...?" question asks for ("What loss did they introduce?" →
    "we present a novel Attention Refocusing loss")
  + CONTRIBUTION_BONUS / RESULT_BONUS for a sentence stating what the paper proposes or
    reaches (its role, text/roles.py)
  background and problem statements are left out when the paper has other sentences
  − BOILERPLATE_PENALTY for links and "code is available"
  − PAPER_WEIGHT × how far the paper is behind the most relevant one (relevance model)

and the best few are kept, grouped by paper (the most relevant paper first, sentences
in abstract order, so each paper reads as a short passage).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from paperchat.answer.conversation import Numbering
from paperchat.answer.detail import (
    asked_nouns,
    asked_thing,
    counted,
    gives_names,
    own_bare_names,
    parts,
)
from paperchat.answer.judgement import Judgement
from paperchat.answer.models import Citation
from paperchat.answer.safe_text import markdown_text
from paperchat.index.evidence import unit_rows
from paperchat.retrieve.relevance import ScoredPaper
from paperchat.text.lexical import content_stems, gives_number, states_number
from paperchat.text.sentences import has_own_citation

OVERLAP_WEIGHT = 0.3
NUMBER_BONUS = 0.2
NAMES_BONUS = 0.2
NAME_BONUS = 0.1
DEFINITION_BONUS = 0.1
RESIDUAL_WEIGHT = 0.7
CONTRIBUTION_BONUS = 0.08
RESULT_BONUS = 0.06
ASKED_BONUS = 0.1
STATING = ("contribution", "result")  # the roles of sentences saying what a paper does
BOILERPLATE_PENALTY = 0.3
BACKGROUND_PENALTY = 0.12  # summaries' contribution sentences (answers skip background)
PAPER_WEIGHT = 0.5
MAX_SENTENCES = 6
MAX_PAPERS = 4
PER_PAPER = 2
PER_PAPER_ALONE = 4
SENTENCE_MARGIN = 0.3  # sentences this far below the best one are left out ...
# ... or, from a paper answering alone, this far: a question about one paper ("Which
# optimizer gains most from LAWN?") is matched best by the sentences describing it, and the
# one answering may come fourth ("While LAWN is particularly impressive in improving Adam")
MARGIN_ALONE = 0.45

_LETTER = re.compile(r"[A-Za-z]")
_BOILERPLATE = re.compile(
    r"https?://|github\.com|\b(?:code|models?|data(?:sets?)?|implementation)\b[^.]{0,40}"
    r"\b(?:available|released)\b",
    re.I,
)
_TERMINAL = re.compile(r"([.!?]+[\"'”’)\]]*)$")


@dataclass(frozen=True)
class Pick:
    paper: ScoredPaper
    index: int
    score: float


@dataclass(frozen=True)
class Extract:
    """An extractive answer before it becomes an Answer: text, citations, papers used."""

    text: str
    citations: list[Citation]
    paper_ids: list[str]


def cite(sentence: str, n: int) -> str:
    """The sentence, made inert as Markdown (answer/safe_text.py), with [n] placed before
    its closing punctuation."""
    match = _TERMINAL.search(sentence)
    if match:
        body, end = sentence[: match.start()], match.group(1)
        return f"{markdown_text(body)} [{n}]{markdown_text(end)}"
    return f"{markdown_text(sentence)} [{n}]"


def title_of(scored: ScoredPaper) -> str:
    """The paper's title as inert Markdown."""
    return markdown_text(scored.paper.title) or "An untitled paper"


def _named_in(text: str, names: list[str]) -> bool:
    lowered = text.lower()
    return any(name.lower() in lowered for name in names)


def _defines(sentence: str, names: list[str]) -> bool:
    for name in names:
        quoted = re.escape(name)
        pattern = (
            rf"\(\s*{quoted}\s*\)|\b{quoted},?\s+(?:is|are)\s"
            rf"|(?:called|named|termed|dubbed)\s+{quoted}"
        )
        if re.search(pattern, sentence, re.I):
            return True
    return False


def focus(judgement: Judgement) -> list[ScoredPaper]:
    """The papers a question is about when it names them (by title, or by a name such as
    "CoACT" that their text uses: `Judgement.named`); all relevant papers otherwise."""
    papers = judgement.relevant
    if judgement.query.for_papers:  # "Which papers distill latent consistency models?":
        return papers  # a title the question spells is its topic, not the one paper meant
    return [p for p in papers if p.paper.id in judgement.named] or papers


def without_names(question: str, names: list[str]) -> str:
    """The question with the names it mentions taken out: what it asks *about* them."""
    for name in names:
        question = re.sub(rf"\b{re.escape(name)}(?:'s|’s)?", " ", question)
    return " ".join(question.split())


def score_sentences(
    judgement: Judgement, embed: Callable[[list[str]], object] | None = None
) -> list[Pick]:
    """Every sentence of every relevant paper, scored against the question, best first.

    When the question names something, every sentence that mentions the name embeds
    close to it; so most of each sentence's cosine is taken against the question
    without the name ("how big is NPNet's training set?" → "how big is training set?"),
    and the name bonus only counts when papers other than the named one are in play.
    So it is for a follow-up, searched with its conversation's context: most of the
    cosine is taken against the question as asked.
    """
    query = judgement.query
    names = list(query.names)
    papers = focus(judgement)
    residual = None
    rest = without_names(query.question, names) if names else query.question
    # a follow-up is searched with its context, which found the paper; what to quote
    # from it is what the question itself asks ("what do they introduce to avoid ...?")
    differs = rest != query.question or query.text != query.question
    if embed is not None and rest and differs and content_stems(rest):
        residual = unit_rows(np.asarray(embed([rest]), dtype=np.float32))[0]
    best_relevance = max((p.probability for p in papers), default=0.0)
    stems = set(query.stems)
    weights_of = judgement.weights
    # a count may be written in words ("three input views"); an amount is in digits, and
    # "three components" does not say how much; a number the question gives itself
    # ("in NTIRE 2022") answers nothing
    numeric = states_number if counted(query.question) else gives_number
    thing = asked_thing(query.question)
    # "What RMSE does it reach, and on which dataset?": a sentence without a number may
    # answer the other part
    only_numbers = query.quantity and all(part.quantity for part in parts(query))
    names_asked = asked_nouns(query.question)
    picks: list[Pick] = []
    for paper in papers:
        paper_evidence = paper.evidence
        own = own_bare_names(paper) if names_asked else set()
        behind = PAPER_WEIGHT * (best_relevance - paper.probability)
        cosines = paper.sentence_scores
        if residual is not None:
            cosines = (
                1 - RESIDUAL_WEIGHT
            ) * cosines + RESIDUAL_WEIGHT * paper_evidence.similarities(residual)
        quotable = [i for i, s in enumerate(paper_evidence.sentences) if not has_own_citation(s)]
        if any(paper_evidence.roles[i] != "background" for i in quotable):
            quotable = [i for i in quotable if paper_evidence.roles[i] != "background"]
        for i in quotable:
            sentence = paper_evidence.sentences[i]
            shared = weights_of.coverage(stems, paper_evidence.stems[i])
            score = float(cosines[i]) + OVERLAP_WEIGHT * shared - behind
            if query.quantity:
                if numeric(sentence, query.question):
                    score += NUMBER_BONUS
                elif only_numbers:
                    score -= NUMBER_BONUS
            if names_asked and gives_names(sentence, paper_evidence.stems[i], names_asked, own):
                score += NAMES_BONUS
            if names and _named_in(sentence, names):
                score += NAME_BONUS if len(papers) > 1 else 0.0
                if query.definition and _defines(sentence, names):
                    score += DEFINITION_BONUS
            role = paper_evidence.roles[i]
            if thing and role in STATING and thing <= paper_evidence.stems[i]:
                score += ASKED_BONUS
            if role == "contribution":
                score += CONTRIBUTION_BONUS
            elif role == "result":
                score += RESULT_BONUS
            if _BOILERPLATE.search(sentence):
                score -= BOILERPLATE_PENALTY
            picks.append(Pick(paper, i, score))
    picks.sort(key=lambda p: p.score, reverse=True)
    return picks


def select(picks: list[Pick], named: Collection[str] = ()) -> list[list[Pick]]:
    """The sentences to use, grouped by paper: papers by best sentence, then abstract order.
    Each paper the question `named` ("compare Manifold Mixup and RegMixup") is quoted
    however far its best sentence is behind."""
    if not picks:
        return []
    paper_count = len({p.paper.paper.id for p in picks})
    alone = paper_count == 1
    floor = picks[0].score - (MARGIN_ALONE if alone else SENTENCE_MARGIN)
    per_paper = PER_PAPER_ALONE if alone else PER_PAPER
    groups: dict[str, list[Pick]] = {}
    used = 0
    for pick in picks:
        key = pick.paper.paper.id
        group = groups.get(key)
        if group is None:
            if len(groups) == MAX_PAPERS:
                continue
            if pick.score < floor and groups and key not in named:
                continue
            groups[key] = group = []
        elif len(group) == per_paper or pick.score < floor:
            continue
        group.append(pick)
        used += 1
        if used == MAX_SENTENCES:
            break
    # the paper that bears most on the question leads: "it" in a follow-up means that one
    ordered = sorted(groups.values(), key=lambda g: g[0].paper.probability, reverse=True)
    return [sorted(group, key=lambda p: p.index) for group in ordered]


def _lead(count: int) -> str:
    if count == 1:
        return "One paper in the corpus addresses this:"
    return f"{count} papers in the corpus address this:"


def _cited_lines(
    groups: list[list[Pick]], numbering: Numbering
) -> tuple[list[str], list[Citation]]:
    lines, citations = [], []
    for group in groups:
        scored = group[0].paper
        paper = scored.paper
        n = numbering(paper.id)
        sentences = [scored.evidence.sentences[p.index] for p in group]
        primary = max(group, key=lambda p: p.score)
        body = " ".join(cite(s, n) for s in sentences)
        lines.append(f"- **{title_of(scored)}**: {body}")
        citations.append(
            Citation(
                n=n,
                id=paper.id,
                title=paper.title,
                quote=scored.evidence.sentences[primary.index],
                quotes=sentences,
            )
        )
    return lines, citations


def compose(
    judgement: Judgement,
    numbering: Numbering,
    embed: Callable[[list[str]], object] | None = None,
) -> Extract:
    """The extractive answer from the relevant papers of `judgement`."""
    groups = select(score_sentences(judgement, embed), judgement.named)
    lines, citations = _cited_lines(groups, numbering)
    return Extract(
        "\n".join([_lead(len(groups)), "", *lines]), citations, [c.id for c in citations]
    )


def compose_detail_missing(
    judgement: Judgement,
    numbering: Numbering,
    embed: Callable[[list[str]], object] | None = None,
) -> Extract:
    """The paper is here, the detail is not: say so, then quote what it does say."""
    groups = select(score_sentences(judgement, embed))[:1]
    lines, citations = _cited_lines(groups, numbering)
    paper = judgement.relevant[0]
    what = judgement.lacking
    n = citations[0].n if citations else numbering(paper.paper.id)
    if judgement.passing:
        names = " or ".join(f"“{name}”" for name in judgement.passing)
        lead = (
            f"No abstract in the corpus is about {names}; {title_of(paper)} [{n}] mentions "
            f"it in passing, and its abstract does not state {what}. What it does say:"
        )
    else:
        lead = (
            f"The corpus has the paper you mean, {title_of(paper)} [{n}], but its abstract "
            f"does not state {what}. What it does say:"
        )
    return Extract("\n".join([lead, "", *lines]), citations, [c.id for c in citations])
