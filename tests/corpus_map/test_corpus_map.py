"""The corpus map from a real Evidence over papers in known topics: determinism, counts
that cover the whole corpus, the point cap, labels taken from the titles, and HTML that
shows hostile titles as text."""

from __future__ import annotations

import re
import zlib
from html.parser import HTMLParser

import numpy as np
import pytest

from paperchat.corpus.paper import Paper
from paperchat.corpus_map.build import CorpusMaps, build_corpus_map, cluster_count
from paperchat.corpus_map.labels import cluster_labels
from paperchat.index.evidence import Evidence, PaperVectors, unit_rows
from paperchat.index.keyword import KeywordIndex
from paperchat.index.snapshot import IndexSnapshot
from paperchat.ui.corpus_map import corpus_map_html

TOPICS = {
    "graph": "Graph neural networks for {} message passing",
    "diffusion": "Diffusion sampling of {} images with fewer denoising steps",
    "pruning": "Pruning {} weights of language models without retraining",
}
HOSTILE = '<img src=x onerror=alert(1)> "quoted" & <script>alert(2)</script> graph {}'


def _embed(seed: int):
    """Sentences about one topic land near that topic's direction (a fixed random one);
    other texts (the evidence's single words) anywhere."""
    rng = np.random.default_rng(seed)
    axes = {t: rng.normal(size=64) for t in TOPICS}

    def embed(texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            topic = next((t for t in TOPICS if t in text.lower()), None)
            noise = np.random.default_rng(zlib.crc32(text.encode())).normal(size=64)
            out.append((axes[topic] + 0.25 * noise) if topic else noise)
        return unit_rows(np.array(out))

    return embed


def _snapshot(per_topic: int = 20, extra: list[Paper] = ()) -> IndexSnapshot:
    papers = {}
    for topic, title in TOPICS.items():
        for i in range(per_topic):
            pid = f"{topic}:{i}"
            papers[pid] = Paper(
                id=pid,
                title=title.format(f"case {i}"),
                abstract=f"We study {topic} in setting {i}. Our {topic} method works well.",
                published=str(2018 + i % 6) if i % 5 else None,
            )
    papers.update({p.id: p for p in extra})
    evidence = Evidence.build(papers, _embed(3))
    texts = [(f"{pid}#0", pid, p.abstract) for pid, p in papers.items() if p.abstract]
    return IndexSnapshot("v1", papers, KeywordIndex.build(texts, 10), evidence)


@pytest.fixture(scope="module")
def snapshot() -> IndexSnapshot:
    return _snapshot(extra=[Paper(id="empty:0", title="No abstract at all", abstract="")])


def test_the_map_is_the_same_every_time(snapshot):
    assert build_corpus_map(snapshot) == build_corpus_map(snapshot)


def test_the_map_reads_vectors_a_batch_at_a_time(snapshot, monkeypatch):
    """Never every paper's vector at once (1.5 GB at a million): batches of seven give
    the map that one batch gives."""
    whole = build_corpus_map(snapshot)
    batches = PaperVectors.batches
    monkeypatch.setattr(PaperVectors, "batches", lambda self: batches(self, 7))
    batched = build_corpus_map(snapshot)
    assert batched.clusters == whole.clusters
    assert [(p.id, p.cluster) for p in batched.points] == [(p.id, p.cluster) for p in whole.points]
    np.testing.assert_allclose(
        [(p.x, p.y) for p in batched.points], [(p.x, p.y) for p in whole.points], atol=2e-4
    )


def test_counts_cover_every_paper_with_a_vector(snapshot):
    corpus = build_corpus_map(snapshot)
    assert corpus.papers == 61 and corpus.mapped == 60  # the empty abstract is not placed
    assert sum(c.count for c in corpus.clusters) == corpus.mapped
    assert len(corpus.points) == 60 and not corpus.sampled
    assert [c.id for c in corpus.clusters] == sorted(c.id for c in corpus.clusters)
    counts = [c.count for c in corpus.clusters]
    assert counts == sorted(counts, reverse=True)  # cluster 0 is the largest
    assert sum(y.papers for y in corpus.years) + corpus.undated == corpus.papers
    assert all(0 <= v <= 1 for p in corpus.points for v in (p.x, p.y))
    assert len(corpus.clusters) == cluster_count(60)


def test_clusters_keep_topics_apart_and_are_labelled_by_their_titles(snapshot):
    corpus = build_corpus_map(snapshot)
    topics_of: dict[int, set[str]] = {}
    for point in corpus.points:
        topics_of.setdefault(point.cluster, set()).add(point.id.split(":")[0])
    assert all(len(topics) == 1 for topics in topics_of.values()), topics_of
    titles = " ".join(p.title for p in snapshot.papers.values()).lower()
    for cluster in corpus.clusters:
        (topic,) = topics_of[cluster.id]
        words = cluster.label.split(", ")
        assert words and all(w.lower() in titles for w in words), cluster.label
        assert topic in cluster.label.lower() or len(topics_of) > len(TOPICS)


def test_points_are_capped_and_counts_still_cover_the_corpus(snapshot):
    corpus = build_corpus_map(snapshot, max_points=10)
    assert len(corpus.points) == 10 and corpus.sampled
    assert sum(c.count for c in corpus.clusters) == 60
    full = {p.id: p for p in build_corpus_map(snapshot).points}
    assert all(full[p.id] == p for p in corpus.points)  # a sample, placed the same


def test_a_large_corpus_sends_at_most_the_point_cap():
    n, dim = 12_000, 32
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(6, dim))
    vectors = unit_rows(centres[rng.integers(6, size=n)] + 0.3 * rng.normal(size=(n, dim)))
    papers = {f"p{i}": Paper(id=f"p{i}", title=f"Paper {i}", abstract="x.") for i in range(n)}
    evidence = Evidence(
        papers, {pid: ["x."] for pid in papers}, {f"p{i}": i for i in range(n)},
        vectors.astype(np.float16), {}, [],
    )  # fmt: skip
    corpus = build_corpus_map(IndexSnapshot("big", papers, None, evidence))
    assert corpus.mapped == n and corpus.sampled and len(corpus.points) == 5_000
    assert sum(c.count for c in corpus.clusters) == n
    assert len(corpus.clusters) == cluster_count(n) == 20


