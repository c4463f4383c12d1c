"""Offline cell extraction: the task, method, data and result of one abstract, each a
verbatim span of it, or empty with the reason.

Read with patterns over the sentences (and their roles, text/roles.py):

- method: the object of the paper's own "we propose / introduce / present …" (or "this
  paper presents …"), up to where a relative clause starts (", which", " that", ",
  where", ", predicting …"); a proposal that names something ("RepBlend") wins over an
  earlier unnamed one;
- task: "the problem / task of X", "we study / address / tackle X", "a … framework for
  X" in the method's sentence, "The objective of X is", "in the field of X", and the
  subject of an opening sentence that says what X aims at or how much attention it gets;
- data: the dataset and benchmark names (research/datasets.py);
- result: the clause around a number that has a metric or a unit (%, ×, "times", dB, an
  accuracy, FID, AUROC …) in a sentence that reports something (a result verb or the
  result role) — not a setting ("5 to 50 labeled samples per class", "300 epochs").

A pattern that finds nothing leaves the cell empty, saying so; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from paperchat.research.datasets import KnownDatasets, dataset_names, mentions_data
from paperchat.research.models import Cell, Column, Span
from paperchat.research.spans import Sentence

NO_TASK = "no sentence of the abstract names the problem it addresses"
NO_METHOD = "the abstract states no method of its own (no “we propose …”)"
NO_DATA = "the abstract names no dataset or benchmark"
UNNAMED_DATA = "the abstract mentions datasets or benchmarks but names none"
NO_RESULT = "the abstract reports no number with a metric"
QUALITATIVE_RESULT = "the abstract reports results but no number with a metric"
MAX_WORDS = 40

# -- method ---------------------------------------------------------------------------

_PROPOSE = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|report)|our (?:paper|work))\s+"
    r"(?:(?:first|also|further|then|thus|therefore|hence|here|instead|newly|now)\s+)?"
    r"(?:propose[sd]?|introduce[sd]?|present(?:s|ed)?|develop(?:s|ed)?|design(?:s|ed)?|"
    r"devise[sd]?|put forward|formulate[sd]?|offer(?:s|ed)?|contribute[sd]?)\s+",
    re.I,
)
_AND_PROPOSE = re.compile(r"\band\s+(?:propose|introduce|present)s?\s+", re.I)
# Where the name of what is proposed ends and its description begins.
_METHOD_END = re.compile(
    r",?\s(?:which|that|where|whereby|wherein|so that|such that|thereby|in which|with which|"
    r"whose|while|allowing|enabling)\b|,\s(?:[a-z]+ing|designed|built|trained|based)\b|;|:|"
    r"\.\s|\s[-–—]{1,2}\s|--",
)

# -- task -----------------------------------------------------------------------------

# Patterns that name the task outright, read up to the method's sentence.
_TASK_STATED = [
    re.compile(r"\b(?:the\s+)?(?:problem|task|challenge)s?\s+of\s+", re.I),
    re.compile(
        r"\bwe\s+(?:first\s+)?(?:consider|study|address|tackle|investigate|focus on|explore|"
        r"revisit|examine)\s+(?:the\s+(?:problem|task)\s+of\s+)?",
        re.I,
    ),
]
# Patterns that place the paper in a field, read anywhere.
_TASK_FIELD = [
    re.compile(r"\bthe\s+(?:\w+\s+)?(?:objective|goal|aim)\s+(?:of|in)\s+", re.I),
    re.compile(r"\bin the (?:field|context|area|domain|setting) of\s+", re.I),
]
# The opening sentences: what something is good for ("priors for solving inverse
# problems", "excellent advantages in high-resolution image reconstruction").
_TASK_OPENING = [
    re.compile(
        r"\b(?:success|advantages?|progress|performance|promise|role|potential)\s+"
        r"(?:in|for)\s+",
        re.I,
    ),
    re.compile(r"\b(?:priors?|paradigms?|approach(?:es)?|tools?|methods?)\s+for\s+", re.I),
]
# A proposal "for X" / "to perform X" / "designed to X" names its task.
_FOR = re.compile(
    r"\b(?:(?:framework|method|approach|model|algorithm|system|paradigm|technique|strategy|"
    r"pipeline|solution|network|loss|objective|scheme|recipe|procedure|module|architecture|"
    r"regime|mechanism|formulation|tool|regularizer|regularization|estimator|policy|"
    r"criterion|protocol|toolkit|designed|tailored|developed|specialized)s?\s+for|"
    r"to (?:perform|solve|tackle|address|handle)|designed to)\s+"
    r"(?!the first|each|all|both|this|these|that|its|their|our|example|instance|more|better|"
    r"further|free)"
)
# Where a task phrase ends: tight after "for X", looser after "the problem of X".
_TASK_END = re.compile(
    r",|;|:|\.\s|\s(?:which|that|where|while|whereas|with|by|using|through|without|from|"
    r"based on|so that|is|are|was|were|has|have|had|remains?|aims?|seeks?|because|since|as|"
    r"and then|to|into|under|via|when|if|we|problem|task|due to|i\.e|e\.g)\b|--|\s\($|$"
)
_STATED_END = re.compile(
    r",|;|:|\.\s|\s(?:which|that|where|while|whereas|by|using|through|based on|so that|is|"
    r"are|was|were|has|have|had|remains?|because|since|and (?:introduce|propose|present|"
    r"develop|show|give)|in order|problem|task|systematically|i\.e|e\.g)\b|--|\?|$"
)
_OPENING = re.compile(
    r"^(?:(?:recently|in recent years|nowadays|today|currently),?\s+)?(?P<x>.+?)\s+"
    r"(?:\([^)]*\)\s+)?(?:aims?|seeks?|is one of|are one of|has (?:attracted|gained|drawn|"
    r"received|become|emerged)|have (?:attracted|gained|drawn|received|become|emerged)|"
    r"(?:is|are) (?:a|an) (?:fundamental|key|central|important|critical|challenging|"
    r"popular|active|widely))\b",
    re.I,
)
_PRONOUN = re.compile(
    r"^(?:this|these|that|those|it|they|them|its|their|our|such|however|there|although|"
    r"though|while|despite|but|yet|thus|hence|in|on|as|with|for|to|at|by|one)\b",
    re.I,
)
_STOP_START = re.compile(
    r"^(?:(?:the\s+)?(?:use|effect|role|impact|performance)\b|whether|how|why|what|which|"
    r"when|if)\b",
    re.I,
)
_GENERIC = re.compile(
    r"^(?:an?|the)?\s*(?:new |novel |simple |general )?(?:approach|method|model|framework|way|"
    r"solution|problem|task|question|setting)s?$",
    re.I,
)

# -- result ---------------------------------------------------------------------------

_METRIC = (
    r"accuracy|acc|error|errors|top-?1|top-?5|fid|auc|auroc|aupr|ap|map|miou|iou|f1|bleu|"
    r"rouge|psnr|ssim|lpips|recall(?:@\d+)?|precision(?:@\d+)?|ndcg(?:@\d+)?|mrr|ir@\d+|"
    r"tr@\d+|perplexity|ppl|wer|cer|si-snr|si-snri|sdr|sdri|db|points?|pp|speed-?up|"
    r"faster|slower|fewer|less|lower|higher|gains?|improvements?|reduction|compression|"
    r"memory|parameters|flops|latency|throughput|success rate|win rate|score|rmse|mae|mse"
)
_NUMBER = re.compile(
    r"(?<![\w.^-])[+-]?\d+(?:[.,]\d+)?(?:\s?(?P<unit>%|x\b|×|times\b|-?fold\b|dB\b|pp\b|"
    r"points?\b|percentage points?\b))?(?![A-Za-z])",
    re.I,
)
_METRIC_NEAR = re.compile(rf"\b(?:{_METRIC})\b", re.I)
_RESULT_VERB = re.compile(
    r"\b(?:achiev|outperform|surpass|improv|reduc|boost|gain|reach|obtain|attain|yield|"
    r"exceed|match|accelerat|speed|faster|beat|cut|lower|rais|increas|decreas|sav|"
    r"state-of-the-art|up to|by\s+(?:more than|over|about|nearly|up to)?\s*\d)",
    re.I,
)
_SETTING = re.compile(
    r"^\s*(?:epochs?|samples?|examples?|images?|labels?|labeled|labelled|shots?|classes|"
    r"layers?|steps?|iterations?|datasets?|benchmarks?|tasks?|languages?|models?|gpus?|"
    r"hours?|days?|pairs?|categories|vertices|nodes|tokens|bits?|-bit|backbone|times?\s+per)\b",
    re.I,
)
_CLAUSE_START = re.compile(
    r"(?:^|[;:]\s|\.\s|,\s(?=(?:and|while|but|whereas|with|achieving|reaching|outperforming|"
    r"offering|yielding|improving)\b)|\b(?:show|demonstrate|indicate|confirm|reveal|find|"
    r"verify|suggest)s?\s+that\s|\sand\s(?=(?:achiev|outperform|surpass|improv|reduc|"
    r"boost|reach|obtain|yield|exceed|accelerat)\w*\b))"
)
_CLAUSE_END = re.compile(
    r";|\.\s|,\s(?:which|while|whereas|but|thereby|thus|making|showing|showcasing|"
    r"demonstrating|becoming|enabling|despite|although|and (?:also|for the first time))\b|"
    r",\s(?=(?:and\s)?(?:[A-Z]|we\b|our\b|it\b))|\s[-–—]{1,2}\s|$"
)
_LEADIN = re.compile(
    r"^(?:(?:specifically|notably|moreover|furthermore|in particular|finally|additionally|"
    r"overall|empirically|in addition|as a result|for example|e\.g\.|and|while|but|whereas|"
    r"which),?\s+)+",
    re.I,
)


@dataclass(frozen=True)
class Row:
    """The four cells of one abstract, extracted offline."""

    task: Cell
    method: Cell
    data: Cell
    result: Cell

    def cell(self, column: Column) -> Cell:
        return getattr(self, column)


def _cut(sentence: Sentence, start: int, end_pattern: re.Pattern, max_words: int) -> Span | None:
    """The phrase from `start` to the first end marker outside brackets, at most
    `max_words` words, as a trimmed span."""
    text = sentence.text
    position = start
    while position < len(text):
        match = end_pattern.search(text, position)
        end = match.start() if match else len(text)
        # an end marker inside brackets ("(e.g., CLIP)") does not end the phrase
        depth = text.count("(", start, end) - text.count(")", start, end)
        if depth <= 0 or not match or match.end() == match.start():
            break
        position = match.end()
    else:
        end = len(text)
    words = text[start:end].split()
    if len(words) > max_words:
        end = start + len(" ".join(words[:max_words]))
    return sentence.span(start, end)


def extract_method(sentences: Sequence[Sentence]) -> Span | None:
    """What the paper proposes, from its first "we propose …" sentence: one that names
    something ("RepBlend", "HPM") is preferred over an unnamed one."""
    found: list[tuple[int, Span]] = []
    for sentence in sentences:
        for pattern in (_PROPOSE, _AND_PROPOSE):
            match = pattern.search(sentence.text)
            if not match:
                continue
            start = match.end()
            joined = re.match(r"and\s+\w+\s+", sentence.text[start:])
            if joined:  # "we propose and investigate the question of …"
                start += joined.end()
            rest = sentence.text[start:]
            if _PRONOUN.match(rest):
                continue  # "we formulate this question as …"
            if re.match(
                r"(?:empirical|experiments?|results?|extensive|code|an? (?:analysis|"
                r"study|evaluation|overview|survey)|our (?:code|results))\b",
                rest,
                re.I,
            ):
                continue
            span = _cut(sentence, start, _METHOD_END, MAX_WORDS)
            if span is not None:
                named = bool(re.search(r"\b[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9]", span.text))
                found.append((0 if named else 1, span))
            break
    if not found:
        return None
    named = [s for rank, s in found if rank == 0]
    return named[0] if named else found[0][1]


def _task_phrase(sentence: Sentence, start: int, end_pattern: re.Pattern) -> Span | None:
    text = sentence.text[start:]
    if _PRONOUN.match(text) or _STOP_START.match(text):
        return None
    if sentence.text.count("(", 0, start) > sentence.text.count(")", 0, start):
        return None  # inside a bracket: an acronym's expansion, not the task
    span = _cut(sentence, start, end_pattern, 14)
    if span is None or not re.search(r"\b[a-z]{3,}", span.text):
        return None  # "CNNs": the models a method is for, not a task
    if _GENERIC.match(span.text):
        return None  # "an approach"
    return span


def _first(
    sentences: Sequence[Sentence], patterns: Sequence[re.Pattern], end_pattern: re.Pattern
) -> Span | None:
    for pattern in patterns:
        for sentence in sentences:
            for match in pattern.finditer(sentence.text):
                span = _task_phrase(sentence, match.end(), end_pattern)
                if span is not None:
                    return span
    return None


def extract_task(sentences: Sequence[Sentence], method: Span | None) -> Span | None:
    """The problem the paper addresses (see the module docstring for the patterns)."""
    upto = method.sentence + 1 if method is not None else len(sentences)
    stated = _first(sentences[:upto], _TASK_STATED, _STATED_END)
    if stated is not None:
        return stated
    if method is not None:
        sentence = sentences[method.sentence]
        for match in _FOR.finditer(sentence.text, method.start - sentence.offset):
            span = _task_phrase(sentence, match.end(), _TASK_END)
            if span is not None:
                return span
    found = _first(sentences, _TASK_FIELD, _STATED_END)
    if found is not None:
        return found
    for sentence in sentences[:2]:
        match = _OPENING.match(sentence.text)
        if match and not _PRONOUN.match(match.group("x")):
            span = sentence.span(match.start("x"), match.end("x"))
            if span is not None and len(span.text.split()) <= 14:
                return span
    return _first(sentences[:2], _TASK_OPENING, _TASK_END)


def _result_in(sentence: Sentence) -> tuple[float, Span] | None:
    text = sentence.text
    best: tuple[float, Span] | None = None
    for number in _NUMBER.finditer(text):
        after = text[number.end() : number.end() + 40]
        before = text[max(0, number.start() - 40) : number.start()]
        unit = number.group("unit")
        if not unit and _SETTING.match(after):
            continue
        if unit and unit.lower().startswith(("times", "x", "×")) and re.match(r"\s?\d", after):
            continue  # a resolution, "224times224"
        near = _METRIC_NEAR.search(before[-25:]) or _METRIC_NEAR.search(after[:25])
        if not unit and not near:
            continue
        if unit == "%" and _SETTING.match(re.sub(r"^\s*of( the)?\s+", "", after)) and not near:
            continue  # "with 1% of the labels"
        starts = [
            m.end()
            for m in _CLAUSE_START.finditer(text, 0, number.start())
            if text.count("(", 0, m.end()) <= text.count(")", 0, m.end())
        ]
        start = starts[-1] if starts else 0
        end_match = _CLAUSE_END.search(text, number.end())
        end = end_match.start() if end_match else len(text)
        lead = _LEADIN.match(text[start:end])
        if lead:
            start += lead.end()
        clause = text[start:end]
        score = 1.0 + (0.5 if near else 0.0) + (0.5 if _RESULT_VERB.search(clause) else 0.0)
        span = sentence.span(start, end)
        if span is not None and (best is None or score > best[0]):
            best = (score, span)
    return best


def extract_result(sentences: Sequence[Sentence]) -> Span | None:
    """The clause reporting the paper's headline number (the strongest, earliest)."""
    best: tuple[float, Span] | None = None
    for sentence in sentences:
        if sentence.index == 0 or sentence.role == "background":
            continue
        if sentence.role != "result" and not _RESULT_VERB.search(sentence.text):
            continue
        found = _result_in(sentence)
        if found and (best is None or found[0] > best[0]):
            best = found
    return best[1] if best else None


