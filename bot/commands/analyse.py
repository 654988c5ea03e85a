"""``newsbrief analyse``: the summarizer on a file, standard input or a JSONL batch."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TextIO

from summarizer import Analysis, analyse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyse",
        aliases=["analyze"],
        help="analyse an article: key points, attributed quotes, countries",
        description=(
            "Analyse the text of a news article. Prints a readable brief, or the analysis "
            "as JSON (--json), or analyses a JSONL batch (--jsonl)."
        ),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="a UTF-8 text file, or - for standard input")
    source.add_argument(
        "--jsonl",
        metavar="IN.jsonl",
        help='a file of lines {"id", "text", "title"?} (or - for standard input); '
        "writes one JSON line per input",
    )
    parser.add_argument("--title", help="the article's headline, if known")
    parser.add_argument("--json", action="store_true", help="print the analysis as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.jsonl:
        try:
            with _open_input(args.jsonl) as stream:
                failures = analyse_jsonl(stream, sys.stdout)
        except OSError as exc:
            return _fail(f"cannot read {args.jsonl}: {exc.strerror or exc}")
        if failures:
            print(
                f"newsbrief: {failures} line(s) of {args.jsonl} could not be analysed",
                file=sys.stderr,
            )
            return 1
        return 0

    try:
        with _open_input(args.file) as stream:
            text = stream.read()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        return _fail(f"{args.file} is not UTF-8 text ({exc.reason} at byte {exc.start})")

    analysis = analyse(text, title=args.title)
    if args.json:
        json.dump(analysis.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_analysis(analysis))
    return 0


def analyse_jsonl(lines: Iterable[str], out: TextIO) -> int:
    """Analyse each JSONL record; a bad record yields an error line, not the end of the batch."""
    failures = 0
    for number, record_id, record in _records(lines):
        if isinstance(record, str):  # the record could not be read: record is the reason
            failures += 1
            result: dict[str, Any] = {"id": record_id, "line": number, "error": record}
        else:
            result = {
                "id": record_id,
                **analyse(record["text"], title=record.get("title")).to_dict(),
            }
        out.write(json.dumps(result, ensure_ascii=False))
        out.write("\n")
        out.flush()
    return failures


def _records(lines: Iterable[str]) -> Iterator[tuple[int, Any, dict[str, Any] | str]]:
    """Yield (line number, id, record) with record the reason it is unusable, when it is."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, None, "expected a JSON object"
            continue
        record_id = record.get("id")
        if not isinstance(record.get("text"), str):
            yield number, record_id, 'missing "text" (a string)'
        elif record.get("title") is not None and not isinstance(record["title"], str):
            yield number, record_id, '"title" must be a string'
        else:
            yield number, record_id, record


def format_analysis(analysis: Analysis) -> str:
    """The analysis as a reader would want it in a terminal."""
    out: list[str] = []
    if analysis.title:
        out += [analysis.title, ""]
    if analysis.language not in ("en", "und"):
        out += [f"Language: {analysis.language} (not English: analysed as far as possible)", ""]
    out.append("Key points")
    out += [f"  • {point.text}" for point in analysis.key_points] or [
        "  (none: the text is too short)"
    ]
    attributed = [quote for quote in analysis.quotes if quote.attributed]
    if attributed:
        out += ["", "Quotes"]
        out += [f"  “{quote.display_text}” — {quote.attribution}" for quote in attributed]
    unattributed = len(analysis.quotes) - len(attributed)
    if unattributed:
        out.append(f"  ({unattributed} more quote(s) whose speaker the article does not name)")
    out += ["", "Countries"]
    if analysis.countries:
        out.append(
            "  " + ", ".join(f"{c.name} ({c.code}) {c.score:.2f}" for c in analysis.countries)
        )
    else:
        out.append("  (none found)")
    return "\n".join(out) + "\n"


def _open_input(path: str) -> AbstractContextManager[TextIO]:
    if path == "-":
        return nullcontext(sys.stdin)  # standard input is not ours to close
    return open(path, encoding="utf-8")


def _fail(message: str) -> int:
    print(f"newsbrief: {message}", file=sys.stderr)
    return 2
