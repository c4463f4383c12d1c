"""A readable label per cluster: the title words that set its papers apart.

Scored c-TF-IDF style: a word counts for a cluster by the share of its titles that use
it, times how rare the word is across the clusters, so "graph" labels the graph cluster
while "learning", in every cluster's titles, labels none. Words are compared by stem and
shown in the form the titles use most ("GNNs", "self-supervised"). Only words of the
corpus's own titles can appear, and the label is plain text: surfaces escape it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from paperchat.text.lexical import QUESTION_WORDS, STOPWORDS, stem, wordset

TERMS = 3
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
# Words nearly every machine-learning title could carry: they name no topic.
TITLE_FILLER = wordset(
    """
    learning model models deep neural network networks based towards toward new novel
    framework beyond rethinking revisiting large scale improving improved efficient
    effective simple via general
    """
)
SKIP = STOPWORDS | QUESTION_WORDS | TITLE_FILLER


def title_terms(title: str) -> dict[str, str]:
    """stem → the form used in this title, for the words that can name a topic."""
    found: dict[str, str] = {}
    for form in _WORD.findall(title):
        lower = form.lower()
        if len(lower) > 2 and lower not in SKIP:
            found.setdefault(stem(lower), form)
    return found


def _shown(forms: Counter[str]) -> str:
    """The most used form, lower-cased unless it is an acronym or a name ("GAN", "BERTScore")."""
    form = forms.most_common(1)[0][0]
    named = any(c.isupper() for part in form.split("-") for c in part[1:])
    return form if named else form.lower()


def cluster_labels(titles: Sequence[str], clusters: Sequence[int], k: int) -> list[str]:
    """One label per cluster id 0..k-1, from the titles of its papers."""
    in_cluster = [Counter() for _ in range(k)]
    forms: dict[str, Counter[str]] = {}
    for title, c in zip(titles, clusters, strict=True):
        terms = title_terms(title)
        in_cluster[c].update(terms.keys())
        for s, form in terms.items():
            forms.setdefault(s, Counter())[form] += 1
    sizes = Counter(clusters)
    total = Counter()
    for counts in in_cluster:
        total.update(counts)
    average = sum(sum(c.values()) for c in in_cluster) / max(k, 1)
    labels = []
    for c, counts in enumerate(in_cluster):
        # words of two titles or more first: one title's word names a paper, not a cluster
        scored = sorted(
            (n < 2, -n / sizes[c] * math.log(1 + average / total[s]), s) for s, n in counts.items()
        )
        shown = [_shown(forms[s]) for *_, s in scored[:TERMS]]
        labels.append(", ".join(shown) if shown else f"cluster {c + 1}")
    return labels