def test_the_map_is_kept_per_version(snapshot):
    maps = CorpusMaps()
    first = maps.get(snapshot)
    assert maps.get(snapshot) is first
    moved = IndexSnapshot("v2", snapshot.papers, snapshot.keyword, snapshot.evidence)
    assert maps.get(moved) is not first and maps.get(moved).version == "v2"


def test_labels_are_title_words_only():
    titles = [HOSTILE.format(i) for i in range(4)] + ["Sparse attention for long context"] * 3
    labels = cluster_labels(titles, [0, 0, 0, 0, 1, 1, 1], 2)
    assert all(re.fullmatch(r"[\w-]+(, [\w-]+)*", label) for label in labels), labels
    assert "graph" in labels[0].split(", ")
    assert set(labels[1].split(", ")) <= {"sparse", "attention", "long", "context"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


MAP_TAGS = {"div", "p", "svg", "g", "circle", "text", "ol", "li", "span", "img"}


def test_hostile_titles_are_text_in_the_map_html():
    hostile = [
        Paper(id=f"graph:x{i}", title=HOSTILE.format(i), abstract="A graph model.")
        for i in range(3)
    ]
    snapshot = _snapshot(per_topic=6, extra=hostile)
    html = corpus_map_html(build_corpus_map(snapshot))
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in MAP_TAGS, tag
        assert not any(name.startswith("on") or name in ("href", "style") for name in attrs)
        if tag == "img":  # the year chart: a PNG drawn from counts
            assert attrs["class"] == "pc-map-years"
            assert attrs["src"].startswith("data:image/png;base64,")
        else:
            assert "src" not in attrs
    titles = [attrs["data-title"] for tag, attrs in parser.tags if "data-title" in attrs]
    assert " ".join(HOSTILE.format(0).split()) in titles  # shown as the title, verbatim text
    assert "<img src=x" not in html and "<script>" not in html


@pytest.mark.parametrize("per_topic", [1, 2])
def test_a_tiny_corpus_still_maps(per_topic):
    corpus = build_corpus_map(_snapshot(per_topic=per_topic) if per_topic > 1 else _one_paper())
    assert sum(c.count for c in corpus.clusters) == corpus.mapped == len(corpus.points)
    assert all(0 <= v <= 1 for p in corpus.points for v in (p.x, p.y))


def _one_paper() -> IndexSnapshot:
    paper = Paper(id="graph:0", title="Graph networks", abstract="A graph model works.")
    evidence = Evidence.build({paper.id: paper}, _embed(3))
    keyword = KeywordIndex.build([("graph:0#0", paper.id, paper.abstract)], 10)
    return IndexSnapshot("v1", {paper.id: paper}, keyword, evidence)
