"""Follow-ups keep their subject: what a question points back to in the conversation.

"How large is the dataset it is trained on?" after an answer about NPNet points at that
answer's paper (`subject`); "which of these needs no extra training?" chooses among the
papers the last answer cited (`among`); "the second one" picks by position. The
conversation's papers join the candidates, and the question is searched with its
subject added as context, in parentheses — the question itself is never rewritten, so
what is searched reads as the question plus what it is about.

A short question with no reference of its own ("And for graphs?") is searched with the
previous question's topic as context. A question that goes back to an earlier one ("Back
to the first question: which of those ...?", "For the second topic, which paper ...?")
points at the papers that earlier answer cited, searched with that question's topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperchat.answer.conversation import Conversation
from paperchat.retrieve.query import Pointing
from paperchat.text.lexical import (
    STOPWORDS,
    content_stems,
    named_terms,
    says_name,
    title_name,
    wordset,
)

_AMONG = re.compile(
    r"\b(?:which|what|any|none|each|all|both|either|neither|one|some|how many)\s+(?:\w+\s+)?"
    r"of\s+(?:these|those|them|the above|the papers|the methods|the models|the approaches)\b"
    r"|\b(?:these|those)\b|\bamong (?:them|these|those)\b|\bwhich (?:one|ones)\b"
    r"|\b(?:is|are) there (?:one|any|others?)\b(?!\s+(?:paper|work|method|study))"
    r"|\bthe (?:first|second|third|fourth|fifth|last|latter|former)"
    r"(?:\s+(?:one|paper|method|model|approach|work)\b|(?=\s*(?:[?.!,]|$)))",
    re.I,
)
_ORDINALS = {
    "first": 0,
    "second": 1,
    "third": 2,
    "fourth": 3,
    "fifth": 4,
    "last": -1,
    "former": 0,
    "latter": -1,
}
_ORDINAL = re.compile(r"\bthe (first|second|third|fourth|fifth|last|former|latter)\b", re.I)
_NOUNS = (
    r"method|model|paper|approach|work(?!\s+(?:on|with|for|in|at|well|better)\b)|framework|"
    r"network|technique|system|architecture|dataset|algorithm|idea|study|tool|module"
)
_SUBJECT = re.compile(
    rf"\b(?:it|its|it's|they|their|them)\b|\b(?:this|that|the|such)\s+(?:(?:{_NOUNS})s?)\b"
    r"|\b(?:this|that)\b(?=\s*(?:[?.!,]|$|\s(?:is|was|does|do|work|works|compare|perform|"
    r"achieve|improve|help|scale|use|need|require|reach|get|handle)\b))",
    re.I,
)
_SCAFFOLD = wordset(
    "what which who how why when where is are was were does do did can could tell me "
    "about explain describe paper papers there any i i'm im interested looking want know "
    "find show anything something"
)
_MIN_OWN_WORDS = 2
# "back to the first question", "for the second topic": an earlier turn, by its place
_EARLIER_TURN = re.compile(
    r"\b(?:back to|return(?:ing)? to|for|from|in|on|about)\s+(?:the|my|your)\s+"
    r"(first|second|third|fourth|fifth|original)\s+(?:question|topic|list|answer|search|query)\b",
    re.I,
)
# "those weights", "these results": what the last answer spoke of, not a choice among papers
_REFERRING = re.compile(
    r"(?<!of )(?<!among )\b(?:these|those)\s+"
    r"(?!(?:papers?|ones|methods|models|approaches|works)\b)[\w-]+",
    re.I,
)
_WHICH_ONE = re.compile(r"\bwhich\s+(?:\w+\s+)?(?:paper|one|method|model|approach|work)s?\b", re.I)


@dataclass(frozen=True)
class FollowUp:
    pointing: Pointing
    text: str  # the question as searched
    context_ids: tuple[str, ...] = ()  # the papers the last answer cited, in its order
    ordinal: int | None = None
    earlier_ids: tuple[str, ...] = ()  # others the last question was found to bear on
    # the papers the last question bears on at all (None: not looked up)
    topic_ids: frozenset[str] | None = None
    asked_before: str | None = None  # the earlier question pointed back to (None: the last)


_TOKEN = re.compile(r"\w[\w'-]*")


def _topic_words(question: str) -> str:
    """The earlier question's own words, lower-cased, without its scaffolding: each kept
    whole ("3D", "text-to-image"), so the context reads as the user wrote it."""
    kept = [t.lower().rstrip("'-") for t in _TOKEN.findall(question)]
    return " ".join(t for t in kept if t not in _SCAFFOLD and t not in STOPWORDS)


def _subject_name(conversation: Conversation, *, titles: bool = True) -> str | None:
    """The name the conversation is about: a name in an earlier question, else (with
    `titles`) one heading the first cited title ("PAT: ...")."""
    for question in reversed(conversation.questions):
        names = named_terms(question)
        if names:
            return names[0]
    if titles and conversation.last_cited and conversation.last_cited[0].title:
        head = conversation.last_cited[0].title.split(":", 1)
        if len(head) == 2 and named_terms(head[0]) and len(head[0].split()) <= 3:
            return head[0].strip()
    return None


def _in_users_order(cited: tuple[str, ...], conversation: Conversation) -> tuple[str, ...]:
    """The cited papers in the order the latest question naming them all did ("compare
    Manifold Mixup and RegMixup": the second one is RegMixup, whichever the answer cited
    first); as cited when no question named each."""
    titles = {c.paper_id: c.title or "" for c in conversation.last_cited + conversation.listed}
    names = {pid: title_name(titles.get(pid, "")).lower() for pid in cited}
    for asked in reversed(conversation.questions):
        asked = asked.lower()
        if all(says_name(asked, name) for name in names.values()):
            return tuple(sorted(cited, key=lambda pid: asked.find(names[pid])))
    return cited


def stands_alone(question: str) -> bool:
    """No reference to resolve, and enough words (or a name) of its own to search with."""
    if _AMONG.search(question) or _SUBJECT.search(question):
        return False
    own = content_stems(question, drop_question_words=True)
    return len(own) >= _MIN_OWN_WORDS or bool(named_terms(question))


def earlier_turn_words(question: str) -> str:
    """The words that point back to an earlier turn ("For the second topic"): what the
    question says about the conversation, not about a paper."""
    match = _EARLIER_TURN.search(question)
    return match.group(0) if match else ""


def _earlier_turn(question: str, conversation: Conversation) -> FollowUp | None:
    """ "Back to the first question: which of those ...?": the papers that answer cited,
    chosen among (or "it", when it cited one), searched with that question's topic."""
    match = _EARLIER_TURN.search(question)
    if not match:
        return None
    place = 0 if match.group(1).lower() == "original" else _ORDINALS[match.group(1).lower()]
    if place >= min(len(conversation.answers_cited), len(conversation.questions)):
        return None
    cited = tuple(c.paper_id for c in conversation.answers_cited[place])
    if not cited:
        return None
    asked = conversation.questions[place]
    topic = _topic_words(asked)
    text = f"{question} ({topic})" if topic else question
    choosing = bool(_AMONG.search(question) or _WHICH_ONE.search(question))
    if len(cited) == 1 or (_SUBJECT.search(question) and not choosing):
        return FollowUp("subject", text, cited, asked_before=asked)
    return FollowUp("among", text, cited, asked_before=asked)


