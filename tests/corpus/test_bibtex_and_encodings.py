"""Input as people save it (issue 17, item 6): an arXiv record whose update_date does not
parse keeps its paper without the date; UTF-16 without a byte-order mark is detected."""

from __future__ import annotations

import json
from pathlib import Path

from paperchat.corpus import load_corpus
from paperchat.corpus.arxiv_jsonl import parse_arxiv_jsonl

ABSTRACT = "We study zebrafish fin regeneration and find that blastema cells drive it. " * 2
RECORD = {"id": "2401.00001", "title": "Fins", "abstract": ABSTRACT}


def test_unparsable_update_date_keeps_the_paper_and_drops_only_the_date(tmp_path: Path):
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps(RECORD | {"update_date": "15/01/2024"}) + "\n")
    result = parse_arxiv_jsonl(src)
    assert [p.id for p in result.papers] == ["arxiv:2401.00001"]
    assert result.papers[0].published is None and result.papers[0].title == "Fins"
    assert [p.line for p in result.problems] == [1]
    assert "update_date '15/01/2024'" in result.problems[0].message
    assert "paper kept" in result.problems[0].message


def test_utf16_without_a_byte_order_mark_loads(tmp_path: Path):
    for codec in ("utf-16-le", "utf-16-be"):
        text = f"Título {codec}\n\n{ABSTRACT} Saved as {codec}.\n"
        (tmp_path / f"{codec}.txt").write_bytes(text.encode(codec))
    (tmp_path / "records.jsonl").write_bytes((json.dumps(RECORD) + "\n").encode("utf-16-le"))
    result = load_corpus([tmp_path])
    assert not result.problems, result.problems
    assert {p.title for p in result.papers} == {"Título utf-16-le", "Título utf-16-be", "Fins"}


def test_utf16_like_bytes_that_do_not_decode_are_reported_as_such(tmp_path: Path):
    # An unpaired surrogate (0xD800) in otherwise UTF-16-LE looking text.
    (tmp_path / "broken.txt").write_bytes(
        ("Title and abstract " * 4).encode("utf-16-le") + b"\x00\xd8" * 2
    )
    result = load_corpus([tmp_path])
    assert not result.papers
    assert "UTF-16-LE without a byte-order mark" in str(result.problems[0])
