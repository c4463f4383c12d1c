"""Corpus text made inert inside paperchat's Markdown answers.

Titles and abstracts come from files anyone can write. Placed verbatim inside an answer
that a chat client renders as Markdown (Open WebUI, LibreChat, a notebook), a title like
`![x](http://tracker/x.png)` loads an image, `[click](javascript:...)` shows a link,
`<img onerror=...>` may run, and `Zebrafish [1](...)` poses as one of paperchat's own
citation markers. `markdown_text` escapes every character that can open a Markdown or
HTML construct with a CommonMark backslash escape, so a renderer shows the characters
and builds nothing; a client that shows plain text sees the words with a few
backslashes. Links are only ever the paper's own URL from its metadata, and only when it
is a plain http(s) address (`markdown_link`).

Pure functions, no state: apply them where corpus text enters answer text, never to
`citations[].quote`, which stays verbatim (it is data, checked against the abstract).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Every ASCII punctuation character that opens or closes an inline construct in
# CommonMark or GFM: emphasis and strike (* _ ~), code (`), links and images ([ ] ( ) !),
# raw HTML and autolinks (< >), entities (&), tables (|), headings (#), math in clients
# that render it ($), braces, and the escape itself. List and heading markers that only
# work at a line's start (- + = 1.) are left alone: the text is flattened to one line
# and placed after paperchat's own markup.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!#|~$&])")
# GFM turns bare `http://…` and `www.…` into links: an escaped `:` or `.` stops that.
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=\bwww)(\.)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\u0085]+")
# Characters a renderer may drop or treat as layout: bidi overrides and zero-width marks.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")


def markdown_text(text: str | None) -> str:
    """`text` as inline Markdown that renders as exactly these characters: no image,
    link, HTML tag, emphasis, code span or line break survives. Idempotence is not a
    goal: escape once, where corpus text is placed into an answer."""
    if not text:
        return ""
    flat = _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", text))
    escaped = _SPECIAL.sub(r"\\\1", flat)
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)


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