def _reports_results(sentences: Sequence[Sentence]) -> bool:
    return any(s.role == "result" and s.index > 0 for s in sentences)


def extract_row(sentences: Sequence[Sentence], known: KnownDatasets) -> Row:
    """The offline cells of one abstract."""
    method = extract_method(sentences)
    task = extract_task(sentences, method)
    result = extract_result(sentences)
    names = dataset_names(sentences, known, exclude=_own_names(method))
    return Row(
        task=Cell.of([task], "pattern") if task else Cell.empty(NO_TASK),
        method=Cell.of([method], "pattern") if method else Cell.empty(NO_METHOD),
        data=(
            Cell.of([s for f in names if (s := f.sentence.span(f.start, f.end))], "pattern")
            if names
            else Cell.empty(UNNAMED_DATA if mentions_data(sentences) else NO_DATA)
        ),
        result=(
            Cell.of([result], "pattern")
            if result
            else Cell.empty(QUALITATIVE_RESULT if _reports_results(sentences) else NO_RESULT)
        ),
    )


def _own_names(method: Span | None) -> list[str]:
    """Names inside the method cell: what the paper proposes is not its data."""
    if method is None:
        return []
    return re.findall(r"[A-Za-z0-9][\w^+-]*[A-Z0-9][\w^+-]*", method.text)
