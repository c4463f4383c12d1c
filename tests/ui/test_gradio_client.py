"""The UI's chat endpoint called programmatically with gradio_client, over loopback."""

from __future__ import annotations

import pytest
from gradio_client import Client

pytestmark = pytest.mark.slow

NPNET = "h2ff2d7fce6d63ede"


def reply(chat: list[dict]) -> str:
    message = chat[-1]
    assert message["role"] == "assistant"
    return "".join(part["text"] for part in message["content"] if part.get("type") == "text")


@pytest.fixture(scope="module")
def client(ui_server):
    return Client(ui_server.url, verbose=False)


def test_only_the_documented_endpoints_are_public(client):
    info = client.view_api(print_info=False, return_format="dict")
    assert set(info["named_endpoints"]) == {"/chat", "/summarize", "/compare", "/search"}
    assert not info["unnamed_endpoints"]


def test_chat_endpoint_answers_with_citations_and_remembers_the_conversation(client):
    chat, panel, bibtex, status, _box = client.predict(
        "What is NPNet?", 5, "any", "extractive", api_name="/chat"
    )
    assert [m["role"] for m in chat] == ["user", "assistant"]
    answer = reply(chat)
    assert 'href="#src-' in answer and "pc-abstained" not in answer
    assert f'data-paper-id="{NPNET}"' in panel and "<mark>" in panel
    assert bibtex.lstrip().startswith("@")
    assert "Extractive" in status

    chat, panel, *_ = client.predict(
        "How big is its training set?", 5, "any", "extractive", api_name="/chat"
    )
    assert [m["role"] for m in chat] == ["user", "assistant"] * 2
    assert 'href="#src-' in reply(chat)
    assert f'data-paper-id="{NPNET}"' in panel


def test_chat_endpoint_abstains_out_of_corpus(client):
    chat, panel, *_ = client.predict(
        "Who won the 2018 football World Cup?", 5, "any", "extractive", api_name="/chat"
    )
    assert "pc-abstained" in reply(chat)
    assert "Nearest papers" in panel


def test_summarize_endpoint(client):
    summary, panel, bibtex = client.predict("graph neural networks", 6, api_name="/summarize")
    assert 'href="#sum-' in summary and 'id="sum-' in panel
    assert bibtex.lstrip().startswith("@")


def test_compare_endpoint(client):
    table, panel, csv = client.predict(
        "learning with noisy labels", 5, "extractive", api_name="/compare"
    )
    assert "pc-table" in table and "pc-cell-link" in table
    assert 'id="cmp-1"' in panel and 'mark class="pc-m"' in panel
    assert csv.startswith("id,title,year,url,relevance,task,")


def test_secured_ui_needs_the_key(secured_ui_server):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type is not public
        Client(secured_ui_server.url, verbose=False).predict(
            "What is NPNet?", 5, "any", "extractive", api_name="/chat"
        )
    client = Client(
        secured_ui_server.url, auth=("anyone", secured_ui_server.api_key), verbose=False
    )
    chat, *_ = client.predict("What is NPNet?", 5, "any", "extractive", api_name="/chat")
    assert 'href="#src-' in reply(chat)
