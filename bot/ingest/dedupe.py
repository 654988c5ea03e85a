"""Near-duplicate articles: the same wire story on several sites, found with MinHash.

Word 5-shingles of the normalised text, a 128-permutation MinHash, and a datasketch LSH
index at Jaccard ~0.5: syndicated copies (a different headline, a trimmed last
paragraph, the outlet's boilerplate) still share most of their 5-shingles, while two
different stories about one event share few. Signatures are plain bytes so the store
can keep them and the index can be rebuilt after a restart.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 5
THRESHOLD = 0.5
SEED = 1
SCHEME = "affine32"  # datasketch 2's default, pinned: stored signatures must stay comparable
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Lower-cased word k-shingles; a text shorter than k words is one shingle."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def signature(text: str) -> MinHash | None:
    """The MinHash of a text, or None when it has no words to compare."""
    grams = shingles(text)
    if not grams:
        return None
    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    mh.update_batch([g.encode("utf-8") for g in grams])
    return mh


def to_bytes(mh: MinHash) -> bytes:
    """The signature as little-endian uint64s (the store's format, whatever the scheme)."""
    return np.asarray(mh.hashvalues, dtype="<u8").tobytes()


@functools.cache
def _permutations(num_perm: int) -> np.ndarray:
    """The permutation parameters of every signature (derived from SEED): computed once
    and shared, where each MinHash would otherwise draw and hold its own 2 KB copy."""
    return MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def from_bytes(data: bytes | bytearray) -> MinHash:
    values = np.frombuffer(data, dtype="<u8").astype(np.uint32)
    return MinHash(
        seed=SEED, hashvalues=values, permutations=_permutations(len(values)), scheme=SCHEME
    )


def similarity(a: MinHash, b: MinHash) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(a.jaccard(b))


class NearDuplicateIndex:
    """An LSH index of recent articles' signatures, keyed by article id."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[object, MinHash] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: object) -> bool:
        return key in self._sigs

    def add(self, key: object, mh: MinHash) -> None:
        if key in self._sigs:
            return
        self._lsh.insert(key, mh)
        self._sigs[key] = mh

    def add_all(self, items: Iterable[tuple[object, bytes | MinHash]]) -> None:
        for key, sig in items:
            self.add(key, from_bytes(sig) if isinstance(sig, bytes | bytearray) else sig)

    def remove(self, key: object) -> None:
        if self._sigs.pop(key, None) is not None:
            self._lsh.remove(key)

    def best_match(self, mh: MinHash) -> tuple[object, float] | None:
        """The indexed article most similar to ``mh`` at or above the threshold."""
        best: tuple[object, float] | None = None
        for key in sorted(self._lsh.query(mh)):  # ties go to the oldest, whatever the history
            score = similarity(mh, self._sigs[key])
            if score >= self.threshold and (best is None or score > best[1]):
                best = (key, score)
        return best
