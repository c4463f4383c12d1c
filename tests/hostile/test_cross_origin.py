"""Keyed data is readable only by the server's own pages (issue 17, item 2).

A real paperchat server with PAPERCHAT_API_KEY, a user logged in to its UI in headless
Chromium, and pages from two other local origins: one not trusted, whose fetches with
the login cookie must all be refused (the UI's config, Gradio's info and its search
event), and one listed in PAPERCHAT_ALLOWED_ORIGINS, which may call the API with the key.
Wrong keys and wrong UI passwords are throttled per client; the API description routes
are public by decision (README) and hold no data.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from helpers import ServerThread, arxiv_record, write_jsonl
from pydantic import SecretStr

from paperchat.build import run_ingest
from paperchat.settings import Settings

pytestmark = pytest.mark.slow

KEY = "cr0ss-origin-key"
CHROMIUM = Path("/usr/bin/chromium")
TOPIC = "zebrafish fin regeneration"

PAGE = """<!doctype html><title>other site</title><script>
const target = new URLSearchParams(location.search).get("target");
const key = new URLSearchParams(location.search).get("key");
async function probe(path, init) {
  try {
    const resp = await fetch(target + path, {credentials: "include", ...init});
    return {read: true, status: resp.status, text: (await resp.text()).slice(0, 300)};
  } catch (error) {
    return {read: false, error: String(error)};
  }
}
const json = {"content-type": "application/json"};
window.probes = (async () => ({
  config: await probe("/config"),
  info: await probe("/gradio_api/info"),
  call: await probe("/gradio_api/call/search", {method: "POST", headers: json,
    body: JSON.stringify({data: ["zebrafish", 5, "any"]})}),
  simple: await probe("/gradio_api/call/search", {method: "POST",
    body: JSON.stringify({data: ["zebrafish", 5, "any"]})}),
  api: await probe("/api/search", {method: "POST",
    headers: key ? {...json, authorization: "Bearer " + key} : json,
    body: JSON.stringify({query: "zebrafish"})}),
}))();
</script>"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PageServer:
    """Another local web origin: serves the probing page on its own port."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def pages():
    foreign, trusted = PageServer(), PageServer()
    yield foreign, trusted
    foreign.close()
    trusted.close()


@pytest.fixture(scope="module")
def secured(tmp_path_factory, pages):
    from paperchat.server import create_app

    root = tmp_path_factory.mktemp("cross-origin")
    corpus = write_jsonl(root / "a.jsonl", [arxiv_record(n, TOPIC) for n in range(4)])
    settings = Settings(
        data_dir=root / "data",
        embed_model="hash",
        api_key=SecretStr(KEY),
        allowed_origins=[pages[1].origin],
    )
    run_ingest(settings, [corpus])
    with ServerThread(create_app(settings)) as server:
        yield server


@pytest.fixture(scope="module")
def context():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser.new_context()
        browser.close()


def _probes(context, page_origin: str, target: str, key: str = "") -> dict:
    page = context.new_page()
    try:
        page.goto(f"{page_origin}/?target={target}&key={key}")
        return page.evaluate("window.probes")
    finally:
        page.close()


def test_a_logged_in_users_browser_reads_nothing_for_another_local_origin(secured, pages, context):
    target = f"http://localhost:{secured.port}"
    login = context.request.post(f"{target}/login", form={"username": "u", "password": KEY})
    assert login.ok, login.text()
    own = context.new_page()  # the user's own tab: the UI works, with the cookie
    own.goto(target + "/")
    own.wait_for_selector("#pc-question", timeout=60_000)
    own.close()
    assert context.request.get(f"{target}/config").ok  # the cookie opens the UI's routes

    foreign = _probes(context, pages[0].origin, target)
    for name, probe in foreign.items():
        assert probe["read"] is False, (name, probe)  # the browser let the page read nothing
    assert TOPIC not in json.dumps(foreign)


def test_a_listed_origin_may_call_the_api_with_the_key(secured, pages, context):
    target = f"http://localhost:{secured.port}"
    trusted = _probes(context, pages[1].origin, target, key=KEY)
    assert trusted["api"]["read"] and trusted["api"]["status"] == 200, trusted["api"]
    assert TOPIC in trusted["api"]["text"]


def test_other_origins_are_refused_before_any_route_runs(secured, pages):
    with httpx.Client(base_url=secured.url, timeout=30) as client:
        for path in ("/config", "/gradio_api/info", "/api/search", "/healthz"):
            resp = client.get(path, headers={"Origin": pages[0].origin})
            assert resp.status_code == 403, (path, resp.text)
            assert resp.json()["error"]["type"] == "forbidden_origin"
            assert "access-control-allow-origin" not in resp.headers
        sneaky = client.get(
            "/gradio_api/info", headers={"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"}
        )
        assert sneaky.status_code == 403
        own = client.get("/healthz", headers={"Origin": secured.url})  # its own pages
        assert own.status_code == 200
        preflight = client.options(
            "/api/search",
            headers={"Origin": pages[1].origin, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == pages[1].origin


def test_login_cookies_are_same_site_strict(secured):
    resp = httpx.post(f"{secured.url}/login", data={"username": "u", "password": KEY}, timeout=30)
    cookies = resp.headers.get_list("set-cookie")
    assert cookies and all("samesite=strict" in c.lower() for c in cookies), cookies
    assert not any("samesite=none" in c.lower() for c in cookies)


def test_failed_authentications_are_throttled_per_client(tmp_path):
    from paperchat.api.guards import MAX_FAILED_AUTH
    from paperchat.server import create_app

    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(1, TOPIC)])
    settings = Settings(data_dir=tmp_path / "data", embed_model="hash", api_key=SecretStr(KEY))
    run_ingest(settings, [corpus])
    with (
        ServerThread(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        for _ in range(5):  # no key at all is not a guess
            assert client.get("/v1/models").status_code == 401
        statuses = [
            client.get("/v1/models", headers={"Authorization": f"Bearer guess{n}"}).status_code
            for n in range(MAX_FAILED_AUTH + 10)
        ]
        assert statuses[:MAX_FAILED_AUTH] == [401] * MAX_FAILED_AUTH
        assert set(statuses[MAX_FAILED_AUTH:]) == {429}
        blocked = client.get("/v1/models", headers={"Authorization": f"Bearer {KEY}"})
        assert blocked.status_code == 429  # while blocked even the right key waits
        error = blocked.json()["error"]  # OpenAI's shape under /v1: the kind is its code
        assert error["code"] == "too_many_requests"
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        login = client.post("/login", data={"username": "u", "password": KEY})
        assert login.status_code == 429  # the UI login shares the limit


def test_ui_login_guesses_count_too(tmp_path):
    from paperchat.api.guards import MAX_FAILED_AUTH
    from paperchat.server import create_app

    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(1, TOPIC)])
    settings = Settings(data_dir=tmp_path / "data", embed_model="hash", api_key=SecretStr(KEY))
    run_ingest(settings, [corpus])
    with (
        ServerThread(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        for n in range(MAX_FAILED_AUTH):
            assert (
                client.post("/login", data={"username": "u", "password": f"g{n}"}).status_code
                == 400
            )
        assert client.post("/login", data={"username": "u", "password": "g"}).status_code == 429
        bearer = {"Authorization": f"Bearer {KEY}"}
        assert client.get("/v1/models", headers=bearer).status_code == 429


def test_api_description_routes_are_public_and_hold_no_data(secured):
    """Decision (README, "Web UI and HTTP API"): /docs, /redoc and /openapi.json describe
    the API, which is public in the source anyway; they stay open without the key."""
    with httpx.Client(base_url=secured.url, timeout=30) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            resp = client.get(path)
            assert resp.status_code == 200, path
            assert TOPIC not in resp.text and KEY not in resp.text


def test_allowed_origins_setting_reads_a_comma_separated_list(monkeypatch):
    from paperchat.errors import ConfigError
    from paperchat.settings import load_settings

    monkeypatch.setenv("PAPERCHAT_ALLOWED_ORIGINS", "http://localhost:3000, https://Notes.Example/")
    assert load_settings().allowed_origins == ["http://localhost:3000", "https://notes.example"]
    monkeypatch.setenv("PAPERCHAT_ALLOWED_ORIGINS", "http://localhost:3000/app")
    with pytest.raises(ConfigError, match="allowed_origins"):
        load_settings()
