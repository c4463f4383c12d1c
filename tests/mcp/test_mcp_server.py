"""The MCP server through the official SDK's own client, over both transports: streamable
HTTP at /mcp of the real server (open, and behind PAPERCHAT_API_KEY) and stdio
(`paperchat mcp` as a subprocess, as an agent host launches it)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

SRC = Path(__file__).resolve().parents[2] / "src"
TOOLS = {"search_papers", "ask", "get_paper", "summarize_topic", "paper_bibtex"}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=240))


async def exercise(client: Client) -> dict:
    """Every tool once; what each returned, for the tests to check."""
    names = {tool.name for tool in (await client.list_tools()).tools}
    search = await client.call_tool("search_papers", {"query": "speech separation", "k": 3})
    first = search.structured_content["results"][0]["id"]
    ask = await client.call_tool("ask", {"question": "what is NPNet?"})
    paper = await client.call_tool("get_paper", {"paper_id": first})
    bibtex = await client.call_tool("paper_bibtex", {"paper_id": first})
    summary = await client.call_tool("summarize_topic", {"topic": "speech separation", "k": 4})
    missing = await client.call_tool("get_paper", {"paper_id": "no-such-paper"})
    return {
        "names": names,
        "search": search,
        "first": first,
        "ask": ask,
        "paper": paper,
        "bibtex": bibtex,
        "summary": summary,
        "missing": missing,
    }


def check(seen: dict) -> None:
    assert seen["names"] >= TOOLS
    results = seen["search"].structured_content["results"]
    assert len(results) == 3 and all("title" in r and r["abstract"] for r in results)
    answer = seen["ask"].structured_content
    assert answer["verdict"] == "answered" and not answer["abstained"]
    assert answer["citations"] and all(c["quote"] for c in answer["citations"])
    assert "[1]" in answer["answer"]
    assert seen["paper"].structured_content["id"] == seen["first"]
    text = seen["bibtex"].content[0].text
    assert text.lstrip().startswith("@") and "title" in text
    summary = seen["summary"].structured_content
    assert summary["citations"] and summary["topic"] == "speech separation"
    assert seen["missing"].is_error and "search_papers" in seen["missing"].content[0].text


def test_streamable_http_at_mcp(live_server):
    async def go():
        async with Client(f"{live_server.url}/mcp") as client:
            return await exercise(client)

    check(run(go()))


def test_streamable_http_needs_the_api_key_when_set(secured_server):
    denied = httpx2.post(f"{secured_server.url}/mcp", json={}, timeout=30)
    assert denied.status_code == 401

    async def go():
        headers = {"Authorization": "Bearer s3cret-token"}
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
            transport = streamable_http_client(f"{secured_server.url}/mcp", http_client=http)
            async with Client(transport) as client:
                found = await client.call_tool("search_papers", {"query": "diffusion", "k": 2})
                return found.structured_content

    assert len(run(go())["results"]) == 2


def test_stdio_paperchat_mcp(minilm_settings):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "PAPERCHAT_DATA_DIR": str(minilm_settings.data_dir),
        "PAPERCHAT_EMBED_MODEL": minilm_settings.embed_model,
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "paperchat.cli", "mcp"], env=env
    )

    async def go():
        async with Client(params) as client:
            return await exercise(client)

    check(run(go()))


@pytest.mark.parametrize("question", ["", "x" * 2001])
def test_bad_arguments_are_tool_errors(live_server, question):
    async def go():
        async with Client(f"{live_server.url}/mcp") as client:
            return await client.call_tool("ask", {"question": question})

    result = run(go())
    assert result.is_error
