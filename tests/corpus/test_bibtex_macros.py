"""BibTeX as people write it (issue 17, item 6): `@string` macros joined with `#`, month
macros, `crossref` children, and LaTeX math, read the way BibTeX itself reads them."""

from __future__ import annotations

from pathlib import Path

from paperchat.corpus.bibtex import parse_bibtex

MACROS = r"""@string{absprefix = "We study"}
@STRING{ venue = {Neural Information Processing Systems} }

@inproceedings{spectral2021,
  title     = {Spectral Clustering at Scale},
  author    = {Ng, Andrew},
  booktitle = "Advances in " # venue,
  year      = 2021,
  month     = jan,
  abstract  = absprefix # " spectral clustering on graphs with billions of edges."
}

@article{range2020,
  title    = {Months as Ranges},
  year     = {2020},
  month    = sep # "--" # oct,
  abstract = {We study how journals write their issue months.}
}
"""

CROSSREF = r"""@inproceedings{child2023,
  author   = {Lovelace, Ada},
  title    = {Engines of Analysis},
  crossref = {Proc2023},
  abstract = {We describe an analytical engine.}
}

@inproceedings{bare2023,
  author   = {Babbage, Charles},
  crossref = {proc2023}
}

@proceedings{proc2023,
  title     = {Proceedings of the Workshop on Engines},
  booktitle = {Proceedings of the Workshop on Engines},
  year      = {2023},
  month     = jun,
  doi       = {10.1000/proc.2023},
  url       = {https://example.org/proc2023},
  abstract  = {The workshop's papers on engines, analytical and otherwise.}
}
"""


def _parse(tmp_path: Path, text: str):
    path = tmp_path / "refs.bib"
    path.write_text(text)
    return parse_bibtex(path)


def test_string_macros_and_concatenation_expand(tmp_path: Path) -> None:
    result = _parse(tmp_path, MACROS)
    assert not result.problems, result.problems
    paper = result.papers[0]
    assert paper.abstract == "We study spectral clustering on graphs with billions of edges."
    assert paper.sources == ["refs.bib:4"]


def test_month_macros_give_the_month(tmp_path: Path) -> None:
    papers = _parse(tmp_path, MACROS).papers
    assert [p.published for p in papers] == ["2021-01", "2020-09"]


def test_crossref_child_inherits_what_it_lacks_from_its_parent(tmp_path: Path) -> None:
    result = _parse(tmp_path, CROSSREF)
    child, bare, parent = result.papers
    # Its own title and abstract stay; the year and month come from the proceedings.
    assert child.title == "Engines of Analysis"
    assert child.abstract == "We describe an analytical engine."
    assert child.published == "2023-06"
    # What identifies the proceedings is not its papers': they keep ids of their own.
    assert parent.doi == "10.1000/proc.2023"
    assert (child.doi, child.url, bare.doi, bare.url) == (None, None, None, None)
    assert len({child.id, bare.id, parent.id}) == 3
    # A child with no title or abstract of its own takes the parent's and is not skipped.
    assert bare.title == "Proceedings of the Workshop on Engines"
    assert bare.abstract == parent.abstract
    assert bare.authors == ["Charles Babbage"]
    assert bare.sources == ["refs.bib:8"]
    assert not result.problems, result.problems


def test_crossref_to_a_missing_entry_is_reported_and_the_paper_kept(tmp_path: Path) -> None:
    text = "@article{orphan,\n  crossref = {nowhere},\n  abstract = {We stand alone.}\n}\n"
    result = _parse(tmp_path, text)
    assert [p.abstract for p in result.papers] == ["We stand alone."]
    assert [(p.line, p.message) for p in result.problems] == [
        (
            1,
            "entry 'orphan': crossref 'nowhere' is not in this file — "
            "nothing inherited, paper kept",
        )
    ]


def test_latex_math_reads_as_text(tmp_path: Path) -> None:
    text = r"""@article{math2022,
  title    = {Bounds for $x\in\mathbb{R}^d$ in $O(n\log n)$ Time},
  abstract = {We learn a mask $m_i$ with $\alpha\in\{0,1\}$ and $\|x\|_2\leq\epsilon$.}
}
"""
    (paper,) = _parse(tmp_path, text).papers
    assert paper.title == "Bounds for x in R^d in O(n log n) Time"
    assert paper.abstract == "We learn a mask m_i with alpha in {0,1} and |x|_2 leq epsilon."


def test_an_undefined_macro_is_a_problem_of_that_entry_only(tmp_path: Path) -> None:
    text = MACROS.replace('absprefix # " spectral', 'absprefx # "We study spectral')
    result = _parse(tmp_path, text)
    # BibTeX reads an undefined macro as empty text; the entry says which one, and loads.
    assert [p.abstract for p in result.papers] == [
        "We study spectral clustering on graphs with billions of edges.",
        "We study how journals write their issue months.",
    ]
    assert [(p.line, p.message) for p in result.problems] == [
        (
            4,
            "entry 'spectral2021': undefined @string macro 'absprefx' in abstract — read as "
            "empty, paper kept; define it with @string{absprefx = ...}",
        )
    ]


def test_a_string_that_breaks_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    text = '@string{broken = "no end}\n\n' + MACROS
    result = _parse(tmp_path, text)
    assert len(result.papers) == 2
    assert [p.line for p in result.problems] == [1]
    assert "skipped" in result.problems[0].message
