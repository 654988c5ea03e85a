"""Key points against the BBC News Summary reference summaries, with sumy's baselines.

    python benchmarks/keypoints.py [PATH] [--limit N]

PATH defaults to ``../shared/eval/bbc/dev.jsonl`` relative to the repository root. Every
system picks 3 sentences of the article; each is scored with rouge-score (Porter
stemming) as the F1 of ROUGE-1, ROUGE-2 and ROUGE-Lsum, averaged over the articles.

Systems, all on our sentence splitter (``summarizer.text``):
- LEAD-3: the first three sentences;
- sumy LexRank, TextRank, LSA and Luhn as they ship (English Snowball stemmer and sumy's
  English stop words; our tokenizer through sumy's PlaintextParser);
- ours: ``select_key_points(..., count=3)`` with the article's title and the quotes
  ``summarizer.quotes`` finds, as ``analyse`` runs it.

ROUGE-Lsum needs one sentence a line, but the references are article sentences glued
together without spaces ("...47.3%.To help offset..."). The reference is cut back into
sentences by matching the article's own sentences (our splitter) at the start of what
is left, longest first; where none matches (the reference's splitter cut elsewhere), it
is cut after the next sentence end that is glued to a capital letter or a quote mark.

The references are machine-made and favour central sentences, so this is a guard
against regressions rather than a target (see ../shared/eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rouge_score import rouge_scorer  # noqa: E402
from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.parsers.plaintext import PlaintextParser  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.summarizers.lsa import LsaSummarizer  # noqa: E402
from sumy.summarizers.luhn import LuhnSummarizer  # noqa: E402
from sumy.summarizers.text_rank import TextRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from summarizer.brief import Quote, Sentence  # noqa: E402
from summarizer.keypoints import select_key_points  # noqa: E402
from summarizer.text import SentenceTokenizer, clean_text, split_sentences  # noqa: E402

DEFAULT_PATH = ROOT / ".." / "shared" / "eval" / "bbc" / "dev.jsonl"
COUNT = 3
METRICS = ("rouge1", "rouge2", "rougeLsum")
_GLUED_END = re.compile(r"[.!?][\"'”’]?(?=[\"'“‘]?[A-Z0-9])")

try:  # the quote finder is another module's job; rank without it if it is missing
    from summarizer.quotes import find_quotes_and_people
except ImportError:  # pragma: no cover - only while the project is being assembled
    find_quotes_and_people = None


def reference_sentences(summary: str, article: list[Sentence]) -> list[str]:
    """Cut a reference (sentences glued without spaces) back into its sentences."""
    known = sorted({s.text for s in article}, key=len, reverse=True)
    out: list[str] = []
    pos = 0
    while pos < len(summary):
        while pos < len(summary) and summary[pos].isspace():
            pos += 1
        if pos >= len(summary):
            break
        for sentence in known:
            if summary.startswith(sentence, pos):
                out.append(sentence)
                pos += len(sentence)
                break
        else:
            match = _GLUED_END.search(summary, pos + 1)
            end = match.end() if match else len(summary)
            out.append(summary[pos:end].strip())
            pos = end
    return [s for s in out if s]


System = Callable[[dict, str, list[Sentence], list[Quote]], list[str]]


def sumy_system(summarizer_class: type) -> System:
    summarizer = summarizer_class(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = SentenceTokenizer("english")

    def run(row: dict, text: str, sentences: list[Sentence], quotes: list[Quote]) -> list[str]:
        document = PlaintextParser.from_string(text, tokenizer).document
        return [str(s) for s in summarizer(document, COUNT)]

    return run


def lead(row: dict, text: str, sentences: list[Sentence], quotes: list[Quote]) -> list[str]:
    return [s.text for s in sentences[:COUNT]]


def ours(row: dict, text: str, sentences: list[Sentence], quotes: list[Quote]) -> list[str]:
    points = select_key_points(text, sentences, quotes=quotes, title=row.get("title"), count=COUNT)
    return [p.text for p in points]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--limit", type=int, default=None, help="articles to score (default all)")
    args = parser.parse_args(argv)

    rows = []
    with args.path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                rows.append(json.loads(line))
            if args.limit and len(rows) >= args.limit:
                break

    systems: dict[str, System] = {
        "LEAD-3": lead,
        "LexRank": sumy_system(LexRankSummarizer),
        "TextRank": sumy_system(TextRankSummarizer),
        "LSA": sumy_system(LsaSummarizer),
        "Luhn": sumy_system(LuhnSummarizer),
        "ours": ours,
    }
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    scores: dict[str, dict[str, list[float]]] = {n: {m: [] for m in METRICS} for n in systems}
    seconds: dict[str, list[float]] = {n: [] for n in systems}
    with threadpool_limits(limits=1):
        if rows:  # load the models (language, stemmers) before timing anything
            text = clean_text(rows[0]["text"])
            for system in systems.values():
                system(rows[0], text, split_sentences(text), [])
        for row in rows:
            text = clean_text(row["text"])
            sentences = split_sentences(text)
            reference = "\n".join(reference_sentences(row["summary"], sentences))
            quotes = find_quotes_and_people(text, sentences)[0] if find_quotes_and_people else []
            for name, system in systems.items():
                started = time.perf_counter()  # the splitting and the quotes are not timed
                summary = system(row, text, sentences, quotes)
                seconds[name].append(time.perf_counter() - started)
                result = scorer.score(reference, "\n".join(summary))
                for metric in METRICS:
                    scores[name][metric].append(result[metric].fmeasure)

    def mean(name: str, metric: str) -> float:
        return 100 * statistics.fmean(scores[name][metric])

    print(f"BBC News Summary: {len(rows)} articles from {args.path}, {COUNT} sentences each")
    print(f"{'system':<10} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-Lsum':>10} {'ms/article':>11}")
    for name in systems:
        ms = 1000 * statistics.fmean(seconds[name])
        print(
            f"{name:<10} {mean(name, 'rouge1'):>8.1f} {mean(name, 'rouge2'):>8.1f} "
            f"{mean(name, 'rougeLsum'):>10.1f} {ms:>11.2f}"
        )
    if find_quotes_and_people is None:
        print("note: summarizer.quotes is missing, ours ran without quotes")

    def triple(name: str) -> str:
        return "/".join(f"{mean(name, m):.1f}" for m in METRICS)

    beats = all(mean("ours", m) > mean(b, m) for b in ("LEAD-3", "LexRank") for m in METRICS)
    print(
        f"keypoints ROUGE-1/2/Lsum {triple('ours')} (LEAD-3 {triple('LEAD-3')}, "
        f"LexRank {triple('LexRank')}, TextRank {triple('TextRank')}; "
        f"must beat LEAD-3 and LexRank: {'yes' if beats else 'NO'})"
    )
    return 0 if beats else 1


if __name__ == "__main__":
    sys.exit(main())
