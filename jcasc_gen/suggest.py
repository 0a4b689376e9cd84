"""Did-you-mean hints whose cost stays linear in the spec.

`difflib.get_close_matches` compares a misspelt word with every candidate: a spec with 3,000
roles and 3,000 misspelt references made 9 million comparisons (over 6 CPU minutes to
validate). A `Suggester` indexes its candidates once: by their folded form (a different case
is the likeliest mistake), by the part after `Group/` (`Read` for `Job/Read`), and by every
one-character deletion of the folded form (SymSpell: two words one insertion, deletion,
substitution or swap of neighbouring letters apart share a deletion). A lookup then costs
the word's length squared plus a bounded number of candidate comparisons, whatever the pool's
size; only a small pool is searched with difflib, for the looser matches it finds, when the
index finds nothing.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from .names import fold

__all__ = ["Suggester", "DIFFLIB_POOL", "MAX_INDEXED_LENGTH", "BUCKET"]

DIFFLIB_POOL = 64  # up to this many candidates, difflib also runs (a bounded cost per lookup)
MAX_INDEXED_LENGTH = 64  # longer words are matched by their folded form only
BUCKET = 16  # candidates kept per deletion key (`a1`..`a9` all share `a`)


def _deletions(word: str) -> list[tuple[str, int]]:
    """The word itself (index -1) and each one-character deletion with its index."""
    return [(word, -1), *((word[:i] + word[i + 1:], i) for i in range(len(word)))]


class Suggester:
    """The closest candidate for a misspelt word, or None."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self.pool = list(dict.fromkeys(candidates))
        self.comparisons = 0  # candidates compared with a word so far (tests bound it)
        self._by_fold: dict[str, str] = {}
        self._by_tail: dict[str, list[str]] = {}
        self._by_deletion: dict[str, list[tuple[int, int]]] = {}  # key -> (position in pool, deleted index)
        self._keys: list[str] = []
        for pos, c in enumerate(self.pool):
            key = fold(c)
            self._keys.append(key)
            self._by_fold.setdefault(key, c)
            if "/" in c:
                self._by_tail.setdefault(fold(c.split("/", 1)[1]), []).append(c)
            if len(key) <= MAX_INDEXED_LENGTH:
                for d, i in _deletions(key):
                    bucket = self._by_deletion.setdefault(d, [])
                    if len(bucket) < BUCKET:
                        bucket.append((pos, i))

    def suggest(self, word: str) -> str | None:
        key = fold(word)
        self.comparisons += 1
        if key in self._by_fold:
            return self._by_fold[key]
        if "/" not in word:
            tails = self._by_tail.get(key, [])
            if len(tails) == 1:
                return tails[0]
        if len(key) <= MAX_INDEXED_LENGTH:
            # Edits apart: one when either side is whole (an inserted or dropped character) or
            # the same position was deleted from both (a changed character); then two
            # neighbours swapped (the same character deleted at neighbouring positions: one
            # slip of the fingers, `ilnt` for `lint`); else two changes (`ilnt` is two from
            # `init`). Ties go to the earlier candidate.
            best: tuple[int, int] | None = None
            for d, i in _deletions(key):
                for pos, j in self._by_deletion.get(d, ()):
                    self.comparisons += 1
                    if i == -1 or j == -1 or i == j:
                        tier = 1
                    elif abs(i - j) == 1 and key[i] == self._keys[pos][j]:
                        tier = 2
                    else:
                        tier = 3
                    score = (tier, pos)
                    if best is None or score < best:
                        best = score
            if best is not None:
                return self.pool[best[1]]
        if len(self.pool) <= DIFFLIB_POOL:
            self.comparisons += len(self.pool)
            near = difflib.get_close_matches(word, self.pool, n=1, cutoff=0.6)
            return near[0] if near else None
        return None
