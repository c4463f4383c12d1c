"""A poisoned corpus over the real HTTP API and /v1: no live Markdown or HTML in the text
answers (issue 17, item 1), while `citations[].quote` stays verbatim.

The source lists (`with_sources`, /v1's source block) escape titles already. The answer
text itself is composed in answer/extractive.py and answer/service.py, which another
change is rewriting; `markdown_text` is applied there by that work, hence the xfail.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest
from helpers import ServerThread
from markdown_it import MarkdownIt

from paperchat.build import run_ingest

RENDER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
LIVE = re.compile(r"<(img|a|script|iframe|svg|code|em|del)\b", re.IGNORECASE)
POISONED_BIB = r"""
@article{poison2024,
  title = {Zebrafish [1](javascript:alert(2)) fin regeneration ![tracker](http://127.0.0.1:9/t.png)},
  author = {Mallory, Eve},
  year = {2024},
  abstract = {Zebrafish fin regeneration restores the whole fin within two weeks ![tracker](http://127.0.0.1:9/x.png).
    Fin regeneration in zebrafish needs blastema cells [click me](javascript:alert(1))
    <img src=x onerror=alert(3)>.
    Zebrafish fin regeneration is blocked by <script>alert(4)</script> retinoic acid inhibitors.}
}
@article{plain2024,
  title = {Axolotl limb regrowth},
  author = {Doe, Jane},
  year = {2024},
  abstract = {Axolotl limbs regrow after amputation through a blastema of dedifferentiated cells.}
}
"""
QUESTION = "How does zebrafish fin regeneration work?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from paperchat.server import create_app
    from paperchat.settings import Settings

    root = tmp_path_factory.mktemp("poisoned-markup")
    (root / "poison.bib").write_text(POISONED_BIB, encoding="utf-8")
    settings = Settings(data_dir=root / "data", embed_model="hash")
    run_ingest(settings, [root / "poison.bib"])
    with ServerThread(create_app(settings)) as running:
        yield running


def _ask(server) -> tuple[dict, str]:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        answer = client.post("/api/ask", json={"question": QUESTION, "mode": "extractive"})
        assert answer.status_code == 200, answer.text
        completion = client.post(
            "/v1/chat/completions",
            json={
                "model": "paperchat-extractive",
                "messages": [{"role": "user", "content": QUESTION}],
            },
        )
        assert completion.status_code == 200, completion.text
    return answer.json(), completion.json()["choices"][0]["message"]["content"]


def test_the_poisoned_paper_is_cited_with_its_quote_verbatim(server):
    answer, _ = _ask(server)
    assert answer["verdict"] == "answered", answer
    poisoned = [c for c in answer["citations"] if "Zebrafish" in (c["title"] or "")]
    assert poisoned, answer["citations"]
    quotes = " ".join(c["quote"] for c in answer["citations"])
    assert any(mark in quotes for mark in ("![tracker]", "[click me]", "<img", "<script>")), quotes


def test_no_live_markup_reaches_markdown_clients(server):
    answer, content = _ask(server)
    for text in (answer["answer"], content):
        rendered = RENDER.render(text)
        assert not LIVE.search(rendered), rendered
        assert "javascript:" not in re.sub(r"<[^>]+>", "", html.unescape(rendered)) or (
            'href="javascript' not in rendered
        )
        assert not re.search(r"(?<!\\)!\[", text) and not re.search(r"(?<!\\)\]\(", text), text
