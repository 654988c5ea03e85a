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
from collections.abc import Iterable, Iterator
from typing import Any

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


@functools.cache
def _bands(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each LSH band: datasketch's choice for this threshold (25 bands
    of 5 at 0.5 and 128 permutations), so candidates are the ones MinHashLSH gives."""
    return tuple(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)


def _values(signature: MinHash | bytes | bytearray) -> np.ndarray:
    if isinstance(signature, bytes | bytearray):
        return np.frombuffer(signature, dtype="<u8").astype(np.uint32)
    return np.asarray(signature.hashvalues, dtype=np.uint32)


class NearDuplicateIndex:
    """An LSH index of recent articles' signatures, keyed by article id.

    Banded like datasketch's MinHashLSH (same bands, same candidates), but built for an
    index that lives as long as the process: a bucket holds its one key itself (a list
    only when keys collide) and signatures are bare arrays, so the index adds next to
    no objects for the garbage collector to walk (a full collection over datasketch's
    set per bucket took 0.25 s at 2,000 articles, an event-loop stall). Keys are article
    ids (any hashable, orderable value but a list).
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._ranges = _bands(threshold, NUM_PERM)
        self._buckets: list[dict[bytes, Any]] = [{} for _ in self._ranges]
        self._sigs: dict[Any, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: object) -> bool:
        return key in self._sigs

    def _keys(self, values: np.ndarray) -> Iterator[tuple[dict[bytes, Any], bytes]]:
        for (start, end), buckets in zip(self._ranges, self._buckets, strict=True):
            yield buckets, values[start:end].tobytes()

    def add(self, key: Any, mh: MinHash | bytes | bytearray) -> None:
        if key in self._sigs:
            return
        values = self._sigs[key] = _values(mh)
        for buckets, band in self._keys(values):
            held = buckets.get(band, _EMPTY)
            if held is _EMPTY:
                buckets[band] = key
            elif type(held) is list:
                held.append(key)
            else:
                buckets[band] = [held, key]

    def add_all(self, items: Iterable[tuple[Any, bytes | MinHash]]) -> None:
        for key, sig in items:
            self.add(key, sig)

    def remove(self, key: Any) -> None:
        values = self._sigs.pop(key, None)
        if values is None:
            return
        for buckets, band in self._keys(values):
            held = buckets.get(band, _EMPTY)
            if type(held) is list:
                held.remove(key)
                if len(held) == 1:
                    buckets[band] = held[0]
            elif held == key:
                del buckets[band]

    def best_match(self, mh: MinHash) -> tuple[Any, float] | None:
        """The indexed article most similar to ``mh`` at or above the threshold."""
        values = _values(mh)
        found: set[Any] = set()
        for buckets, band in self._keys(values):
            held = buckets.get(band, _EMPTY)
            if type(held) is list:
                found.update(held)
            elif held is not _EMPTY:
                found.add(held)
        best: tuple[Any, float] | None = None
        for key in sorted(found):  # ties go to the oldest, whatever the history
            score = float(np.count_nonzero(values == self._sigs[key])) / len(values)
            if score >= self.threshold and (best is None or score > best[1]):
                best = (key, score)
        return best


_EMPTY: Any = object()
