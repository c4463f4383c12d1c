"""What the HTTP layer needs from below, built once per app by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from paperchat.answer.provenance import BundleStore
from paperchat.corpus_map.build import CorpusMaps

if TYPE_CHECKING:
    from paperchat.answer.service import Assistant
    from paperchat.corpus_map.models import CorpusMap
    from paperchat.retrieve.searcher import HybridSearcher


@dataclass
class Services:
    searcher: HybridSearcher
    assistant: Assistant
    bundles: BundleStore = field(default_factory=BundleStore)  # this process's answers
    maps: CorpusMaps = field(default_factory=CorpusMaps)  # the current version's map

    @property
    def llm(self) -> bool:
        return self.assistant.chat_model is not None

    def corpus_map(self) -> CorpusMap:
        """The map of the index version the searcher is on (after a finished ingest: the
        new one), built on first use and then kept."""
        self.searcher.refresh()
        return self.maps.get(self.searcher.snapshot)
