"""One bad file or record never breaks ingest (issue 17, item 4).

A symlink loop, a compressed file under a text name, or a record that turns malformed
is a Problem naming the file (and line); the rest loads, and the index keeps what it
already had from that file or record. Real embedded Chroma, hash embedder.
"""

from __future__ import annotations

import gzip
import json
import os

import pytest
from helpers import arxiv_record, write_jsonl

from paperchat.build import build_searcher, index_stats, run_ingest
from paperchat.errors import InputError


def _ids(settings) -> set[str]:
    return set(build_searcher(settings).papers)


def test_symlink_loop_given_as_a_path_is_reported_not_raised(make_settings, tmp_path):
    settings = make_settings()
    loop = tmp_path / "loop.jsonl"
    os.symlink(loop, loop)
    good = write_jsonl(tmp_path / "good.jsonl", [arxiv_record(1, "routing")])

    report = run_ingest(settings, [loop, good])
    assert report.papers == 1
    assert any("symbolic link loop" in str(p) and "loop.jsonl" in str(p) for p in report.problems)
    assert report.sources == [str(good)]  # the loop is not remembered

    with pytest.raises(InputError, match="symbolic link loop"):  # alone: a clear refusal
        run_ingest(settings, [loop])
    assert index_stats(settings)["papers"] == 1


def test_symlink_loop_inside_a_remembered_folder_breaks_nothing(make_settings, tmp_path):
    settings = make_settings()
    folder = tmp_path / "papers"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [arxiv_record(1, "routing")])
    run_ingest(settings, [folder])

    os.symlink(folder / "loop.jsonl", folder / "loop.jsonl")
    os.symlink(folder / "dirloop", folder / "dirloop")
    write_jsonl(folder / "b.jsonl", [arxiv_record(2, "pruning")])  # a good file added later
    report = run_ingest(settings)  # the remembered folder, re-read
    assert report.deleted == 0 and report.embedded > 0
    assert _ids(settings) == {"arxiv:2401.00001", "arxiv:2401.00002"}
    messages = [str(p) for p in report.problems]
    assert any("loop.jsonl" in m and "link" in m for m in messages), messages
    assert any("dirloop" in m for m in messages), messages
    assert run_ingest(settings).problems  # and every later run still works


def test_compressed_file_under_a_remembered_name_keeps_its_papers(make_settings, tmp_path):
    settings = make_settings()
    src = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(n, "routing") for n in range(3)])
    run_ingest(settings, [src])
    src.write_bytes(gzip.compress(src.read_bytes()))

    report = run_ingest(settings)
    assert report.deleted == 0 and report.kept > 0
    assert [str(p) for p in report.problems] == [
        f"{src}: gzip-compressed, not a text file: decompress it first — file skipped"
    ]
    assert index_stats(settings)["papers"] == 3


def test_a_new_gzip_file_is_refused_and_not_remembered(make_settings, tmp_path):
    settings = make_settings()
    good = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(1, "routing")])
    run_ingest(settings, [good])
    packed = tmp_path / "more.jsonl"
    packed.write_bytes(gzip.compress(json.dumps(arxiv_record(2, "x")).encode()))
    with pytest.raises(InputError, match="gzip-compressed"):
        run_ingest(settings, [packed])
    assert run_ingest(settings).sources == [str(good)]


def test_record_turned_malformed_keeps_its_indexed_paper(make_settings, tmp_path):
    settings = make_settings()
    records = [arxiv_record(n, "routing") for n in range(1, 4)]
    src = write_jsonl(tmp_path / "a.jsonl", records)
    run_ingest(settings, [src])

    lines = src.read_text().splitlines()
    lines[1] = lines[1][:-9]  # record 2 loses its end: invalid JSON on line 2
    lines[2] = json.dumps(records[2] | {"abstract": "We now study pruning instead. " * 3})
    src.write_text("\n".join(lines) + "\n")

    report = run_ingest(settings)
    assert [p.line for p in report.problems] == [2]
    assert report.deleted == 0 and report.kept > 0 and report.embedded > 0  # record 3 changed
    assert _ids(settings) == {f"arxiv:2401.0000{n}" for n in (1, 2, 3)}

    src.write_text("\n".join([lines[0], lines[2]]) + "\n")  # record 2 removed on purpose
    report = run_ingest(settings)
    assert not report.problems and report.deleted > 0
    assert _ids(settings) == {"arxiv:2401.00001", "arxiv:2401.00003"}


def test_bibtex_entry_turned_malformed_keeps_its_indexed_paper(make_settings, tmp_path):
    settings = make_settings()
    entry = "@article{{k{n},\n  title = {{Paper {n}}},\n  abstract = {{{text}}},\n}}\n"
    texts = ["Routing in sparse experts holds up well.", "Pruning large models is cheap."]
    src = tmp_path / "refs.bib"
    src.write_text("".join(entry.format(n=n, text=t) for n, t in enumerate(texts)))
    run_ingest(settings, [src])
    before = _ids(settings)

    src.write_text(entry.format(n=0, text=texts[0]) + "@article{k1,\n  title = {Paper 1,\n")
    report = run_ingest(settings)
    assert report.problems and all(p.line is not None for p in report.problems)
    assert report.deleted == 0
    assert _ids(settings) == before and len(before) == 2
