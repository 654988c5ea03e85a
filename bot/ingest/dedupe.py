"""Near-duplicate articles: the same wire story on several sites, found with MinHash.

Word 5-shingles of the normalised text, a 128-permutation MinHash, and an LSH index
banded like datasketch's at Jaccard ~0.5: syndicated copies (a different headline, a
trimmed last paragraph, the outlet's boilerplate) still share most of their 5-shingles,
while two different stories about one event share few. Signatures are plain bytes so
the store can keep them and the index can be rebuilt after a restart.

A signature is computed with NumPy alone (:func:`signature_values`): value for value
datasketch's ``MinHash`` with the ``affine32`` scheme (the first 32 bits of each
shingle's SHA-1, MurmurHash3's finaliser, then ``a * h + b`` modulo 2**32 with
datasketch's permutations, the minimum per permutation; a test compares the two, and
all 181 AEB texts gave the same bytes), so stored signatures and new ones stay
comparable. Why not datasketch itself: importing it imports SciPy, about 1 s of CPU in
every process that starts, and the ingest workers only compute signatures (datasketch
is imported where ``MinHash`` objects and LSH bands are needed, in the cycle's
process); and one ``MinHash`` per text drew its permutations again each time (the 181
AEB texts: 0.50 s of CPU with datasketch, 0.29 s here, at load 8 on 2 cores; a
worker's fork server started in 2.9 s of CPU instead of 4.3 s).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

NUM_PERM = 128
SHINGLE_WORDS = 5
THRESHOLD = 0.5
SEED = 1
SCHEME = "affine32"  # datasketch 2's default, pinned: stored signatures must stay comparable
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_HASH = np.uint32(0xFFFFFFFF)
# MurmurHash3's 32-bit finaliser (datasketch's pre-mix for the affine schemes)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Lower-cased word k-shingles; a text shorter than k words is one shingle."""
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


@functools.cache
def permutations(num_perm: int = NUM_PERM) -> np.ndarray:
    """The ``(a, b)`` of every permutation, drawn as datasketch draws them for SEED."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    perms = np.array([a, b])
    perms.flags.writeable = False  # shared by every signature and MinHash
    return perms


def signature_values(text: str) -> np.ndarray | None:
    """The MinHash of a text as ``NUM_PERM`` uint32s, or None when it has no words."""
    grams = shingles(text)
    if not grams:
        return None
    sha1 = hashlib.sha1
    digests = b"".join([sha1(gram.encode("utf-8")).digest()[:4] for gram in grams])
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = (hv ^ (hv >> s1))[:, np.newaxis]
    a, b = permutations(NUM_PERM)
    values: np.ndarray = (hv * a + b).min(axis=0)  # uint32 arithmetic wraps: mod 2**32
    return values


def signature_bytes(text: str) -> bytes | None:
    """The signature as the store keeps it (see :func:`to_bytes`), or None (no words)."""
    values = signature_values(text)
    return None if values is None else values.astype("<u8").tobytes()


def signature(text: str) -> MinHash | None:
    """The MinHash of a text, or None when it has no words to compare."""
    values = signature_values(text)
    return None if values is None else _minhash(values)


def to_bytes(mh: MinHash) -> bytes:
    """The signature as little-endian uint64s (the store's format, whatever the scheme)."""
    return np.asarray(mh.hashvalues, dtype="<u8").tobytes()


def _minhash(values: np.ndarray) -> MinHash:
    from datasketch import MinHash  # SciPy with it: only where MinHash objects are used

    return MinHash(
        seed=SEED, hashvalues=values, permutations=permutations(len(values)), scheme=SCHEME
    )


def from_bytes(data: bytes | bytearray) -> MinHash:
    return _minhash(np.frombuffer(data, dtype="<u8").astype(np.uint32))


def similarity(a: MinHash, b: MinHash) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(a.jaccard(b))


@functools.cache
def _bands(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each LSH band: datasketch's choice for this threshold (25 bands
    of 5 at 0.5 and 128 permutations), so candidates are the ones MinHashLSH gives."""
    from datasketch import MinHashLSH

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
