"""Near-duplicates by MinHash over word 5-shingles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from datasketch import MinHash

from bot.ingest import dedupe
from bot.ingest.dedupe import (
    NUM_PERM,
    SCHEME,
    NearDuplicateIndex,
    from_bytes,
    permutations,
    shingles,
    signature,
    signature_bytes,
    signature_values,
    similarity,
    to_bytes,
)

SEED = (Path(__file__).resolve().parents[1] / "data" / "seed-article.txt").read_text()


def test_shingles_are_lowercased_word_five_grams():
    assert shingles("The quick brown fox jumps over") == {
        "the quick brown fox jumps",
        "quick brown fox jumps over",
    }
    assert shingles("Too short") == {"too short"}
    assert shingles("  ,,, ") == set()
    assert signature("") is None


def test_syndicated_copy_is_found_and_a_different_story_is_not():
    paragraphs = SEED.split("\n")
    # a wire copy: another headline line, the last paragraphs cut, a credit added
    copy = "Iran, Russia deepen defence ties\n" + "\n".join(paragraphs[:-3])
    copy += "\nReporting by our correspondent; editing by the desk."
    other = (
        "The central bank of Norway raised its policy rate by a quarter point on Thursday, "
        "citing persistent inflation in services and a weak krone, and signalled that "
        "further increases were likely before the summer as wage growth stayed high."
    ) * 3
    index = NearDuplicateIndex()
    index.add("seed", signature(SEED))
    index.add("other", signature(other))
    match = index.best_match(signature(copy))
    assert match is not None and match[0] == "seed" and match[1] > 0.6
    assert index.best_match(signature("A completely unrelated sentence about chess.")) is None


def test_half_rewritten_story_is_below_threshold():
    paragraphs = [p for p in SEED.split("\n") if p.strip()]
    half = "\n".join(paragraphs[: len(paragraphs) // 3])
    a, b = signature(SEED), signature(half)
    assert similarity(a, b) < 0.5
    index = NearDuplicateIndex()
    index.add(1, a)
    assert index.best_match(b) is None


def test_signature_survives_the_store_round_trip():
    mh = signature(SEED)
    data = to_bytes(mh)
    assert len(data) == 128 * 8
    back = from_bytes(data)
    assert similarity(mh, back) == 1.0
    index = NearDuplicateIndex()
    index.add_all([(5, data)])
    assert 5 in index and len(index) == 1
    assert index.best_match(signature(SEED)) == (5, 1.0)
    index.remove(5)
    assert index.best_match(signature(SEED)) is None


def _datasketch(text: str) -> MinHash:
    """The signature as datasketch computes it (how every stored signature was made)."""
    mh = MinHash(num_perm=NUM_PERM, seed=dedupe.SEED, scheme=SCHEME)
    mh.update_batch([gram.encode("utf-8") for gram in shingles(text)])
    return mh


def test_signatures_are_datasketchs_value_for_value():
    """Stored signatures (datasketch's) and new ones (NumPy's) must stay comparable."""
    paragraphs = [p for p in SEED.split("\n") if p.strip()]
    texts = [
        SEED,
        *paragraphs,
        "Too short",
        "Ünïcode Straße, 東京 and Москва are five words or more",
    ]
    assert np.array_equal(permutations(), MinHash(num_perm=NUM_PERM, seed=dedupe.SEED).permutations)
    for text in texts:
        expected = _datasketch(text)
        assert signature_bytes(text) == to_bytes(expected)
        assert np.array_equal(signature_values(text), expected.hashvalues)
        assert to_bytes(signature(text)) == to_bytes(expected)
    assert signature_bytes("") is None and signature_bytes(" ... ") is None
    assert len(signature_bytes(SEED)) == NUM_PERM * 8  # the store's uint64s


def test_signatures_from_byte_slices_are_datasketchs_on_tricky_texts():
    """Shingles sliced from the joined bytes (multi-byte letters before and inside them,
    shingles repeated, exactly five words, one word) hash as datasketch's do."""
    texts = [
        "one two three four five",
        "one two three four five " * 7,
        "Straße Straße Москва 東京 café naïve İstanbul ǅemal ﬁne 𝔘nicode x1 _y",
        "ÉÉÉ a é b é c é d é e é f",
        "word",
        "Ünïcode " + "plain ascii words follow here " * 3 + "and then Αθήνα at the end",
    ]
    for text in texts:
        assert signature_bytes(text) == to_bytes(_datasketch(text)), text


def test_bands_are_datasketchs_choice_without_scipy():
    """The LSH bands as MinHashLSH picks them (its SciPy integrals, here Simpson's rule)."""
    from datasketch.lsh import _optimal_param

    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        for num_perm in (32, 64, 128, 256):
            assert dedupe._optimal_bands(threshold, num_perm) == _optimal_param(
                threshold, num_perm, 0.5, 0.5
            )
    assert dedupe._bands(0.5, NUM_PERM) == tuple((5 * i, 5 * i + 5) for i in range(25))


def test_signatures_compare_as_datasketchs_minhashes_do():
    """A Signature's estimate is datasketch's, and the index takes either kind."""
    paragraphs = SEED.split("\n")
    copy = "\n".join(paragraphs[:-2])
    ours, theirs = signature(copy), _datasketch(copy)
    assert similarity(signature(SEED), ours) == _datasketch(SEED).jaccard(theirs)
    index = NearDuplicateIndex()
    index.add(1, _datasketch(SEED))
    assert index.best_match(ours) == index.best_match(theirs)
    assert index.best_match(ours) is not None


def test_dedupe_needs_neither_datasketch_nor_scipy():
    """A signature made (what the ingest workers run), and signatures from the store,
    their index and their comparison (what the cycle's process does with them): neither
    imports datasketch or SciPy (SciPy alone is about 1 s of start-up)."""
    code = (
        "import sys\n"
        "from bot.ingest import dedupe\n"
        "a = dedupe.from_bytes(dedupe.signature_bytes('one two three four five six seven'))\n"
        "index = dedupe.NearDuplicateIndex()\n"
        "index.add(1, dedupe.to_bytes(a))\n"
        "assert index.best_match(dedupe.signature('one two three four five six seven'))\n"
        "assert dedupe.similarity(a, a) == 1.0\n"
        "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
