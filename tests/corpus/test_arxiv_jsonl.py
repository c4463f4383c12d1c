"""arXiv metadata snapshot records (the Kaggle dump's fields) into Papers."""

from __future__ import annotations

import json
from pathlib import Path

from paperchat.corpus.arxiv_jsonl import parse_arxiv_jsonl

DIPHOTON = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n"
    "  LHC energies",
    "comments": "37 pages, 15 figures; published version",
    "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009",
    "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\n"
    "presented for the production of massive photon pairs at hadron colliders.\n",
    "versions": [
        {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
        {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
    ],
    "update_date": "2008-11-13",
    "authors_parsed": [
        ["Balázs", "C.", ""],
        ["Berger", "E. L.", ""],
        ["Nadolsky", "P. M.", ""],
        ["Yuan", "C. -P.", ""],
    ],
}
GOLDEN = {
    "id": "2411.09502",
    "authors": "Zikai Zhou, Shitong Shao, Lichen Bai, Zhiqiang Xu, Bo Han and Zeke Xie",
    "title": "Golden Noise for Diffusion Models: A Learning Framework",
    "abstract": "Text-to-image diffusion model is a popular paradigm. Some noises are\n"
    "``golden noises'' and we learn a \\textit{noise prompt}~(NP) for them.",
    "categories": "cs.LG cs.CV",
    "comments": "Code: https://github.com/xie-lab-ml/Golden-Noise-for-Diffusion-Models",
    "update_date": "2024-11-15",
}


def _write(tmp_path: Path, lines: list[str], name: str = "snapshot.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fields_of_a_snapshot_record(tmp_path: Path) -> None:
    (paper,) = parse_arxiv_jsonl(_write(tmp_path, [json.dumps(DIPHOTON)])).papers
    assert paper.id == "arxiv:0704.0001"
    assert paper.arxiv_id == "0704.0001"
    assert paper.url == "https://arxiv.org/abs/0704.0001"
    assert (
        paper.title
        == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.author_count == 4
    assert paper.published == "2007-04-02"  # the first version, not update_date
    assert paper.categories == ["hep-ph"]
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.code_url is None
    assert paper.sources == ["snapshot.jsonl:1"]


def test_authors_string_update_date_and_code_link_in_comments(tmp_path: Path) -> None:
    (paper,) = parse_arxiv_jsonl(_write(tmp_path, [json.dumps(GOLDEN)])).papers
    assert paper.authors == [
        "Zikai Zhou",
        "Shitong Shao",
        "Lichen Bai",
        "Zhiqiang Xu",
        "Bo Han",
        "Zeke Xie",
    ]
    assert paper.published == "2024-11-15"
    assert paper.categories == ["cs.LG", "cs.CV"]
    assert paper.abstract.endswith('"golden noises" and we learn a noise prompt (NP) for them.')
    assert paper.code_url == "https://github.com/xie-lab-ml/Golden-Noise-for-Diffusion-Models"


def test_bad_records_are_skipped_with_their_line(tmp_path: Path) -> None:
    lines = [
        json.dumps(DIPHOTON),
        "",
        '{"id": "2401.00001", "title": "Cut off',
        json.dumps({"id": "2401.00002", "title": "No abstract here"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": 2401.00003, "abstract": "An id that is a number."}),
        json.dumps(GOLDEN | {"id": "2411.09502v3"}),
    ]
    result = parse_arxiv_jsonl(_write(tmp_path, lines))
    assert [p.id for p in result.papers] == ["arxiv:0704.0001", "arxiv:2411.09502"]
    assert result.papers[1].sources == ["snapshot.jsonl:7"]
    assert [(p.line, p.message.split(" (")[0].split(" —")[0]) for p in result.problems] == [
        (3, "invalid JSON"),
        (4, "no abstract"),
        (5, "expected a JSON object, got list"),
        (6, "field 'id' is not a string"),
    ]
    assert str(result.problems[0]).startswith(f"{tmp_path / 'snapshot.jsonl'}:3: invalid JSON (")
    assert str(result.problems[0]).endswith("— record skipped")


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([DIPHOTON, GOLDEN], indent=2))
    result = parse_arxiv_jsonl(path)
    assert [p.arxiv_id for p in result.papers] == ["0704.0001", "2411.09502"]
    assert result.papers[0].sources == ["export.json:2"]
    assert not result.problems


def test_broken_json_array_keeps_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("[\n" + json.dumps(DIPHOTON) + ",\n{oops}\n]")
    result = parse_arxiv_jsonl(path)
    assert [p.arxiv_id for p in result.papers] == ["0704.0001"]
    assert [p.line for p in result.problems] == [3]


def test_record_without_id_gets_an_abstract_hash(tmp_path: Path) -> None:
    record = {k: v for k, v in GOLDEN.items() if k != "id"}
    (paper,) = parse_arxiv_jsonl(_write(tmp_path, [json.dumps(record)])).papers
    assert paper.id.startswith("h") and paper.url is None
