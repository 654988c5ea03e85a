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
