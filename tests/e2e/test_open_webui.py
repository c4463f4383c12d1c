"""Open WebUI against `paperchat serve`, in Debian's headless Chromium.

Open WebUI is the PyPI package `open-webui`, in its own venv (.venv-e2e, several GB with
its CPU torch), so `make e2e` runs this module and `make test` does not collect it.
Open WebUI is configured by environment variables only (`RECIPE`, the settings the
README's recipe lists): no login, paperchat as its one OpenAI connection, Ollama off,
offline, and its title, tag, follow-up, autocomplete and query background tasks off.

One person's session, in order: the paperchat models are listed, a corpus question gets
paperchat's answer with a source chip per cited paper, a chip opens to the quoted
sentence, and no background task asked paperchat anything. The screenshot of the answer
with its sources expanded is docs/images/open-webui-sources.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import BIN, CHROMIUM, CHROMIUM_ARGS, free_port, wait_for_port
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
OPEN_WEBUI = Path(os.environ.get("PAPERCHAT_E2E_OPEN_WEBUI", ROOT / ".venv-e2e/bin/open-webui"))
SCREENSHOT = ROOT / "docs" / "images" / "open-webui-sources.png"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
QUESTION = "Which papers prune large language models?"
TIMEOUT = 180_000  # ms; answers are CPU work on two shared cores
expect.set_options(timeout=TIMEOUT)

# Open WebUI's settings for paperchat, besides the connection itself (OPENAI_API_BASE_URL,
# OPENAI_API_KEY), DATA_DIR and WEBUI_SECRET_KEY; the README's recipe lists each one.
RECIPE = {
    "WEBUI_AUTH": "False",
    "ENABLE_PERSISTENT_CONFIG": "False",
    "ENABLE_OLLAMA_API": "False",
    "ENABLE_TITLE_GENERATION": "False",
    "ENABLE_TAGS_GENERATION": "False",
    "ENABLE_FOLLOW_UP_GENERATION": "False",
    "ENABLE_AUTOCOMPLETE_GENERATION": "False",
    "ENABLE_SEARCH_QUERY_GENERATION": "False",
    "ENABLE_RETRIEVAL_QUERY_GENERATION": "False",
    "RAG_EMBEDDING_MODEL": "",
    "OFFLINE_MODE": "True",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "True",
    "SCARF_NO_ANALYTICS": "True",
}


class Process:
    """A server process on a free loopback port, its output in test-artifacts/e2e/."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path):
        self.port = free_port()
        self.log = ARTIFACTS / f"{name}.log"
        self.argv = [*argv, "--host", "127.0.0.1", "--port", str(self.port)]
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, timeout: float) -> None:
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(self.port, timeout=timeout, proc=self.proc)
            deadline = time.monotonic() + timeout
            while httpx.get(self.url + ready_path, timeout=30).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.url}{ready_path} never answered 200")
                time.sleep(1)
        except Exception as exc:
            self.stop()
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.argv[0]} did not start: {exc}\n{tail}") from exc

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def paperchat(tmp_path_factory) -> Iterator[Process]:
    """`paperchat ingest` then `paperchat serve`, as `make run` does, on the MiniLM index."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = tmp_path_factory.mktemp("paperchat")
    env = os.environ | {"PAPERCHAT_DATA_DIR": str(data / "index")}
    cli = str(BIN / "paperchat")
    subprocess.run([cli, "ingest"], env=env, check=True, capture_output=True, timeout=900)
    server = Process("paperchat", [cli, "serve"], env, data)
    server.start("/healthz", timeout=300)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def open_webui(paperchat, tmp_path_factory) -> Iterator[Process]:
    if not OPEN_WEBUI.exists():
        pytest.fail(f"no Open WebUI at {OPEN_WEBUI}: `make e2e` installs it in .venv-e2e")
    data = tmp_path_factory.mktemp("open-webui")
    # paperchat's test settings and the suite's OpenAI variables stay out of Open WebUI
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERCHAT_", "OPENAI_"))}
    env |= RECIPE | {
        "OPENAI_API_BASE_URL": paperchat.url + "/v1",
        "OPENAI_API_KEY": "paperchat",
        "DATA_DIR": str(data),
        "WEBUI_SECRET_KEY": "e2e-only-secret",
    }
    server = Process("open-webui", [str(OPEN_WEBUI), "serve"], env, data)
    server.start("/health", timeout=600)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def outside() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(open_webui, paperchat, outside) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    def block(route) -> None:
        outside.append(route.request.url)
        route.abort()

    ours = (open_webui.url, paperchat.url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.route(lambda url: not url.startswith(ours), block)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(open_webui.url + "/")
        yield page
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def expected(paperchat) -> dict:
    """paperchat's own answer to the question: the papers Open WebUI should show."""
    body = {"model": "paperchat", "messages": [{"role": "user", "content": QUESTION}]}
    reply = httpx.post(paperchat.url + "/v1/chat/completions", json=body, timeout=300).json()
    answer = reply["paperchat"]
    assert answer["verdict"] == "answered" and answer["citations"]
    return answer


