"""The roles of a ``newsbrief run`` process: ``bot``, ``ingest`` and ``digest``.

- ``bot``: answers Telegram updates (long polling or ``--webhook``) and cleans up old
  outbox rows and message links once a day;
- ``ingest``: polls the feeds and builds articles and stories (no Telegram needed);
- ``digest``: sends the digests that are due (talks to Telegram; receives no updates)
  and cleans up when no ``bot`` role does.

A process plays all three by default. ``--role`` picks some (repeat it, or separate
them with commas), so ingestion can run in processes of its own and never delays a
reply. On PostgreSQL any number of processes of any role can run at once: feeds are
claimed with leases (:mod:`bot.store.leases`), due digests with ``SKIP LOCKED``.

Imported by ``newsbrief run --help`` and the start-up checks: nothing heavy here.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

BOT, INGEST, DIGEST = "bot", "ingest", "digest"
ROLES: tuple[str, ...] = (BOT, INGEST, DIGEST)
ALL: frozenset[str] = frozenset(ROLES)


class UnknownRole(ValueError):
    """A ``--role`` value that names no role."""


def parse_roles(values: Iterable[str] | None) -> frozenset[str]:
    """The roles named in ``values`` (each one or several, comma-separated); every role
    when none is named. Raises :class:`UnknownRole` with the one line to show."""
    if values is None:
        return ALL
    named: set[str] = set()
    for value in values:
        for word in value.split(","):
            role = word.strip().lower()
            if not role:
                continue
            if role not in ALL:
                raise UnknownRole(f"unknown role {word.strip()!r}: choose from {', '.join(ROLES)}")
            named.add(role)
    if not named:
        raise UnknownRole(f"--role needs a role: {', '.join(ROLES)}")
    return frozenset(named)


def needs_telegram(roles: Iterable[str]) -> bool:
    """Whether a process with these roles talks to Telegram (needs TELEGRAM_BOT_TOKEN)."""
    return bool({BOT, DIGEST} & set(roles))


def sends_messages(roles: Iterable[str]) -> bool:
    """Whether it sends messages: on SQLite it must hold the store's sender lock."""
    return needs_telegram(roles)


def describe(roles: Iterable[str]) -> str:
    """The roles in their canonical order, for logs: ``bot,ingest``."""
    chosen = set(roles)
    return ",".join(role for role in ROLES if role in chosen)


def roles_of(args: Any) -> frozenset[str]:
    """The roles of parsed ``newsbrief run`` arguments: ``--role``, less ``ingest`` with
    ``--no-poll`` (the older spelling of ``--role bot,digest``). Other commands: none."""
    roles: frozenset[str] = getattr(args, "roles", None) or ALL
    if getattr(args, "no_poll", False):
        roles = roles - {INGEST}
    return roles


class RolesAction(argparse.Action):
    """``--role`` for argparse: repeated or comma-separated; an unknown role is one line
    on stderr and exit status 2 (no usage dump)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        given = [values] if isinstance(values, str) else [str(v) for v in values or ()]
        try:
            roles = parse_roles(given)
        except UnknownRole as exc:
            parser.exit(2, f"{parser.prog}: {exc}\n")
        earlier = getattr(namespace, self.dest, None) or frozenset()
        setattr(namespace, self.dest, frozenset(earlier) | roles)


def add_role_option(parser: argparse.ArgumentParser) -> None:
    """``--role ROLE`` on ``parser``; ``args.roles`` is None when not given (every role)."""
    parser.add_argument(
        "--role",
        dest="roles",
        action=RolesAction,
        metavar="ROLE",
        default=None,
        help="run only these roles: bot (answer Telegram), ingest (poll feeds; needs no "
        "token), digest (send due digests); repeat it or separate with commas, e.g. "
        "--role ingest or --role bot,digest (default: all three in one process)",
    )
