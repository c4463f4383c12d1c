"""Tune/test splits: deterministic, stratified, never moved; merging validates first."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from paperchat.errors import InputError
from paperchat.evals.splits import assign_splits, stable_hash, write_with_splits


def rows(type_: str, n: int, **fields) -> list[dict]:
    return [{"id": f"{type_}-{i:02}", "type": type_, **fields} for i in range(n)]


def test_stable_hash_is_a_constant_unlike_hash():
    # the first 8 bytes of sha256("lookup-001"), big-endian: the same on every machine
    assert stable_hash("lookup-001") == 2426844901634213762


def test_each_stratum_is_split_about_half_each():
    questions = rows("lookup", 7) + rows("unanswerable", 4, subtype="near")
    questions += rows("unanswerable", 3, subtype="far")
    split = assign_splits(questions)
    counts = Counter((r["type"], r.get("subtype"), r["split"]) for r in split)
    assert {counts[("lookup", None, "test")], counts[("lookup", None, "tune")]} == {3, 4}
    assert counts[("unanswerable", "near", "test")] == counts[("unanswerable", "near", "tune")]
    assert {counts[("unanswerable", "far", s)] for s in ("test", "tune")} == {1, 2}


def test_the_split_depends_on_the_ids_not_the_order_of_lines():
    questions = rows("fact", 9)
    forward = {r["id"]: r["split"] for r in assign_splits(questions)}
    backward = {r["id"]: r["split"] for r in assign_splits(list(reversed(questions)))}
    assert forward == backward


def test_an_existing_split_never_changes_and_new_ones_rebalance():
    old = [r | {"split": "test"} for r in rows("topic", 3)]
    new = [{"id": f"new-{i}", "type": "topic"} for i in range(5)]
    split = assign_splits(old + new)
    assert [r["split"] for r in split[:3]] == ["test"] * 3
    # 3 test already: of 5 new, tune takes 4 and test 1 → 4 and 4
    assert Counter(r["split"] for r in split) == {"test": 4, "tune": 4}
    assert "split" not in new[0]  # the input rows are left as they were


def line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_merging_keeps_existing_lines_byte_for_byte(tmp_path):
    path = tmp_path / "q.jsonl"
    kept = '{"id": "a",  "type": "lookup", "question": "Qué?", "gold": ["p"], "split": "tune"}'
    path.write_text(kept + "\n" + line(id="b", type="lookup", question="B?", gold=["p"]) + "\n")
    new = [("new.jsonl:1", {"id": "new-c", "type": "detail_missing", "question": "C?",
                            "gold": ["p"], "verdict": "detail_missing"})]  # fmt: skip
    result = write_with_splits(path, new, known={"p"})
    written = path.read_text().splitlines()
    assert written[0] == kept
    assert [json.loads(x)["id"] for x in written] == ["a", "b", "new-c"]
    assert all(json.loads(x)["split"] in ("tune", "test") for x in written)
    assert [r["split"] for r in result] == [json.loads(x)["split"] for x in written]
    before = path.read_text()
    write_with_splits(path)  # nothing new: nothing moves
    assert path.read_text() == before


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ({"id": "a", "type": "lookup", "question": "Q", "gold": ["p"]}, "id 'a' already used"),
        ({"id": "n", "type": "lookup", "question": "Q", "gold": ["zz"]}, "not in the index: zz"),
        ({"id": "n", "type": "trivia", "question": "Q", "gold": ["p"]}, "type"),
    ],
)
def test_a_bad_new_line_stops_the_merge_and_writes_nothing(tmp_path, new, message):
    path = tmp_path / "q.jsonl"
    path.write_text(line(id="a", type="lookup", question="A?", gold=["p"]) + "\n")
    before = path.read_text()
    with pytest.raises(InputError, match=message):
        write_with_splits(path, [("new.jsonl:1", new)], known={"p"})
    assert path.read_text() == before
