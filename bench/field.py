"""A generated field of papers around the bundled corpus, for the scale benchmarks.

The 466 real papers must sit among synthetic ones the way a paper sits in arXiv: among
thousands on its topic, which share its vocabulary but not its sentences, its title or
its name. So each synthetic paper takes the topic of one real paper, chosen at random:

- its 3-6 sentences are each two real sentences of that paper's eight nearest real
  papers spliced at a word both use ("... a diffusion model | for fast sampling ..."),
  so no real sentence is copied whole;
- its title is two of those papers' titles spliced at a word both use, half of them
  (and all whose first title had one) under a coined "Name:" head; never a real title;
- the names the corpus coins (a word a few real papers use, such as "CoACT" or "NPNet";
  `named_terms`) become names from a pool of 200,000 coined ones, except one in a hundred,
  which is kept as a paper citing it would; names many real papers use ("ImageNet",
  "CLIP") stay, as they do across a field.

Vectors stand in for encodes: a spliced sentence's is the mean of its two sources'
vectors, weighted by the words each gave, and a paper's is the unit mean of its
sentences'. A mean of vectors sits nearer everything than an encode does (the unit mean
of a real abstract's sentence vectors is 0.43 cosine to the other abstracts' on average,
its encode 0.35), so a mean alone would put synthetic papers closer to every question
than real ones. Each mean gets noise orthogonal to it, sized so that synthetic sentences
are on average as close to the real sentences, and synthetic papers to the real papers'
encodes, as real ones are to each other (`_calibrate`). `vector_of` finds a generated
sentence's vector again by its text (for the snapshot's evidence), from a compact table
of the splices (the noise is seeded by the row). Without sentence vectors (text-only
uses) the eight topic papers are drawn at random.

Until 2026-12-07 the synthetic papers were real titles with a number and 3-6 real
sentences: at 1,000,000 papers each real title appeared about 2,100 times and each real
sentence about 1,100 times, so the gold paper of a question had hundreds of copies that
no search could tell from it.
"""

from __future__ import annotations

import random
import string
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

NEIGHBOURS = 8  # real papers a synthetic paper's topic draws its sentences from
NAME_POOL = 200_000  # coined names the field uses
KEEP_NAME = 0.01  # share of a coined real name kept, as a citing paper would
SHARED_NAME = 3  # a name this many real papers use is the field's, kept everywhere
JOINERS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "for",
        "with",
        "that",
        "on",
        "by",
        "from",
        "is",
        "are",
        "we",
        "our",
        "as",
        "this",
        "which",
        "its",
        "via",
    ]
)
_PUNCT = string.punctuation + "“”’‘"
SENTENCE_SEEDS = 1 << 32  # a generated sentence's noise seed: this plus its row


def coined_name(k: int) -> str:
    """The k-th coined name: two or three syllables in CamelCase or capitals, sometimes
    with a number ("ZoraNet", "KEVLI", "Mavito-3")."""
    rng = random.Random(k * 7919 + 13)
    syllables = "".join(
        rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 3))
    )
    style = rng.random()
    if style < 0.4:
        return syllables.capitalize() + rng.choice(("Net", "Former", "GAN", "LM", "Diff", "Seg"))
    if style < 0.7:
        return syllables.upper()[: rng.randint(4, 6)]
    return (
        f"{syllables.capitalize()}-{rng.randint(1, 9)}"
        if style < 0.85
        else (syllables[:3].capitalize() + syllables[3:].upper())
    )


