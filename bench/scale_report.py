"""The `make bench-scale` section of docs/benchmarks.md (and docs/benchmarks-scale.json).

The section sits between two markers, so `make bench` (which rewrites the rest of the
file, bench/report.py) keeps it, and a new `make bench-scale` replaces only it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from bench.report import Row, _get, _num, table

BEGIN = "<!-- bench-scale:begin -->"
END = "<!-- bench-scale:end -->"
GB = 1024


def rows(r: Mapping) -> list[Row]:
    n = f"{_get(r, 'papers'):,}"
    replicas = r.get("replicas") or []
    ready = max((x["ready_s"] for x in replicas), default=None)
    loaded = all(x["loaded_shared_snapshot"] for x in replicas) if replicas else None
    return [
        Row(
            f"{n}: write rate (chunks into `chroma run`)",
            _get(r, "write.insert_per_s"),
            "papers/s",
            note=f"{_num(_get(r, 'write.insert_s'))} s for {_get(r, 'write.chunks'):,} chunks",
        ),
        Row(
            f"{n}: snapshot build (papers, BM25, evidence)",
            _get(r, "write.snapshot_build_s"),
            "s",
            note=f"saved to the shared folder, {_num(_get(r, 'write.snapshot_mb'))} MB; "
            f"writer peak RSS {_num(_get(r, 'write.writer_process.peak_rss_mb'))} MB",
        ),
        Row(
            f"{n}: fresh replica ready (first search answered)",
            ready,
            "s",
            60.0,
            note=f"{len(replicas)} replicas, slowest shown; loaded the shared snapshot: {loaded}"
            f" (in {', '.join(_num(x.get('snapshot_load_s')) for x in replicas)} s)",
        ),
        Row(f"{n}: hybrid search p50 (HTTP)", _get(r, "scaled.search.p50_ms"), "ms"),
        Row(
            f"{n}: hybrid search p95 (HTTP)",
            _get(r, "scaled.search.p95_ms"),
            "ms",
            50.0,
            note=f"with since={r.get('since')}: p95 {_num(_get(r, 'scaled.search_since.p95_ms'))}"
            " ms",
        ),
        Row(f"{n}: extractive answer p50 (HTTP)", _get(r, "scaled.answer.p50_ms"), "ms"),
        Row(f"{n}: extractive answer p95 (HTTP)", _get(r, "scaled.answer.p95_ms"), "ms", 150.0),
        Row(
            f"{n}: server RSS (paperchat serve)",
            _get(r, "scaled.server_process.rss_mb"),
            "MB",
            8 * GB,
            note=f"peak {_num(_get(r, 'scaled.server_process.peak_rss_mb'))} MB; chroma run "
            f"{_num(_get(r, 'chroma_server.rss_mb'))} MB",
        ),
        Row(
            f"{n}: hit@5, eval questions",
            _get(r, "scaled.quality.hit_at_5"),
            "",
            _get(r, "bundled.quality.hit_at_5"),
            ">=",
            note=f"target: the 466-paper figure; {_get(r, 'scaled.quality.hits')} of "
            f"{_get(r, 'scaled.quality.questions')}; gold in the top 50: "
            f"{_num(_get(r, 'scaled.quality.hit_at_50'))} (466 alone: "
            f"{_num(_get(r, 'bundled.quality.hit_at_50'))})",
        ),
        Row(
            f"{n}: hit@5, lookups (one paper described)",
            _get(r, "scaled.quality.hit_at_5_by_type.lookup.hit_at_5"),
            "",
            _get(r, "bundled.quality.hit_at_5_by_type.lookup.hit_at_5"),
            ">=",
            note="target: the 466-paper figure; "
            + ", ".join(
                f"{t} {_num(v['hit_at_5'])} (466: "
                f"{_num(_get(r, f'bundled.quality.hit_at_5_by_type.{t}.hit_at_5'))})"
                for t, v in sorted((_get(r, "scaled.quality.hit_at_5_by_type") or {}).items())
                if t != "lookup"
            ),
        ),
        Row(
            "466 (bundled alone): hit@5 / search p95 / answer p95",
            _get(r, "bundled.quality.hit_at_5"),
            "",
            note=f"search p95 {_num(_get(r, 'bundled.search.p95_ms'))} ms, answer p95 "
            f"{_num(_get(r, 'bundled.answer.p95_ms'))} ms, same HTTP path",
        ),
    ]


def stream_rows(r: Mapping) -> list[Row]:
    """Streaming ingest (bench/stream.py), when the run measured it."""
    if not r.get("stream"):
        return []
    n = f"{_get(r, 'stream.standin.records'):,} arXiv records"
    standin, encoder = _get(r, "stream.standin"), _get(r, "stream.encoder")
    per_1000 = 1000 / encoder["papers_per_s"] if encoder else None
    reader = standin.get("reader_peak_rss_mb")
    return [
        Row(
            f"streaming ingest, {n}: rate (stand-in vectors)",
            standin["papers_per_s"],
            "papers/s",
            note=f"{_num(standin['seconds'])} s; until the snapshot "
            f"{_num(standin['write_phase_papers_per_s'])} papers/s",
        ),
        Row(
            f"streaming ingest, {n}: peak RSS",
            standin["peak_rss_mb"] + (reader or 0),
            "MB",
            2 * GB,
            note=f"ingest process {_num(standin['peak_rss_mb'])} MB "
            f"({_num(standin['peak_rss_mb_after_writes'])} MB before the snapshot)"
            + (
                f" + reader process {_num(reader)} MB (shared pages counted twice)"
                if reader
                else ""
            ),
        ),
        Row(
            f"streaming ingest, {n}: cores busy",
            standin["cores_busy"],
            "of 2",
            note="CPU seconds of the ingest and its reader process over the wall time",
        ),
        Row(
            "streaming ingest with the default encoder: time per 1,000 papers",
            per_1000,
            "s",
            note=f"{_get(r, 'stream.encoder.records'):,} records, "
            f"{_get(r, 'stream.encoder.vectors')}; {_num(encoder['cores_busy'])} cores busy"
            if encoder
            else "",
        ),
        Row(
            "streaming ingest: chunks embedded twice after a SIGKILL half-way",
            _get(r, "stream.resume.embedded_twice"),
            "",
            0,
            note=f"{_get(r, 'stream.resume.records'):,} records; "
            f"{_get(r, 'stream.resume.stored_when_killed'):,} chunks stored when killed, "
            f"{_get(r, 'stream.resume.embedded_on_resume'):,} embedded on resume, of "
            f"{_get(r, 'stream.resume.chunks'):,}",
        ),
    ]


def render(r: Mapping) -> str:
    m = r.get("machine", {})
    agree = r.get("agreement", {})
    projected = (
        1_000_000 / r["write"]["insert_per_s"] / 60 if _get(r, "write.insert_per_s") else None
    )
    return "\n".join(
        [
            BEGIN,
            "## Scale: replicas on one Chroma server (`make bench-scale`)",
            "",
            f"Written by `make bench-scale SCALE_PAPERS={r.get('papers')}` on "
            f"{m.get('date', '?')} in {_num(r.get('total_s'))} s ({m.get('cores')} cores, "
            f"{m.get('ram_gb')} GB RAM; load average {_num(_get(r, 'loadavg.start'))} at "
            f"start, {_num(_get(r, 'loadavg.end'))} at end). {r.get('papers'):,} papers in "
            "one `chroma run` server: the 466 bundled papers with their real chunks and "
            "vectors among "
            "synthetic ones: bench/field.py's generated field, each paper on the topic of "
            "a real one, its 3-6 sentences each two real sentences of that paper's eight "
            "nearest spliced at a shared word, its title two of their titles spliced, the "
            "corpus's own names replaced by coined ones (one in a hundred kept), so no real "
            "title or sentence is copied whole; **vectors that are not encodes of their "
            "text** but weighted means of the real sentences' vectors, with noise sized so "
            "synthetic papers are as close to the real ones as real ones are to each other "
            f"(noise {_num(_get(r, 'write.synthetic_noise.sentence'))} per sentence, "
            f"{_num(_get(r, 'write.synthetic_noise.paper'))} per paper). Their sentence "
            "vectors in the evidence are looked up, not encoded "
            f"({_get(r, 'write.evidence_sentences_not_found')} sentences not found and "
            f"random, and {_get(r, 'write.evidence_words_not_found')} words, mostly coined "
            "names). Until 2026-12-07 the synthetic papers were real titles with a number "
            "and 3-6 real sentences: each real title about 2,100 times at 1,000,000, which "
            "no search can tell from the paper it copies (hit@5 0.625 then). The "
            "writer is bench/scale_million.py writing what ingest writes, in ingest's "
            "order (chunks, search breadth, the version's snapshot into the shared "
            "PAPERCHAT_SNAPSHOT_DIR, the version stamp). Replicas are `paperchat serve` "
            "processes with their own data dirs, timed from their start to their first "
            f"answered search; queries are the eval questions ({r.get('queries')} per "
            f"series, after 10 warm-up); answers are `--mode extractive`. The two replicas "
            f"gave identical search results and answers for {agree.get('identical')} of "
            f"{agree.get('compared')} questions.",
            "",
            f"Write rate projected to 1,000,000 papers: {_num(projected)} min of inserts "
            "(linear; HNSW insertion slows as the graph grows, so this is a floor).",
            "",
            table(rows(r) + stream_rows(r)),
            *(_stream_paragraph(r) if r.get("stream") else []),
            "",
            "Every figure: `docs/benchmarks-scale.json`.",
            END,
        ]
    )


def _stream_paragraph(r: Mapping) -> list[str]:
    return [
        "",
        f"Streaming ingest (bench/stream.py, measured {_get(r, 'stream.when')}, load "
        f"{_num(_get(r, 'stream.loadavg.start'))} at start): `paperchat ingest`'s own code "
        "on generated arXiv-format JSON Lines (real titles with a number, 4-9 real "
        "sentences), each size in a fresh process into an embedded Chroma; **the vectors "
        "are pre-computed stand-ins** except in the encoder row. From 5,000 papers a "
        "forked child process reads and chunks while the ingest process embeds and "
        "writes. The resume row kills an ingest with SIGKILL half-way and runs it again.",
    ]


def splice(markdown: str, section: str) -> str:
    """The markdown with its bench-scale section replaced by `section` (or appended)."""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(markdown):
        return pattern.sub(lambda _: section, markdown)
    return markdown.rstrip("\n") + "\n\n" + section + "\n"


def kept_section(md_path: Path) -> str | None:
    """The bench-scale section already in the file, for `make bench` to keep."""
    if not md_path.exists():
        return None
    found = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), md_path.read_text(), re.S)
    return found.group(0) if found else None


def write(results: Mapping, md_path: Path) -> None:
    md_path.with_name("benchmarks-scale.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n"
    )
    old = md_path.read_text() if md_path.exists() else "# paperchat benchmarks\n"
    md_path.write_text(splice(old, render(results)))


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/benchmarks-scale.json")
    print(render(json.loads(source.read_text())))
