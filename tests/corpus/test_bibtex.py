"""BibTeX entries with abstracts into Papers; bad entries become Problems."""

from __future__ import annotations

from pathlib import Path

from paperchat.corpus.bibtex import parse_bibtex

BIB = r"""% exported from a reference manager
@article{zhou2024golden,
  title         = {{Golden Noise} for Diffusion Models: A Learning Framework},
  author        = {Zhou, Zikai and Shao, Shitong and Bai, Lichen and Xie, Zeke},
  year          = {2024},
  month         = nov,
  eprint        = {2411.09502v2},
  archivePrefix = {arXiv},
  primaryClass  = {cs.LG},
  abstract      = {Some noises are ``golden noises''. We learn a \textit{noise prompt}~(NP).
                   Code: https://github.com/xie-lab-ml/Golden-Noise-for-Diffusion-Models.}
}

@inproceedings{noabstract2020,
  title  = {A Paper Without an Abstract},
  author = {Person, A.},
  year   = {2020}
}

@article{broken2021,
  title  = {Unclosed title
  author = {Nobody},

@inproceedings{erdos2019,
  title     = "On {R}andom {G}raphs",
  author    = {Erd{\H{o}}s, P{\'a}l and R{\'e}nyi, Alfr{\'e}d and M{\"u}ller, J.},
  booktitle = {Proceedings},
  year      = 2019,
  month     = {March},
  doi       = {https://doi.org/10.1000/XYZ.123},
  url       = {https://example.org/erdos},
  abstract  = {We study random graphs with $n$ vertices and $p = \frac{c}{n}$.}
}

@misc{zhou2024golden,
  title    = {A Different Paper Reusing a Key},
  author   = {Else, Someone},
  url      = {https://arxiv.org/abs/2301.00001v1},
  abstract = {This entry reuses a citation key but is a different paper.}
}
"""


def _parse(tmp_path: Path, text: str = BIB):
    path = tmp_path / "refs.bib"
    path.write_text(text)
    return parse_bibtex(path)


def test_fields_of_an_arxiv_entry(tmp_path: Path) -> None:
    paper = _parse(tmp_path).papers[0]
    assert paper.id == "arxiv:2411.09502"
    assert paper.arxiv_id == "2411.09502"
    assert paper.url == "https://arxiv.org/abs/2411.09502"
    assert paper.title == "Golden Noise for Diffusion Models: A Learning Framework"
    assert paper.authors == ["Zikai Zhou", "Shitong Shao", "Lichen Bai", "Zeke Xie"]
    assert paper.author_count == 4
    assert paper.published == "2024-11"
    assert paper.categories == ["cs.LG"]
    assert paper.abstract.startswith(
        'Some noises are "golden noises". We learn a noise prompt (NP). Code:'
    )
    assert paper.code_url == "https://github.com/xie-lab-ml/Golden-Noise-for-Diffusion-Models"
    assert paper.sources == ["refs.bib:2"]


def test_accents_braces_doi_and_month_name(tmp_path: Path) -> None:
    paper = _parse(tmp_path).papers[1]
    assert paper.title == "On Random Graphs"
    assert paper.authors == ["Pál Erdős", "Alfréd Rényi", "J. Müller"]
    assert paper.doi == "10.1000/XYZ.123"
    assert paper.id == "doi:10.1000/xyz.123"
    assert paper.url == "https://example.org/erdos"
    assert paper.published == "2019-03"
    assert paper.abstract == "We study random graphs with n vertices and p = c/n."
    assert paper.sources == ["refs.bib:24"]


def test_reused_key_still_loads_and_arxiv_id_from_url(tmp_path: Path) -> None:
    paper = _parse(tmp_path).papers[2]
    assert paper.title == "A Different Paper Reusing a Key"
    assert paper.arxiv_id == "2301.00001"
    assert paper.sources == ["refs.bib:35"]


def test_missing_abstract_and_malformed_entry_are_problems(tmp_path: Path) -> None:
    result = _parse(tmp_path)
    assert len(result.papers) == 3
    assert [(p.line, p.message) for p in result.problems] == [
        (14, "entry 'noabstract2020' has no abstract — skipped"),
        (
            20,
            "malformed entry (Unexpected block start: `@inproceedings`. "
            "Was still looking for field-value closing `}`) — skipped",
        ),
    ]
    assert (
        str(result.problems[0])
        == f"{tmp_path / 'refs.bib'}:14: entry 'noabstract2020' has no abstract — skipped"
    )


def test_garbage_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = _parse(tmp_path, "@article{x, title = {unterminated\n@@@{{{ }}} ,,, @misc{")
    assert result.papers == []
    assert result.problems and all(p.path.endswith("refs.bib") for p in result.problems)