def chat_requests(paperchat: Process) -> int:
    return paperchat.log.read_text().count('"POST /v1/chat/completions HTTP/1.1"')


def test_open_webui_lists_the_paperchat_models(page: Page):
    page.locator("#chat-input").wait_for()
    whats_new = page.get_by_role("button", name="Okay, Let's Go!")
    try:  # a new install shows its release notes once
        whats_new.wait_for(timeout=10_000)
        whats_new.click()
    except PlaywrightTimeout:
        pass
    page.locator("button[aria-haspopup=listbox][id^=model-selector]").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(3)
    assert options.all_inner_texts() == ["paperchat", "paperchat-extractive", "paperchat-llm"]
    options.filter(has=page.get_by_text("paperchat", exact=True)).click()
    expect(page.get_by_label("Selected model: paperchat", exact=True)).to_be_visible()


def test_answer_shows_a_source_chip_per_cited_paper(page: Page, paperchat, expected):
    before = chat_requests(paperchat)
    page.locator("#chat-input").fill(QUESTION)
    page.locator("#chat-input").press("Enter")
    answer = page.locator("#response-content-container").last
    toggle = page.get_by_role("button", name=re.compile(r"^Toggle \d+ sources?$"))
    expect(toggle).to_be_visible()  # shown once the stream has ended with its sources

    cited = {c["n"]: c for c in expected["citations"]}
    titles = [cited[n]["title"] for n in sorted(cited)]
    for title in titles:
        expect(answer).to_contain_text(title)
    expect(answer).to_contain_text("Sources:")
    # the [n] markers in the text are chips named by the paper they cite
    inline = answer.locator('button[aria-label^="View source: "]')
    assert inline.count() >= len(titles)
    labels = {label.removeprefix("View source: ") for label in _labels(inline)}
    assert labels == set(titles)

    expect(toggle).to_have_text(f"{len(titles)} Sources" if len(titles) > 1 else "1 Source")
    toggle.click()
    chips = page.locator('button[id^="source-"]')
    expect(chips).to_have_count(len(titles))
    assert [t.split("\n")[-1] for t in chips.all_inner_texts()] == titles
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT)

    chips.first.click()  # a chip opens to the sentence paperchat quoted from that paper
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("link", name=titles[0], exact=True)).to_be_visible()
    expect(dialog).to_contain_text(cited[min(cited)]["quote"])
    page.wait_for_timeout(500)  # the dialog fades in
    page.screenshot(path=ARTIFACTS / "open-webui-source-opened.png")
    page.keyboard.press("Escape")
    assert chat_requests(paperchat) == before + 1


def test_no_background_task_asked_paperchat(page: Page, paperchat):
    """Title, tag and follow-up generation start when an answer ends; each would be a chat
    request that paperchat answers as a question."""
    page.wait_for_timeout(10_000)
    assert chat_requests(paperchat) == 2  # `expected` and the question, nothing else


def test_corpus_text_renders_as_text(page: Page):
    # the answer quotes abstracts with parentheses and brackets; none may become math
    expect(page.locator("#response-content-container").last.locator(".katex")).to_have_count(
        0, timeout=1000
    )


def test_nothing_was_loaded_from_outside(page: Page, outside):
    assert outside == []


def _labels(locator) -> list[str]:
    return [locator.nth(i).get_attribute("aria-label") for i in range(locator.count())]
