"""Words, stems and numbers: the lexical half of matching a sentence to a question or claim.

Embeddings judge meaning; these judge whether the specific terms and numbers are there,
which embeddings blur ("2.1 FID" and "3.5 FID" embed almost alike).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import chain

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d+(?:\.\d+)?")
_NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(\d+(?:[.,]\d+)*)(\s?[kKmMbB]\b|\s?%|x\b|×)?")


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string."""
    return frozenset(text.split())


_RESOLUTION = re.compile(r"\b\d+\s?(?:x|×|times)\s?\d+\b")  # "64x64" names a setting
# "(1) alleviating ..., (2) ...", "Eq. (3)": a list's or an equation's marker, not a figure
_ENUMERATION = re.compile(r"\(\d{1,2}\)|(?:^|(?<=[,;:]\s)|(?<=\band\s)|(?<=\bor\s))\d{1,2}\)(?=\s)")
_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")

STOPWORDS = wordset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves s t don may might must shall via per whose onto upon
    us within without across among around however thus therefore hence yet though although
    whether either neither one ones none nothing nobody everything everyone anyone
    someone somebody anybody i'm i've i'd i'll it's that's there's what's they're we're
    you're don't doesn't didn't isn't aren't wasn't weren't can't won't
    """
)

# Words that frame a question rather than say what it is about.
QUESTION_WORDS = wordset(
    """
    paper papers work works study studies article articles corpus approach approaches
    method methods propose proposed proposes present presents introduce introduced
    tell explain describe list give show find know mean means use used using uses
    much many big large good well best better get got make way ways anything something
    exist exists existing address addresses addressed discuss discusses please kind
    remember remembered think thought looking trying read saw seen heard
    """
)

_stemmer = None


def _stem(word: str) -> str:
    global _stemmer
    if _stemmer is None:
        import Stemmer

        _stemmer = Stemmer.Stemmer("english")
    return _stemmer.stemWord(word)


# A few everyday synonyms that questions use for the words abstracts use ("no extra
# training" ~ "without any additional training"), folded before stemming.
_SYNONYMS = {
    "extra": "additional",
    "further": "additional",
    "quick": "fast",
    "quicker": "faster",
    "rapid": "fast",
    "speedy": "fast",
    "tiny": "small",
    "huge": "large",
    "enormous": "large",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.lower()
    return _stem(_SYNONYMS.get(word, word))


def words(text: str) -> list[str]:
    """Word tokens in order, lower-cased, hyphenated words kept whole."""
    return [w.lower() for w in _WORD.findall(strip_citations(text))]


def _split_terms(word: str, skip: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, content words) one lower-cased token gives: itself and, when hyphenated,
    its parts; no word of `skip`, no lone letters, and no bare numbers among the words."""
    parts = [word, *word.split("-")] if "-" in word else [word]
    kept = [p for p in parts if len(p) > 1 and p not in skip]
    return tuple(stem(p) for p in kept), tuple(p for p in kept if not p[0].isdigit())


