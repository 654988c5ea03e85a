"""Which language an article is written in, so English-only steps know when to stand aside.

py3langid ships its model inside its PyPI package (nothing is downloaded) and needs
about a millisecond for a few thousand characters; the first ``_SAMPLE`` characters
of an article are plenty to tell its language.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["UNDETERMINED", "detect_language"]

log = logging.getLogger(__name__)

UNDETERMINED = "und"  # ISO 639-2 "undetermined"
_SAMPLE = 3000  # characters looked at
_MIN_LETTERS = 12  # fewer letters than this is not enough to tell
_MIN_CONFIDENCE = 0.5  # below this (normalised) probability the answer is a guess
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language of ``text``, or ``"und"`` when it cannot tell.

    Empty text, text with too few letters, and text the model is unsure about are
    "und". Never raises: a failure of the model is logged and reported as "und".
    """
    if not text:
        return UNDETERMINED
    sample = text[:_SAMPLE]
    if len(text) > _SAMPLE:  # do not end the sample in the middle of a word
        cut = sample.rfind(" ", _SAMPLE // 2)
        if cut > 0:
            sample = sample[:cut]
    for letters, _ in enumerate(_LETTER.finditer(sample), start=1):
        if letters >= _MIN_LETTERS:
            break
    else:
        return UNDETERMINED
    try:
        code, confidence = _identifier().classify(sample)
    except Exception:  # a bug in the model must not stop the analysis of an article
        log.exception("event=language_detection_failed chars=%d", len(sample))
        return UNDETERMINED
    if confidence < _MIN_CONFIDENCE or not code:
        return UNDETERMINED
    return str(code)
