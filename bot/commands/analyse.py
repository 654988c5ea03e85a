"""``newsbrief analyse``: the summarizer on a file, standard input or a JSONL batch."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:  # the NLP core is imported when an article is analysed, not for --help
    from summarizer import Analysis


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
            with _open_binary(args.jsonl) as stream:
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

    from summarizer import analyse  # about half a second: not for --help or a bad file

    analysis = analyse(text, title=args.title)
    if args.json:
        json.dump(analysis.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_printable(format_analysis(analysis)))
    return 0


def analyse_jsonl(lines: Iterable[str | bytes], out: TextIO) -> int:
    """Analyse each JSONL record; a bad record yields an error line, not the end of the batch.

    Whatever is wrong with one line (not UTF-8, not JSON, nested past the parser's depth,
    a number too long to convert, no text, an id that cannot be written back, a failure
    inside the analysis) is said on that line's own output line, and the next line is
    read. Returns the number of lines that failed.
    """
    failures = 0
    for number, line in enumerate(lines, start=1):
        result = _result(number, line)
        if result is None:  # a blank line
            continue
        written, ok = _dump(number, result)
        failures += not ok
        out.write(written)
        out.write("\n")
        out.flush()
    return failures


def _result(number: int, line: str | bytes) -> dict[str, Any] | None:
    """The output record for one input line: the analysis, or an error saying why not."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(number, None, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(number, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return _error(number, None, "invalid JSON: nested too deeply")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return _error(number, None, f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return _error(number, None, "expected a JSON object")
    record_id = record.get("id")
    if not isinstance(record.get("text"), str):
        return _error(number, record_id, 'missing "text" (a string)')
    if record.get("title") is not None and not isinstance(record["title"], str):
        return _error(number, record_id, '"title" must be a string')
    from summarizer import analyse  # only once a record is good (see run())

    try:
        analysis = analyse(record["text"], title=record.get("title"))
    except Exception as exc:  # analyse should never raise; if it does, one line is lost
        return _error(number, record_id, f"analysis failed: {type(exc).__name__}: {exc}")
    return {"id": record_id, **analysis.to_dict()}


def _error(number: int, record_id: Any, reason: str) -> dict[str, Any]:
    return {"id": record_id, "line": number, "error": reason}


def _dump(number: int, result: dict[str, Any]) -> tuple[str, bool]:
    """One output line, and whether it is a success.

    An id holding a lone surrogate (``"\\ud800"``, valid JSON but no UTF-8) is written
    with ASCII escapes, so it reads back exactly as given; an id that cannot be written
    at all (nested past the encoder's depth) makes the line an error line without it.
    """
    ok = "error" not in result
    try:
        written = json.dumps(result, ensure_ascii=False)
        written.encode("utf-8")
        return written, ok
    except UnicodeEncodeError:
        return json.dumps(result), ok
    except (RecursionError, ValueError, TypeError) as exc:
        reason = f"the id cannot be written back: {type(exc).__name__}"
        return json.dumps(_error(number, None, reason)), False


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


def _printable(text: str) -> str:
    """Lone surrogates (a --title given in bytes that are not UTF-8) as escapes, not a crash."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _open_binary(path: str) -> AbstractContextManager[BinaryIO]:
    """JSONL is read as bytes so that one line that is not UTF-8 spoils only itself."""
    if path == "-":
        return nullcontext(sys.stdin.buffer)  # standard input is not ours to close
    return open(path, "rb")


def _open_input(path: str) -> AbstractContextManager[TextIO]:
    if path == "-":
        return nullcontext(sys.stdin)  # standard input is not ours to close
    return open(path, encoding="utf-8")


def _fail(message: str) -> int:
    print(f"newsbrief: {message}", file=sys.stderr)
    return 2
