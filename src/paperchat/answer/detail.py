"""Does an identified paper's abstract state what the question asks about it?

"How many GPUs were used to train NPNet?" identifies NPNet and asks about GPUs. The
*aspect* of a question is what is left of its content words once the words that picked
the paper out (its title, the names the question uses) are taken away: {"gpu",
"train"}. The abstract states it when the aspect's rarer vocabulary is there — in one
sentence that also gives a number, when a number is asked for; anywhere in the abstract
otherwise. Term weights make "gpu" count for far more than "train".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperchat.retrieve.query import Query
from paperchat.retrieve.relevance import ScoredPaper
from paperchat.text.lexical import TermWeights, content_stems, has_number, stem

ASPECT_COVERAGE = 0.3  # weighted share of the aspect a paper must state ...
CLOSE_SENTENCE = 0.65  # ... or a sentence this close to the question in meaning
# Verbs that ask for something rather than name what is asked about.
_ASKING = {stem(w) for w in "report reach achieve obtain attain yield claim mention state say give".split()}
_NUMBER_WORD = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundreds?|thousands?|millions?|billions?|dozens?|double|half)\b",
    re.I,
)


def _states_number(sentence: str) -> bool:
    return has_number(sentence) or bool(_NUMBER_WORD.search(sentence))


def aspect(query: Query, papers: Sequence[ScoredPaper]) -> set[str]:
    """The question's content stems minus those that identify the papers."""
    identifying: set[str] = set()
    for paper in papers:
        identifying |= paper.evidence.title_stems
    for name in query.names:
        identifying |= content_stems(name)
    return set(query.stems) - identifying - _ASKING


def states_what_is_asked(
    query: Query, papers: Sequence[ScoredPaper], weights: TermWeights
) -> bool:
    asked = aspect(query, papers)
    if query.quantity:
        return any(
            _states_number(sentence)
            and (
                not asked
                or weights.coverage(asked, stems) >= ASPECT_COVERAGE
                or float(cosine) >= CLOSE_SENTENCE
            )
            for paper in papers
            for sentence, stems, cosine in zip(
                paper.evidence.sentences, paper.evidence.stems, paper.sentence_scores, strict=True
            )
        )
    if not asked:
        return True
    return any(
        weights.coverage(asked, p.evidence.all_stems) >= ASPECT_COVERAGE
        or p.best_cosine >= CLOSE_SENTENCE
        for p in papers
    )
