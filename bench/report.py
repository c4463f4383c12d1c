"""Turn a results dict into target rows, docs/benchmarks.md and docs/benchmarks.json.

Pure functions of the results, so the report can be re-rendered from a saved JSON
(`python -m bench.report docs/benchmarks.json`) and unit-tested without measuring.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    name: str
    reached: float | None
    unit: str
    target: float | None = None
    op: str = "<="  # "<=" or ">=" (or no target)
    baseline: str = "—"
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None or self.reached is None:
            return None
        return self.reached <= self.target if self.op == "<=" else self.reached >= self.target

    @property
    def miss(self) -> str:
        """By how much a missed target is missed."""
        if self.met is not False:
            return ""
        over = self.reached - self.target if self.op == "<=" else self.target - self.reached
        return f"missed by {(_num(over) + ' ' + self.unit).strip()} ({over / self.target:.0%})"


def _num(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def _get(results: Mapping, path: str):
    node = results
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _per_paper_kib(g) -> float:
    return (g("ingest.evidence_bytes") or 0) / max(g("ingest.papers") or 1, 1) / 1024


def rows(r: Mapping) -> list[Row]:
    """The issue's targets, each with what was reached and what it is compared against."""
    g = lambda path: _get(r, path)  # noqa: E731
    out: list[Row] = []
    if g("ingest"):
        out += [
            Row(
                "ingest (bundled corpus) / raw encode of the same chunks, evidence sentences "
                "and words",
                g("ingest.overhead_ratio"),
                "×",
                1.2,
                baseline=f"raw encode {_num(g('ingest.encode_s'))} s",
                note=f"ingest {_num(g('ingest.ingest_s'))} s, of which "
                f"{_num((g('ingest.ingest_s') or 0) - (g('ingest.encode_s') or 0))} s not encoding"
                " (parse, chunk, Chroma writes, BM25 and evidence snapshot); "
                f"{g('ingest.chunks')} chunks, {g('ingest.sentences')} sentences and "
                f"{g('ingest.words')} words embedded, "
                f"evidence {_num(_per_paper_kib(g))} KiB per paper, "
                f"{g('ingest.embedder')}; each run a first ingest into a fresh data dir, "
                "model loaded and imports done on both sides"
                + (
                    f" (the warm-up ingest, paying chromadb/llama-index/NLTK imports: "
                    f"{_num(g('ingest.first_ingest_in_process_s'))} s)"
                    if g("ingest.first_ingest_in_process_s")
                    else ""
                ),
            ),
            Row(
                "re-ingest, unchanged corpus (`paperchat ingest` process)",
                g("ingest.reingest_cli_s"),
                "s",
                3.0,
                baseline=f"full ingest {_num(g('ingest.ingest_s'))} s",
                note=f"in process: {_num(g('ingest.reingest_in_process_s'))} s, "
                f"{g('ingest.reingest_embedded')} chunks embedded",
            ),
        ]
    if g("encoder"):
        out.append(
            Row(
                "encoder throughput vs sentence-transformers fp32",
                g("encoder.speedup"),
                "×",
                2.0,
                ">=",
                baseline=f"{_num(g('encoder.st_fp32_chunks_per_s'))} chunks/s",
                note=f"{_num(g('encoder.paperchat_chunks_per_s'))} chunks/s "
                f"({g('encoder.embedder')})",
            )
        )
    if g("quality"):
        out.append(
            Row(
                "retrieval quality vs fp32 index (largest change of hit@1, hit@5, MRR@10)",
                g("quality.max_abs_delta"),
                "",
                0.01,
                baseline=f"fp32 hybrid MRR@10 {_num(g('quality.st_fp32.hybrid.mrr@10'))}",
                note=f"paperchat hybrid MRR@10 {_num(g('quality.paperchat.hybrid.mrr@10'))}; "
                f"largest change: {g('quality.largest_delta.method')} "
                f"{g('quality.largest_delta.metric')} {g('quality.largest_delta.delta') or 0:+.3f}"
                f" (one question of {g('quality.paperchat.hybrid.count')} moves a hit rate "
                f"by {1 / (g('quality.paperchat.hybrid.count') or 1):.3f})",
            )
        )
    # (search p50, answer p50, answer p95) in ms: issue 15's in-process figures, and the
    # earlier ones through the HTTP API
    targets = {"in_process": (10, 30, 80), "api": (25, 150, 300)}
    for where, label in (("in_process", "in process"), ("api", "through /api")):
        lat = g(f"latency.{where}")
        search_ms, answer_p50_ms, answer_p95_ms = targets[where]
        if not lat:
            continue
        embed = g("latency.in_process.query_embedding.p50_ms")
        out += [
            Row(
                f"search p50, {label}",
                lat["search"]["p50_ms"],
                "ms",
                search_ms,
                baseline=f"llama-index p50 {_num(g('baseline.search.p50_ms'))} ms",
                note=f"p95 {_num(lat['search']['p95_ms'])} ms; query embedding p50 "
                f"{_num(embed)} ms; {lat['search']['n']} queries",
            ),
            Row(
                f"extractive answer p50, {label}",
                lat["answer_extractive"]["p50_ms"],
                "ms",
                answer_p50_ms,
                note=f"{lat['answer_extractive']['n']} queries"
                + (
                    f"; first pass (per-paper sentence vectors not yet cached) p50 "
                    f"{_num(lat['answer_extractive']['first_pass']['p50_ms'])} ms, p95 "
                    f"{_num(lat['answer_extractive']['first_pass']['p95_ms'])} ms"
                    if "first_pass" in lat["answer_extractive"]
                    else ""
                ),
            ),
            Row(
                f"extractive answer p95, {label}",
                lat["answer_extractive"]["p95_ms"],
                "ms",
                answer_p95_ms,
            ),
        ]
    if g("cold_start"):
        for cmd in ("search", "ask"):
            out.append(
                Row(
                    f"cold start: one-shot `paperchat {cmd}`",
                    g(f"cold_start.{cmd}.median_s"),
                    "s",
                    3.0,
                    baseline=f"`paperchat --help` {_num(g('cold_start.help.median_s'))} s",
                )
            )
    if g("memory.first_answer_s") is not None:
        out.append(
            Row(
                "first answer after a server start",
                g("memory.first_answer_s"),
                "s",
                1.0,
                note="the first `/api/ask` (extractive) once `paperchat serve` accepts "
                f"connections, which took {_num(g('memory.ready_s'))} s from launch",
            )
        )
    if g("memory"):
        out.append(
            Row(
                "server RSS after warm-up (`paperchat serve`)",
                g("memory.rss_mb"),
                "MB",
                1024,
                note=f"peak (VmHWM) {_num(g('memory.peak_rss_mb'))} MB; "
                f"{g('memory.warmup_requests')} warm-up requests",
            )
        )
    for where in ("map", "scale.map"):
        if g(f"{where}.built"):
            out += _map_rows(g, where)
    if g("scale"):
        n = g("scale.papers")
        out += [
            Row(f"scale {n:,}: store insert rate", g("scale.insert_per_s"), "papers/s"),
            Row(
                f"scale {n:,}: BM25 build",
                g("scale.bm25_build_s"),
                "s",
                note=f"snapshot (catalog + BM25 + save) {_num(g('scale.snapshot_build_s'))} s",
            ),
            Row(f"scale {n:,}: search p50", g("scale.search.p50_ms"), "ms"),
            Row(
                f"scale {n:,}: search p95",
                g("scale.search.p95_ms"),
                "ms",
                100,
                note=f"query embedding p50 {_num(g('scale.embed.p50_ms'))} ms",
            ),
            Row(
                f"scale {n:,}: searcher RSS",
                g("scale.search_process.rss_mb"),
                "MB",
                4096,
                note=f"build process peak {_num(g('scale.build_process.peak_rss_mb'))} MB",
            ),
        ]
    return out


