"""Import NLTK without the SciPy it never needs here.

sumy's stemmers import ``nltk.stem``, and importing any part of NLTK runs its
``__init__``, which loads collocation measures, parsers and more. When SciPy is installed
(datasketch brings it for ingestion's near-duplicate search) those modules import
``scipy.stats`` and ``scipy.sparse``: about 0.6 s of a 1.1 s start-up, for a Fisher test
and a parser we never call. Each of those NLTK modules already falls back when SciPy is
missing, so during NLTK's first import SciPy is made to look missing, and is put back
right after: a later ``import scipy`` (datasketch's) loads it as usual.

When SciPy is already loaded (the bot has imported datasketch first), nothing changes.
"""

from __future__ import annotations

import sys

# What NLTK's __init__ would pull in; only these are hidden, and only if not yet loaded.
_HIDDEN_DURING_IMPORT = ("scipy", "scipy.stats", "scipy.sparse", "sklearn")


def import_nltk() -> None:
    """Import NLTK once, with SciPy and scikit-learn hidden if they are not loaded yet."""
    if "nltk" in sys.modules:
        return
    hidden = [name for name in _HIDDEN_DURING_IMPORT if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" now fails
    try:
        import nltk  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


import_nltk()
