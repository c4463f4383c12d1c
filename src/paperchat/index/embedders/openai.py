"""OpenAI (or any OpenAI-compatible server's) embeddings through the `openai` SDK."""

from __future__ import annotations

from functools import cached_property

from paperchat.errors import ConfigError, ProviderError

KNOWN_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    max_tokens: int | None = 8191

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        batch_size: int = 128,
        timeout: float = 30.0,
    ):
        if not api_key and not base_url:
            raise ConfigError(
                f"embedder openai:{model} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a "
                "compatible server); or set PAPERCHAT_EMBED_MODEL=minilm for the local model"
            )
        self.model = model
        self.name = f"openai:{model}"
        self.batch_size = batch_size
        self._api_key = api_key or "unused"
        self._base_url = base_url
        self._timeout = timeout

    @cached_property
    def _client(self):
        from openai import OpenAI

        return OpenAI(
            api_key=self._api_key, base_url=self._base_url, timeout=self._timeout, max_retries=2
        )

    @cached_property
    def dim(self) -> int:  # type: ignore[override]
        return KNOWN_DIMS.get(self.model) or len(self.embed_query("dimension probe"))

    def _call(self, texts: list[str]) -> list[list[float]]:
        import openai

        try:
            response = self._client.embeddings.create(model=self.model, input=texts)
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"embedding request failed: {exc.status_code} {exc.message}",
                status=exc.status_code,
                retryable=exc.status_code in (408, 429) or exc.status_code >= 500,
            ) from exc
        except openai.APIError as exc:
            raise ProviderError(f"embedding request failed: {exc}", retryable=True) from exc
        return [item.embedding for item in sorted(response.data, key=lambda d: d.index)]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._call(texts[start : start + self.batch_size]))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._call([text])[0]

    def count_tokens(self, text: str) -> int:
        from paperchat.index.tokens import count_tokens

        return count_tokens(text)