def _map_rows(g, where: str) -> list[Row]:
    """The corpus map's load time on one index: first process (builds and saves it),
    next process (loads it), and a warm request."""
    built, saved = f"{where}.built", f"{where}.saved"
    n = g(f"{built}.papers") or 0
    points = f"{g(f'{built}.points'):,} points" + (" (a sample)" if g(f"{built}.sampled") else "")
    return [
        Row(
            f"corpus map {n:,} papers: first `GET /api/map` of a version (builds it)",
            g(f"{built}.api_first_s"),
            "s",
            note=f"{g(f'{built}.clusters')} clusters, {points}, "
            f"{_num((g(f'{built}.json_bytes') or 0) / 1024)} KiB JSON; the UI's first map "
            f"(SVG and year chart) {_num(g(f'{built}.ui_first_s'))} s",
        ),
        Row(
            f"corpus map {n:,} papers: first `GET /api/map` of a later process (saved map)",
            g(f"{saved}.api_first_s"),
            "s",
            note=f"the UI's first map {_num(g(f'{saved}.ui_first_s'))} s; warm request "
            f"{_num(g(f'{saved}.api_warm_ms'))} ms",
        ),
    ]


def _target(row: Row) -> str:
    if row.target is None:
        return "—"
    return f"{'≤' if row.op == '<=' else '≥'} {_num(row.target)} {row.unit}".strip()


def _status(row: Row) -> str:
    return {True: "met", False: "**missed**", None: "—"}[row.met]


