"""Eval datasets as files: the question set and the hand-labelled support pairs.

Both are JSON Lines, one object per line; `evals/README.md` documents the fields so
anyone can bring their own file. A bad line fails the load with its line number:
an eval that silently skips questions measures something else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, model_validator

from paperchat.errors import InputError

M = TypeVar("M", bound=BaseModel)

QuestionType = Literal[
    "lookup", "fact", "detail_missing", "topic", "dialog", "unanswerable", "adversarial"
]
QUESTION_TYPES: tuple[str, ...] = QuestionType.__args__  # type: ignore[attr-defined]

# The answer object's verdicts (paperchat.answer.models.Verdict), in report order.
Verdict = Literal["answered", "detail_missing", "not_in_corpus", "no_relevant_paper"]
VERDICTS: tuple[str, ...] = Verdict.__args__  # type: ignore[attr-defined]
ABSTAIN_VERDICTS = frozenset({"not_in_corpus", "no_relevant_paper"})

Split = Literal["tune", "test"]
SPLITS: tuple[str, ...] = ("test", "tune")  # test first: it is the figure that counts

# Subtypes a type must use; a type not listed here takes any subtype (or none).
SUBTYPES: dict[str, frozenset[str]] = {
    "unanswerable": frozenset({"near", "far", "named"}),
    "adversarial": frozenset({"injection", "nonexistent"}),
}

# An expected string, or a list of accepted spellings of one expected string.
Expected = str | list[str]


class Question(BaseModel):
    id: str
    type: QuestionType
    question: str = Field(min_length=1)
    turns: list[str] | None = Field(
        default=None, description="Dialogs: the user's turns in order; the last is `question`."
    )
    gold: list[str] = Field(default_factory=list, description="Paper ids that answer it.")
    expected: list[Expected] = Field(
        default_factory=list, description="Strings the answer must contain, cited to gold."
    )
    answerable: bool = True
    subtype: str | None = None
    verdict: Verdict | None = Field(
        default=None, description="The verdict a right answer gives; see `expected_verdict`."
    )
    split: Split | None = Field(
        default=None, description="tune (fit and tune on it) or test (report it)."
    )
    gate: bool = False
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.turns is not None:
            if len(self.turns) < 2:
                raise ValueError("a dialog needs at least two turns")
            if self.turns[-1] != self.question:
                raise ValueError("`question` must equal the last of `turns`")
        if self.answerable and not self.gold:
            raise ValueError("an answerable question needs at least one gold paper id")
        if not self.answerable and self.gold:
            raise ValueError("an unanswerable question cannot have gold papers")
        allowed = SUBTYPES.get(self.type)
        if allowed is not None and self.subtype is not None and self.subtype not in allowed:
            raise ValueError(
                f"subtype {self.subtype!r} is not one of {', '.join(sorted(allowed))} "
                f"for type {self.type}"
            )
        if self.type == "detail_missing" and not self.answerable:
            raise ValueError(
                "a detail_missing question is answerable (its paper is in the corpus and "
                "must be cited): drop `answerable: false`"
            )
        if (self.expected_verdict in ABSTAIN_VERDICTS) == self.answerable:
            raise ValueError(
                f"verdict {self.expected_verdict!r} does not fit answerable={self.answerable}"
            )
        return self

    @property
    def expected_verdict(self) -> str:
        """`verdict` when given, else by type: answerable → answered, type detail_missing
        → detail_missing, a named thing the corpus lacks (unanswerable `named`,
        adversarial `nonexistent`) → not_in_corpus, other unanswerable → no_relevant_paper."""
        if self.verdict is not None:
            return self.verdict
        if self.type == "detail_missing":
            return "detail_missing"
        if self.answerable:
            return "answered"
        if (self.type, self.subtype) in {("unanswerable", "named"), ("adversarial", "nonexistent")}:
            return "not_in_corpus"
        return "no_relevant_paper"

    @property
    def split_name(self) -> str:
        """The split, or "unsplit" for a question file without splits."""
        return self.split or "unsplit"

    @property
    def history(self) -> list[str]:
        """The user turns before the last one (empty for single-turn questions)."""
        return list(self.turns[:-1]) if self.turns else []

    @property
    def search_query(self) -> str:
        """What retrieval alone is asked: every user turn joined, since a follow-up such as
        "Which of them handles music?" cannot be searched without its history."""
        return " ".join(self.turns) if self.turns else self.question


class SupportLabel(BaseModel):
    """One hand label: does the paper's abstract support the sentence?"""

    id: str
    sentence: str = Field(min_length=1)
    paper: str
    supported: bool
    kind: str | None = None
    split: Literal["tune", "test"] = "test"
    notes: str | None = None


def split_order(names: Iterable[str]) -> list[str]:
    """The splits among `names`, test first; "unsplit" (a file without splits) last."""
    present = set(names)
    return [s for s in (*SPLITS, "unsplit") if s in present]


def default_file(name: str) -> Path | None:
    """`evals/<name>` of the working directory, else of the checkout paperchat runs from
    (an editable install); None when neither exists (a wheel ships no eval set)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = base / "evals" / name
        if candidate.is_file():
            return candidate
    return None


def _read_jsonl(path: Path, model: type[M]) -> list[M]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows: list[M] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}"
                for err in exc.errors()
            )
            raise InputError(f"{path}:{number}: {problems}") from None
    if not rows:
        raise InputError(f"{path} holds no records")
    return rows


def load_questions(path: Path) -> list[Question]:
    questions = _read_jsonl(path, Question)
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise InputError(f"{path}: question id {q.id!r} appears twice")
        seen.add(q.id)
    return questions


def load_labels(path: Path) -> list[SupportLabel]:
    return _read_jsonl(path, SupportLabel)
