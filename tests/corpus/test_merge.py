"""Merging: one Paper per paper, across files and formats, with stable ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperchat.corpus.listing import parse_listing
from paperchat.corpus.merge import merge_papers
from paperchat.corpus.paper import Paper, paper_id


@pytest.fixture(scope="module")
def listed(corpus_dir: Path) -> list[Paper]:
    return [p for path in sorted(corpus_dir.glob("*.txt")) for p in parse_listing(path).papers]


@pytest.fixture(scope="module")
def merged(listed: list[Paper]) -> list[Paper]:
    return merge_papers(listed)


def test_479_listings_are_466_papers(listed: list[Paper], merged: list[Paper]) -> None:
    assert len(listed) == 479
    assert len(merged) == 466
    assert len({p.id for p in merged}) == 466
    assert sum(len(p.sources) for p in merged) == 479
    assert [p.id for p in merged] == sorted(p.id for p in merged)


def test_which_papers_are_listed_more_than_once(merged: list[Paper]) -> None:
    repeated = {p.title: len(p.sources) for p in merged if len(p.sources) > 1}
    assert len(repeated) == 12
    assert repeated["Compressing Features for Learning with Noisy Labels"] == 3
    assert sum(repeated.values()) - len(repeated) == 479 - 466


def test_golden_noise_gets_its_title_from_the_other_file(merged: list[Paper]) -> None:
    (paper,) = [p for p in merged if "golden noises" in p.abstract]
    assert paper.title == "Golden Noise for Diffusion Models: A Learning Framework"
    assert paper.sources == ["000_37464bde20aa6253.txt:1", "003_9ecc379acc57e212.txt:53"]
    assert (paper.author_count, paper.published) == (6, "2024-11-14")
    # 000 spells it `\textit{noise prompt dataset}~(NPD)`, 003 `noise prompt dataset~(NPD)`.
    assert "noise prompt dataset (NPD)" in paper.abstract
    assert paper.id == paper_id(abstract=paper.abstract)


def test_merge_does_not_depend_on_input_order(listed: list[Paper], merged: list[Paper]) -> None:
    assert merge_papers(list(reversed(listed))) == merged


def _paper(abstract: str, source: str, **fields) -> Paper:
    ids = {k: v for k, v in fields.items() if k in ("arxiv_id", "doi")}
    return Paper(
        id=paper_id(abstract=abstract, **ids), abstract=abstract, sources=[source], **fields
    )


def test_same_arxiv_id_merges_even_with_different_abstracts() -> None:
    # The listing matches the dump by abstract, the BibTeX entry matches it by arXiv id.
    listing = _paper(
        "A short ABSTRACT -- revised", "page.txt:10", author_count=3, published="2023-05-04"
    )
    record = _paper("A short abstract, revised.", "dump.jsonl:2", arxiv_id="2305.01234",
                    title="T", authors=["A B", "C D"], published="2023-05")  # fmt: skip
    again = _paper("The journal's wording.", "refs.bib:7", arxiv_id="2305.01234")
    (paper,) = merge_papers([listing, record, again])
    assert paper.id == "arxiv:2305.01234"
    assert paper.abstract == "A short ABSTRACT -- revised"  # the longest variant
    assert paper.published == "2023-05-04"  # the most precise date
    assert (paper.authors, paper.author_count) == (["A B", "C D"], 2)
    assert paper.sources == ["dump.jsonl:2", "page.txt:10", "refs.bib:7"]


def test_doi_links_records_and_case_is_ignored() -> None:
    one = _paper("First wording.", "a.bib:1", doi="10.1/ABC")
    two = _paper("Second wording.", "b.bib:1", doi="10.1/abc")
    (paper,) = merge_papers([one, two])
    assert paper.id == "doi:10.1/abc"


def test_sources_sort_by_line_number() -> None:
    papers = [_paper("Same text.", "f.txt:10"), _paper("same   TEXT", "f.txt:9")]
    (paper,) = merge_papers(papers)
    assert paper.sources == ["f.txt:9", "f.txt:10"]
    assert paper.id == paper_id(abstract="Same text.")


def test_different_abstracts_stay_apart_even_without_latin_letters() -> None:
    papers = [_paper("一种新的方法。", "a.txt:1"), _paper("完全不同的论文。", "a.txt:2")]
    assert len(merge_papers(papers)) == 2