@lru_cache(maxsize=1 << 18)
def _terms_of(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _split_terms(word, STOPWORDS)


@lru_cache(maxsize=1 << 14)
def _question_terms_of(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _split_terms(word, STOPWORDS | QUESTION_WORDS)


@lru_cache(maxsize=2048)
def _terms(text: str, question: bool) -> tuple[frozenset[str], tuple[str, ...]]:
    """(stems, distinct content words in order) of a text, from one pass over its words.
    Cached: ranking reads the stems and the words of each candidate paper it has not
    seen, and at scale that is most of them, every search."""
    terms = list(map(_question_terms_of if question else _terms_of, dict.fromkeys(words(text))))
    stems = frozenset(chain.from_iterable(stems for stems, _ in terms))
    return stems, tuple(dict.fromkeys(chain.from_iterable(kept for _, kept in terms)))


def terms(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(`content_stems`, `content_words`) of a text, from one pass over its words."""
    return _terms(text, False)


def content_stems(text: str, *, drop_question_words: bool = False) -> set[str]:
    """Stems of the words that carry meaning: no stop words, no lone letters.

    Hyphenated words also contribute their parts, so "class-incremental" meets
    "incremental".
    """
    return set(_terms(text, drop_question_words)[0])


def content_words(text: str, *, drop_question_words: bool = False) -> list[str]:
    """The distinct words that carry meaning, in order, lower-cased: as `content_stems`
    but unstemmed and without bare numbers, for matching words by their vectors."""
    return list(_terms(text, drop_question_words)[1])


def overlap(query: set[str], text: set[str]) -> float:
    """Share of the query's stems found in the text (0 when the query has none)."""
    return len(query & text) / len(query) if query else 0.0


def strip_citations(text: str) -> str:
    """Text without its [n] markers."""
    return _CITATION.sub("", text)


def citation_numbers(text: str) -> list[int]:
    """Every n of the [n] / [n, m] markers in `text`, in order of appearance."""
    found: list[int] = []
    for group in _CITATION.findall(text):
        for part in re.split(r"[,;]", group):
            found.append(int(part.strip()))
    return found


def numbers(text: str) -> set[str]:
    """Normalised numbers a text states: "100k" → "100000", "2.50%" → "2.5%".

    A percentage keeps its sign, so "10% of labels" does not match "10 times". Numbers in
    names ("ResNet-50", "top-1", "CIFAR-10"), resolutions ("64x64") and list markers
    ("(1)", "2)") are not counted.
    """
    out: set[str] = set()
    plain = _ENUMERATION.sub(" ", _RESOLUTION.sub(" ", strip_citations(text)))
    for digits, suffix in _NUMBER.findall(plain):
        value = digits.replace(",", "")
        try:
            number = float(value)
        except ValueError:
            continue
        scale = (suffix or "").strip().lower()
        if scale == "k":
            number *= 1_000
        elif scale == "m":
            number *= 1_000_000
        elif scale == "b":
            number *= 1_000_000_000
        out.add(f"{number:g}%" if scale == "%" else f"{number:g}")
    return out


def has_number(text: str) -> bool:
    return bool(numbers(text))


_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundreds?|thousands?|millions?|billions?|dozens?|double|half)\b",
    re.I,
)


def states_number(text: str, besides: str = "") -> bool:
    """A number in digits ("100k") or in words ("three views", "half the cost"); with
    `besides` (the question), one it does not give itself: "NTIRE 2022" in a sentence
    does not answer "What PSNR did it score in NTIRE 2022?"."""
    return bool(numbers(text) - numbers(besides)) or bool(_NUMBER_WORD.search(text))


def gives_number(text: str, besides: str = "") -> bool:
    """A number in digits that `besides` (the question) does not give itself."""
    return bool(numbers(text) - numbers(besides))


_NAME = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*\b")
# a name may begin with digits ("4DGen", "3DGS") when capitals and three letters follow;
# "3D", "2D-aware" and "16bit" are not names
_DIGIT_LED = re.compile(r"\d+(?=[A-Za-z]*[A-Z])[A-Za-z]{3,}(?:[-+]|$)")


def named_terms(text: str) -> list[str]:
    """Names of methods, models or datasets: words with an inner capital or a digit
    ("NPNet", "CoACT", "SDXL", "CIFAR-10", "GPT-4", "4DGen"), not sentence-initial
    capitals."""
    names = []
    for match in _NAME.finditer(strip_citations(text)):
        word = match.group(0)
        if word[0].isdigit() and not _DIGIT_LED.match(word):
            continue
        inner = word[1:]
        if (any(c.isupper() for c in inner) and sum(c.isalpha() for c in word) >= 2) or (
            any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
        ):
            names.append(word)
    return list(dict.fromkeys(names))


def styled_head(name: str) -> str:
    """The name a "CLIP-style" or "iBOT-based" name is about ("CLIP"), or "": "GPT-5" is
    not GPT, "Zero-1-to-3" not "Zero"."""
    head, _, tail = name.partition("-")
    named = head.isupper() or any(c.isupper() for c in head[1:])
    return head if tail.isalpha() and tail.islower() and len(head) > 1 and named else ""


def title_name(title: str, max_words: int = 4) -> str:
    """The name a title gives its paper: "RegMixup" of "RegMixup: Mixup as a Regularizer
    ...", "Manifold Mixup" of "Manifold Mixup: Better ..."; a title of a few words
    ("Dropout Reduces Underfitting") is its own name. "" for a long title."""
    head = (title or "").split(":", 1)[0].strip()
    return head if 0 < len(head.split()) <= max_words else ""


def says_name(text: str, name: str, *, any_case: bool = True) -> bool:
    """Whether `text` uses `name` as words: "Manifold Mixup" in "compare Manifold Mixup
    and RegMixup", not "Mixup" in "RegMixup"; in the same case unless `any_case`."""
    flags = re.I if any_case else 0
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags) is not None


class TermWeights:
    """Inverse document frequency of stems over the corpus: rare terms count for more.

    "prune" in a question about pruning language models says more than "model" does; a
    term no paper uses ("sourdough") weighs the most, so missing it costs the most.
    """

    def __init__(self, documents: list[set[str]]):
        self.size = len(documents)
        self._df: dict[str, int] = {}
        for stems in documents:
            for s in stems:
                self._df[s] = self._df.get(s, 0) + 1

    @classmethod
    def from_counts(cls, size: int, document_frequency: Mapping[str, int]) -> TermWeights:
        """Weights from saved statistics: `size` documents, stem → documents using it."""
        weights = cls([])
        weights.size = size
        weights._df = dict(document_frequency)
        return weights

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls([])

    def weight(self, stem_: str) -> float:
        if not self.size:
            return 1.0
        return math.log((self.size + 1) / (self._df.get(stem_, 0) + 1)) + 1.0

    def document_count(self, stem_: str) -> int:
        return self._df.get(stem_, 0)

    def unknown(self, stems: set[str]) -> set[str]:
        """The stems no document uses (nothing, when there are no documents)."""
        return {s for s in stems if self.size and s not in self._df}

    def coverage(self, query: set[str], text: set[str]) -> float:
        """Weighted share of the query's stems found in the text."""
        return self.coverer(query)(text)

    def coverer(self, query: set[str]) -> Callable[[set[str]], float]:
        """`coverage` of one query over many texts, its weights computed once."""
        weighted = {s: self.weight(s) for s in query}
        total = sum(weighted.values())

        def covered(text: set[str]) -> float:
            if not total:
                return 0.0
            return sum(w for s, w in weighted.items() if s in text) / total

        return covered
