"""Schema-driven fuzzing of the live server: no 5xx, and every response fits the schema.

Bounded: a fixed number of examples per operation (PAPERCHAT_FUZZ_EXAMPLES); `make soak`
runs more. schemathesis' pytest plugin does not run under pytest 9, so each operation's
case strategy is driven by hypothesis directly.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES = int(os.environ.get("PAPERCHAT_FUZZ_EXAMPLES", "12"))
# Some rules depend on the server's state or span fields, which JSON Schema cannot state
# ("mode": "llm" needs a configured LLM; the last chat message must be the user's), so a
# schema-valid request may rightly get a 400: that check is left out, every other one runs.
EXCLUDED = [positive_data_acceptance]


@pytest.fixture(scope="module")
def operations(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_schema_lists_every_route(operations):
    paths = {f"{op.method.upper()} {op.path}" for op in operations}
    assert {
        "GET /healthz",
        "POST /api/search",
        "POST /api/ask",
        "POST /api/ask/stream",
        "POST /api/summarize",
        "GET /api/papers/{paper_id}",
        "GET /api/papers/{paper_id}/bibtex",
        "POST /v1/chat/completions",
        "GET /v1/models",
    } <= paths


def test_api_never_fails_and_keeps_its_schema(operations, live_server):
    fuzzed = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            nonlocal fuzzed
            fuzzed += 1
            case.call_and_validate(base_url=live_server.url, excluded_checks=EXCLUDED, timeout=120)

        check()
    assert fuzzed >= len(operations)
