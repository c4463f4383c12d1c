"""simonw's `llm` CLI against the real server, configured the way its docs say for an
OpenAI-compatible endpoint (extra-openai-models.yaml). It shows text only, so the
citations reach it as the source list; `-c` continues the conversation it logged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LLM = Path(sys.executable).parent / "llm"
QUESTION = "what is NPNet?"
SUBJECT = "Golden Noise for Diffusion Models"


@pytest.fixture(scope="module")
def llm(live_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("llm-home")
    (home / "extra-openai-models.yaml").write_text(
        f'- model_id: paperchat\n  model_name: paperchat\n  api_base: "{live_server.url}/v1"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "LLM_USER_PATH": str(home), "OPENAI_API_KEY": "unused"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(LLM), *args], env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return run


def test_llm_cli_streams_answers_and_follows_up(llm):
    text = llm("-m", "paperchat", QUESTION)  # streamed: llm's default
    assert "[1]" in text and "Sources:" in text and SUBJECT in text
    follow = llm("-c", "how big is its training set?")
    assert SUBJECT in follow
    plain = llm("-m", "paperchat", "--no-stream", QUESTION)
    assert plain.strip() == text.strip()
    logs = json.loads(llm("logs", "--json", "-n", "3"))
    assert len(logs) == 3
    assert all(entry["input_tokens"] and entry["output_tokens"] for entry in logs), logs
