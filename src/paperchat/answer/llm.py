"""Prompts for the LLM answerer, built so that retrieved text stays data.

Abstracts go into the prompt inside `<source n=".." id=".." title="..">` fences, with
`&`, `<` and `>` escaped — so no abstract can close its fence, open a new one or pose as
another part of the prompt — and the system prompt says that sources are untrusted data.
The structure of the messages (system + one user message, the fences, their order)
depends only on the number of sources, never on what the abstracts say.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from paperchat.answer.chat_model import Message
from paperchat.answer.models import Turn
from paperchat.answer.prompts import PromptLibrary
from paperchat.corpus.paper import Paper

NO_ANSWER = "NO_ANSWER"
HISTORY_TURNS = 6
HISTORY_CHARS = 1200


def escape_data(text: str) -> str:
    """Text made inert inside a fence: no tag can be opened or closed by it."""
    return html.escape(text, quote=False)


def format_sources(sources: Mapping[int, Paper]) -> str:
    blocks = []
    for n, paper in sources.items():
        title = html.escape(paper.title or "untitled", quote=True)
        pid = html.escape(paper.id, quote=True)
        blocks.append(
            f'<source n="{n}" id="{pid}" title="{title}">\n{escape_data(paper.abstract)}\n</source>'
        )
    return "\n".join(blocks)


VERDICT_NOTES = {
    "answered": "these sources bear on the question.",
    "detail_missing": (
        "the paper the question asks about is among the sources, but its abstract may not "
        "state {lacking}. Say plainly what the abstract does not state, then what it "
        "does say, with citations; do not guess the missing detail."
    ),
    "passing": (
        "the sources only mention what the question names in passing, and may not state "
        "{lacking}. Say that no source is about it, then what they do say of it, with "
        "citations; do not describe it from your own knowledge."
    ),
}


def answer_messages(
    prompts: PromptLibrary,
    question: str,
    sources: Mapping[int, Paper],
    note: str,
    lacking: str = "what is asked",
) -> list[Message]:
    """`note`: the VERDICT_NOTES entry for the judgement (Judgement.note); `lacking`: for
    a detail_missing verdict, what the abstract does not state."""
    return [
        {"role": "system", "content": prompts.render("system")},
        {
            "role": "user",
            "content": prompts.render(
                "answer",
                question=escape_data(question),
                sources=format_sources(sources),
                verdict=escape_data(VERDICT_NOTES[note].format(lacking=lacking)),
            ),
        },
    ]


def summary_messages(
    prompts: PromptLibrary, topic: str, sources: Mapping[int, Paper]
) -> list[Message]:
    return [
        {"role": "system", "content": prompts.render("system")},
        {
            "role": "user",
            "content": prompts.render(
                "summarize", topic=escape_data(topic), sources=format_sources(sources)
            ),
        },
    ]


def condense_messages(
    prompts: PromptLibrary, question: str, history: Sequence[Turn]
) -> list[Message]:
    turns = [t for t in history if t.role in ("user", "assistant")][-HISTORY_TURNS:]
    lines = []
    for turn in turns:
        content = turn.content.strip()
        if len(content) > HISTORY_CHARS:
            content = content[:HISTORY_CHARS] + " …"
        lines.append(f"{turn.role}: {escape_data(content)}")
    return [
        {
            "role": "user",
            "content": prompts.render(
                "condense", history="\n".join(lines), question=escape_data(question)
            ),
        }
    ]


def clean_condensed(reply: str, fallback: str) -> str:
    """The model's rewritten question: one line, no quotes; the original if it is empty."""
    line = next((ln.strip() for ln in reply.strip().splitlines() if ln.strip()), "")
    line = line.strip().strip("\"“”'").strip()
    for prefix in ("Rewritten question:", "Question:", "Standalone question:"):
        if line.lower().startswith(prefix.lower()):
            line = line[len(prefix) :].strip()
    return line or fallback


def is_no_answer(reply: str) -> bool:
    return reply.strip().strip(".").upper() == NO_ANSWER