def table(rs: list[Row]) -> str:
    lines = [
        "| measure | target | reached | met | baseline | notes |",
        "|---|---|---|---|---|---|",
    ]
    for row in rs:
        note = "; ".join(x for x in (row.miss, row.note) if x)
        reached = f"{_num(row.reached)} {row.unit}".strip()
        cells = (row.name, _target(row), reached, _status(row), row.baseline, note)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def side_by_side(r: Mapping) -> str:
    """paperchat against the plain llama-index baseline, same corpus, embedder, queries."""
    base = _get(r, "baseline")
    if not base:
        return ""
    ours = _get(r, "quality.paperchat.hybrid") or {}
    lines = [
        "| | ingest s | search p50 ms | search p95 ms | hit@1 | hit@5 | MRR@10 |",
        "|---|---|---|---|---|---|---|",
        "| paperchat (hybrid) | {} | {} | {} | {} | {} | {} |".format(
            _num(_get(r, "ingest.ingest_s")),
            _num(_get(r, "latency.in_process.search.p50_ms")),
            _num(_get(r, "latency.in_process.search.p95_ms")),
            *(_num(ours.get(k)) for k in ("hit@1", "hit@5", "mrr@10")),
        ),
        "| paperchat (dense only) | | | | {} | {} | {} |".format(
            *(_num(_get(r, f"quality.paperchat.dense.{k}")) for k in ("hit@1", "hit@5", "mrr@10"))
        ),
        "| llama-index VectorStoreIndex | {} | {} | {} | {} | {} | {} |".format(
            _num(base["ingest_s"]),
            _num(base["search"]["p50_ms"]),
            _num(base["search"]["p95_ms"]),
            *(_num(base["quality"][k]) for k in ("hit@1", "hit@5", "mrr@10")),
        ),
    ]
    return "\n".join(lines)


def render(r: Mapping) -> str:
    m = r.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items() if v)
    load = r.get("loadavg", {})
    parts = [
        "# paperchat benchmarks",
        "",
        f"Written by `make bench{' QUICK=1' if r.get('quick') else ''}` "
        f"({'quick form: fewer runs, queries and synthetic papers' if r.get('quick') else 'full'})"
        f" on {m.get('date', '?')}, in {_num(r.get('total_s'))} s.",
        "",
        f"- machine: {m.get('cores')} cores, {m.get('cpu')}, {m.get('ram_gb')} GB RAM; "
        f"{m.get('os')}",
        f"- Python {m.get('python')}; {versions}",
        f"- load average (1 min) at start {_num(load.get('start'))}, at end "
        f"{_num(load.get('end'))}; figures are medians, and ratios compare runs interleaved "
        "in the same process, so a busy machine slows both sides alike",
        f"- embedder: {_get(r, 'ingest.embedder') or _get(r, 'encoder.embedder')}",
        "",
        "## Targets",
        "",
        table(rows(r)),
        "",
    ]
    if r.get("baseline"):
        parts += [
            "## paperchat against a plain llama-index baseline",
            "",
            "Same corpus, Chroma and embedder; the baseline is `VectorStoreIndex.from_documents`"
            " over a Chroma collection with llama-index defaults, one document per paper "
            "(title and abstract), top-10 retrieval. Quality: paperchat's eval questions "
            f"({_get(r, 'baseline.quality.count')} with gold papers). The baseline embeds "
            f"{_get(r, 'baseline.nodes')} nodes (its 1024-token splitter leaves one per paper)"
            f" where paperchat embeds {_get(r, 'ingest.chunks')} chunks of at most 256 word "
            "pieces, which is most of the ingest-time difference.",
            "",
            side_by_side(r),
            "",
        ]
    if r.get("scale"):
        parts += [
            "## Scale: synthetic papers",
            "",
            f"{_get(r, 'scale.papers'):,} synthetic papers: titles are real titles with a "
            "number, abstracts 3-6 random sentences of the bundled abstracts. Their vectors "
            f"are **{_get(r, 'scale.vectors')}**, not embeddings of their text. Inserted "
            "through paperchat's ChromaStore with ingest's metadata; BM25 snapshot built by "
            "paperchat; searched through the real HybridSearcher in a fresh process "
            "(queries: the eval questions).",
            "",
        ]
    if r.get("errors"):
        parts += ["## Sections that failed", ""]
        parts += [f"- {name}: `{err}`" for name, err in r["errors"].items()]
        parts.append("")
    parts += ["Every figure: `docs/benchmarks.json`.", ""]
    return "\n".join(parts)


def write(results: Mapping, md_path: Path, json_path: Path) -> None:
    md_path.parent.mkdir(parents=True, exist_ok=True)
    data = dict(results) | {"rows": [asdict(row) | {"met": row.met} for row in rows(results)]}
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    from bench.scale_report import kept_section, splice

    kept = kept_section(md_path)  # `make bench-scale`'s section stays
    md_path.write_text(render(results) if kept is None else splice(render(results), kept))


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/benchmarks.json")
    print(render(json.loads(source.read_text())))
