"""Does an identified paper's abstract state what the question asks about it?

"How many GPUs were used to train NPNet?" identifies NPNet and asks about GPUs. The
*aspect* of a question is what is left of its content words once the words that picked
the paper out (its title, the names the question uses) are taken away: {"gpu",
"train"}. The abstract states it when the aspect's rarer vocabulary (rare in the corpus, and not
everyday English: text/english.py) is there — in one
sentence that also gives a number, when a number is asked for; anywhere in the abstract
otherwise. Term weights make "gpu" count for far more than "train". A question asking
several things ("What error does it reach, and how many GPUs?") is stated only when each
of its parts is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

from paperchat.answer.followup import earlier_turn_words
from paperchat.retrieve.query import (
    Query,
    asks_for_quantity,
    is_acronym,
    says_what_it_does,
    spelled_out_by,
)
from paperchat.retrieve.relevance import ScoredPaper, mentions
from paperchat.text import english
from paperchat.text.lexical import (
    STOPWORDS,
    TermWeights,
    content_stems,
    gives_number,
    named_terms,
    states_number,
    stem,
    words,
)

ASPECT_COVERAGE = 0.3  # weighted share of the aspect a paper must state ...
CLOSE_SENTENCE = 0.65  # ... or a sentence this close to the question in meaning
MOST = 0.5  # ... or this weighted share of all its words
NEIGHBOURS = 2  # a number this many sentences away still belongs to the passage
RARE_SHARE = 0.01  # an aspect word this few abstracts use must be in the paper's ...
MIN_CORPUS_FOR_RARE = 100  # ... in a corpus large enough for rarity to mean something
MIN_OWN_PART = 4  # letters an own name needs to count inside a longer name
VARIANT_PREFIX = 5  # letters a stem and another form of it share, at least
PLAIN_ZIPF = 3.5  # ... and a technical word: plainer ones ("cope") are paraphrased freely
# Verbs that ask for something rather than name what is asked about.
_ASKING = {
    stem(w)
    for w in [
        "report",
        "reach",
        "achieve",
        "obtain",
        "attain",
        "yield",
        "claim",
        "mention",
        "state",
        "say",
        "give",
        "run",
        "perform",
        "conduct",
        "carry",
        "compare",
        "comparison",
        "differ",
        "difference",
        "contrast",
        "try",
        "call",  # "what do they call the regularizer ..." asks for its name
        "experiment",  # "in their experiments": where a paper states things, not what
        "kind",  # "what kinds of datasets" asks for datasets
        "sort",
        # the form of the number asked for, not what it is about
        "fraction",
        "proportion",
        "share",
        "percentage",
        "percent",
        "amount",
        "number",
        "large",  # "how large a gain", "how big an improvement"
        "big",
    ]
}
# A change asked for is stated by a sentence giving any of them ("how large a gain ...?":
# "a performance boost of 4.79%").
_CHANGE = frozenset(stem(w) for w in ["gain", "improvement", "boost", "increase", "margin", "lift"])
# "Which datasets ...?" asks for names: the abstract must name some, not only count them.
# "what kinds of datasets" asks for a description, and "which paper builds datasets" for a
# paper, not names
_WHICH_NAMED = re.compile(
    r"\b(?:which|what)\s+(?!(?:kinds?|sorts?|types?)\s+of\b)"
    r"(?!(?:papers?|ones?|methods?|works?|study|studies|approach(?:es)?)\b)(?:[\w-]+\s+){0,4}?"
    r"(datasets?|benchmarks?|settings?|scenarios?|baselines?|architectures?|backbones?|"
    r"languages?|gpus?|hardware|versions?|llms?|encoders?)\b",
    re.I,
)
# "which datasets" is answered by any of these ("which settings": "GTA5 → Cityscapes")
_DATA_NOUNS = {stem(w) for w in ("dataset", "benchmark", "setting", "scenario")}
# ... and "which settings" by a description as well ("few-shot and imbalanced classification")
_DESCRIBED = {stem("setting"), stem("scenario")}
# ... or by the names a result is reported on: "performance on Cityscapes and PASCAL VOC"
_REPORTED = re.compile(
    r"\b(?:results?|performance|experiments?|evaluat\w*|achiev\w*|outperform\w*|"
    r"state-of-the-art|accuracy|sota)\b",
    re.I,
)
# a capitalised word naming a dataset or benchmark right before the noun ("the Objaverse
# dataset"); elsewhere capitals name too many things that are not ("Jacobi decoding")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}(?=\s+(?:datasets?|benchmarks?|data)\b)")
_USED_BEFORE = r"\b(?:on|across|using|with|from|than|over|to)"  # "on X": a name used
_ON_NAMES = re.compile(r"\b(?:on|across)\s+((?:the\s+)?[A-Z][^.;:]*)")


_VALUE = re.compile(r"^x?\d+(?:\.\d+)?$")  # "256", "x256": the value asked, not the aspect
# "How many GPUs ...?" counts GPUs: the abstract must give a number next to the word.
# an amount in words ("half the cost", "twice as fast"); "two key factors" is a count
_AMOUNT = re.compile(
    r"\b(?:half|double|twice|triple|tenfold|hundredfold|\w+-fold)\b"
    # a cost in words: "one GPU search day", "a few hours"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|a few|several)\s+"
    r"(?:(?!of\b)[\w-]+\s+){0,2}?(?:days?|hours?|minutes?|seconds?|epochs?|GPUs?|steps?)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many\s+([\w-]+)(?:\s+([\w-]+))?", re.I)
_NOT_COUNTED = {stem(w) for w in ["times", "percent", "points", "fold", "more", "fewer", "of"]}
_HOW_MANY_PHRASE = re.compile(r"\bhow many((?:\s+[\w-]+){1,3})", re.I)
COUNT_WINDOW = 4  # words from a number to what it counts, before it ...
COUNT_AFTER = 3  # ... and after it
# "How long does it take ..., and on what GPU?": a duration, and the hardware named.
_HOW_LONG = re.compile(r"\bhow long\b|\bhow much time\b", re.I)
_DURATION = re.compile(
    r"\b(?:\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|a few|several)\s*-?\s*"
    r"(?:ms|milliseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?|months?)\b",
    re.I,
)
_DURATION_WORDS = frozenset(stem(w) for w in ("long", "take", "time", "much"))
_HARDWARE_ASKED = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+)?(?:gpus?|tpus?|npus?|hardware|devices?|machines?)\b", re.I
)
_HARDWARE = re.compile(r"\b(?:[GTN]PUs?|CPUs?|[AHV]100s?|RTX\s?\d+|Ascend)\b")
# "how does the strongest baseline compare?": stated by a comparison with a figure
# ("87.2% vs. 80.4% by MIRO", "outperforms ... by 3 points"), whatever the rival is called
_COMPARE_ASKED = re.compile(r"\bhow\s+(?:does|do|did)\b[^?]*\bcompare\b", re.I)
_COMPARISON = re.compile(
    r"\b(?:vs\.?|versus|compared (?:to|with)|than|outperform\w*|surpass\w*|beat\w*|"
    r"over (?:the )?(?:best|strongest|prior|previous|baseline|state))",
    re.I,
)


# "What test error does it reach, and with which architecture?" asks two things.
_QUESTION_START = (
    r"(?=(?:(?:with|on|in|for|at|from|under|by)\s+)?"
    r"(?:what|which|who|how|is|are|does|do|did|was|were|can)\b)"
)
_NEXT_PART = re.compile(rf"(?:,\s*|\s+)and\s+{_QUESTION_START}|\?\s+{_QUESTION_START}", re.I)
_PART_WORDS = re.compile(r"[\w-]+")
# the question after the words that set it up: "..., what" or "... training. What"
_LAST_CLAUSE = re.compile(r".*(?:,|[.;:!?](?=\s))\s*(?=(?:what|which|who|how)\b)", re.I)


# "What loss did ...", "Which dataset is ...": one or two words between the question word
# and its verb name the thing asked for
_AUXILIARY = r"(?:is|are|was|were|do|does|did|can|could|has|have|had|should|would|will)\b"
_ASKED_THING = re.compile(
    rf"\b(?:what|which)\s+(?!{_AUXILIARY})((?:[\w-]+\s+){{1,2}}?){_AUXILIARY}", re.I
)
# "What is the name of the loss ...", "what kind of noise ..."
_NAMED_THING = re.compile(
    r"\b(?:name|kind|type|sort)\s+of\s+(?:the\s+|its\s+|their\s+|this\s+)?([\w-]+)", re.I
)
_NOT_A_THING = frozenset(content_stems("paper papers work works one ones kind type sort"))


def asked_thing(question: str) -> frozenset[str]:
    """The stems of what a "What/Which <thing> ...?" question asks for ({"loss"} for "What
    loss did they introduce?"); empty for other questions."""
    match = _ASKED_THING.search(question) or _NAMED_THING.search(question)
    if not match:
        return frozenset()
    return frozenset(content_stems(match.group(1)) - _NOT_A_THING)


def parts(query: Query) -> list[Query]:
    """The questions a question asks: itself, or each of "What X, and how Y?" on its own."""
    texts = [t.strip(" ?,") for t in _NEXT_PART.split(query.question)]
    texts = [t for t in texts if t]
    if len(texts) < 2:
        return [query]
    return [
        replace(
            query,
            question=text,
            stems=frozenset(content_stems(text, drop_question_words=True)),
            names=tuple(n for n in query.names if n in text),
            quantity=asks_for_quantity(text),
        )
        for text in texts
    ]


def missing_phrase(question: str, quantity: bool, *, part: bool = False) -> str:
    """What the abstract does not state, in the question's terms: "how many GPUs",
    "which hardware was used", "how long it takes"; for one part of a question that asks
    several things, that part's own words; else "a number for that"."""
    if _HARDWARE_ASKED.search(question):
        return "which hardware was used"
    if _HOW_LONG.search(question):
        return "how long it takes"
    match = _HOW_MANY_PHRASE.search(question)
    if match and counted(question):
        words = list(itertools.takewhile(lambda w: w.lower() not in STOPWORDS, match[1].split()))
        return "how many " + " ".join(words)
    if part:  # words only: nothing the user typed becomes markup
        asked = _LAST_CLAUSE.search(question)  # "In the paper on X, what rate ...": "what rate ..."
        said = _PART_WORDS.findall(question[asked.end() :] if asked else question)
        return " ".join([said[0].lower(), *said[1:]]) if said else "what you asked"
    return "a number for that" if quantity else "what you asked"


def own_names(paper: ScoredPaper) -> set[str]:
    """The names a paper calls itself: those of its title and its most used one, not
    counting where it names what it is run on or compared with ("results on PASCAL VOC
    2012", "better than DivideMix")."""
    names = named_terms(paper.paper.title or "")
    counts: dict[str, int] = {}
    for sentence in paper.evidence.sentences:
        for name in named_terms(sentence):
            if not re.search(rf"{_USED_BEFORE}\s+(?:the\s+)?{re.escape(name)}\b", sentence):
                counts[name] = counts.get(name, 0) + 1
    if counts:
        names.append(max(counts, key=counts.get))
    return set(names)


def _bare(name: str) -> str:
    return name.lower().rstrip("s")


def _asked_noun(question: str) -> str | None:
    which = _WHICH_NAMED.search(question)
    return stem(which.group(1).lower().rstrip("s")) if which else None


def asked_nouns(question: str) -> frozenset[str]:
    """The stems of what a "Which datasets / benchmarks / base LLM ...?" question asks the
    names of ({dataset, benchmark, ...} for any of those); empty for other questions.
    "Which models ...?" asks no names: it may ask for the paper itself, or be answered by
    a description ("linear models and two-layer nets")."""
    noun = _asked_noun(question)
    if noun is None:
        return frozenset()
    return frozenset(_DATA_NOUNS) if noun in _DATA_NOUNS else frozenset({noun})


def gives_names(sentence: str, stems: frozenset[str], nouns: frozenset[str], own: set[str]) -> bool:
    """Whether a sentence names what `nouns` asks for: with the noun ("the PRW and
    CUHK-SYSU datasets"), as what results are reported on ("state-of-the-art results on
    PASCAL VOC 2012"), or — for a base LLM, a backbone — as what experiments used
    ("experiments ... using GPT-3.5-turbo and GPT-4"). `own`: the paper's own names,
    which do not count."""
    if nouns & stems and names_other(sentence, own):
        return True
    if not _REPORTED.search(sentence):
        return False
    if nouns != _DATA_NOUNS:
        return names_other(sentence, own)
    return any(names_other(m, own) for m in _ON_NAMES.findall(sentence))


def names_other(text: str, own: set[str]) -> bool:
    """Whether `text` names something (a dataset, a model) besides a paper's own names
    (`own`, as _bare gives them): a name ("CIFAR-10", "GPT-4") or a capitalised word
    before "dataset" that is no everyday word nor capitalised by its place ("the
    Objaverse dataset")."""
    found = [*named_terms(text), *_capitalised_names(text)]
    return any(not _part_of(_bare(n), own) and not is_acronym(n) for n in found)


def _capitalised_names(text: str) -> list[str]:
    return [
        m.group(0)
        for m in _CAPITALISED.finditer(text)
        if m.start() > 0 and not english.everyday(m.group(0))
    ]


def own_bare_names(paper: ScoredPaper) -> set[str]:
    return {_bare(n) for n in own_names(paper)}


def _part_of(name: str, own: set[str]) -> bool:
    """ "HGNNs" and "LightHGNNs" are LightHGNN's own names, not datasets it names; a short
    own name ("ct") is part of another only as a whole ("CTSpine1K" is a dataset)."""
    return any(name == o or (len(o) >= MIN_OWN_PART and (name in o or o in name)) for o in own)


def _states_quantity(
    paper: ScoredPaper, query: Query, asked: set[str], weights: TermWeights, *, whole: bool
) -> bool:
    """A sentence that speaks of the aspect (its words, or — for a question asking one
    thing — close in meaning to it) and gives a number the question does not, itself or
    within NEIGHBOURS sentences ("... a dataset of 100k pairs. With it as the training
    set, ...")."""
    sentences = paper.evidence.sentences
    numeric = [gives_number(s, query.question) or bool(_AMOUNT.search(s)) for s in sentences]
    own = own_bare_names(paper)
    # what a number is asked of: "over the FixMatch baseline on WHU-CD" (not the paper's name)
    of = [n for n in query.names if not _part_of(_bare(n), own) and not is_acronym(n)]
    for i, (stems, cosine) in enumerate(
        zip(paper.evidence.stems, paper.sentence_scores, strict=True)
    ):
        if asked & _CHANGE and stems & _CHANGE:
            stems = stems | (asked & _CHANGE)
        about = (
            not asked
            or weights.coverage(asked, stems) >= ASPECT_COVERAGE
            or (bool(of) and all(mentions(sentences[i], n) for n in of))
        )
        if not (about or (whole and float(cosine) >= CLOSE_SENTENCE)):
            continue
        near = [j for j in range(i - NEIGHBOURS, i + NEIGHBOURS + 1) if 0 <= j < len(numeric)]
        if numeric[i] or (about and any(numeric[j] for j in near)):
            return True
    return False


def counted(question: str) -> set[str]:
    """The stems of what a "how many" question counts ("how many A100 GPU hours" →
    {a100, gpu}), or nothing when it asks for a ratio ("how many times faster")."""
    match = _HOW_MANY.search(question)
    if not match or says_what_it_does(question, match.start()):
        return set()
    out: set[str] = set()
    for word in filter(None, match.groups()):
        if word.lower() in STOPWORDS:
            break
        out |= content_stems(word)
    return set() if out & _NOT_COUNTED else out


def _gives_count(sentence: str, what: set[str]) -> bool:
    """A number up to COUNT_WINDOW words before a word for the thing counted ("eight
    A100 GPUs", "15 industrial and medical datasets") or COUNT_AFTER words after it ("a
    dataset of 100k pairs", "users (n = 40)"; not "images or videos via three techniques")."""
    tokens = sentence.split()
    at = [i for i, t in enumerate(tokens) if content_stems(t) & what]
    return any(
        states_number(" ".join(tokens[max(0, i - COUNT_WINDOW) : i + COUNT_AFTER + 1])) for i in at
    )


def _everyday(query: Query, zipf: float = english.EVERYDAY_ZIPF) -> set[str]:
    """Stems of the question's everyday English words ("earlier", "keep", "learning"):
    those at least `zipf` common."""
    out: set[str] = set()
    for word in words(query.question):
        parts = [p for p in word.split("-") if p]  # "real-world": "real", "world" and both
        common = [p for p in parts if len(p) > 1 and english.zipf(p) >= zipf]  # not "F-"
        out.update(stem(p) for p in common)
        if len(common) == len(parts):
            out.add(stem(word))
    return out


def aspect(query: Query, papers: Sequence[ScoredPaper]) -> set[str]:
    """The question's content stems minus those that identify the papers."""
    identifying = content_stems(earlier_turn_words(query.question))  # "for the second topic"
    for paper in papers:
        identifying |= paper.evidence.title_stems
    for name in query.names:
        if not is_acronym(name):  # "GPUs" is asked about, "NPNet" identifies
            identifying |= content_stems(name)
    return {
        s
        for s in set(query.stems) - identifying - _ASKING
        if not _VALUE.match(s)
        and not ("-" in s and {stem(w) for w in s.split("-") if w} <= identifying)
    }  # "outlier-detection" identifies the paper on "Outlier Detection" as those words do


def _names_all_there(query: Query, papers: Sequence[ScoredPaper]) -> bool:
    """Every name the question uses (that the corpus knows) is in one of the papers: "How
    much does TransMix add to DeiT-S?" asks of DeiT-S, which TransMix's abstract may not
    name at all. Only names the question itself writes count: a follow-up's subject
    added from the conversation ("(CLIP)") was a guess at what "it" is, and the paper
    has been chosen since."""
    texts = [f"{p.paper.title or ''} {p.paper.abstract}" for p in papers]
    which = _WHICH_NAMED.search(query.question)
    asked = which.group(0) if which else ""  # "Which MRI datasets": the names answer it
    known = [
        n for n in query.names if n not in query.absent and n in query.question and n not in asked
    ]
    # "UDA" by "Unsupervised Data Augmentation"; "AP" is not stated by "applied ... point"
    return all(
        any(mentions(t, n) or spelled_out_by(n, t, shortest=3) for t in texts) for n in known
    )


def asks_for_detail(query: Query) -> bool:
    """A number, a count, a duration, the hardware, or the names of what the paper used
    (its datasets, benchmarks, backbone, base LLM): what an abstract states or not,
    whatever words the question describes its paper with."""
    return bool(
        query.quantity
        or counted(query.question)
        or _HOW_LONG.search(query.question)
        or _HARDWARE_ASKED.search(query.question)
        or asked_nouns(query.question)
    )


def unstated(
    query: Query,
    papers: Sequence[ScoredPaper],
    weights: TermWeights,
    *,
    details_only: bool = False,
) -> str | None:
    """What the papers' abstracts do not state, in the question's terms (missing_phrase),
    or None when they state every part of the question. `details_only`: check only the
    parts asking for a detail (asks_for_detail) — for papers the question describes in
    its own words rather than names, whose descriptions are the relevance model's to
    judge."""
    asked = parts(query)
    for part in asked:
        if details_only and not asks_for_detail(part):
            continue
        if not _states(asking_clause(part), papers, weights, whole=len(asked) == 1):
            return missing_phrase(part.question, part.quantity, part=len(asked) > 1)
    return None


def asking_clause(query: Query) -> Query:
    """The clause that asks, when words setting it up come first ("For the framework
    that rewrites prompts ..., what average improvement is reported?", "A paper fixes
    ... by perturbing samples. What FID does it reach?"): what the abstract
    must state; the description picked the paper, which is the relevance model's (or
    the name's) to judge."""
    found = _LAST_CLAUSE.match(query.question)
    if not found:
        return query
    clause = query.question[found.end() :]
    stems = content_stems(clause, drop_question_words=True)
    if not stems:
        return query
    return replace(
        query,
        question=clause,
        stems=frozenset(stems),
        names=tuple(n for n in query.names if n in clause),
    )


def _states(
    query: Query, papers: Sequence[ScoredPaper], weights: TermWeights, *, whole: bool = True
) -> bool:
    """Whether the papers state what `query` asks. A sentence close in meaning to the
    question counts only for a `whole` question: the closeness was measured against all
    of it, not against one of its parts."""
    if not _names_all_there(query, papers):
        return False
    asked = aspect(query, papers)
    everyday = _everyday(query)
    plain = _everyday(query, PLAIN_ZIPF)
    rare = (
        {a for a in asked - plain if weights.document_count(a) <= RARE_SHARE * weights.size}
        if weights.size >= MIN_CORPUS_FOR_RARE
        else set()
    )
    close = whole and any(p.best_cosine >= CLOSE_SENTENCE for p in papers)
    if rare and not close and not any(rare & p.evidence.all_stems for p in papers):
        return False  # "GPUs" asked of a paper whose abstract never says "GPU"
    if _HOW_LONG.search(query.question):
        if not any(_DURATION.search(p.paper.abstract) for p in papers):
            return False
        if not asked - _DURATION_WORDS:  # "how long does that take": a duration answers it
            return True
    if _HARDWARE_ASKED.search(query.question) and not any(
        _HARDWARE.search(p.paper.abstract) for p in papers
    ):
        return False
    if _COMPARE_ASKED.search(query.question):
        return any(
            _COMPARISON.search(sentence) and gives_number(sentence, query.question)
            for p in papers
            for sentence in p.evidence.sentences
        )
    what = counted(query.question)
    if what:
        return any(_gives_count(s, what) for p in papers for s in p.evidence.sentences)
    if query.quantity:
        return any(_states_quantity(p, query, asked, weights, whole=whole) for p in papers)
    nouns = asked_nouns(query.question)
    if nouns:
        own = set().union(*map(own_bare_names, papers))  # not the method itself
        named = any(
            gives_names(sentence, stems, nouns, own)
            for p in papers
            for sentence, stems in zip(p.evidence.sentences, p.evidence.stems, strict=True)
        )
        if named or _asked_noun(query.question) not in _DESCRIBED:
            return named
    # what a number is about may be everyday words ("learning rate"); a description
    # asked for is named by the rarer ones, or by most of its words ("no ground truth for
    # the combined concept" in other words than "to cope with")
    rarer = asked - everyday
    if not rarer:
        return True
    return any(
        weights.coverage(rarer, stated := _with_variants(asked, p.evidence.all_stems))
        >= ASPECT_COVERAGE
        or weights.coverage(asked, stated) >= MOST
        or (whole and p.best_cosine >= CLOSE_SENTENCE)
        for p in papers
    )


def _with_variants(asked: set[str], stems: frozenset[str]) -> set[str]:
    """`stems` and the asked stems they give in another form: the stemmer leaves
    "classifiers" (classifi) and "classification" (classif), "discovered" and "discovery"
    apart, while one is the other's start."""

    def other_form(a: str) -> bool:
        return len(a) >= VARIANT_PREFIX and any(
            len(t) >= VARIANT_PREFIX and (t.startswith(a) or a.startswith(t)) for t in stems
        )

    return set(stems) | {a for a in asked if a not in stems and other_form(a)}
