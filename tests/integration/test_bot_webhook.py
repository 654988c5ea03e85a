"""``newsbrief run --webhook`` against hostile POSTs: the real command in a subprocess.

A body that is not an update is the sender's mistake (400), never the server's (500,
which also makes Telegram retry it); an update posted twice is acted on once.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fakes.telegram_api import FakeBotAPI
from tests.integration.test_bot_modes import env_for, free_port, run_cli, stop, until

SECRET = "s3cret-token_value"

MALFORMED = [
    b"{not json",
    b"\xff\xfe\x00garbage",  # not UTF-8
    b"[" * 100_000 + b"]" * 100_000,  # deep enough to exhaust a recursive parser
    b"",
    b"[]",
    b'"an update"',
    b'{"update_id": "1"}',
    b'{"update_id": 5, "message": {"text": "no chat, no date"}}',
]


def post(port: int, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/tg/hook",
        data=body,
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        return exc.code


def help_update(update_id: int, chat: int) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "/help",
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "W"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    ).encode()


async def test_webhook_answers_malformed_bodies_with_400_and_a_replay_once(
    tmp_path: Path,
) -> None:
    port = free_port()
    feeds_file = tmp_path / "feeds.toml"
    feeds_file.write_text("")
    async with FakeBotAPI() as fake:
        env = env_for(
            tmp_path,
            feeds_file,
            TELEGRAM_BOT_TOKEN=fake.token,
            WEBHOOK_URL="https://bot.example.org/tg/hook",  # Telegram posts to --port here
            WEBHOOK_SECRET=SECRET,
        )
        args = ["run", "--webhook", "--listen", "127.0.0.1", "--port", str(port), "--no-poll"]
        proc = run_cli([*args, "--api-base-url", fake.base_url], env, tmp_path)
        try:
            await until(lambda: bool(fake.webhook_url) or proc.poll() is not None, what="hook")
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            await until(lambda: _listening(port), what="the webhook port")
            codes = [await asyncio.to_thread(post, port, body) for body in MALFORMED]
            assert codes == [400] * len(MALFORMED)
            assert proc.poll() is None  # still serving
            first = await asyncio.to_thread(post, port, help_update(7, 88))
            again = await asyncio.to_thread(post, port, help_update(7, 88))  # Telegram retries
            assert (first, again) == (200, 200)
            await fake.wait_for(88, 1, timeout=15)
            other = await asyncio.to_thread(post, port, help_update(8, 89))
            assert other == 200
            await fake.wait_for(89, 1, timeout=15)  # later than the replay would have been
            assert len(fake.messages_to(88)) == 1
        finally:
            out, err = await asyncio.to_thread(stop, proc)
    assert fake.token not in out + err
    assert "event=update_replayed update_id=7" in out + err


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
