"""Turn the LaTeX left in scraped abstracts into plain readable text, and find code links.

Listing pages and metadata dumps carry abstracts as their authors typed them, often
half-rendered: `\\textit{noise prompt}`, ``` ``golden noises'' ```, `texttt{D}` whose
backslash a scraper already ate, `~` ties, `$...$` math. Readers and the embedder
should see the words, so markup goes and its content stays. Each rule only removes
markup characters (backslash, braces, dollars, tildes, backticks) or shortens the
text, and `clean_text` repeats them until nothing changes: it is idempotent.
"""

from __future__ import annotations

import re
import unicodedata

# Accents as BibTeX and arXiv write names: `{\"u}`, `\'{e}`, `\c c`, `\'{\i}`.
_ACCENTS = dict(zip("\"'`^~=.uvHckrdb", "\u0308\u0301\u0300\u0302\u0303\u0304\u0307"
                    "\u0306\u030c\u030b\u0327\u0328\u030a\u0323\u0331", strict=True))  # fmt: skip
_ACCENT = re.compile(
    r"""\\([\"'`^~=.]|[uvHckrdb](?=[\s{]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"""
)
_LETTERS = {"o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ",
            "AE": "Æ", "oe": "œ", "OE": "Œ", "i": "ı", "j": "ȷ"}  # fmt: skip
_LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[oOlLij])(?![A-Za-z])\s?")
# A command's braced argument is the text to keep (`\textit{x}`, `\footnote{x}`). The
# usual text commands are also matched when a scraper ate the backslash (`texttt{D}ual`,
# `blue{url}` from `\textcolor{blue}{url}`), but then only as a whole word before `{`.
_BARE = (
    "textit|textbf|texttt|textsc|textrm|textsf|textup|textsl|textmd|textnormal|emph|"
    "underline|mbox|text|mathcal|mathbf|mathrm|mathit|mathsf|mathtt|mathbb|mathfrak|"
    "mathscr|boldsymbol|operatorname|url|red|blue|green|magenta|cyan|orange|purple|gray"
)
_ARG = r"\{((?:[^{}]|\{[^{}]*\})*)\}"
_UNWRAP = re.compile(rf"(?:\\[A-Za-z]+|(?<![A-Za-z\\])(?:{_BARE})){_ARG}")
_FRAC = re.compile(rf"\\?(?<![A-Za-z])frac{_ARG}{_ARG}")
_HREF = re.compile(rf"\\href{_ARG}{_ARG}")
# `\textcolor{name}{text}` keeps the text; `\color{name}` has none. Authors who colour
# one letter write `\color{ddtD}ecoupled`: the capitals ending the name are that letter.
_TEXTCOLOR = re.compile(r"\\textcolor\{[^{}]*\}")
_COLOR = re.compile(r"\\color\{[a-z]*([A-Z]*)\}")
# `\href{url}{url}` that lost its backslash reads `url{url}`: keep one copy.
_URL_TWICE = re.compile(r"(https?://[^\s{}]+)\{https?://[^{}\s]*\}")
# Font switches (`{\em words}`) and spacing commands carry no text of their own.
_SWITCH = re.compile(
    r"\\(?:em|it|bf|rm|sc|tt|sf|sl|tiny|small|large|Large|footnotesize|normalsize|noindent"
    r"|quad|qquad|left|right|displaystyle|textstyle|bigskip|medskip|smallskip)(?![A-Za-z])\s?"
)
_WORD_MACROS = {"eg": "e.g.", "ie": "i.e.", "etc": "etc.", "etal": "et al."}
_MACRO = re.compile(r"\\([A-Za-z]+)(\s?)")
_ESCAPED = re.compile(r"\\([%&_#${}|])")
_SPACING = re.compile(r"\\[,;:! ]")
# Inline math the way pandoc reads it: `$` then non-space ... non-space then `$`, not
# followed by a digit, so prices like "$5 and $6" are left alone.
_MATH = re.compile(r"(?<!\\)\$(?=\S)([^$]*?\S)\$(?!\d)")
# In math a command is a word of its own, so it cannot run into its neighbours:
# `\alpha\in\{0,1\}` reads "alpha in {0,1}", `n\log n` "n log n", `x\in\mathbb{R}` "x in R".
_COMMAND_THEN_COMMAND = re.compile(r"(\\[A-Za-z]+)(?=\\)")
_TEXT_THEN_COMMAND = re.compile(r"(?<=[A-Za-z0-9)\]}])(?=\\[A-Za-z])")
# `~` is a tie (non-breaking space) after a word; `2~4` or `~32` (a range, "about")
# are left as written.
_TIE = re.compile(r"(?<=[A-Za-z.,;:)\]}])~(?=\S)")
# Groups kept: sets (`{0, 1}`: a comma inside) and sub/superscripts (`sigma_{1:T}`).
_GROUP = re.compile(r"(?<![_^\\])\{([^{},]*)\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def _accent(match: re.Match[str]) -> str:
    letter = (match.group(2) or match.group(3)).lstrip("\\")
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def _href(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    return url if label.strip() in ("", url) else f"{label} ({url})"


def _math(match: re.Match[str]) -> str:
    """Inline math without its dollars, each command set apart as a word."""
    return _TEXT_THEN_COMMAND.sub(" ", _COMMAND_THEN_COMMAND.sub(r"\1 ", match.group(1)))


def _macro(match: re.Match[str]) -> str:
    """Known word macros expand; any other unknown macro keeps its name as a word."""
    name, space = match.groups()
    return _WORD_MACROS.get(name, name) + space


def _sub_all(pattern: re.Pattern[str], replacement: str, text: str) -> str:
    """Substitute until stable, so nested commands unwrap from the inside out."""
    while (changed := pattern.sub(replacement, text)) != text:
        text = changed
    return text


def _drop_unmatched_braces(text: str) -> str:
    """A brace without its partner (`.../BCP}.`) is a scraping leftover, never text."""
    opened: list[int] = []
    unmatched: set[int] = set()
    for i, char in enumerate(text):
        if char not in "{}" or (i and text[i - 1] == "\\"):
            continue
        if char == "{":
            opened.append(i)
        elif opened:
            opened.pop()
        else:
            unmatched.add(i)
    unmatched.update(opened)
    if not unmatched:
        return text
    return "".join(char for i, char in enumerate(text) if i not in unmatched)


def _step(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    text = _drop_unmatched_braces(text)
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _MATH.sub(_math, text)  # before commands unwrap and glue `\in\mathbb{R}` to "inR"
    text = _URL_TWICE.sub(r"\1", text)
    text = _HREF.sub(_href, text)
    text = _TEXTCOLOR.sub("", text)
    text = _COLOR.sub(r"\1", text)
    text = _FRAC.sub(r"\1/\2", text)
    text = _SWITCH.sub("", text)
    text = _sub_all(_UNWRAP, r"\1", text)
    text = _ESCAPED.sub(r"\1", text)
    text = _SPACING.sub(" ", text)
    text = _MACRO.sub(_macro, text)
    text = _GROUP.sub(r"\1", text)
    text = _TIE.sub(" ", text)
    text = text.replace("``", '"').replace("''", '"').replace("`", "'")
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str) -> str:
    """Plain text with LaTeX markup removed and whitespace collapsed; idempotent."""
    for _ in range(100):
        cleaned = _step(text)
        if cleaned == text:
            break
        text = cleaned
    return text


_URL = re.compile(r"https?://[^\s{}()<>\"',]+")
_TRAILING = ".,;:!?)]}'\""
_CODE_HOST = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.[a-z.]+|gitee\.com|bitbucket\.org)/[^/]+/[^/]+"
)
# Words that, earlier in the same sentence, announce the next link as the code.
_CODE_CUE = re.compile(r"\b(?:codes?|implementations?|codebase|repository|repo)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?]\s")


def _tidy_url(url: str) -> str:
    return url.rstrip(_TRAILING).removesuffix(".git")


def extract_code_url(text: str) -> str | None:
    """The paper's code link: a GitHub/GitLab-like repository URL, else a URL announced
    as code ("Code: https://...", "Our code is available at https://...").

    A project page ("Project page: https://x.github.io") is not code. Trailing
    punctuation (the sentence ends right after the link) and `.git` are stripped.
    """
    urls = [(m.start(), _tidy_url(m.group(0))) for m in _URL.finditer(text)]
    for _, url in urls:
        if _CODE_HOST.match(url):
            return url
    for start, url in urls:
        sentence = _SENTENCE_END.split(text[:start])[-1]
        if _CODE_CUE.search(sentence) and "." in url.split("://", 1)[1]:
            return url
    return None
