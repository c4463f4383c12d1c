"""GET /api/map over real HTTP on the bundled corpus (MiniLM index): the whole corpus in
clusters, every point a paper the API serves, the same map on every call, and
/openapi.json describing it."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow

MAP_KEYS = {"version", "papers", "mapped", "sampled", "clusters", "points", "years", "undated"}


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def corpus_map(client) -> dict:
    reply = client.get("/api/map")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    return reply.json()


def test_the_map_covers_the_whole_corpus(client, corpus_map):
    assert set(corpus_map) == MAP_KEYS
    health = client.get("/healthz").json()
    assert corpus_map["papers"] == health["papers"] == 466
    assert sum(c["count"] for c in corpus_map["clusters"]) == corpus_map["mapped"] == 466
    assert len(corpus_map["points"]) == 466 and corpus_map["sampled"] is False
    assert 12 <= len(corpus_map["clusters"]) <= 20
    assert {p["cluster"] for p in corpus_map["points"]} == {c["id"] for c in corpus_map["clusters"]}
    years = corpus_map["years"]
    assert sum(y["papers"] for y in years) + corpus_map["undated"] == 466
    assert [y["year"] for y in years] == sorted(y["year"] for y in years)


def test_clusters_have_labels_from_their_titles(corpus_map):
    for cluster in corpus_map["clusters"]:
        titles = " ".join(
            p["title"].lower() for p in corpus_map["points"] if p["cluster"] == cluster["id"]
        )
        terms = cluster["label"].split(", ")
        assert terms and all(t.lower() in titles for t in terms), cluster
        assert 0 <= cluster["x"] <= 1 and 0 <= cluster["y"] <= 1


def test_every_point_is_a_paper_of_the_corpus(client, corpus_map):
    for point in corpus_map["points"][::60]:
        paper = client.get(f"/api/papers/{point['id']}").json()
        assert point["title"] == (paper["title"] or f"(untitled) {paper['abstract'][:70]}…")
        assert point["year"] == (int(paper["published"][:4]) if paper["published"] else None)


def test_the_map_is_the_same_on_every_call(client, corpus_map):
    assert client.get("/api/map").json() == corpus_map


def test_openapi_describes_the_map(client):
    spec = client.get("/openapi.json").json()
    get = spec["paths"]["/api/map"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CorpusMap"
    )
    assert {"clusters", "points", "years"} <= set(
        spec["components"]["schemas"]["CorpusMap"]["properties"]
    )
