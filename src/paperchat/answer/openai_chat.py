"""Chat completions through the `openai` SDK: OpenAI itself or any compatible server
(vLLM, llama.cpp, Ollama) at OPENAI_BASE_URL.

Retries are ours, not the SDK's (its `max_retries` is 0), so the limits are exact:
at most `max_attempts` upstream requests, each with `attempt_timeout`, all within a
total `deadline`. Rate limits (429), server errors (5xx), timeouts and dropped
connections are retried with backoff (honouring Retry-After when it fits the deadline);
anything else fails at once. A stream is retried only before its first token — a reply
half shown cannot be taken back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property

from paperchat.answer.chat_model import Message
from paperchat.errors import ProviderError


class OpenAIChatModel:
    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None = None,
        attempt_timeout: float = 30.0,
        deadline: float = 90.0,
        max_attempts: int = 3,
        backoff: float = 1.0,
        temperature: float = 0.0,
        max_tokens: int = 800,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.model = model
        self.name = f"openai:{model}"
        self.base_url = base_url
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._api_key = api_key or "unused"  # local servers need no key, the SDK wants one
        self._sleep = sleep
        self._clock = clock

    @cached_property
    def _client(self):
        from openai import OpenAI

        return OpenAI(
            api_key=self._api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.attempt_timeout,
        )

    @property
    def parameters(self) -> dict[str, object]:
        """What shapes a reply besides the messages (a provenance bundle records it)."""
        return {
            "model": self.model,
            "base_url": self._where,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    @property
    def _where(self) -> str:
        return self.base_url or "api.openai.com"

    def _request(self, messages: Sequence[Message], timeout: float, stream: bool):
        return self._client.chat.completions.create(
            model=self.model,
            messages=list(messages),  # type: ignore[arg-type]
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=stream,
            timeout=timeout,
        )

    def _error(self, exc: Exception) -> ProviderError:
        """An SDK exception as a ProviderError whose message says what to do."""
        import httpx
        import openai

        where = self._where
        if isinstance(exc, ProviderError):
            return exc
        # openai<3 lets a read timeout inside a stream through as httpx's own exception
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return ProviderError(
                f"the LLM at {where} did not answer within {self.attempt_timeout:g}s",
                retryable=True,
                timed_out=True,
            )
        if isinstance(exc, openai.APIConnectionError):
            return ProviderError(
                f"cannot reach the LLM at {where}: is the server running? Check OPENAI_BASE_URL",
                retryable=True,
            )
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = f"{status} {exc.message}"
            if status in (401, 403):
                return ProviderError(
                    f"the LLM at {where} refused the request ({detail}): check OPENAI_API_KEY",
                    status=status,
                )
            if status == 404:
                return ProviderError(
                    f"the LLM at {where} has no model {self.model!r} ({detail}): "
                    "check PAPERCHAT_LLM_MODEL and OPENAI_BASE_URL",
                    status=status,
                )
            if status == 429:
                return ProviderError(
                    f"the LLM at {where} is rate limiting requests ({detail}); try again later",
                    status=status,
                    retryable=True,
                )
            if status in (408, 409) or status >= 500:
                return ProviderError(
                    f"the LLM at {where} failed ({detail}); try again later",
                    status=status,
                    retryable=True,
                )
            return ProviderError(
                f"the LLM at {where} rejected the request ({detail})", status=status
            )
        if isinstance(exc, openai.APIError | ValueError):  # ValueError: a body that is not JSON
            return ProviderError(
                f"the LLM at {where} sent a reply paperchat cannot read ({exc})", retryable=True
            )
        return ProviderError(f"the LLM call failed: {exc}", retryable=False)

    def check(self, timeout: float = 2.0) -> None:
        """Raise ProviderError when the LLM cannot be reached or refuses our key: one
        `GET /models` (free at OpenAI, served by vLLM, llama.cpp and Ollama), no retries.
        A server without that route (404) is reachable, so it passes."""
        import openai

        try:
            self._client.models.list(timeout=timeout)
        except openai.NotFoundError:
            return
        except Exception as exc:  # classified like any call: timeout, refused, 5xx
            raise self._error(exc) from exc

    def _retry_after(self, exc: Exception) -> float | None:
        response = getattr(exc, "response", None)
        value = response.headers.get("retry-after") if response is not None else None
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def _attempts(self) -> Iterator[tuple[int, float, float]]:
        """(attempt number, the deadline's clock time, per-attempt timeout) until the deadline."""
        end = self._clock() + self.deadline
        for attempt in range(1, self.max_attempts + 1):
            left = end - self._clock()
            if left <= 0:
                return
            yield attempt, end, min(self.attempt_timeout, left)

    def _give_up_or_wait(self, exc: Exception, attempt: int, end: float) -> ProviderError | None:
        """The error to raise now, or None after sleeping before the next attempt."""
        error = self._error(exc)
        if not error.retryable or attempt >= self.max_attempts:
            return _final(error, attempt)
        left = end - self._clock()  # now, after the failed attempt: a wait must fit in it
        wait = self._retry_after(exc)
        if wait is None:
            wait = self.backoff * 2 ** (attempt - 1)
        if wait >= left:
            return _final(error, attempt, deadline=self.deadline)
        self._sleep(wait)
        return None

    def complete(self, messages: Sequence[Message]) -> str:
        last: Exception | None = None
        for attempt, end, timeout in self._attempts():
            try:
                response = self._request(messages, timeout, stream=False)
                choices = getattr(response, "choices", None)
                if not choices:
                    raise ProviderError(
                        f"the LLM at {self._where} sent a reply with no choices", retryable=True
                    )
                return choices[0].message.content or ""
            except Exception as exc:  # every failure is classified by _error
                last = exc
                error = self._give_up_or_wait(exc, attempt, end)
                if error is not None:
                    raise error from exc
        raise (
            _final(self._error(last), None, deadline=self.deadline)
            if last
            else ProviderError(
                f"no time left to call the LLM (deadline {self.deadline:g}s)",
                retryable=True,
                timed_out=True,
            )
        )

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        last: Exception | None = None
        for attempt, end, timeout in self._attempts():
            started = False
            try:
                finished = False
                for chunk in self._request(messages, timeout, stream=True):
                    if self._clock() > end:
                        raise ProviderError(
                            f"the LLM at {self._where} did not finish within the "
                            f"{self.deadline:g}s deadline",
                            retryable=True,
                            timed_out=True,
                        )
                    for choice in chunk.choices or ():
                        if choice.delta and choice.delta.content:
                            started = True
                            yield choice.delta.content
                        if choice.finish_reason:
                            finished = True
                if not finished:
                    raise ProviderError(
                        f"the LLM at {self._where} ended the stream before finishing the reply",
                        retryable=True,
                    )
                return
            except Exception as exc:
                last = exc
                if started:
                    error = self._error(exc)
                    raise ProviderError(
                        f"{error} (the reply broke off after it had started; ask again)",
                        status=error.status,
                        retryable=error.retryable,
                        timed_out=error.timed_out,
                    ) from exc
                error = self._give_up_or_wait(exc, attempt, end)
                if error is not None:
                    raise error from exc
        raise (
            _final(self._error(last), None, deadline=self.deadline)
            if last
            else ProviderError(
                f"no time left to call the LLM (deadline {self.deadline:g}s)",
                retryable=True,
                timed_out=True,
            )
        )


def _final(
    error: ProviderError, attempts: int | None, *, deadline: float | None = None
) -> ProviderError:
    """The error as the user sees it, with how hard we tried."""
    if not error.retryable:
        return error
    tried = f"after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else "gave up"
    limit = f" within the {deadline:g}s deadline" if deadline is not None else ""
    return ProviderError(
        f"{error} ({tried}{limit})", status=error.status, retryable=True, timed_out=error.timed_out
    )
