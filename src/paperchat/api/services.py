"""What the HTTP layer needs from below, built once per app by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paperchat.answer.provenance import BundleStore

if TYPE_CHECKING:
    from paperchat.answer.service import Assistant
    from paperchat.retrieve.searcher import HybridSearcher


@dataclass
class Services:
    searcher: HybridSearcher
    assistant: Assistant
    bundles: BundleStore = field(default_factory=BundleStore)  # this process's answers

    @property
    def llm(self) -> bool:
        return self.assistant.chat_model is not None
