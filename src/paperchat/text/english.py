"""Everyday English: words common in general use, whatever a corpus of abstracts makes of
them. "earlier" or "save" are rare in abstracts but say nothing specific; "GPUs" or
"epochs" are rare in both and name a detail. Frequencies are wordfreq's (Zipf scale:
log10 of uses per billion words)."""

from __future__ import annotations

from functools import lru_cache

EVERYDAY_ZIPF = 4.5  # "earlier" 5.0, "save" 5.1; "hardware" 4.3, "batch" 3.9, "GPU" 3.2


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en", wordlist="small")


def everyday(word: str) -> bool:
    return zipf(word.lower()) >= EVERYDAY_ZIPF
