"""The streamed corpus: the same merged papers as load_corpus, read a line at a time."""

from __future__ import annotations

import json

import paperchat.corpus.arxiv_jsonl as arxiv_jsonl
from paperchat.corpus.arxiv_jsonl import iter_arxiv_jsonl, parse_arxiv_jsonl
from paperchat.corpus.loader import load_corpus
from paperchat.corpus.stream import scan_corpus


def _record(n: int, **extra) -> dict:
    return {"id": f"2402.{n:05d}", "title": f"Paper {n}", "abstract": f"Study {n} of x. " * 4}


def _write(path, records, tail: bytes = b"") -> None:
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)


def _dump(papers):
    return sorted((p.model_dump() for p in papers), key=lambda d: d["id"])


def test_scan_yields_load_corpus_papers_merged_across_files(tmp_path, corpus_dir):
    # one paper listed in two files (same arXiv id, richer second record), one by DOI
    _write(tmp_path / "a.jsonl", [_record(1), _record(2), {**_record(3), "doi": "10.1/X"}])
    _write(
        tmp_path / "b.jsonl",
        [{**_record(1), "categories": "cs.LG"}, _record(4), {**_record(9), "doi": "10.1/x"}],
    )
    paths = [corpus_dir, tmp_path]
    loaded, scan = load_corpus(paths), scan_corpus(paths)
    streamed = list(scan.iter_papers())
    assert _dump(streamed) == _dump(loaded.papers)
    assert (scan.papers, scan.listings) == (len(loaded.papers), loaded.listings)
    assert [str(p) for p in scan.problems] == [str(p) for p in loaded.problems]
    assert {"a.jsonl", "b.jsonl"} <= scan.named
    merged = next(p for p in streamed if p.id == "arxiv:2402.00001")
    assert merged.categories == ["cs.LG"] and len(merged.sources) == 2


def test_plain_jsonl_is_read_line_by_line(tmp_path, monkeypatch):
    path = tmp_path / "big.jsonl"
    _write(path, [_record(n) for n in range(50)], tail=b"{broken\n")
    expected = parse_arxiv_jsonl(path)

    def whole_file(_path):
        raise AssertionError("a plain JSON Lines file must not be read whole")

    monkeypatch.setattr(arxiv_jsonl, "read_source", whole_file)
    items = list(iter_arxiv_jsonl(path))
    assert [p for p in items if hasattr(p, "abstract")] == expected.papers
    assert [str(p) for p in items if hasattr(p, "message")] == [str(p) for p in expected.problems]
    assert "big.jsonl:51" in str(expected.problems[0])


def test_bad_utf8_deep_in_the_file_still_skips_the_whole_file(tmp_path):
    path = tmp_path / "late.jsonl"
    _write(path, [_record(n) for n in range(3000)], tail=b'{"id": "\xff"}\n')
    items = list(iter_arxiv_jsonl(path))
    assert len(items) == 1 and items[0].line is None
    assert "not UTF-8 text (bad byte at line 3001)" in items[0].message
