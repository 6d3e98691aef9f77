"""The keys a rule remembers for the rest of a file, in about 8 bytes each.

"Unique in the file" rules (CLM01 per billing provider) and the replacement check (the
originals earlier in the file) remember a key per claim until the file ends. As a set of
strings that is about 110 bytes a claim, 110 MB for a million claims; here a key is kept
as its 64-bit hash, first in a small set, then merged into one sorted array. Two different
keys of one file taken for the same one (a false "seen") takes 64-bit hashes that collide:
about one file in 40 million at a million claims.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from heapq import merge
from typing import Final

__all__ = ["FileKeys"]

#: keys held in the set before it is merged into the sorted array
MERGE_AT: Final = 65_536


class FileKeys:
    """A set of strings that answers ``in`` and ``add`` (and ``len``, ``clear``)."""

    def __init__(self, merge_at: int = MERGE_AT) -> None:
        self.merge_at = merge_at
        self.recent: set[int] = set()
        self.merged: array[int] = array("q")

    def __contains__(self, key: str) -> bool:
        return self._has(hash(key))

    def _has(self, h: int) -> bool:
        if h in self.recent:
            return True
        merged = self.merged
        at = bisect_left(merged, h)
        return at < len(merged) and merged[at] == h

    def add(self, key: str) -> None:
        h = hash(key)
        if self._has(h):
            return
        self.recent.add(h)
        if len(self.recent) >= self.merge_at:
            # one value at a time: no list of every key on the way
            self.merged = array("q", merge(self.merged, sorted(self.recent)))
            self.recent.clear()

    def __len__(self) -> int:
        return len(self.recent) + len(self.merged)

    def clear(self) -> None:
        self.recent.clear()
        self.merged = array("q")
