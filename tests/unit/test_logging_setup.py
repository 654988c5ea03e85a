"""Log lines are key=value, one per event, and never carry the bot token."""

from __future__ import annotations

import io
import logging

import pytest

from bot.logging_setup import REDACTED, configure_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def output():
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_lines_are_key_value(output: io.StringIO) -> None:
    logging.getLogger("bot.ingest").info(
        "feed polled", extra={"feed_id": 3, "items": 12, "url": "https://x.example/a b"}
    )
    line = output.getvalue().strip()
    assert "\n" not in line
    assert line.startswith("ts=") and line.split()[0].endswith("Z")
    assert " level=INFO logger=bot.ingest " in line
    assert 'msg="feed polled" feed_id=3 items=12 url="https://x.example/a b"' in line


def test_the_token_is_redacted_everywhere(output: io.StringIO) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    log = logging.getLogger("telegram.ext")
    log.warning("POST %s failed", url, extra={"request": url})
    try:
        raise RuntimeError(f"bad response from {url}")
    except RuntimeError:
        log.exception("send failed")
    text = output.getvalue()
    assert TOKEN not in text
    assert text.count(REDACTED) >= 3  # message argument, extra, traceback
    assert "api.telegram.org/bot[REDACTED]/sendMessage" in text


def test_httpx_is_kept_quiet(output: io.StringIO) -> None:
    logging.getLogger("httpx").info(f"HTTP Request: POST https://api.telegram.org/bot{TOKEN}/x")
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert output.getvalue() == ""


def test_configuring_twice_keeps_one_handler(output: io.StringIO) -> None:
    stream = io.StringIO()
    handler = configure_logging("INFO", stream=stream)
    try:
        logging.getLogger("bot").info("once")
        assert stream.getvalue().count("msg=once") == 1
        assert output.getvalue() == ""  # the first handler was replaced
    finally:
        logging.getLogger().removeHandler(handler)


def test_event_fields_are_real_fields_in_key_value(output: io.StringIO) -> None:
    logging.getLogger("newsbrief.delivery").warning(
        "event=retry_after chat_id=%s wait=%.1f error=%r", 77, 1.5, "slow down, please"
    )
    line = output.getvalue().strip()
    assert " msg=" not in line  # the event is the message
    assert "event=retry_after chat_id=77 wait=1.5" in line
    assert 'error="slow down, please"' in line


def test_json_lines_carry_the_fields_and_never_the_token() -> None:
    import json

    stream = io.StringIO()
    handler = configure_logging("INFO", stream=stream, fmt="json")
    try:
        log = logging.getLogger("newsbrief.app")
        log.info("event=bot_ready username=%s", "newsbrief_bot")
        log.info("feed polled", extra={"feed": "BBC", "status": "ok", "items": 12})
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected")
        except RuntimeError:
            log.exception("event=start_failed chat_id=%s", 5)
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 3
    assert records[0]["event"] == "bot_ready" and records[0]["username"] == "newsbrief_bot"
    assert records[0]["level"] == "INFO" and records[0]["ts"].endswith("Z")
    assert records[1]["msg"] == "feed polled"
    assert (records[1]["feed"], records[1]["status"], records[1]["items"]) == ("BBC", "ok", 12)
    assert records[2]["chat_id"] == 5 and "RuntimeError" in records[2]["exc"]
    assert TOKEN not in text and TOKEN.split(":")[1] not in text and REDACTED in text


def test_registered_secrets_are_redacted_whatever_their_shape(output: io.StringIO) -> None:
    from bot.logging_setup import redact, register_secret

    register_secret("42:short-secret-abc")
    assert redact("token 42:short-secret-abc and short-secret-abc") == (
        f"token {REDACTED} and {REDACTED}"
    )
    logging.getLogger("x").info("url %s", "http://h/bot42:short-secret-abc/getMe")
    assert "short-secret-abc" not in output.getvalue()


def test_an_event_with_free_text_keeps_both(output: io.StringIO) -> None:
    logging.getLogger("bot.ingest.cycle").info("event=cycle_done feeds polled 3, failed 0")
    line = output.getvalue().strip()
    assert 'event=cycle_done msg="feeds polled 3, failed 0"' in line
