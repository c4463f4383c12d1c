"""clean_text turns scraped LaTeX into readable text; extract_code_url finds code links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperchat.corpus.clean import clean_text, extract_code_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Markup as it occurs in the bundled corpus.
        (r"termed the \textit{noise prompt}, which", "termed the noise prompt, which"),
        (r"some noises are ``golden noises'' that", 'some noises are "golden noises" that'),
        (r"dataset}~(NPD) that", "dataset (NPD) that"),
        (r"\textit{noise prompt dataset}~(NPD) that", "noise prompt dataset (NPD) that"),
        (r"via texttt{D}ual-texttt{H}ead texttt{O}ptimization", "via Dual-Head Optimization"),
        (r"\textit{\textbf{In the first stage}}, we", "In the first stage, we"),
        (
            r"a \color{ddtD}ecoupled \color{ddtT}ransformer~(\color{ddtDDT})",
            "a Decoupled Transformer (DDT)",
        ),
        (
            r"risk of mathcal{O}(mathcal{C_{Phi circ Psi}/n}) for",
            "risk of O(C_{Phi circ Psi}/n) for",
        ),
        (r"the lens of {\em dynamical stability} (Wu", "the lens of dynamical stability (Wu"),
        (r"artifacts, \eg, nonphysical", "artifacts, e.g., nonphysical"),
        (r"up to 1.26\% in accuracy", "up to 1.26% in accuracy"),
        (r"the `data singularity' attribute", "the 'data singularity' attribute"),
        ("found at blue{https://github.com/a/DSL}.", "found at https://github.com/a/DSL."),
        (
            "at https://github.com/a/b.git{https://github.com/a/b}.",
            "at https://github.com/a/b.git.",
        ),
        ("at https://github.com/a/BCP}.", "at https://github.com/a/BCP."),
        # Kept as written: sets, subscripts, ranges and "about".
        ("a supermask in {0, 1} and sigma_{1:T}^2", "a supermask in {0, 1} and sigma_{1:T}^2"),
        (
            "by 40% ~ 80%, a 2~4-step model, ~32 GPU hours",
            "by 40% ~ 80%, a 2~4-step model, ~32 GPU hours",
        ),
        # Math, accents and whitespace.
        (r"the $\alpha$-divergence in $O(n^2)$ time", "the alpha-divergence in O(n^2) time"),
        ("costs $5 and $6", "costs $5 and $6"),
        (r"a mask $\alpha\in\{0,1\}$ in $n\log n$ time", "a mask alpha in {0,1} in n log n time"),
        (r"for $x\in\mathbb{R}^d$ with $\|x\|_2\leq 1$", "for x in R^d with |x|_2 leq 1"),
        (
            r"M{\"u}ller, Poincar\'e, \c{C}elik, Erd\H{o}s, \L{}ukasz",
            "Müller, Poincaré, Çelik, Erdős, Łukasz",
        ),
        (
            "Calculation of prompt diphoton\n  production",
            "Calculation of prompt diphoton production",
        ),
        ("  tabs\tand\x00control  ", "tabs and control"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Codes are released at https://github.com/eraseai/erase.",
            "https://github.com/eraseai/erase",
        ),
        (
            "Code: https://github.com/kriskrisliu/PAT_Pruning-Aware-Tuning",
            "https://github.com/kriskrisliu/PAT_Pruning-Aware-Tuning",
        ),
        (
            "(https://github.com/facebookresearch/mowst-gnn).",
            "https://github.com/facebookresearch/mowst-gnn",
        ),
        (
            "available at https://github.com/xuke225/EQ-Net.git.",
            "https://github.com/xuke225/EQ-Net",
        ),
        ("on https://gitlab.com/group/project, see", "https://gitlab.com/group/project"),
        ("Code is available at https://git.io/CPS.", "https://git.io/CPS"),
        ("Our code is available at https://rlcm.owenoertell.com", "https://rlcm.owenoertell.com"),
        (
            "Project page: https://x.github.io/p. Code: https://github.com/a/b",
            "https://github.com/a/b",
        ),
        ("Project page: https://ssr-encoder.github.io", None),
        ("The video is at https://www.youtube.com/watch?v=FU_MJLD8LeY.", None),
        ("No links at all.", None),
    ],
)
def test_extract_code_url(text: str, expected: str | None) -> None:
    assert extract_code_url(text) == expected


_LATEX_BITS = st.sampled_from(
    ["\\", "{", "}", "$", "~", "`", "'", "_", "^", " ", "\n", "a", "B", ".", "(", "textit",
     "\\textbf{", "\\color{ddtD}", "\\'", '\\"', "\\c ", "``", "''", "\\frac", "\\href",
     "\\o", "\\i", "\\em ", "https://github.com/", "\x00"]
)  # fmt: skip


@given(st.one_of(st.text(), st.lists(_LATEX_BITS, max_size=40).map("".join)))
def test_clean_text_never_raises_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    extract_code_url(text)
