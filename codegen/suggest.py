"""Did-you-mean suggestions for the validator's messages.

Kept apart from validate.py so every message that suggests a name (keys,
types, levels, PII policies) suggests it the same way.
"""
from __future__ import annotations

import difflib
from typing import Iterable, Optional

# difflib's ratio is 2*matches/(len(a)+len(b)); 0.6 accepts one or two typos
# in a short word ("optinal", "strng") but not an unrelated word.
CUTOFF = 0.6


def closest(word: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate nearest to `word`, or None when none is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """"; did you mean 'x'?" for the nearest candidate, or "" when none is close."""
    best = closest(word, candidates)
    return f"; did you mean '{best}'?" if best is not None else ""
