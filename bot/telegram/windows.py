"""Time windows as people type them after a country: ``3d``, ``48h``, ``2 days``, ``1 week``.

``/brief Iran 2 days`` used to be read as a country called "Iran 2 days". The window is
now taken off the end of the text in any of the forms people write, and a window past
what the store keeps (``99999d``) is cut to that, with a note the reply shows, instead
of being refused or silently shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The longest window a brief covers: the store keeps about this much news (and the
#: ``win:`` buttons accept at most this many hours).
MAX_HOURS = 24 * 30
MIN_HOURS = 1

_UNITS = {
    "h": 1,
    "hr": 1,
    "hrs": 1,
    "hour": 1,
    "hours": 1,
    "d": 24,
    "day": 24,
    "days": 24,
    "w": 168,
    "wk": 168,
    "wks": 168,
    "week": 168,
    "weeks": 168,
    "m": 720,  # "1m" after a country reads as a month, not a minute
    "mo": 720,
    "month": 720,
    "months": 720,
}
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7}
_WINDOW_RE = re.compile(
    r"(?:^|\s)(?:(?:the\s+)?(?:last|past)\s+)?(?P<n>\d{1,12}|a|an|one|two|three|four|five|seven)?"
    r"\s*(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\.?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Window:
    """The window asked for: its hours (capped) and, when capped, what was typed."""

    hours: float
    typed: str = ""
    capped: bool = False

    def note(self) -> str:
        """What the reply says about a window it could not honour ('' when none)."""
        if not self.capped:
            return ""
        if self.hours >= MAX_HOURS:
            return f"“{self.typed}” is longer than the {label(MAX_HOURS)} I keep: showing those."
        return f"“{self.typed}” is too short: showing the last {label(self.hours)}."


def parse_window(text: str) -> tuple[str, Window | None]:
    """``"Iran 2 days"`` → ``("Iran", Window(48))``; no window → ``(text, None)``.

    A bare unit needs a number ("Iran d" stays a country query), except the spelled-out
    ones ("Iran last week"). Numbers past the cap are cut to :data:`MAX_HOURS`.
    """
    m = _WINDOW_RE.search(text or "")
    if not m:
        return text, None
    unit = m.group("unit").lower()
    raw = m.group("n")
    if raw is None and len(unit) <= 2:
        return text, None
    count = _WORDS.get(raw.lower(), 0) if raw and not raw.isdigit() else int(raw or 1)
    hours = count * _UNITS[unit]
    typed = m.group(0).strip()
    rest = text[: m.start()].strip()
    if hours > MAX_HOURS:
        return rest, Window(float(MAX_HOURS), typed, capped=True)
    if hours < MIN_HOURS:
        return rest, Window(float(MIN_HOURS), typed, capped=True)
    return rest, Window(float(hours), typed)


def label(hours: float) -> str:
    """``24 hours``, ``3 days``, ``1 hour``, ``30 days``: the window as a reader says it."""
    if hours % 24 == 0:
        days = int(hours // 24)
        return "24 hours" if days == 1 else f"{days} days"
    return "1 hour" if int(hours) == 1 else f"{int(hours)} hours"
