import pytest

from paperchat.errors import ConfigError
from paperchat.index.embedders import build_embedder
from paperchat.settings import Settings, load_settings


def test_env_prefix_and_openai_aliases(monkeypatch, tmp_path):
    monkeypatch.setenv("PAPERCHAT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERCHAT_CHROMA_URL", "http://127.0.0.1:8123")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.chroma_url == "http://127.0.0.1:8123"
    assert settings.openai_api_key.get_secret_value() == "sk-test"
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"
    assert "sk-test" not in repr(settings)


def test_toml_file_is_read(monkeypatch, tmp_path):
    config = tmp_path / "paperchat.toml"
    config.write_text('embed_model = "hash"\nsearch_k = 7\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(Settings.model_config, "toml_file", str(config))
    settings = load_settings()
    assert (settings.embed_model, settings.search_k) == ("hash", 7)


def test_env_beats_toml(monkeypatch, tmp_path):
    config = tmp_path / "paperchat.toml"
    config.write_text("search_k = 7\n", encoding="utf-8")
    monkeypatch.setitem(Settings.model_config, "toml_file", str(config))
    monkeypatch.setenv("PAPERCHAT_SEARCH_K", "3")
    assert load_settings().search_k == 3


def test_bad_value_is_a_config_error_naming_the_setting(monkeypatch):
    monkeypatch.setenv("PAPERCHAT_CHROMA_URL", "localhost:8000")
    with pytest.raises(ConfigError, match="chroma_url"):
        load_settings()


def test_unknown_embedder_lists_valid_names(tmp_path):
    with pytest.raises(ConfigError, match="minilm"):
        build_embedder(Settings(data_dir=tmp_path, embed_model="word2vec"))


def test_openai_embedder_without_key_says_what_to_set(tmp_path):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_embedder(Settings(data_dir=tmp_path, embed_model="openai:text-embedding-3-small"))
