"""Follow-up questions rewritten to stand alone, without an LLM.

"How big is its training set?" cannot be searched; after "What is NPNet?" it means "How
big is NPNet's training set?". The rewrite resolves references ("it", "its", "they",
"this method", ...) to the subject of the conversation:

1. a name in the previous question ("NPNet", "Conv-TasNet", "CoACT"), else
2. a name heading the title of the paper the previous answer cited first ("PAT: ..."),
   and when there is no name at all
3. the words of the previous question and the first cited title are appended as context.

A question with no reference to resolve and enough words of its own (or a name of its
own: "What is NPNet?") is left alone. In
LLM mode the condense prompt does this job instead (see answer/llm.py).
"""

from __future__ import annotations

import re

from paperchat.answer.conversation import Conversation
from paperchat.answer.lexical import STOPWORDS, content_stems, named_terms, words, wordset

_NOUNS = (  # "work" is a noun in "this work shows", a verb in "does that work on X"
    r"method|model|paper|approach|work(?!\s+(?:on|with|for|in|at|well|better)\b)|framework|"
    r"network|technique|system|architecture|dataset|algorithm|idea|study|one|tool|module"
)
_DEMONSTRATIVE = re.compile(rf"\b(?:this|that|the|these|those|such)\s+(?:(?:{_NOUNS})s?)\b", re.I)
_POSSESSIVE = re.compile(r"\b(?:its|their)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|they|them)\b", re.I)
_BARE_THIS = re.compile(
    r"\b(?:this|that)\b(?=\s*(?:[?.!,]|$|\s(?:is|was|does|do|work|works|compare|perform|"
    r"achieve|improve|help|scale|use|need|require|reach|get|handle)\b))",
    re.I,
)
_SCAFFOLD = wordset(
    "what which who how why when where is are was were does do did can could tell me "
    "about explain describe paper papers there any"
)
_MIN_OWN_WORDS = 2


def has_reference(question: str) -> bool:
    """Does the question point back at something ("it", "its", "this method", ...)?"""
    return any(
        pattern.search(question) for pattern in (_DEMONSTRATIVE, _POSSESSIVE, _PRONOUN, _BARE_THIS)
    )


def _title_name(title: str | None) -> str | None:
    """ "PAT: Pruning-Aware Tuning for ..." → "PAT"; a title without a leading name → None."""
    if not title or ":" not in title:
        return None
    head = title.split(":", 1)[0].strip()
    names = named_terms(head)
    return head if names and len(head.split()) <= 3 else None


def subject(conversation: Conversation) -> str | None:
    """The name the conversation is about, if it has one."""
    for question in reversed(conversation.questions):
        names = named_terms(question)
        if names:
            return names[0]
    if conversation.last_cited:
        return _title_name(conversation.last_cited[0].title)
    return None


def _topic_words(question: str) -> str:
    """ "Which papers prune large language models?" → "prune large language models"."""
    kept = [w for w in words(question) if w not in _SCAFFOLD and w not in STOPWORDS]
    return " ".join(kept)


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def stands_alone(question: str) -> bool:
    """No reference to resolve, and enough words (or a name) of its own to search with."""
    if has_reference(question):
        return False
    own_words = content_stems(question, drop_question_words=True)
    return len(own_words) >= _MIN_OWN_WORDS or bool(named_terms(question))


def condense(question: str, conversation: Conversation) -> str:
    """The follow-up as a standalone question (unchanged when it already stands alone)."""
    question = question.strip()
    if conversation.is_empty:
        return question
    if stands_alone(question):
        return question
    referring = has_reference(question)
    name = subject(conversation)
    if name and referring:
        rewritten = _DEMONSTRATIVE.sub(name, question)
        rewritten = _POSSESSIVE.sub(_possessive(name), rewritten)
        rewritten = _BARE_THIS.sub(name, rewritten)
        rewritten = _PRONOUN.sub(name, rewritten)
        if rewritten != question:
            return rewritten
    context = []
    if conversation.questions:
        topic = _topic_words(conversation.questions[-1])
        if topic:
            context.append(topic)
    if conversation.last_cited and conversation.last_cited[0].title:
        context.append(conversation.last_cited[0].title)
    if name and name not in " ".join(context):
        context.insert(0, name)
    if not context:
        return question
    return f"{question} (context: {'; '.join(context)})"
