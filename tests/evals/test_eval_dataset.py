"""The dataset loaders, and the integrity of the committed eval files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from paperchat.corpus import load_corpus
from paperchat.errors import InputError
from paperchat.evals.dataset import Question, load_labels, load_questions
from paperchat.evals.metrics import contains
from paperchat.evals.runner import select

EVALS = Path(__file__).resolve().parents[2] / "evals"


def write(path: Path, *rows: dict | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_bad_line_fails_with_its_number(tmp_path):
    good = {"id": "q1", "type": "lookup", "question": "What?", "gold": ["p"]}
    with pytest.raises(InputError, match=r"q\.jsonl:2: invalid JSON"):
        load_questions(write(tmp_path / "q.jsonl", good, "{oops"))
    unknown_type = good | {"id": "q2", "type": "trivia"}
    with pytest.raises(InputError, match=r":2: type"):
        load_questions(write(tmp_path / "q.jsonl", good, unknown_type))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "a", "type": "fact", "question": "How many?"}, "needs at least one gold"),
        (
            {
                "id": "a",
                "type": "unanswerable",
                "question": "Q",
                "answerable": False,
                "gold": ["p"],
            },
            "cannot have gold",
        ),
        (
            {"id": "a", "type": "dialog", "question": "B", "turns": ["A", "C"], "gold": ["p"]},
            "must equal the last",
        ),
    ],
)
def test_inconsistent_questions_are_rejected(tmp_path, row, message):
    with pytest.raises(InputError, match=message):
        load_questions(write(tmp_path / "q.jsonl", row))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": "a", "type": "unanswerable", "question": "Q", "answerable": False,
             "subtype": "nearby"},
            "subtype 'nearby' is not one of far, named, near",
        ),
        (
            {"id": "a", "type": "detail_missing", "question": "Q", "gold": ["p"],
             "answerable": False},
            "cannot have gold",
        ),
        (
            {"id": "a", "type": "detail_missing", "question": "Q", "answerable": False},
            "a detail_missing question is answerable",
        ),
        (
            {"id": "a", "type": "lookup", "question": "Q", "gold": ["p"],
             "verdict": "not_in_corpus"},
            "does not fit answerable=True",
        ),
        ({"id": "a", "type": "lookup", "question": "Q", "gold": ["p"], "split": "dev"}, "split"),
    ],
)  # fmt: skip
def test_new_fields_are_validated(tmp_path, row, message):
    with pytest.raises(InputError, match=message):
        load_questions(write(tmp_path / "q.jsonl", row))


@pytest.mark.parametrize(
    ("fields", "verdict"),
    [
        ({"type": "lookup", "gold": ["p"]}, "answered"),
        ({"type": "adversarial", "subtype": "injection", "gold": ["p"]}, "answered"),
        ({"type": "detail_missing", "gold": ["p"]}, "detail_missing"),
        ({"type": "unanswerable", "subtype": "named", "answerable": False}, "not_in_corpus"),
        ({"type": "adversarial", "subtype": "nonexistent", "answerable": False}, "not_in_corpus"),
        ({"type": "unanswerable", "subtype": "near", "answerable": False}, "no_relevant_paper"),
        ({"type": "unanswerable", "answerable": False}, "no_relevant_paper"),
        (
            {"type": "unanswerable", "subtype": "near", "answerable": False,
             "verdict": "not_in_corpus"},
            "not_in_corpus",
        ),
        ({"type": "fact", "gold": ["p"], "verdict": "detail_missing"}, "detail_missing"),
    ],
)  # fmt: skip
def test_expected_verdict_defaults_by_type_and_subtype(fields, verdict):
    assert Question(id="a", question="Q?", **fields).expected_verdict == verdict


def test_duplicate_ids_and_empty_files_are_rejected(tmp_path):
    row = {"id": "q1", "type": "lookup", "question": "What?", "gold": ["p"]}
    with pytest.raises(InputError, match="appears twice"):
        load_questions(write(tmp_path / "q.jsonl", row, row))
    with pytest.raises(InputError, match="no records"):
        load_questions(write(tmp_path / "q.jsonl", ""))
    with pytest.raises(InputError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")


def test_dialog_search_query_joins_the_turns(tmp_path):
    row = {"id": "d", "type": "dialog", "question": "Which handles music?", "gold": ["p"]}
    row["turns"] = ["Consistency models beyond images?", "Which handles music?"]
    (q,) = load_questions(write(tmp_path / "q.jsonl", row))
    assert q.history == ["Consistency models beyond images?"]
    assert q.search_query == "Consistency models beyond images? Which handles music?"


def test_fast_subset_is_the_gate_questions(tmp_path):
    rows = [
        {"id": "a", "type": "lookup", "question": "A?", "gold": ["p"], "gate": True},
        {"id": "b", "type": "lookup", "question": "B?", "gold": ["p"]},
    ]
    questions = load_questions(write(tmp_path / "q.jsonl", *rows))
    assert [q.id for q in select(questions, "fast")] == ["a"]
    assert len(select(questions, None)) == 2
    with pytest.raises(InputError, match="unknown subset"):
        select(questions, "slow")


def test_a_split_is_selected_and_needs_splits_written(tmp_path):
    rows = [
        {"id": "a", "type": "lookup", "question": "A?", "gold": ["p"], "split": "test"},
        {"id": "b", "type": "lookup", "question": "B?", "gold": ["p"], "split": "tune"},
        {"id": "c", "type": "lookup", "question": "C?", "gold": ["p"], "split": "test"},
    ]
    questions = load_questions(write(tmp_path / "q.jsonl", *rows))
    assert [q.id for q in select(questions, None, "test")] == ["a", "c"]
    assert [q.id for q in select(questions, None, "tune")] == ["b"]
    assert len(select(questions, "all", "all")) == 3
    with pytest.raises(InputError, match="unknown split"):
        select(questions, None, "dev")
    unsplit = load_questions(write(tmp_path / "u.jsonl", {**rows[0], "split": None}))
    with pytest.raises(InputError, match=r"assign_splits\.py"):
        select(unsplit, None, "test")


# ---------------------------------------------------------------- the committed files


@pytest.fixture(scope="module")
def abstracts(corpus_dir) -> dict[str, str]:
    return {p.id: p.abstract for p in load_corpus([corpus_dir]).papers}


def test_question_set_has_what_the_issue_asks_for(abstracts):
    questions = load_questions(EVALS / "questions.jsonl")
    counts = Counter(q.type for q in questions)
    assert len(questions) >= 120
    assert counts["unanswerable"] >= 20
    subtypes = Counter(q.subtype for q in questions if q.type == "unanswerable")
    assert subtypes["near"] and subtypes["far"]
    assert counts["lookup"] and counts["fact"] and counts["topic"]
    assert counts["dialog"] and counts["adversarial"]
    for q in questions:
        assert set(q.gold) <= set(abstracts), q.id
        for item in q.expected:
            assert any(contains(abstracts[g], item) for g in q.gold), (q.id, item)
        if q.type == "topic":
            assert 3 <= len(q.gold) <= 8, q.id
        if q.type == "dialog":
            assert 2 <= len(q.turns or []) <= 3, q.id
        if q.type == "fact":
            assert q.expected, q.id
    assert any(q.gate for q in questions)


def test_every_question_has_a_split_about_half_each_per_stratum():
    questions = load_questions(EVALS / "questions.jsonl")
    assert all(q.split in ("tune", "test") for q in questions)
    strata = Counter((q.type, q.subtype, q.split) for q in questions)
    for type_, subtype in {(q.type, q.subtype) for q in questions}:
        test, tune = strata[(type_, subtype, "test")], strata[(type_, subtype, "tune")]
        assert abs(test - tune) <= 1, (type_, subtype, test, tune)


def test_support_labels_are_real_and_balanced(abstracts):
    labels = load_labels(EVALS / "support_labels.jsonl")
    assert len(labels) >= 100
    assert {label.paper for label in labels} <= set(abstracts)
    supported = sum(label.supported for label in labels)
    assert 0.3 < supported / len(labels) < 0.7
    assert {label.split for label in labels} == {"tune", "test"}
    for label in labels:
        if label.kind == "verbatim":
            assert label.sentence in abstracts[label.paper], label.id
