"""Importing the summarizer leaves SciPy unloaded, and SciPy still loads when asked for."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import summarizer
print("scipy" in sys.modules, "nltk" in sys.modules)
summarizer.analyse("Iran's minister said on Monday: \\"We will talk.\\" The talks begin today.")
from datasketch import MinHash  # needs scipy, imported after the summarizer
import scipy.stats
print(callable(scipy.stats.fisher_exact), MinHash(num_perm=8).jaccard(MinHash(num_perm=8)))
"""


def test_the_summarizer_imports_nltk_without_scipy_and_scipy_still_loads_later() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "True", "True", "1.0"]


def test_when_scipy_is_loaded_first_nothing_is_hidden() -> None:
    probe = "import scipy.stats, summarizer, sys; print(sys.modules['scipy.stats'] is not None)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["True"]
