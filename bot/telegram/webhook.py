"""The webhook endpoint: Telegram POSTs updates here (``newsbrief run --webhook``).

python-telegram-bot's own webhook server answers a body that is not JSON with a 500 (its
``json.loads`` is outside any handler), which tells Telegram to retry it and tells a
prober that something broke. This is the small server PTB's documentation suggests for
custom needs (the application runs as usual, updates go into ``application.update_queue``):

- the secret token is checked first, in constant time (403 without it);
- only ``application/json`` (415), at most ``MAX_BODY`` bytes (413);
- a body that is not a JSON object with an integer ``update_id``, or that PTB cannot read
  as an :class:`~telegram.Update`, is a 400 and never reaches a handler;
- everything else is a 200 at once; replays are dropped by the application's
  :func:`~bot.telegram.app.drop_replayed`, in webhook and polling modes alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ExtBot

from bot.ops.health import add_routes

log = logging.getLogger("newsbrief.webhook")

MAX_BODY = 1_000_000  # Telegram's updates are a few kilobytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _refuse(status: int, reason: str) -> web.Response:
    log.warning("event=webhook_refused status=%d reason=%s", status, reason)
    return web.json_response({"ok": False, "error": reason}, status=status)


def read_update(body: bytes, bot: Any) -> Update | str:
    """The update in ``body``, or why it is not one (a 400)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        return "malformed JSON"
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return "not an update"
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # PTB raises whatever its constructors raise
        return f"unreadable update ({type(exc).__name__})"
    return update if update is not None else "not an update"


def make_web_app(
    application: Application, url_path: str, secret_token: str | None
) -> web.Application:
    """An aiohttp app with one route, ``POST /url_path``, feeding the application."""
    expected = (secret_token or "").encode()

    async def receive(request: web.Request) -> web.Response:
        if expected:
            given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, expected):
                return _refuse(403, "secret token")
        if request.content_type != "application/json":
            return _refuse(415, "content type")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "too large")
        update = read_update(body, application.bot)
        if isinstance(update, str):
            return _refuse(400, update)
        if isinstance(application.bot, ExtBot):
            application.bot.insert_callback_data(update)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/" + url_path.strip("/"), receive)
    add_routes(app, application)  # /healthz and /metrics beside the webhook (bot.ops)
    return app


async def serve_webhook(
    application: Application,
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str | None,
    allowed_updates: Sequence[str] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the application behind the webhook until ``stop`` is set (or SIGINT/SIGTERM).

    The same life cycle as ``Application.run_webhook``: initialize, ``post_init``,
    ``setWebhook``, start; on the way out stop, shutdown, ``post_shutdown``.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not possible outside the main thread, or on Windows: then only `stop` ends it
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.bot.set_webhook(
            url=webhook_url, secret_token=secret_token, allowed_updates=allowed_updates
        )
        runner = web.AppRunner(make_web_app(application, url_path, secret_token))
        await runner.setup()
        try:
            await web.TCPSite(runner, listen, port).start()
            await application.start()
            log.info("event=webhook_listening listen=%s port=%d", listen, port)
            await stop.wait()
        finally:
            await runner.cleanup()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_webhook(application: Application, **options: Any) -> None:
    """:func:`serve_webhook` on a new event loop, until a stop signal."""
    asyncio.run(serve_webhook(application, **options))
