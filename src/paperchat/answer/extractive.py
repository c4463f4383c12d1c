"""The extractive answerer: an answer made only of abstract sentences, each cited.

Every sentence of the answer is copied from the abstract it cites, so it is supported by
construction; the only words not taken from an abstract are the lead line and the paper
titles. Text inside an abstract is never interpreted — an abstract saying "ignore
previous instructions" can at most be quoted.

Each sentence of each relevant paper is scored against the question:

    cosine(question, sentence)                 meaning
  + OVERLAP_WEIGHT × shared content words      the question's own terms
  ± NUMBER_BONUS when the question asks for a quantity: + if the sentence states one,
    − if it does not (it cannot answer "how much")
  + NAME_BONUS when the sentence names what the question names ("CoACT", "CIFAR-10"),
    and DEFINITION_BONUS more when the question asks what it is and the sentence defines
    it ("... network (NPNet)")
  + CONTRIBUTION_BONUS for a sentence stating the paper's own contribution ("we propose")
  − BOILERPLATE_PENALTY for links and "code is available"
  − BACKGROUND_PENALTY for an abstract's first sentence (usually background)
  − PAPER_WEIGHT × how far the paper is behind the most relevant one

and the best few are kept, grouped by paper (papers ordered by their best sentence,
sentences in abstract order, so each paper reads as a short passage).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperchat.answer.conversation import Numbering
from paperchat.answer.evidence import EvidenceIndex
from paperchat.answer.lexical import content_stems, has_number, named_terms
from paperchat.answer.models import Citation
from paperchat.answer.relevance import Judgement, ScoredPaper
from paperchat.answer.sentences import has_own_citation

OVERLAP_WEIGHT = 0.3
NUMBER_BONUS = 0.2
NAME_BONUS = 0.1
DEFINITION_BONUS = 0.1
RESIDUAL_WEIGHT = 0.7
CONTRIBUTION_BONUS = 0.06
BOILERPLATE_PENALTY = 0.3
BACKGROUND_PENALTY = 0.08  # an abstract's first sentence is usually background
PAPER_WEIGHT = 0.5
MAX_SENTENCES = 6
MAX_PAPERS = 4
PER_PAPER = 2
PER_PAPER_ALONE = 3
SENTENCE_MARGIN = 0.3  # sentences this far below the best one are left out

_QUANTITY = re.compile(
    r"\b(?:how (?:much|many|big|large|fast|well|accurate|long|small|often|far)|by how|"
    r"what (?:\w+ ){0,3}(?:fid|accuracy|perplexity|ppl|speed-?up|miou|iou|bleu|error|score|"
    r"top-1|precision|recall|f1|auc|psnr|ssim|latency|throughput|gain|improvement|reduction|"
    r"size|percentage|rate|number|ratio|margin))\b",
    re.I,
)
_LETTER = re.compile(r"[A-Za-z]")
_BOILERPLATE = re.compile(
    r"https?://|github\.com|\b(?:code|models?|data(?:sets?)?|implementation)\b[^.]{0,40}"
    r"\b(?:available|released)\b",
    re.I,
)
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study|report))\s+(?:\w+\s+){0,2}(?:propose|introduce|present|"
    r"develop|design|show|demonstrate|find|train|build|identify)",
    re.I,
)
_TERMINAL = re.compile(r"([.!?]+[\"'”’)\]]*)$")


_DEFINITION = re.compile(
    r"^\s*(?:what|who)\s+(?:is|are|was|were)\b|^\s*(?:define|explain|describe|tell me about)\b",
    re.I,
)


def asks_for_quantity(question: str) -> bool:
    return bool(_QUANTITY.search(question))


def asks_for_definition(question: str) -> bool:
    return bool(_DEFINITION.search(question)) and not asks_for_quantity(question)


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
    """The sentence with [n] placed before its closing punctuation."""
    match = _TERMINAL.search(sentence)
    if match:
        return f"{sentence[: match.start()]} [{n}]{match.group(1)}"
    return f"{sentence} [{n}]"


def title_of(scored: ScoredPaper) -> str:
    return scored.hit.paper.title or "An untitled paper"


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


def focus(question: str, papers: list[ScoredPaper]) -> list[ScoredPaper]:
    """The papers a question is about when it names them (by title, or by a name such as
    "CoACT" that their text uses); all of them otherwise."""
    titled = [p for p in papers if p.named]
    if titled:
        return titled
    names = [n for n in named_terms(question) if _LETTER.search(n)]
    if names:
        naming = [
            p for p in papers if _named_in(f"{p.hit.paper.title} {p.hit.paper.abstract}", names)
        ]
        return naming or papers
    return papers


def without_names(question: str, names: list[str]) -> str:
    """The question with the names it mentions taken out: what it asks *about* them."""
    for name in names:
        question = re.sub(rf"\b{re.escape(name)}(?:'s|’s)?", " ", question)
    return " ".join(question.split())


def score_sentences(
    question: str, judgement: Judgement, evidence: EvidenceIndex | None = None
) -> list[Pick]:
    """Every sentence of every relevant paper, scored against the question, best first.

    When the question names something, every sentence that mentions the name embeds
    close to it; so most of each sentence's cosine is taken against the question
    without the name ("how big is NPNet's training set?" → "how big is training set?"),
    and the name bonus only counts when papers other than the named one are in play.
    """
    quantity = asks_for_quantity(question)
    definition = asks_for_definition(question)
    names = [n for n in named_terms(question) if _LETTER.search(n)]
    papers = focus(question, judgement.relevant)
    residual = None
    rest = without_names(question, names) if names else ""
    if evidence is not None and rest and rest != question and content_stems(rest):
        residual = evidence.embed_one(rest)
    best_relevance = max((p.relevance for p in papers), default=0.0)
    stems = judgement.question_stems
    picks: list[Pick] = []
    for paper in papers:
        paper_evidence = paper.evidence
        behind = PAPER_WEIGHT * (best_relevance - paper.relevance)
        cosines = paper.sentence_scores
        if residual is not None:
            cosines = (
                1 - RESIDUAL_WEIGHT
            ) * cosines + RESIDUAL_WEIGHT * paper_evidence.similarities(residual)
        for i, sentence in enumerate(paper_evidence.sentences):
            if has_own_citation(sentence):
                continue
            shared = judgement.weights.coverage(stems, paper_evidence.stems[i])
            score = float(cosines[i]) + OVERLAP_WEIGHT * shared - behind
            if quantity:
                score += NUMBER_BONUS if has_number(sentence) else -NUMBER_BONUS
            if names and _named_in(sentence, names):
                score += NAME_BONUS if len(papers) > 1 else 0.0
                if definition and _defines(sentence, names):
                    score += DEFINITION_BONUS
            if _CONTRIBUTION.search(sentence):
                score += CONTRIBUTION_BONUS
            if _BOILERPLATE.search(sentence):
                score -= BOILERPLATE_PENALTY
            if i == 0:
                score -= BACKGROUND_PENALTY
            picks.append(Pick(paper, i, score))
    picks.sort(key=lambda p: p.score, reverse=True)
    return picks


def select(picks: list[Pick]) -> list[list[Pick]]:
    """The sentences to use, grouped by paper: papers by best sentence, then abstract order."""
    if not picks:
        return []
    floor = picks[0].score - SENTENCE_MARGIN
    paper_count = len({p.paper.hit.paper.id for p in picks})
    per_paper = PER_PAPER_ALONE if paper_count == 1 else PER_PAPER
    groups: dict[str, list[Pick]] = {}
    used = 0
    for pick in picks:
        key = pick.paper.hit.paper.id
        group = groups.get(key)
        if group is None:
            if len(groups) == MAX_PAPERS:
                continue
            if pick.score < floor and groups:
                continue
            groups[key] = group = []
        elif len(group) == per_paper or pick.score < floor:
            continue
        group.append(pick)
        used += 1
        if used == MAX_SENTENCES:
            break
    return [sorted(group, key=lambda p: p.index) for group in groups.values()]


def _lead(count: int) -> str:
    if count == 1:
        return "One paper in the corpus addresses this:"
    return f"{count} papers in the corpus address this:"


def compose(
    question: str,
    judgement: Judgement,
    numbering: Numbering,
    evidence: EvidenceIndex | None = None,
) -> Extract:
    """The extractive answer to `question` from the relevant papers of `judgement`."""
    groups = select(score_sentences(question, judgement, evidence))
    lines = [_lead(len(groups)), ""]
    citations = []
    for group in groups:
        scored = group[0].paper
        paper = scored.hit.paper
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
    return Extract("\n".join(lines), citations, [c.id for c in citations])
