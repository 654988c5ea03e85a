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
every process that starts; and one ``MinHash`` per text drew its permutations again
each time (the 181 AEB texts: 0.50 s of CPU with datasketch, 0.29 s here, at load 8 on
2 cores; a worker's fork server started in 2.9 s of CPU instead of 4.3 s).

The cycle's process needs no datasketch either: a :class:`Signature` is the bare values
(datasketch's ``jaccard`` on them, the same estimate), and the LSH bands are chosen as
``MinHashLSH`` chooses them (:func:`_optimal_bands`, the same integrals without SciPy;
a test compares the two). Building a datasketch ``MinHash`` from each stored or new
signature cost more than the index's work with it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

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
    """The MinHash of a text as ``NUM_PERM`` uint32s, or None when it has no words.

    The same values as hashing each of :func:`shingles`, with less work per shingle (a
    text has about as many as words, and this ran for every article in a worker): the
    lower-cased words are joined and encoded once and each shingle is a slice of those
    bytes, not a join of five words and an encoding of its own; a shingle that occurs
    twice is hashed twice instead of being kept out by a set first (the minimum is the
    same); the SHA-1 digests are joined whole and their first 4 bytes read by NumPy.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return None
    sha1 = hashlib.sha1
    if len(words) < SHINGLE_WORDS:
        digests = [sha1(" ".join(words).encode("utf-8")).digest()]
    else:
        data = " ".join(words).encode("utf-8")
        lengths = map(len, words) if data.isascii() else (len(w.encode("utf-8")) for w in words)
        # starts[i]: where word i starts in ``data``; shingle i ends a space before word i + k
        starts = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(lengths, dtype=np.int64, count=len(words)) + 1, out=starts[1:])
        bounds = starts[:-SHINGLE_WORDS].tolist()
        ends = (starts[SHINGLE_WORDS:] - 1).tolist()
        digests = [sha1(data[a:b]).digest() for a, b in zip(bounds, ends, strict=True)]
    first4 = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 20)[:, :4]
    hv = np.ascontiguousarray(first4).view("<u4").ravel().astype(np.uint32)
    s1, m1, s2, m2 = _FMIX
    hv ^= hv >> s1
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s1
    a, b = permutations(NUM_PERM)
    # one row per permutation, each shingle's a * h + b (uint32 arithmetic wraps: mod
    # 2**32), the minimum of each row: a row's values lie together in memory
    hashed = np.multiply(a[:, np.newaxis], hv)
    hashed += b[:, np.newaxis]
    values: np.ndarray = hashed.min(axis=1)
    return values


def signature_bytes(text: str) -> bytes | None:
    """The signature as the store keeps it (see :func:`to_bytes`), or None (no words)."""
    values = signature_values(text)
    return None if values is None else values.astype("<u8").tobytes()


class Signature:
    """A text's MinHash: its ``NUM_PERM`` values (uint32), as datasketch's ``hashvalues``.

    What the cycle's process keeps, compares and stores; :func:`to_bytes` and the index
    take a datasketch ``MinHash`` as well (anything with ``hashvalues``).
    """

    __slots__ = ("hashvalues",)

    def __init__(self, values: np.ndarray) -> None:
        self.hashvalues = values

    def jaccard(self, other: Any) -> float:
        """The estimated Jaccard similarity: the share of equal values (datasketch's)."""
        theirs = np.asarray(other.hashvalues, dtype=np.uint32)
        if len(theirs) != len(self.hashvalues):
            raise ValueError("cannot compare signatures of different numbers of permutations")
        return float(np.count_nonzero(self.hashvalues == theirs)) / len(self.hashvalues)


def signature(text: str) -> Signature | None:
    """The MinHash of a text, or None when it has no words to compare."""
    values = signature_values(text)
    return None if values is None else Signature(values)


def to_bytes(mh: Any) -> bytes:
    """The signature as little-endian uint64s (the store's format, whatever the scheme)."""
    return np.asarray(mh.hashvalues, dtype="<u8").tobytes()


def from_bytes(data: bytes | bytearray) -> Signature:
    return Signature(np.frombuffer(data, dtype="<u8").astype(np.uint32))


def similarity(a: Any, b: Any) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(a.jaccard(b))


@functools.cache
def _bands(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each LSH band: datasketch's choice for this threshold (25 bands
    of 5 at 0.5 and 128 permutations), so candidates are the ones MinHashLSH gives."""
    bands, rows = _optimal_bands(threshold, num_perm)
    return tuple((i * rows, (i + 1) * rows) for i in range(bands))


def _optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) as ``datasketch.lsh._optimal_param`` chooses them with equal
    weights: the least false positive plus false negative probability, each the integral
    of the S-curve below (above) the threshold, here by Simpson's rule on a fine grid
    instead of SciPy's ``quad`` (the choice is the same; a test compares them)."""
    below, above = np.linspace(0.0, threshold, 2001), np.linspace(threshold, 1.0, 2001)
    best, choice = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _simpson(1 - (1 - below**r) ** b, threshold)
            fn = _simpson((1 - above**r) ** b, 1.0 - threshold)
            error = fp * 0.5 + fn * 0.5
            if error < best:
                best, choice = error, (b, r)
    return choice


def _simpson(y: np.ndarray, width: float) -> float:
    """The integral of samples ``y`` over an interval of ``width`` (odd count, even steps)."""
    step = width / (len(y) - 1)
    return float(step / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum()))


def _values(signature: Any) -> np.ndarray:
    """The uint32 values of a signature, a datasketch ``MinHash`` or the stored bytes."""
    if isinstance(signature, bytes | bytearray):
        return np.frombuffer(signature, dtype="<u8").astype(np.uint32)
    return np.ascontiguousarray(signature.hashvalues, dtype=np.uint32)


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
        """Each band's buckets and its key: the band's values as bytes (one ``tobytes``
        for all of them, sliced: the same bytes as each band's own)."""
        data, size = values.tobytes(), values.itemsize
        for (start, end), buckets in zip(self._ranges, self._buckets, strict=True):
            yield buckets, data[start * size : end * size]

    def add(self, key: Any, mh: Any) -> None:
        """Index ``mh`` (a :class:`Signature`, a datasketch ``MinHash`` or stored bytes)."""
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

    def add_all(self, items: Iterable[tuple[Any, Any]]) -> None:
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

    def best_match(self, mh: Any) -> tuple[Any, float] | None:
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
