"""LLM mode: the language model proposes cells, and each is checked against the abstract.

The model sees the abstracts as fenced, escaped data (answer/llm.py) and replies with
one JSON line per source. A proposed value enters the table only when it is a verbatim
span of that paper's abstract — found as written (spacing and letter case aside, the
table shows the abstract's own characters) inside one sentence — and fits its column: a
result states a number, a dataset is a name and not a model or a metric. Anything else
is listed as rejected, never shown as a cell. Being verbatim is the claim check here:
a span of the abstract is what the abstract says, its numbers included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from paperchat.answer.chat_model import ChatModel, Message
from paperchat.answer.llm import escape_data, format_sources
from paperchat.answer.prompts import PromptLibrary
from paperchat.corpus.paper import Paper
from paperchat.research.datasets import is_written_as_a_name
from paperchat.research.models import COLUMNS, Column, RejectedCell, Span
from paperchat.research.spans import Sentence
from paperchat.text.lexical import has_number

_OBJECT = re.compile(r"\{.*\}", re.S)


def table_messages(
    prompts: PromptLibrary, topic: str, sources: Mapping[int, Paper]
) -> list[Message]:
    return [
        {"role": "system", "content": prompts.render("system")},
        {
            "role": "user",
            "content": prompts.render(
                "table", topic=escape_data(topic), sources=format_sources(sources)
            ),
        },
    ]


def parse_reply(reply: str) -> dict[int, dict[Column, list[str]]]:
    """Source number → column → the values proposed, in order; lines that are not JSON
    objects with a number `n` are skipped (a chatty preamble, a code fence)."""
    proposed: dict[int, dict[Column, list[str]]] = {}
    for line in reply.splitlines():
        match = _OBJECT.search(line)
        if not match:
            continue
        try:
            row = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if not isinstance(row, dict) or not isinstance(row.get("n"), int):
            continue
        cells = proposed.setdefault(row["n"], {column: [] for column in COLUMNS})
        for column in COLUMNS:  # a source given twice: its values add up
            value = row.get(column)
            values = value if isinstance(value, list) else [value]
            cells[column] += [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return proposed


def locate(value: str, sentences: Sequence[Sentence]) -> Span | None:
    """The value as a span of one sentence: exactly, else with spacing and case folded."""
    words = value.split()
    if not words:
        return None
    exact = re.compile(re.escape(value))
    loose = re.compile(r"\s+".join(re.escape(w) for w in words), re.I)
    for pattern in (exact, loose):
        for sentence in sentences:
            match = pattern.search(sentence.text)
            if match:
                span = sentence.span(match.start(), match.end())
                if span is not None and span.text:
                    return span
    return None


def _fits(column: Column, span: Span) -> bool:
    if column == "result":
        return has_number(span.text)
    if column == "data":
        return is_written_as_a_name(span.text)
    return len(span.text) >= 3


@dataclass
class Checked:
    """Per paper id, the accepted spans per column; and what was rejected."""

    accepted: dict[str, dict[Column, list[Span]]] = field(default_factory=dict)
    rejected: list[RejectedCell] = field(default_factory=list)
    read: bool = True  # False when the reply held no row at all


def check_cells(
    proposed: Mapping[int, Mapping[Column, Sequence[str]]],
    sources: Mapping[int, Paper],
    sentences: Mapping[str, Sequence[Sentence]],
) -> Checked:
    checked = Checked(read=bool(proposed))
    for n, cells in proposed.items():
        paper = sources.get(n)
        if paper is None:
            continue  # a source number that was never given
        accepted = checked.accepted.setdefault(paper.id, {})
        for column, values in cells.items():
            for value in values:
                span = locate(value, sentences[paper.id])
                if span is None or not _fits(column, span):
                    checked.rejected.append(RejectedCell(id=paper.id, column=column, value=value))
                    continue
                spans = accepted.setdefault(column, [])
                if column != "data" and spans:
                    continue  # one span per text column: the first that holds
                if all(s.start != span.start for s in spans):
                    spans.append(span)
    return checked


def ask_for_cells(
    chat_model: ChatModel, prompts: PromptLibrary, topic: str, sources: Mapping[int, Paper]
) -> dict[int, dict[Column, list[str]]]:
    """One call to the model for every source at once."""
    return parse_reply(chat_model.complete(table_messages(prompts, topic, sources)))
