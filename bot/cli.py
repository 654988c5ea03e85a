"""The ``newsbrief`` command: one sub-command per module in :mod:`bot.commands`.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``handler`` (a callable taking the parsed arguments and returning an exit code).

Only the module of the command being run is imported (``newsbrief --help`` imports none:
the one-line help of each command is kept in :data:`COMMANDS`, and a test checks that
it matches the module's). Before any command runs, every setting is validated (a bad one
is one line and exit 2) and the start-up checks it needs are made (:mod:`bot.commands.preflight`);
a failure they or the command meet is one line too, the traceback only at DEBUG. The exit
statuses are listed in :mod:`bot.ops.errors`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings

#: name -> (module, one-line help, aliases), in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "run": ("bot.commands.run", "run the Telegram bot and its scheduler", ()),
    "ingest": (
        "bot.commands.ingest",
        "poll the feeds into the store (once, or until interrupted)",
        (),
    ),
    "analyse": (
        "bot.commands.analyse",
        "analyse an article: key points, attributed quotes, countries",
        ("analyze",),
    ),
    "brief": ("bot.commands.brief", "print a brief for a country (no Telegram needed)", ()),
    "digest": (
        "bot.commands.digest",
        "print a digest for countries, or send the due digests once",
        (),
    ),
    "feeds": (
        "bot.commands.feeds",
        "list the feeds and their health; import or export OPML",
        (),
    ),
    "doctor": (
        "bot.commands.doctor",
        "check the token, the database and every feed; a verdict per line",
        (),
    ),
}
#: Global options that take a value (so the word after them is not a command).
_VALUED_OPTIONS = {"--log-level"}


class _Version(argparse.Action):
    """``--version``: read from the installed metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kw: Any) -> None:
        print(f"newsbrief {version()}")
        parser.exit()


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("newsbrief")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (or an alias's command), without parsing the rest."""
    aliases = {alias: name for name, (_m, _h, names) in COMMANDS.items() for alias in names}
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word in _VALUED_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word if word in COMMANDS else aliases.get(word)
    return None


def build_parser(argv: Sequence[str] | None = None, *, load_all: bool = False) -> Any:
    """The parser; only the chosen command's module is imported (all with ``load_all``)."""
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description="News briefs by country: key points, officials' quotes, daily digests.",
        epilog="Settings come from the environment or .env (see .env.example); "
        "`newsbrief doctor` checks them.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING or ERROR (default: LOG_LEVEL from the environment, else INFO)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = chosen_command(argv or [])
    for name, (module, help_text, aliases) in COMMANDS.items():
        if load_all or name == chosen:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text, aliases=list(aliases), add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    name = chosen_command(argv) or str(args.command)
    try:
        return _run(name, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsbrief feeds | head`: the reader has all it wanted
        sys.stderr.close()
        return 0


def _run(name: str, args: argparse.Namespace) -> int:
    """Settings, logging, start-up checks, then the command; failures as one line."""
    from pydantic import ValidationError

    from bot import logging_setup
    from bot.settings import describe_errors, get_settings

    logging_setup.install_excepthooks()
    try:
        settings = get_settings()
    except ValidationError as exc:
        for line in describe_errors(exc):
            print(f"newsbrief {name}: bad setting {line}", file=sys.stderr)
        return 2
    logging_setup.register_secret(settings.bot_token)
    if settings.webhook_secret is not None:
        logging_setup.register_secret(settings.webhook_secret.get_secret_value())
    logging_setup.set_default_format(settings.log_format)
    level = args.log_level or settings.log_level
    # Until the command sets its own level: warnings (and, when asked, debug) of the
    # start-up checks go through the redacting handler, never Python's bare fallback.
    logging_setup.configure_logging(args.log_level or "WARNING")
    try:
        return _checked(name, args, settings)
    except (KeyboardInterrupt, BrokenPipeError, SystemExit):
        raise
    except Exception as exc:
        return _report(name, exc, debug=str(level).upper() == "DEBUG")


def _checked(name: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands.preflight import NEEDS_DATABASE, preflight

    if name in NEEDS_DATABASE:
        import asyncio

        asyncio.run(preflight(name, settings, args))
    return int(args.handler(args) or 0)


def _report(name: str, exc: Exception, *, debug: bool) -> int:
    """One line for ``exc`` on stderr (the traceback too at DEBUG); its exit status."""
    from bot.logging_setup import format_exception
    from bot.ops.errors import FAILED, INTERRUPTED, explain, reason

    if isinstance(exc, RuntimeError) and "Event loop stopped before" in str(exc):
        return INTERRUPTED  # Ctrl-C or SIGTERM while python-telegram-bot was starting
    known = explain(exc)
    if debug:
        sys.stderr.write(format_exception(type(exc), exc, exc.__traceback__))
    if known is not None:
        print(f"newsbrief {name}: {known}", file=sys.stderr)
        return known.status
    hint = "" if debug else " (--log-level DEBUG shows the traceback)"
    print(f"newsbrief {name}: {type(exc).__name__}: {reason(exc)}{hint}", file=sys.stderr)
    return FAILED


if __name__ == "__main__":
    sys.exit(main())
