"""Did-you-mean hints whose cost stays linear in the spec.

`difflib.get_close_matches` compares a misspelt word with every candidate: a spec with 3,000
roles and 3,000 misspelt references made 9 million comparisons (over 6 CPU minutes to
validate). A `Suggester` indexes its candidates once: by their folded form (a different case
is the likeliest mistake), by the part after `Group/` (`Read` for `Job/Read`), and by every
one-character deletion of the folded form (SymSpell: two words one insertion, deletion,
substitution or swap of neighbouring letters apart share a deletion). A lookup then costs
the word's length squared plus a bounded number of candidate comparisons, whatever the pool's
size; only a small pool is also searched with difflib, for the looser matches it finds.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from .names import fold

__all__ = ["Suggester", "DIFFLIB_POOL", "MAX_INDEXED_LENGTH", "BUCKET", "NEAR"]

DIFFLIB_POOL = 64  # up to this many candidates, difflib also runs (a bounded cost per lookup)
MAX_INDEXED_LENGTH = 64  # longer words are matched by their folded form only
BUCKET = 16  # candidates kept per deletion key (`a1`..`a9` all share `a`)
NEAR = 32  # candidates scored with difflib per lookup


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


class Suggester:
    """The closest candidate for a misspelt word, or None."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self.pool = list(dict.fromkeys(candidates))
        self.comparisons = 0  # candidates compared with a word so far (tests bound it)
        self._position = {c: i for i, c in enumerate(self.pool)}
        self._by_fold: dict[str, str] = {}
        self._by_tail: dict[str, list[str]] = {}
        self._by_deletion: dict[str, list[str]] = {}
        for c in self.pool:
            key = fold(c)
            self._by_fold.setdefault(key, c)
            if "/" in c:
                self._by_tail.setdefault(fold(c.split("/", 1)[1]), []).append(c)
            if len(key) <= MAX_INDEXED_LENGTH:
                for d in _deletions(key):
                    bucket = self._by_deletion.setdefault(d, [])
                    if len(bucket) < BUCKET:
                        bucket.append(c)

    def suggest(self, word: str) -> str | None:
        key = fold(word)
        if key in self._by_fold:
            self.comparisons += 1
            return self._by_fold[key]
        if "/" not in word:
            tails = self._by_tail.get(key, [])
            self.comparisons += min(len(tails), 2)
            if len(tails) == 1:
                return tails[0]
        if len(key) <= MAX_INDEXED_LENGTH:
            near = list(dict.fromkeys(c for d in sorted(_deletions(key)) for c in self._by_deletion.get(d, ())))[:NEAR]
            self.comparisons += len(near)
            if near:
                return max(near, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(), -self._position[c]))
        if len(self.pool) <= DIFFLIB_POOL:
            self.comparisons += len(self.pool)
            best = difflib.get_close_matches(word, self.pool, n=1, cutoff=0.6)
            return best[0] if best else None
        return None
