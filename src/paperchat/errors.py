"""The error hierarchy. Messages say what to do next; only the surfaces format them."""

from __future__ import annotations


class PaperchatError(Exception):
    """Base of every error paperchat raises on purpose."""


class ConfigError(PaperchatError):
    """A setting is missing or invalid: the message names the setting to fix."""


class InputError(PaperchatError):
    """The user's input (a file, a question, an id) cannot be used as given."""


class NotFoundError(InputError):
    """An id or name that does not exist."""


class IndexMissingError(PaperchatError):
    """The index is absent or incompatible; the message says which `paperchat ingest` to run."""


class StoreError(PaperchatError):
    """The vector store failed (for example a Chroma server that went away)."""


class DiskError(PaperchatError):
    """The data disk is full or read-only: the message says what needs room, and where."""


class IngestLockedError(PaperchatError):
    """Another ingest holds the writer lock on the same data directory."""


class ProviderError(PaperchatError):
    """An upstream model provider (embeddings or LLM) failed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        timed_out: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.timed_out = timed_out  # the provider was too slow, rather than failing
