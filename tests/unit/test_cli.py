"""The command line: fast help that imports no command, a version, one table of commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import COMMANDS, build_parser, chosen_command, main

REPO = Path(__file__).resolve().parents[2]


def test_the_command_table_matches_each_module() -> None:
    parser = build_parser(load_all=True)
    sub = next(a for a in parser._actions if a.dest == "command")
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, (_module, help_text, aliases) in COMMANDS.items():
        assert helps[name] == help_text, f"update COMMANDS[{name!r}] in bot/cli.py"
        for alias in aliases:
            assert sub.choices[alias] is sub.choices[name]


def test_help_imports_no_command_and_no_heavy_library() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "heavy = [m for m in sys.modules if m.startswith(('bot.commands', 'telegram', "
        "'sqlalchemy', 'pydantic', 'summarizer', 'numpy', 'httpx', 'aiohttp'))]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"newsbrief {version('newsbrief')}\n"


def test_the_chosen_command_is_found_past_global_options() -> None:
    assert chosen_command(["--log-level", "DEBUG", "feeds", "export"]) == "feeds"
    assert chosen_command(["analyze", "-"]) == "analyse"
    assert chosen_command(["--help"]) is None
    assert chosen_command(["nonsense"]) is None


def test_a_command_help_lists_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--api-base-url" in out and "TELEGRAM_API_BASE_URL" in out


def test_a_late_invalid_token_is_reported_without_the_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """python-telegram-bot's own InvalidToken quotes the token; it is reported redacted."""
    from telegram.error import InvalidToken

    from bot.cli import _report

    token = "555666777:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    try:
        raise InvalidToken(f"The token `{token}` was rejected by the server.")
    except InvalidToken as exc:
        status = _report("run", exc, debug=True)
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" in err and "InvalidToken" in err  # the detail at DEBUG...
    assert token not in err and token.split(":")[1] not in err  # ...without the token
    assert err.strip().splitlines()[-1].startswith("newsbrief run: Telegram rejected the bot")


def test_an_unexpected_error_is_one_line_without_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import _report

    try:
        raise KeyError("feeds")
    except KeyError as exc:
        status = _report("feeds", exc, debug=False)
    err = capsys.readouterr().err
    assert status == 1
    assert err == "newsbrief feeds: KeyError: 'feeds' (--log-level DEBUG shows the traceback)\n"