def read_follow_up(question: str, conversation: Conversation) -> FollowUp:
    """How `question` depends on the conversation before it."""
    question = question.strip()
    if conversation.is_empty:
        return FollowUp("none", question)
    if earlier := _earlier_turn(question, conversation):
        return earlier
    if stands_alone(question):
        return FollowUp("none", question)
    cited = tuple(c.paper_id for c in conversation.last_cited)
    context: list[str] = []
    among = bool(_AMONG.search(question))
    if among and len(cited) == 1 and not _AMONG.search(_REFERRING.sub(" ", question)):
        among = False  # "those weights" after an answer about one paper: that paper's
    # "which of these ..." is about the set the last question asked for, not its first paper
    name = _subject_name(conversation, titles=not among)
    if name and name.lower() not in question.lower():
        context.append(name)
    elif conversation.questions:
        topic = _topic_words(conversation.questions[-1])
        if topic:
            context.append(topic)
    if conversation.last_cited and conversation.last_cited[0].title and not (name or among):
        context.append(conversation.last_cited[0].title)
    text = f"{question} ({'; '.join(context)})" if context else question
    if not cited:  # an answer without sources: "it" is the named subject, if any
        return FollowUp("subject" if name and _SUBJECT.search(question) else "none", text)
    ordinal_match = _ORDINAL.search(question)
    ordinal = _ORDINALS[ordinal_match.group(1).lower()] if ordinal_match else None
    if ordinal is not None and len(cited) < 2 and conversation.listed:
        # "the second", "and the first one?" after an answer about one paper: of the last list
        cited = tuple(c.paper_id for c in conversation.listed)
    elif ordinal is not None and len(cited) < 2:
        # answers of one paper each: "the first paper" is the first the conversation cited
        cited = tuple(conversation.in_order_cited()) or cited
    if ordinal is not None and conversation.questions:
        cited = _in_users_order(cited, conversation)
    if among:
        return FollowUp("among", text, cited, ordinal)
    if _SUBJECT.search(question):
        return FollowUp("subject", text, cited)
    return FollowUp("none", text, cited)
