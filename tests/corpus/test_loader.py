"""load_corpus and parse_file: directories, file types and bad input as Problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from paperchat.corpus import LoadResult, Problem, load_corpus, parse_file

ABSTRACT = "We propose a method and show that it works on three benchmarks. " * 3
RECORD = {
    "id": "2401.00001",
    "title": "A Record",
    "abstract": "A different abstract, long enough to count.",
}


def test_bundled_corpus(corpus_dir: Path) -> None:
    result = load_corpus([corpus_dir])
    assert isinstance(result, LoadResult)
    assert (len(result.files), result.listings, len(result.papers)) == (5, 479, 466)
    assert result.problems == []
    assert all(p.abstract.strip() for p in result.papers)


def test_ids_are_stable_across_runs_and_file_sets(corpus_dir: Path, tmp_path: Path) -> None:
    first = load_corpus([corpus_dir])
    assert [p.id for p in load_corpus([corpus_dir]).papers] == [p.id for p in first.papers]
    # The golden-noise paper keeps its id whether it comes from 000, 003 or both.
    (golden,) = [p for p in first.papers if "golden noises" in p.abstract]
    for name in ("000_37464bde20aa6253.txt", "003_9ecc379acc57e212.txt"):
        alone = load_corpus([corpus_dir / name])
        assert golden.id in {p.id for p in alone.papers}


def test_directory_recursion_sorted_and_hidden_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / ".cache").mkdir()
    (tmp_path / "b" / "deeper" / "page.txt").write_text(f"Deep Title\n\n{ABSTRACT}\n")
    (tmp_path / "a.jsonl").write_text(json.dumps(RECORD) + "\n")
    (tmp_path / ".hidden.txt").write_text(f"Hidden\n\n{ABSTRACT}x\n")
    (tmp_path / ".cache" / "page.txt").write_text(f"Cached\n\n{ABSTRACT}y\n")
    result = load_corpus([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in result.files] == [
        "a.jsonl",
        "b/deeper/page.txt",
    ]
    assert sorted(p.title for p in result.papers) == ["A Record", "Deep Title"]
    assert result.problems == []


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(f"Title\n\n{ABSTRACT}\n")
    result = load_corpus([tmp_path, page])
    assert (len(result.files), result.listings) == (1, 1)


def test_bad_input_is_problems_not_exceptions(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# not a corpus file\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.bib").write_text("\n  \n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.jsonl").write_bytes('{"abstract": "caf\xe9"}\n'.encode("latin-1"))
    (tmp_path / "good.txt").write_text(f"Title\n\n{ABSTRACT}\n")
    missing = tmp_path / "missing.bib"
    result = load_corpus([tmp_path, missing])
    assert [p.title for p in result.papers] == ["Title"]
    messages = {Path(p.path).name: p.message for p in result.problems}
    assert set(messages) == {
        "notes.md",
        "empty.txt",
        "blank.bib",
        "image.txt",
        "latin1.jsonl",
        "missing.bib",
    }
    assert all(p.line is None for p in result.problems)  # each one concerns the whole file
    assert (
        messages["notes.md"]
        == "unsupported file type '.md'; supported: .bib, .json, .jsonl, .txt — file skipped"
    )
    assert messages["empty.txt"] == messages["blank.bib"] == "empty file — nothing to load"
    assert messages["image.txt"].startswith("binary content")
    assert messages["latin1.jsonl"] == "not UTF-8 text (bad byte at line 1) — file skipped"
    assert messages["missing.bib"] == "no such file or directory — skipped"


def test_utf16_file_from_a_windows_editor_loads(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(f"Título\n\n{ABSTRACT}\n", encoding="utf-16")
    (paper,) = load_corpus([tmp_path]).papers
    assert paper.title == "Título" and paper.sources == ["page.txt:1"]


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    # A directory named like a corpus file cannot be read as one (IsADirectoryError).
    (tmp_path / "dir.txt").mkdir()
    result = parse_file(tmp_path / "dir.txt")
    (problem,) = result.problems
    assert problem.message.startswith("cannot read file (") and problem.line is None


def test_parse_file_picks_the_parser_by_extension(tmp_path: Path, corpus_dir: Path) -> None:
    shutil.copy(corpus_dir / "000_37464bde20aa6253.txt", tmp_path / "LISTING.TXT")
    (tmp_path / "x.json").write_text(json.dumps([RECORD]))
    assert len(parse_file(tmp_path / "LISTING.TXT").papers) == 10
    assert [p.id for p in parse_file(tmp_path / "x.json").papers] == ["arxiv:2401.00001"]
    (problem,) = parse_file(tmp_path / "README").problems
    assert "unsupported file type (no extension)" in problem.message


def test_problem_str_names_file_and_line() -> None:
    problem = Problem(
        "data/x.jsonl", 12, "invalid JSON (Expecting value, column 1) — record skipped"
    )
    assert (
        str(problem) == "data/x.jsonl:12: invalid JSON (Expecting value, column 1) — record skipped"
    )
    assert (
        str(Problem("data/y.bib", None, "empty file — nothing to load"))
        == "data/y.bib: empty file — nothing to load"
    )
