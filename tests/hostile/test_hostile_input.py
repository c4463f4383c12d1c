"""Hostile and broken corpus files through `paperchat ingest PATH` (the CLI's own entry
point, in this process): each gives a clear error or a skipped-with-reason warning that
names the file, a sensible exit code, and never costs a paper already stored."""

from __future__ import annotations

import gzip
import json
import os
import random
import sys
from pathlib import Path

import pytest
from helpers import arxiv_record, write_jsonl

from paperchat.build import build_searcher, build_store, index_stats, run_ingest
from paperchat.cli import main

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + bytes(64)
LONG = "A perfectly ordinary sentence about sparse routing in mixture of experts models. "


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _dir(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


# name → (make the input under a folder, the reason the message must give)
REFUSED = {
    "empty-file": (lambda d: _text(d / "empty.jsonl", ""), "empty file"),
    "whitespace-only": (lambda d: _text(d / "blank.bib", " \n\t\n  "), "empty file"),
    "random-bytes": (
        lambda d: _bytes(d / "random.jsonl", random.Random(8).randbytes(8192)),
        "binary content",
    ),
    "png-as-txt": (lambda d: _bytes(d / "figure.txt", PNG), "binary content"),
    "gzip-as-jsonl": (
        lambda d: _bytes(
            d / "dump.jsonl", gzip.compress(json.dumps(arxiv_record(1, "x")).encode())
        ),
        "gzip-compressed, not a text file: decompress it first",
    ),
    "nul-bytes": (
        lambda d: _bytes(d / "nul.txt", b"Title\n\n" + LONG.encode() + b"\x00" + LONG.encode()),
        "binary content",
    ),
    "latin-1": (
        lambda d: _bytes(d / "latin1.txt", f"Caf\xe9 title\n\n{LONG}".encode("latin-1")),
        "not UTF-8 text",
    ),
    "wrong-extension": (lambda d: _bytes(d / "paper.pdf", b"%PDF-1.4\n"), "unsupported file type"),
    "no-extension": (lambda d: _text(d / "README", LONG), "unsupported file type (no extension)"),
    "empty-directory": (lambda d: _dir(d / "nothing", {}), "no files in this directory"),
    "directory-without-papers": (
        lambda d: _dir(d / "docs", {"notes.md": "# notes", ".hidden.jsonl": "{}"}),
        "unsupported file type '.md'",
    ),
    "fifo": (lambda d: _fifo(d / "pipe.jsonl"), "not a regular file"),
    "missing": (lambda d: d / "typo.jsonl", "no such file or directory"),
    "one-megabyte-line": (
        lambda d: _text(d / "huge.txt", "Huge\n\n" + "wörd\u202e\U0001f600 " * 130_000),
        "far longer than any real abstract",
    ),
    "jsonl-all-bad-records": (
        lambda d: _text(
            d / "bad.jsonl",
            "[1, 2]\n"
            '"just a string"\n'
            '{"id": {"nested": 1}, "abstract": "An abstract that is fine."}\n'
            '{"abstract": 42}\n'
            '{"title": "no abstract"}\n' + "[" * 100_000 + "]" * 100_000 + "\n{not json\n",
        ),
        "bad.jsonl:1",
    ),
    "megabyte-title": (
        lambda d: write_jsonl(d / "t.jsonl", [arxiv_record(1, "x", title="Title " * 170_000)]),
        "title of 1,019,999 characters",
    ),
    "bibtex-broken": (
        lambda d: _text(d / "broken.bib", "@article{k1, title={Unclosed, abstract={x\n@@@\n}}}}"),
        "broken.bib",
    ),
}

ACCEPTED = {
    "control-characters": arxiv_record(
        9001,
        "control characters",
        title="Control \x01\x07 chars \x1b[31mred\x1b[0m",
        abstract="An abstract with \x00 NUL, \x08 backspace, \x1b[2J ANSI escapes and \x7f DEL.",
    ),
    "astral-and-rtl": arxiv_record(
        9002,
        "astral planes",
        title="𝒜𝒮 astral \u202etitle\u202c",
        abstract="𠀀 CJK extension B, 💩 emoji, RTL \u202eoverride\u202c, \u2066isolate\u2069.",
    ),
    "long-title": arxiv_record(9003, "long titles", title="Title words " * 150),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """An index with three papers, copied for each test."""
    root = tmp_path_factory.mktemp("hostile-base")
    corpus = write_jsonl(root / "base.jsonl", [arxiv_record(n, "sparse routing") for n in range(3)])
    from paperchat.settings import Settings

    settings = Settings(data_dir=root / "data", embed_model="hash")
    run_ingest(settings, [corpus])
    return settings


@pytest.fixture
def settings(base, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(base.data_dir, tmp_path / "data")
    monkeypatch.setenv("PAPERCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERCHAT_EMBED_MODEL", "hash")
    return base.model_copy(update={"data_dir": tmp_path / "data"})


def ingest(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["paperchat", "ingest", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def _state(settings) -> tuple[set[str], list[str]]:
    store = build_store(settings)
    return {p.id for p in store.papers()}, json.loads(store.info()["sources"])


@pytest.mark.parametrize("name", REFUSED)
def test_input_without_papers_is_refused_naming_file_and_reason(
    name, settings, tmp_path, monkeypatch, capsys
):
    make, reason = REFUSED[name]
    folder = tmp_path / "in"
    folder.mkdir()
    path = make(folder)
    before = _state(settings)
    code, out, err = ingest(monkeypatch, capsys, str(path))
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert err.startswith("error: no papers found in ")
    assert str(path.resolve()) in err and reason in err, err
    assert "the index is unchanged" in err
    assert _state(settings) == before  # same papers, and the bad path is not remembered
    again = run_ingest(settings)  # the next plain run is quiet and changes nothing
    assert not again.problems and not again.changed


@pytest.mark.parametrize("name", ACCEPTED)
def test_odd_but_valid_records_are_ingested_cleanly(name, settings, tmp_path, monkeypatch, capsys):
    record = ACCEPTED[name]
    path = write_jsonl(tmp_path / f"{name}.jsonl", [record])
    before, _ = _state(settings)
    code, _, err = ingest(monkeypatch, capsys, str(path))
    assert code == 0 and "Traceback" not in err, err
    after, sources = _state(settings)
    assert after == before | {f"arxiv:{record['id']}"}
    assert str(path.resolve()) in sources
    paper = build_searcher(settings).papers[f"arxiv:{record['id']}"]
    text = f"{paper.title} {paper.abstract}"
    assert not any(ord(c) < 32 or ord(c) == 127 for c in text), repr(text[:200])
    if name == "astral-and-rtl":
        assert "𠀀" in paper.abstract and "💩" in paper.abstract and "𝒜𝒮" in paper.title
    assert index_stats(settings)["chunks"] <= len(after) * 4  # no runaway chunking


def test_mixed_file_keeps_good_records_and_names_each_bad_line(
    settings, tmp_path, monkeypatch, capsys
):
    good = arxiv_record(7001, "good records")
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"abstract": 42}),
        "[" * 50_000 + "]" * 50_000,
        json.dumps(arxiv_record(7002, "huge", abstract="x " * 20_000)),
    ]
    path = _text(tmp_path / "mixed.jsonl", "\n".join(lines) + "\n")
    before, _ = _state(settings)
    code, out, err = ingest(monkeypatch, capsys, str(path))
    assert code == 0, err
    assert _state(settings)[0] == before | {"arxiv:2401.07001"}
    for line in (2, 3, 4, 5):
        assert f"mixed.jsonl:{line}:" in err, err
    assert "Skipped 4 records" in out


def test_a_good_file_next_to_bad_ones_is_ingested_and_only_it_remembered(
    settings, tmp_path, monkeypatch, capsys
):
    good = write_jsonl(tmp_path / "good.jsonl", [arxiv_record(8001, "good company")])
    bad = [REFUSED[n][0](tmp_path) for n in ("png-as-txt", "wrong-extension", "missing")]
    before, remembered = _state(settings)
    code, _, err = ingest(monkeypatch, capsys, str(good), *map(str, bad))
    assert code == 0, err
    for path in bad:
        assert f"warning: {path}" in err
    after, sources = _state(settings)
    assert after == before | {"arxiv:2401.08001"}
    assert sources == [*remembered, str(good.resolve())]
