"""The page-dump parser on the bundled corpus and on the layouts' edge cases."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperchat.corpus.listing import parse_listing
from paperchat.corpus.paper import Paper

# Established by reading the files: 000 has one `Abstract:` line per paper, 001-003
# one title+abstract block per paper, 004 one title line + one abstract line each.
LISTINGS = {"000": 10, "001": 65, "002": 74, "003": 64, "004": 266}
FURNITURE = ("new", "Subscribe", "Daily Papers", "Get trending", "byAK", "Submitted by", "·")
DATE = re.compile(r"[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?")


def _file(corpus_dir: Path, prefix: str) -> Path:
    (path,) = corpus_dir.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="module")
def listings(corpus_dir: Path) -> dict[str, list[Paper]]:
    results = {prefix: parse_listing(_file(corpus_dir, prefix)) for prefix in LISTINGS}
    assert all(not result.problems for result in results.values())
    return {prefix: result.papers for prefix, result in results.items()}


def _one(papers: list[Paper], title: str) -> Paper:
    (paper,) = [p for p in papers if p.title == title]
    return paper


@pytest.mark.parametrize(("prefix", "count"), LISTINGS.items())
def test_listing_count_per_file(listings: dict[str, list[Paper]], prefix: str, count: int) -> None:
    assert len(listings[prefix]) == count


def test_total_listings(listings: dict[str, list[Paper]]) -> None:
    assert sum(len(papers) for papers in listings.values()) == 479


def test_titles_only_where_the_layout_has_them(listings: dict[str, list[Paper]]) -> None:
    assert all(p.title is None for p in listings["000"])
    for prefix in ("001", "002", "003", "004"):
        assert all(p.title for p in listings[prefix])


def test_furniture_never_becomes_a_title_or_abstract(listings: dict[str, list[Paper]]) -> None:
    papers = [p for papers in listings.values() for p in papers]
    for paper in papers:
        for text in filter(None, (paper.title, paper.abstract)):
            assert not text.startswith(FURNITURE), text
            assert not DATE.fullmatch(text), text
        assert not paper.abstract.startswith("Abstract:")
        assert len(paper.abstract) > 500


def test_glued_furniture_is_split_off_the_first_title(listings: dict[str, list[Paper]]) -> None:
    first = listings["004"][0]
    assert first.title == (
        "MaskingDepth: Masked Consistency Regularization for Semi-supervised "
        "Monocular Depth Estimation"
    )
    assert first.sources == ["004_6024741fff7e755c.txt:3"]


def test_author_count_date_and_code_link(listings: dict[str, list[Paper]]) -> None:
    erase = _one(
        listings["002"],
        "ERASE: Error-Resilient Representation Learning on Graphs for Label Noise Tolerance",
    )
    assert erase.author_count == 8
    assert erase.published == "2023-12-13"
    assert erase.code_url == "https://github.com/eraseai/erase"
    assert erase.abstract.endswith("Codes are released at https://github.com/eraseai/erase.")
    assert erase.sources == ["002_9925cb3bdcf201cd.txt:13"]


def test_listing_without_metadata_leaves_it_to_the_next(listings: dict[str, list[Paper]]) -> None:
    papers = listings["002"]
    bare = _one(
        papers,
        "ConceptMaster: Multi-Concept Video Customization on Diffusion Transformer Models "
        "Without Test-Time Tuning",
    )
    assert (bare.author_count, bare.published) == (None, None)
    following = _one(
        papers,
        "Learning from Label Proportions: Bootstrapping Supervised Learners via Belief Propagation",
    )
    assert (following.author_count, following.published) == (5, "2023-10-12")


def test_yearless_dates_are_the_page_year_and_upvotes_ignored(
    listings: dict[str, list[Paper]],
) -> None:
    # "Apr 8 3": this year's date (the page shows years only for other years) + 3 upvotes.
    # The latest year written in the file is 2024, so the page is from 2025.
    assert _one(listings["002"], "DDT: Decoupled Diffusion Transformer").published == "2025-04-08"
    tts = _one(
        listings["003"],
        "TTS-VAR: A Test-Time Scaling Framework for Visual Auto-Regressive Generation",
    )
    assert tts.published == "2025-07-24"


def test_page_date_is_not_a_paper_date(listings: dict[str, list[Paper]]) -> None:
    # 001 shows only the page's own date ("Mar 12") above its first paper.
    assert all(p.published is None and p.author_count is None for p in listings["001"])


def test_latex_is_cleaned_everywhere(listings: dict[str, list[Paper]]) -> None:
    for paper in (p for papers in listings.values() for p in papers):
        for text in filter(None, (paper.title, paper.abstract)):
            for leftover in ("\\", "``", "texttt{", "textit{", "mathcal{", "~("):
                assert leftover not in text, (paper.sources, leftover)


def test_code_urls_are_clean(listings: dict[str, list[Paper]]) -> None:
    urls = [p.code_url for papers in listings.values() for p in papers if p.code_url]
    assert len(urls) > 100
    assert all(url.startswith("https://") and url[-1] not in ".,;:)}'\"" for url in urls)


def _parse(tmp_path: Path, text: str) -> list[Paper]:
    path = tmp_path / "page.txt"
    path.write_text(text)
    return parse_listing(path).papers


ABSTRACT = "We study a problem that matters. " * 5


def test_furniture_glued_only_before_a_capital(tmp_path: Path) -> None:
    text = f"SubscribeDaily PapersNice Title\n{ABSTRACT}\nSubscriber Churn Models\n{ABSTRACT}x\n"
    assert [p.title for p in _parse(tmp_path, text)] == ["Nice Title", "Subscriber Churn Models"]


def test_title_after_abstract_prefix_and_crlf(tmp_path: Path) -> None:
    text = f"A Title\r\n\r\nAbstract: {ABSTRACT}\r\n  • 1 authors\r\n·\r\nSep 13, 2023 3\r\n"
    (paper,) = _parse(tmp_path, text)
    assert (paper.title, paper.author_count, paper.published) == ("A Title", 1, "2023-09-13")
    assert paper.abstract == ABSTRACT.strip()


def test_yearless_date_without_any_year_in_file_stays_unknown(tmp_path: Path) -> None:
    (paper,) = _parse(tmp_path, f"Title\n\n{ABSTRACT}\n\n  • 2 authors\n·\nAug 2\n")
    assert (paper.author_count, paper.published) == (2, None)


def test_impossible_date_is_unknown_not_wrong(tmp_path: Path) -> None:
    (paper,) = _parse(tmp_path, f"Title\n\n{ABSTRACT}\n\n  • 2 authors\n·\nFeb 30, 2023\n")
    assert (paper.author_count, paper.published) == (2, None)


def test_stray_short_line_is_a_problem_not_a_paper(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(f"Title\n\n{ABSTRACT}\n\nSome stray words\n")
    result = parse_listing(path)
    assert len(result.papers) == 1
    (problem,) = result.problems
    assert problem.line == 5 and "Some stray words" in problem.message


@given(st.text())
def test_parser_never_raises_on_arbitrary_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "x.txt"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = parse_listing(path)
    for paper in result.papers:
        assert paper.abstract and paper.sources
