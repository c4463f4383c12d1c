"""A question analysed once: what every later stage reads instead of re-parsing text.

The text as searched, its vector (embedded once, for dense search and for sentence
scores alike), its content stems, the names it mentions and which of them no abstract of
the index knows, how much of it is words the corpus never uses, and what kind of answer
it asks for. A follow-up also carries the papers of the conversation it points back to
(answer/followup.py decides which).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.evidence import Evidence, unit_rows
from paperchat.text import english
from paperchat.text.lexical import (
    QUESTION_WORDS,
    STOPWORDS,
    content_stems,
    content_words,
    named_terms,
    stem,
    styled_head,
)

Pointing = Literal["none", "subject", "among"]

_QUANTITY = re.compile(
    r"\b(?:how (?:much|many|big|large|fast|well|accurate|long|small|often|far|high|low)|"
    r"by how|by what factor|"
    r"what (?:[\w-]+ ){0,3}(?:fid|accuracy|perplexity|ppl|speed-?up|miou|iou|bleu|error|score|"
    r"top-1|precision|recall|f1|f-measure|f-score|auc|psnr|ssim|latency|throughput|gain|"
    r"improvement|reduction|size|percentage|fraction|proportion|share|rate|number|ratio|margin|"
    r"level|value|temperature|threshold|rmse|mse|auroc|lpips|kid|wer|ndcg|mrr|mae|hit@\d+|"
    r"(?-i:m?AP(?:50)?|CER|EER)|"  # "mAP", not "map"
    r"(?:acceleration|compression) factor)|"
    r"up to what)\b",
    re.I,
)
_DEFINITION = re.compile(
    r"^\s*(?:what|who)\s+(?:is|are|was|were)\b|^\s*(?:define|explain|describe|tell me about)\b",
    re.I,
)
_LETTER = re.compile(r"[A-Za-z]")
_LEADING = STOPWORDS | QUESTION_WORDS | {"tell", "explain", "describe", "compare", "list"}
_PAPERS = re.compile(
    r"\b(?:which|what|any|other|some)\s+(?:\w+\s+)?(?:papers?|works?|stud(?:y|ies)|research|methods|approaches)\b"
    r"|\b(?:papers|(?:a|any)\s+paper)\s+(?:on|about|that|which|using|for)\b"
    r"|\b(?:summari[sz]e|survey|overview)\b"
    r"|\b(?:is|are) there (?:any )?(?:work|research|papers?|studies|methods)\b",
    re.I,
)
# Capitalised words inside a sentence that are names when the corpus never uses them
# ("Mamba", "Chinchilla"); sentence starts and "I" are not.
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
# Two or more capitalised words in a row, "of" allowed between them: "Tree of Thoughts".
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")
_PHRASE = re.compile(r"\b[A-Z][A-Za-z0-9-]+(?:\s+(?:of\s+)?[A-Z][A-Za-z0-9-]+)+\b")


# "a method that finds how many factors there are" describes what it does, asks no number
_DOES = re.compile(
    r"\b(?:find|learn|determin|estimat|infer|decid|choos|select|predict|count|identif|"
    r"discover|recover|(?:work|figur)\w* out)\w*\s+$",
    re.I,
)


# "a loss that, besides cosine similarity, also optimizes how much ... overlap": the verb
# of a clause describing something, not one reporting a figure ("a paper that reports how
# many GPUs ...")
_DESCRIBING = re.compile(
    r"\b(?:that|which|who)\b[^.?!:;]*?\b([a-z]+(?:s|ed))\s+$",
    re.I,
)
_REPORTING = frozenset(
    stem(w)
    for w in (
        "reports",
        "says",
        "states",
        "tells",
        "gives",
        "mentions",
        "shows",
        "lists",
        "documents",
        "describes",
        "specifies",
        "reveals",
        "notes",
        "claims",
        "measures",
        "compares",
        "quantifies",
        "evaluates",
        "analyzes",
        "analyses",
        "examines",
        "studies",
        "investigates",
        "asks",
    )
)
_NOT_VERBS = frozenset({"is", "was", "has", "does", "its", "this", "thus", "less", "as", "us"})


def says_what_it_does(text: str, at: int) -> bool:
    """Whether the "how many ..." at `at` tells what a method does ("finds how many", "a
    loss that optimizes how much ... overlap"), rather than asking for a figure."""
    if _DOES.search(text[:at]):
        return True
    verb = _DESCRIBING.search(text[:at])
    return (
        bool(verb)
        and (word := verb.group(1).lower()) not in _NOT_VERBS
        and (stem(word) not in _REPORTING)
    )


def asks_for_quantity(text: str) -> bool:
    return any(not says_what_it_does(text, m.start()) for m in _QUANTITY.finditer(text))


def asks_for_definition(text: str) -> bool:
    return bool(_DEFINITION.search(text)) and not asks_for_quantity(text)


def names_in(text: str) -> list[str]:
    """Names of methods, models or datasets the text mentions ("NPNet", "CIFAR-10")."""
    return [n for n in named_terms(text) if _LETTER.search(n)]


def is_acronym(name: str) -> bool:
    """ "GPU", "API", "US": short capitals, as often a common word as a name."""
    return len(name.rstrip("s")) <= 3 and name.rstrip("s").isupper()


_ACRONYM = re.compile(r"[A-Z]{3,6}s?")  # "PDE", "PDEs": two letters match too much by chance
_SPELLABLE = re.compile(r"[A-Z]{2,6}s?")  # ... to call a name absent; enough to call it used
MIN_SPELLED = 4  # letters of a word that spells a capital: not "do" or "new"
_SPELLING_SKIPS = frozenset({"of", "for", "and", "the", "to", "in", "on", "with", "a"})


def spells_out(acronym: str, text: str) -> bool:
    """Whether consecutive words of `text` begin with the acronym's letters: "PDE" is
    spelled out by "partial differential equations"; small linking words ("of", "the")
    may sit between them."""
    letters = acronym.rstrip("s").lower()
    # a hyphenated word gives one letter ("Domain-specific Risk Minimization", DRM) or one
    # per part ("Self-Supervised Learning", SSL)
    return any(
        _spelled(letters, [t.lower() for t in re.findall(pattern, text)])
        for pattern in (r"[A-Za-z]+", r"[A-Za-z]+(?:-[A-Za-z]+)+|[A-Za-z]+")
    )


def _spelled(letters: str, tokens: list[str]) -> bool:
    for start in range(len(tokens)):
        found, at = 0, start
        while found < len(letters) and at < len(tokens):
            token = tokens[at]
            if found and token in _SPELLING_SKIPS:
                at += 1
                continue
            if len(token) < MIN_SPELLED or token[0] != letters[found]:
                break
            found, at = found + 1, at + 1
        if found == len(letters):
            return True
    return False


def spelled_out_by(name: str, text: str, *, shortest: int = 2) -> bool:
    """Whether `text` writes out the acronym `name` in words (2-6 capitals: a paper on
    "reinforcement learning" speaks of RL). Two letters are spelled out by chance more
    often ("AP" by "applied ... point"): `shortest` 3 when a chance match would do harm."""
    letters = len(name.rstrip("s"))
    return bool(_SPELLABLE.fullmatch(name)) and letters >= shortest and spells_out(name, text)


def still_absent(query: Query, papers: Sequence[Paper]) -> tuple[str, ...]:
    """The query's absent names less the acronyms one of `papers` spells out in words
    ("PDE" in a paper on "partial differential equations"): no abstract uses the
    acronym, but the thing is there."""
    spellable = [n for n in query.absent if _ACRONYM.fullmatch(n)]
    if not spellable:
        return query.absent
    texts = [f"{p.title or ''} {p.abstract}" for p in papers]
    spelled = {n for n in spellable if any(spells_out(n, t) for t in texts)}
    return tuple(n for n in query.absent if n not in spelled)


def _made_of_known(name: str, evidence: Evidence) -> bool:
    """A hyphenated name whose parts are all linking words or names and words the corpus
    uses ("batchnorm-then-ReLU", "CLIP-ViT"), each of three letters or more: a combination
    of known things, not a new name ("GPT-4", "DeiT-S" and "ControlNet-XS" still are)."""
    parts = name.split("-")
    return len(parts) > 1 and all(
        len(p) >= 3 and p.isalpha() and (p.lower() in STOPWORDS or evidence.mentions(p))
        for p in parts
    )


_LIKENED = re.compile(r"-(?:style|like|inspired|esque|type)$", re.I)


def _likens(name: str) -> bool:
    """ "DETR-style", "LDA-like": the question likens what it describes to the name, so a
    paper of that kind is meant, not the named thing (whether or not the corpus has it)."""
    return bool(styled_head(name)) and _LIKENED.search(name) is not None


def absent_names(text: str, evidence: Evidence) -> list[str]:
    """Names the text mentions that no title or abstract of the index uses: a named
    method ("ControlNet"), a capitalised word the corpus never uses ("Mamba"), or a
    capitalised phrase it never uses ("Textual Inversion", "Tree of Thoughts")."""
    text = text.strip()
    # two-letter capitals ("US", "AI") are as often words as names; "BGP" is a name
    candidates = [n for n in names_in(text) if len(n.rstrip("s")) > 2] + [
        w for w in _CAPITALISED.findall(text) if w.lower() not in evidence.vocabulary
    ]
    absent = [
        n
        for n in dict.fromkeys(candidates)
        if not evidence.mentions(n) and not _made_of_known(n, evidence) and not _likens(n)
    ]
    for match in _PHRASE.finditer(text):
        kept = match.group(0).split()
        while kept and kept[0].lower() in _LEADING:  # "What FID", "Does Tree of Thoughts"
            kept.pop(0)
        phrase = " ".join(kept)
        if len(kept) < 2 or any(n in phrase for n in absent):
            continue
        first = kept[0]
        if _SENTENCE_START.search(text[: match.start()]) and (
            english.everyday(first) or first.lower() in evidence.vocabulary
        ):
            rest = " ".join(kept[1:])  # "Besides ImageNet", "Undersampled MRI": by its place
            if evidence.mentions_phrase(rest) or evidence.mentions(rest):
                continue
        if not evidence.mentions_phrase(phrase):
            absent.append(phrase)
    return absent


@dataclass(frozen=True)
class Query:
    question: str  # as the user asked it
    text: str  # as searched (a follow-up with its subject added as context)
    vector: np.ndarray  # unit vector of `text`
    stems: frozenset[str]  # content stems without question words (all when none are left)
    names: tuple[str, ...]  # names the question mentions
    absent: tuple[str, ...]  # of those, the ones no abstract mentions
    unknown_share: float  # IDF-weighted share of the stems no abstract uses
    quantity: bool  # asks for a number
    for_papers: bool  # asks which papers ("Which papers apply ..."): papers are the answer
    definition: bool  # asks what something is
    pointing: Pointing = "none"
    context_ids: tuple[str, ...] = field(default_factory=tuple)  # the conversation's papers
    ordinal: int | None = None  # "the second one" → 1
    # the question's content words as unit vectors, each with its corpus weight (rarity)
    word_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    word_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def is_follow_up(self) -> bool:
        return self.pointing != "none"


def analyse(
    question: str,
    evidence: Evidence,
    embed,
    *,
    text: str | None = None,
    pointing: Pointing = "none",
    context_ids: tuple[str, ...] = (),
    ordinal: int | None = None,
    embed_words=None,
) -> Query:
    """The Query for `question`, searched as `text` (default: the question itself).

    `embed` maps a list of texts to their vectors (the index's embedder); `embed_words`
    (default `embed`) the question's words that no abstract uses."""
    text = text or question
    stems = content_stems(question, drop_question_words=True) or content_stems(question)
    weights = evidence.weights
    unknown = weights.unknown(stems)
    own_words = content_words(question, drop_question_words=True)
    word_vectors = evidence.word_vectors.lookup(own_words, embed_words or embed)
    vector = unit_rows(np.asarray(embed([text]), dtype=np.float32))[0]
    return Query(
        question=question,
        text=text,
        vector=vector,
        stems=frozenset(stems),
        names=tuple(names_in(text)),  # a follow-up's subject ("NPNet") counts as named
        absent=tuple(absent_names(question, evidence)),
        unknown_share=weights.coverage(stems, unknown),
        quantity=asks_for_quantity(question),
        for_papers=bool(_PAPERS.search(question)),
        definition=asks_for_definition(question),
        pointing=pointing,
        context_ids=context_ids,
        ordinal=ordinal,
        word_vectors=word_vectors.result(),
        word_weights=np.asarray([weights.weight(stem(w)) for w in own_words], dtype=np.float32),
    )
