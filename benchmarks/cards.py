"""How much of a phone screen a story takes: the card (issue 10) against the old message.

    python benchmarks/cards.py [PATH]

PATH is ``aeb.jsonl`` (default ``../shared/eval/attribution/aeb.jsonl``); the seed article
is read too. Each article is analysed and summarised as a one-article story with four
outlets, then shown three ways, measured in the characters Telegram counts:

- ``main``: the per-story message /brief sent before issue 10 (``render_story``: up to
  four key points, three quotes, sources), the baseline, rendered in the same run;
- ``card``: the story card /brief and digests send now (limit 700);
- ``full``: what More expands the card to (limit 2000).

It also counts key points that still open with a dateline or an outlet prefix
("NEW YORK (Reuters) -") before and after :func:`bot.telegram.cards.strip_lead`.
The last line is the main figure: the longest card, and the share of cards within 700.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import mean

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.telegram.cards import CARD_CHARS, card, full, strip_lead  # noqa: E402
from bot.telegram.render import Source, StoryBrief, render_story  # noqa: E402
from summarizer import analyse, summarize_story  # noqa: E402
from tests.fakes.telegram_api import parse_telegram_html  # noqa: E402

DEFAULT = REPO / "../shared/eval/attribution/aeb.jsonl"
LEAD = re.compile(  # the benchmark's own reading of a lead, independent of strip_lead
    r"^(?:[A-Z][A-Z .,'’/-]{2,}(?:, [A-Z][\w. ]+)?(?: \([^)]+\))?|\S+\.\w{2,4}) ?[-—–]{1,2} "
)


def stories(path: Path) -> list[StoryBrief]:
    now = datetime.now(UTC)
    texts = [((REPO / "tests/data/seed-article.txt").read_text(encoding="utf-8"), None)]
    if path.exists():
        texts += [(json.loads(line)["text"], None) for line in path.open(encoding="utf-8")]
    out = []
    for i, (text, title) in enumerate(texts, 1):
        brief = summarize_story([analyse(text, title=title)])
        if not brief.key_points:
            continue
        sources = [
            Source(f"https://outlet{k}.example/{i}", f"Outlet {k}", None, now - timedelta(hours=2))
            for k in range(4)
        ]
        out.append(StoryBrief(i, brief, sources, now))
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    found = stories(path)
    sizes = {
        "main": [len(parse_telegram_html(render_story(s))) for s in found],
        "card": [len(parse_telegram_html(card(s, index=1))) for s in found],
        "full": [len(parse_telegram_html(full(s, index=1))) for s in found],
    }
    points = [p for s in found for p in s.brief.key_points]
    before = sum(bool(LEAD.match(p)) for p in points)
    after = sum(bool(LEAD.match(strip_lead(p))) for p in points)
    print(f"{len(found)} stories (seed article + {path.name if path.exists() else 'no AEB'})")
    print(f"{'shown as':<8} {'mean':>6} {'max':>6} {'<= 700':>8}")
    for name, values in sizes.items():
        within = sum(v <= CARD_CHARS for v in values) / len(values)
        print(f"{name:<8} {mean(values):>6.0f} {max(values):>6} {within:>8.3f}")
    print(f"key points opening with a dateline or prefix: {before} before, {after} after")
    card_sizes = sizes["card"]
    share = sum(v <= CARD_CHARS for v in card_sizes) / len(card_sizes)
    print(
        f"card: longest {max(card_sizes)} characters, {share:.3f} within {CARD_CHARS} "
        f"(main's story message: longest {max(sizes['main'])}, "
        f"{sum(v <= CARD_CHARS for v in sizes['main']) / len(sizes['main']):.3f} within)"
    )


if __name__ == "__main__":
    main()
