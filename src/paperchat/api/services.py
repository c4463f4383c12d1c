"""What the HTTP layer needs from below, built once per app by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paperchat.answer.service import Assistant
    from paperchat.retrieve.searcher import HybridSearcher


@dataclass
class Services:
    searcher: HybridSearcher
    assistant: Assistant

    @property
    def llm(self) -> bool:
        return self.assistant.chat_model is not None
