"""Liveness and readiness: `/livez` says the process answers; `/healthz` says whether it
can serve questions, checking what each answer needs right now.

A load balancer acts on the status code: `/healthz` is 200 when every check passes and
503 when one fails (a Chroma server gone away, a configured LLM that cannot be reached
or refuses the key), with the failed checks named in the body. Restarting paperchat
fixes neither, which is why liveness is a separate route that stays 200.

The body is readable without the API key, so it says what is down, never where (no
URLs, no error text from the store); the server log has the detail.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from paperchat.api.schemas import Check, Health
from paperchat.api.services import Services
from paperchat.errors import PaperchatError

log = logging.getLogger("paperchat.api")

LLM_CHECK_TIMEOUT = 2.0  # seconds one LLM probe may take
LLM_CHECK_EVERY = 10.0  # seconds a probe's result is reused: polling never hammers the LLM


class _Cached:
    """A check's result, recomputed at most once per `every` seconds by one thread."""

    def __init__(self, probe: Callable[[], Check], every: float):
        self._probe, self._every = probe, every
        self._lock = threading.Lock()
        self._result: Check | None = None
        self._at = 0.0

    def __call__(self) -> Check:
        with self._lock:
            if self._result is None or time.monotonic() - self._at >= self._every:
                self._result, self._at = self._probe(), time.monotonic()
            return self._result


def _store_check(services: Services) -> Check:
    try:
        services.searcher.refresh()  # a finished ingest shows here too, not only in search
        services.searcher.store.current_version()  # a round trip to the store, every time
    except PaperchatError as exc:
        log.warning("health: store check failed: %s", exc)
        return Check(status="down", message="the vector store is unreachable or failing")
    return Check(status="ok")


def _llm_probe(services: Services) -> Callable[[], Check]:
    def probe() -> Check:
        check = getattr(services.assistant.chat_model, "check", None)
        if check is None:  # a chat model that cannot be probed counts as up
            return Check(status="ok")
        try:
            check(LLM_CHECK_TIMEOUT)
        except PaperchatError as exc:
            log.warning("health: LLM check failed: %s", exc)
            return Check(status="down", message="the configured LLM is unreachable or refuses")
        return Check(status="ok")

    return probe


class HealthChecks:
    """What `/healthz` runs; built once per app."""

    def __init__(self, services: Services):
        self._services = services
        self._llm = _Cached(_llm_probe(services), LLM_CHECK_EVERY)

    def __call__(self) -> tuple[int, Health]:
        services = self._services
        checks = {"store": _store_check(services)}
        if services.llm:
            checks["llm"] = self._llm()
        view = services.searcher.snapshot  # counts of the version searches use, not the
        healthy = all(c.status == "ok" for c in checks.values())  # store's moving count
        health = Health(
            status="ok" if healthy else "degraded",
            papers=len(view.papers),
            chunks=view.keyword.chunk_count(),
            llm=services.llm,
            checks=checks,
        )
        return (200 if healthy else 503), health
