"""``--role``: which roles a ``newsbrief run`` process plays, and what each needs."""

from __future__ import annotations

import argparse

import pytest

from bot.roles import (
    ALL,
    UnknownRole,
    add_role_option,
    describe,
    needs_telegram,
    parse_roles,
    roles_of,
)


@pytest.mark.parametrize(
    ("given", "roles"),
    [
        (None, {"bot", "ingest", "digest"}),
        (["ingest"], {"ingest"}),
        (["bot,digest"], {"bot", "digest"}),
        (["ingest", "digest"], {"ingest", "digest"}),
        ([" Ingest , BOT "], {"ingest", "bot"}),
        (["ingest", "ingest,"], {"ingest"}),
    ],
)
def test_roles_are_parsed_from_repeats_and_commas(given: list[str] | None, roles: set[str]) -> None:
    assert parse_roles(given) == roles


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["ingester"], "unknown role 'ingester': choose from bot, ingest, digest"),
        (["bot,web"], "unknown role 'web': choose from bot, ingest, digest"),
        ([","], "--role needs a role: bot, ingest, digest"),
    ],
)
def test_a_bad_role_says_which_and_what_exists(given: list[str], message: str) -> None:
    with pytest.raises(UnknownRole) as caught:
        parse_roles(given)
    assert str(caught.value) == message


def test_only_bot_and_digest_need_telegram() -> None:
    assert not needs_telegram({"ingest"})
    assert needs_telegram({"digest"}) and needs_telegram({"bot", "ingest"})
    assert describe({"digest", "bot", "ingest"}) == "bot,ingest,digest"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbrief run")
    add_role_option(parser)
    parser.add_argument("--no-poll", action="store_true")
    return parser


def test_the_option_accumulates_and_no_poll_drops_ingest() -> None:
    parser = _parser()
    assert roles_of(parser.parse_args([])) == ALL
    assert roles_of(parser.parse_args(["--role", "ingest", "--role", "digest"])) == {
        "ingest",
        "digest",
    }
    assert roles_of(parser.parse_args(["--role=bot,ingest"])) == {"bot", "ingest"}
    assert roles_of(parser.parse_args(["--no-poll"])) == {"bot", "digest"}
    assert roles_of(parser.parse_args(["--role", "ingest", "--no-poll"])) == set()


def test_an_unknown_role_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _parser().parse_args(["--role", "ingest,sender"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err == "newsbrief run: unknown role 'sender': choose from bot, ingest, digest\n"
