"""The page's construction: mode choices follow the LLM setting, fonts are local, no share."""

from __future__ import annotations

import gradio as gr
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from ui_fakes import Corpus, ScriptedAssistant

from paperchat.api.services import Services
from paperchat.settings import Settings
from paperchat.ui.app import build_ui, mount_ui


class LLMAssistant(ScriptedAssistant):
    chat_model = object()  # only its presence matters to the page


def services(llm: bool) -> Services:
    assistant = LLMAssistant() if llm else ScriptedAssistant()
    return Services(searcher=Corpus(), assistant=assistant)


def mode_radios(blocks: gr.Blocks) -> list[gr.Radio]:
    """The chat's answer mode and the Compare tab's cell source."""
    return [b for b in blocks.blocks.values() if isinstance(b, gr.Radio)]


@pytest.mark.parametrize(
    ("llm", "modes"), [(False, ["extractive"]), (True, ["auto", "extractive", "llm"])]
)
def test_llm_mode_is_offered_only_when_configured(tmp_path, llm, modes):
    blocks = build_ui(services(llm), Settings(data_dir=tmp_path))
    radios = mode_radios(blocks)
    assert [r.label for r in radios] == ["Answer mode", "Cells from"]
    for radio in radios:
        assert [value for _label, value in radio.choices] == modes
        assert radio.value == modes[0]


def test_mounted_page_is_served_at_root_with_local_fonts_and_no_analytics(tmp_path):
    app = mount_ui(FastAPI(), services(False), Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200 and 'content="paperchat"' in page.text
        config = client.get("/config").json()
        css = client.get("/theme.css").text
    assert config["analytics_enabled"] is False and config["title"] == "paperchat"
    assert "googleapis" not in css and "@import" not in css and "@font-face" not in css
    assert "system-ui" in css


def test_page_asks_for_the_key_when_one_is_set(tmp_path):
    settings = Settings(data_dir=tmp_path, api_key=SecretStr("k3y"))
    app = mount_ui(FastAPI(), services(False), settings)
    with TestClient(app) as client:
        assert client.get("/config").status_code == 401
        bad = client.post("/login", data={"username": "me", "password": "nope"})
        assert bad.status_code == 400
        good = client.post("/login", data={"username": "me", "password": "k3y"})
        assert good.status_code == 200
        assert client.get("/config").status_code == 200
