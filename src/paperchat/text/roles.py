"""What an abstract sentence does: sets the scene, states the paper's contribution, or
reports a result. Answers quote contributions and results before background."""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["background", "contribution", "result", "other"]

_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study|report|article)|our (?:work|paper|method|approach|model|"
    r"framework))\s+(?:\w+\s+){0,2}(?:propose|introduce|present|develop|design|devise|"
    r"formulate|derive|build|train|release|study|investigate|explore|analy[sz]e|establish|"
    r"prove|extend|leverage|offer|use|adopt|address|tackle|provide|overcome|mitigate|"
    r"alleviate|resolve|remedy)",
    re.I,
)
_RESULT = re.compile(
    r"\b(?:achiev|outperform|surpass|improv|reduc|speed|accelerat|boost|match|exceed|"
    r"state-of-the-art|sota|experiments?\s+(?:on|show|demonstrate|confirm)|results?\s+"
    r"(?:show|demonstrate|indicate|suggest)|we\s+(?:show|find|observe|demonstrate|report)|"
    r"empirical(?:ly)?|ablations?|up to|\d+(?:\.\d+)?\s?(?:%|x\b|×|times))",
    re.I,
)
_BACKGROUND = re.compile(
    r"^(?:recent(?:ly)?|in recent years|over the past|despite|although|while|however|"
    r"existing|current|conventional|traditional|prior|previous|many|"
    r"most(?! (?:significantly|importantly|notably))|a (?:key|major|"
    r"central|fundamental|common)|one of)\b|\b(?:remains? (?:a |an )?(?:challeng|open|"
    r"difficult|unclear|limited)|has (?:been|become|attracted|shown|gained)|have (?:been|"
    r"become|attracted|shown|gained)|suffer(?:s)? from|is (?:a |an )?(?:challenging|"
    r"fundamental|crucial|important|key|widely)|are (?:widely|often|commonly))",
    re.I,
)


def sentence_role(sentence: str, index: int) -> Role:
    """The role of the `index`-th sentence of an abstract (0 = the first)."""
    if _CONTRIBUTION.search(sentence):
        return "contribution"
    if _RESULT.search(sentence) and index > 0:
        return "result"
    if index == 0 or _BACKGROUND.search(sentence):
        return "background"
    return "other"
