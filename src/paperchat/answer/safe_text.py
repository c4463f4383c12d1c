"""Corpus text made inert inside paperchat's Markdown answers: the one place that
escapes Markdown.

Titles and abstracts come from files anyone can write. Placed verbatim inside an answer
that a chat client renders as Markdown (Open WebUI, LibreChat, a notebook), a title like
`![x](http://tracker/x.png)` loads an image, `[click](javascript:...)` shows a link,
`<img onerror=...>` may run, and `Zebrafish [1](...)` poses as one of paperchat's own
citation markers. Two strengths, for two kinds of text:

- `markdown_text`, for corpus text placed into an answer, escapes every character that
  can open a Markdown or HTML construct with a CommonMark backslash escape, so a
  renderer shows the characters and builds nothing; a client that shows plain text sees
  the words with a few backslashes. Links are only ever the paper's own URL from its
  metadata, and only when it is a plain http(s) address (`markdown_link`).
- `inert_markdown` (and `InertStream`, for text that arrives in pieces), for a whole
  reply, an LLM's included, escapes only what would make it live: links, images, raw
  HTML and reference definitions; its emphasis, lists and [n] markers stay. It leaves
  what `markdown_text` escaped as it is, so the two compose.

Pure functions (and one small buffer), no shared state: apply them where text enters an
answer or a reply, never to `citations[].quote`, which stays verbatim (it is data,
checked against the abstract).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Every ASCII punctuation character that opens or closes an inline construct in
# CommonMark or GFM: emphasis and strike (* _ ~), code (`), raw HTML and autolinks
# (< >), entities (&), tables (|), headings (#), math in clients that render it ($), and
# the escape itself. Brackets, which open links, images and paperchat's own [n] markers,
# become character references instead (`_BRACKETS`): "\[" and "\(" are math delimiters
# in clients that render KaTeX (Open WebUI). With no bracket left, "(", ")" and "!"
# open nothing and stay as they are. List and heading markers that only work at a
# line's start (- + = 1.) are left alone too: the text is flattened to one line and
# placed after paperchat's own markup.
_SPECIAL = re.compile(r"([\\`*_<>#|~$&])")
_BRACKETS = {"[": "&#91;", "]": "&#93;"}
_BRACKET = re.compile(r"[\[\]]")
# What `markdown_text` (and a client's own escapes) put in, for `shown_text` to undo.
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()<>!#|~$&:.])|&#(91|93);")
# GFM turns bare `http://…` and `www.…` into links: an escaped `:` or `.` stops that.
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\u0085]+")
# Characters a renderer may drop or treat as layout: bidi overrides and zero-width marks.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")
# What would make a reply's Markdown live (`inert_markdown`): raw HTML / autolinks, `](`
# link targets, `![` images and `[label]: url` reference definitions.
# A character is already escaped when an odd number of backslashes stands before it
# (corpus text in a reply arrives escaped by `markdown_text`); escaping it again would
# turn `\<` into `\\<`, an escaped backslash before live HTML.
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_HTML_START = re.compile(_UNESCAPED + r"<(?=[A-Za-z/!?])")
_LINK_TARGET = re.compile(_UNESCAPED + r"\]\(")
_IMAGE = re.compile(_UNESCAPED + r"!\[")
_REF_DEF = re.compile(r"^(\s{0,3})\[([^\]\n]+)\]:", re.M)


def markdown_text(text: str | None) -> str:
    """`text` as inline Markdown that renders as exactly these characters: no image,
    link, HTML tag, emphasis, code span or line break survives. Idempotence is not a
    goal: escape once, where corpus text is placed into an answer."""
    if not text:
        return ""
    flat = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", text))
    escaped = _BRACKET.sub(lambda m: _BRACKETS[m.group(0)], _SPECIAL.sub(r"\\\1", flat))
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)


def shown_text(markdown: str) -> str:
    """The characters a Markdown renderer shows for escaped text: `markdown_text`
    undone (backslash escapes and bracket references), for a UI that renders itself."""
    return _ESCAPED.sub(lambda m: m.group(1) or chr(int(m.group(2))), markdown)


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) address with a host, else None (javascript:,
    data:, relative paths, spaces, quotes, parentheses or angle brackets)."""
    if not url:
        return None
    url = url.strip()
    if not _SAFE_URL.fullmatch(url) or not urlsplit(url).hostname:
        return None
    return url


def markdown_link(label: str | None, url: str | None) -> str:
    """`[label](<url>)` with the label escaped, when the URL is safe; else the escaped
    label alone. For the paper's own URL from its metadata, never for URLs in its text."""
    text = markdown_text(label)
    target = safe_url(url)
    return f"[{text}](<{target}>)" if target and text else text


def inert_markdown(text: str) -> str:
    """The text with Markdown's link, image and HTML syntax escaped; [n] markers stay."""
    text = _HTML_START.sub(r"\1\\<", text)
    text = _LINK_TARGET.sub(r"\1]\\(", text)
    text = _IMAGE.sub(r"\1!\\[", text)
    return _REF_DEF.sub(r"\1\\[\2]:", text)


class InertStream:
    """`inert_markdown` for text that arrives in pieces.

    A piece that might be the start of something Markdown would make live (a trailing
    `]`, `!` or `<`; a line that so far reads like `[label]:`) is held back until the
    next piece shows what it is.
    """

    _HOLD_LINE = re.compile(r" {0,3}(\[[^\]\n]*\]?)?$")

    def __init__(self) -> None:
        self._pending = ""
        self._line_start = True

    def feed(self, text: str) -> str:
        self._pending += text
        pending = self._pending
        cut = len(pending) - 1 if pending[-1:] in ("]", "!", "<") else len(pending)
        line_at = pending.rfind("\n") + 1
        if (line_at > 0 or self._line_start) and self._HOLD_LINE.fullmatch(pending[line_at:]):
            cut = min(cut, line_at)
        return self._emit(cut)

    def flush(self) -> str:
        return self._emit(len(self._pending))

    def _emit(self, cut: int) -> str:
        out, self._pending = self._pending[:cut], self._pending[cut:]
        if not out:
            return ""
        # "x" stands for the text already sent, so a first line that does not start a
        # line is not read as one
        escaped = inert_markdown(out) if self._line_start else inert_markdown("x" + out)[1:]
        self._line_start = out.endswith("\n")
        return escaped