class Field:
    """Synthetic papers around `papers`; `sentence_vectors` maps each real sentence's
    text to its vector (only sentences that have one are drawn)."""

    def __init__(
        self,
        papers: Sequence,
        sentence_vectors: Mapping[str, np.ndarray] | None,
        seed: int = 7,
        encodes: np.ndarray | None = None,
    ):
        from paperchat.text.lexical import named_terms, title_name
        from paperchat.text.sentences import split_sentences

        self._rng = random.Random(seed)
        self._tokens: list[list[str]] = []
        self._of_paper: list[list[int]] = []
        vectors = []
        used_by: Counter[str] = Counter()
        for paper in papers:
            ids, names = [], set(named_terms(paper.title or ""))
            for sentence in split_sentences(paper.abstract):
                if len(sentence) <= 30:
                    continue
                if sentence_vectors is not None:
                    if sentence not in sentence_vectors:
                        continue
                    vectors.append(np.asarray(sentence_vectors[sentence], dtype=np.float32))
                ids.append(len(self._tokens))
                self._tokens.append(sentence.split())
                names.update(named_terms(sentence))
            names.add(title_name(paper.title or ""))
            used_by.update(names - {""})
            self._of_paper.append(ids)
        self._coined = {n for n, c in used_by.items() if c < SHARED_NAME and " " not in n}
        # a title's "Name:" head is replaced whole; the rest is spliced
        heads = [(p.title or "").partition(":") for p in papers]
        self._heads = [h.strip() if sep and len(h.split()) <= 4 else "" for h, sep, _ in heads]
        self._titles = [
            ((rest if head else p.title) or "").split()
            for p, head, (_, _, rest) in zip(papers, self._heads, heads, strict=True)
        ]
        self._real_titles = {p.title for p in papers}
        self._real = {" ".join(tokens) for tokens in self._tokens}
        self._vectors = np.stack(vectors) if vectors else None
        self._topics = self._neighbours()
        # the splices, to find a generated sentence's vector by its text
        self._keys, self._a, self._b, self._wa = array("q"), array("i"), array("i"), array("f")
        self._sorted: tuple[int, np.ndarray, np.ndarray] | None = None
        self.noise = {"sentence": 0.0, "paper": 0.0}
        if self._vectors is not None and encodes is not None:
            self._calibrate(unit(np.asarray(encodes, dtype=np.float32)))

    def _neighbours(self) -> list[list[int]]:
        n = len(self._of_paper)
        if self._vectors is None:
            return [[i, *self._rng.sample(range(n), min(NEIGHBOURS - 1, n - 1))] for i in range(n)]
        dim = self._vectors.shape[1]
        means = np.stack(
            [
                self._vectors[ids].mean(axis=0) if ids else np.zeros(dim, np.float32)
                for ids in self._of_paper
            ]
        )
        means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
        order = np.argsort(-(means @ means.T), axis=1)[:, :NEIGHBOURS]
        return [[i, *(int(j) for j in row if j != i)][:NEIGHBOURS] for i, row in enumerate(order)]

    def _calibrate(self, encodes: np.ndarray, sample: int = 1500) -> None:
        """Noise sizes for which synthetic sentences and papers are as close to the real
        ones (sentence vectors; the papers' chunk encodes) as real ones are to each other."""
        rng, saved = np.random.default_rng(3), (self._rng.getstate(), len(self._keys))
        real = self._vectors[
            rng.choice(len(self._vectors), min(sample, len(self._vectors)), replace=False)
        ]
        mixed = np.stack(
            [self._sentence(self._topics[t], {})[1] for t in rng.choice(len(self._topics), sample)]
        )
        self.noise["sentence"] = _noise_for(mixed, real)
        made = np.stack([v for _, _, v in self.papers(sample)])
        self.noise["paper"] = _noise_for(made, encodes)
        self._rng.setstate(saved[0])  # the field generated after calibrating is the same
        for table in (self._keys, self._a, self._b, self._wa):
            del table[saved[1] :]

    # -- generation --------------------------------------------------------------------

    def papers(self, n: int, first: int = 0) -> Iterator[tuple[object, str, np.ndarray | None]]:
        """Yield (paper, chunk text, vector or None) for n synthetic papers."""
        from paperchat.corpus.paper import Paper

        rng = self._rng
        for i in range(first, first + n):
            topic = self._topics[rng.randrange(len(self._topics))]
            names: dict[str, str] = {}
            drawn = [self._sentence(topic, names) for _ in range(rng.randint(3, 6))]
            paper = Paper(
                id=f"syn:{i:07d}",
                title=self._title(topic, names),
                abstract=" ".join(text for text, _ in drawn),
                published=str(rng.randint(2015, 2025)),
            )
            vector = None
            if self._vectors is not None:
                mean = np.mean([v for _, v in drawn], axis=0, dtype=np.float32)
                vector = _noisy(mean, self.noise["paper"], i)
            yield paper, f"{paper.title}\n{paper.abstract}", vector

    def _sentence(self, topic: list[int], names: dict[str, str]) -> tuple[str, np.ndarray | None]:
        rng = self._rng
        while True:
            a = self._pick(topic)
            cuts = [i for i, w in enumerate(self._tokens[a][2:-3], 2) if w.lower() in JOINERS]
            if not cuts:
                continue
            i = rng.choice(cuts)
            joiner = self._tokens[a][i].lower()
            for _ in range(8):
                b = self._pick(topic)
                tail = self._tokens[b]
                spots = [j for j in range(1, len(tail) - 3) if tail[j].lower() == joiner]
                if b != a and spots:
                    j = rng.choice(spots)
                    words = self._tokens[a][:i] + tail[j:]
                    if " ".join(words) in self._real:  # the two began alike: b itself
                        continue
                    text = " ".join(self._rename(w, names) for w in words)
                    return text, self._remember(text, a, b, i / (i + len(tail) - j))

    def _pick(self, topic: list[int]) -> int:
        while True:
            ids = self._of_paper[self._rng.choice(topic)]
            if ids:
                return self._rng.choice(ids)

    def _title(self, topic: list[int], names: dict[str, str]) -> str:
        rng = self._rng
        titled = [t for t in topic if self._titles[t]] or [topic[0]]
        for _ in range(8):
            first, second = rng.choice(titled), rng.choice(titled)
            a, b = self._titles[first] or ["Untitled"], self._titles[second] or ["Untitled"]
            spots = {w.lower(): j for j, w in enumerate(b[1:], 1)}
            cuts = [
                i
                for i, w in enumerate(a[1:], 1)
                if w.lower() in spots and i + len(b) - spots[w.lower()] >= 5
            ]
            if first != second and cuts:
                joined = a[: (i := rng.choice(cuts))] + b[spots[a[i].lower()] :]
                break
        else:  # no two titles share a word: halves of each
            joined = a[: max(1, len(a) // 2)] + b[len(b) // 2 :]
        title = " ".join(self._rename(w, names) for w in joined)
        if self._heads[first] or title in self._real_titles or rng.random() < 0.5:
            title = f"{self._coin(self._heads[first] or '_title', names)}: {title}"
        return title

    def _rename(self, word: str, names: dict[str, str]) -> str:
        core = word.strip(_PUNCT)
        if core not in self._coined:
            return word
        return word.replace(core, self._coin(core, names))

    def _coin(self, name: str, names: dict[str, str]) -> str:
        if name not in names:
            keep = name != "_title" and self._rng.random() < KEEP_NAME
            names[name] = name if keep else coined_name(self._rng.randrange(NAME_POOL))
        return names[name]

    # -- vectors by text ---------------------------------------------------------------

    def _remember(self, text: str, a: int, b: int, share_a: float) -> np.ndarray | None:
        if self._vectors is None:
            return None
        self._keys.append(hash(text))
        self._a.append(a)
        self._b.append(b)
        self._wa.append(share_a)
        return self._mix(len(self._keys) - 1)

    def _mix(self, row: int) -> np.ndarray:
        a, b, share_a = self._a[row], self._b[row], self._wa[row]
        vector = share_a * self._vectors[a] + (1 - share_a) * self._vectors[b]
        return _noisy(vector, self.noise["sentence"], SENTENCE_SEEDS + row)

    def vector_of(self, text: str) -> np.ndarray | None:
        """The vector of a sentence this field generated (in this process), or None."""
        if self._vectors is None or not self._keys:
            return None
        if self._sorted is None or self._sorted[0] != len(self._keys):
            keys = np.frombuffer(self._keys, dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self._sorted = (len(self._keys), keys[order], order)
        _, keys, order = self._sorted
        at = int(np.searchsorted(keys, hash(text)))
        if at == len(keys) or keys[at] != hash(text):
            return None
        return self._mix(int(order[at]))


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def _noisy(vector: np.ndarray, size: float, seed: int) -> np.ndarray:
    """The unit vector plus noise of norm `size` orthogonal to it, seeded, made unit."""
    base = unit(vector.astype(np.float32))
    if size <= 0:
        return base
    noise = np.random.default_rng(seed).standard_normal(base.shape[0], dtype=np.float32)
    noise -= (noise @ base) * base
    return unit(base + size * unit(noise))


def _noise_for(made: np.ndarray, real: np.ndarray) -> float:
    """The noise norm that brings `made`'s mean cosine to `real` down to `real`'s own
    (orthogonal noise of norm s divides every cosine by about sqrt(1 + s^2))."""
    own = real @ real.T
    target = (own.sum() - np.trace(own)) / (len(real) * (len(real) - 1))
    got = float((unit(made) @ real.T).mean())
    return float(np.sqrt(max((got / target) ** 2 - 1.0, 0.0)))
