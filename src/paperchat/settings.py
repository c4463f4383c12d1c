"""One typed Settings object, read from the environment and an optional paperchat.toml.

Built once by a surface (CLI, server) and passed down; nothing reads the environment on
its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from paperchat.errors import ConfigError


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "paperchat"


def bundled_corpus_dir() -> Path:
    """The corpus shipped with paperchat: `data/papers` of the checkout or the wheel."""
    from importlib.resources import files

    return Path(str(files("paperchat.bundled") / "papers"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERCHAT_",
        extra="ignore",
        toml_file=os.environ.get("PAPERCHAT_CONFIG", "paperchat.toml"),
        populate_by_name=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where the index lives.")
    chroma_url: str | None = Field(
        default=None,
        description="Use a Chroma server (http://host:port) instead of the embedded store.",
    )
    collection: str = "paperchat"
    snapshot_dir: Path | None = Field(
        default=None,
        description="Where each index version's snapshot (papers, keyword index, evidence) "
        "is kept. Point every replica of one Chroma server at the same folder: the ingest "
        "writes it once and replicas load it instead of rebuilding it. Default: the data "
        "dir's cache.",
    )

    embed_model: str = Field(
        default="minilm-onnx",
        description="minilm-onnx[:int8|fp32] | minilm | openai:<model> | hash",
    )
    embed_batch_size: int = Field(default=64, ge=1, le=2048)

    chunk_tokens: int = Field(default=220, ge=32, description="Chunk budget in cl100k tokens.")
    chunk_overlap: int = Field(default=24, ge=0)

    search_k: int = Field(default=5, ge=1, le=100)
    candidates: int = Field(
        default=50, ge=1, le=1000, description="Hits per retriever before fusion."
    )
    rrf_k: int = Field(default=60, ge=1)

    host: str = Field(
        default="127.0.0.1",
        description="Interface `paperchat serve` binds: loopback, so nothing is exposed "
        "unless you ask (0.0.0.0 serves every interface).",
    )
    port: int = Field(default=7860, ge=1, le=65535)

    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = Field(
        default=30.0, gt=0, description="Seconds one LLM request may take (per attempt)."
    )
    llm_deadline: float = Field(
        default=90.0, gt=0, description="Seconds an LLM call may take in all, retries included."
    )
    llm_max_attempts: int = Field(
        default=3,
        ge=1,
        le=3,  # a provider in trouble gets at most three requests per call from us
        description="Upstream requests per LLM call (429s, 5xx, timeouts are retried).",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "PAPERCHAT_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "PAPERCHAT_OPENAI_BASE_URL")
    )
    api_key: SecretStr | None = Field(default=None, description="Bearer token the server requires.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Web origins besides the server's own whose pages may call it from a "
        "browser (comma-separated, e.g. http://localhost:3000). Empty: only its own pages.",
    )
    prompts_dir: Path | None = Field(default=None, description="Your own prompt folder.")

    @field_validator("chroma_url")
    @classmethod
    def _url_has_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("PAPERCHAT_CHROMA_URL must look like http://127.0.0.1:8000")
        return value or None

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        from paperchat.api.origins import normalise_origin

        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            return [normalise_origin(str(origin)) for origin in value]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def store_label(self) -> str:
        return self.chroma_url or f"chroma:{self.data_dir / 'chroma'}"


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation failures into a ConfigError that names the variable."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid settings ({problems}); fix the PAPERCHAT_* variable or paperchat.toml"
        ) from None
