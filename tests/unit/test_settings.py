"""Settings from the environment, secrets kept out of sight, and the bundled feed list."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pycountry
import pytest
from pydantic import ValidationError

from bot.settings import (
    BUNDLED_FEEDS_FILE,
    DEFAULT_DATABASE_URL,
    Settings,
    get_settings,
    load_feeds,
    make_settings,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_need_no_environment() -> None:
    settings = make_settings()
    assert settings.telegram_bot_token is None and settings.bot_token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.poll_interval, settings.poll_floor, settings.retention_days) == (900, 300, 30)
    assert settings.default_digest_time == time(8, 0)
    assert settings.default_timezone == "UTC"
    assert settings.allow_private_hosts is False
    assert settings.digest_staleness_hours == 6
    assert settings.feeds_file == BUNDLED_FEEDS_FILE and settings.feeds_file.exists()
    assert settings.admin_ids == []


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ADMIN_IDS", "11, 22,33")
    monkeypatch.setenv("POLL_INTERVAL", "600")
    monkeypatch.setenv("DEFAULT_DIGEST_TIME", "07:30")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/London")
    monkeypatch.setenv("ALLOW_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = make_settings()
    assert settings.bot_token == TOKEN
    assert settings.admin_ids == [11, 22, 33]
    assert settings.poll_interval == 600
    assert settings.default_digest_time == time(7, 30)
    assert settings.timezone.key == "Europe/London"
    assert settings.allow_private_hosts is True
    assert settings.log_level == "DEBUG"


def test_overrides_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLL_INTERVAL", "600")
    assert make_settings(poll_interval=60).poll_interval == 60


def test_dotenv_file_is_read_by_settings_but_not_by_make_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("RETENTION_DAYS=7\nADMIN_IDS=5\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().retention_days == 7
    assert Settings().admin_ids == [5]
    assert make_settings().retention_days == 30


def test_get_settings_is_built_once() -> None:
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


def test_the_token_and_passwords_never_show() -> None:
    settings = make_settings(
        telegram_bot_token=TOKEN,
        webhook_secret="hook-secret-value",
        database_url="postgresql://news:db-password@db.internal/news",
    )
    for shown in (repr(settings), str(settings), f"{settings}", str(settings.model_dump())):
        assert TOKEN not in shown
        assert "hook-secret-value" not in shown
    assert "db-password" not in repr(settings)
    assert "news:***@db.internal" in repr(settings)
    assert settings.bot_token == TOKEN  # still usable where it must be


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("default_timezone", "Mars/Olympus_Mons"),
        ("log_level", "LOUD"),
        ("poll_interval", 0),
        ("admin_ids", "12,abc"),
    ],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        make_settings(**{field: value})


def test_relative_feeds_file_resolves_against_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert make_settings(feeds_file="feeds.toml").feeds_file == BUNDLED_FEEDS_FILE
    (tmp_path / "mine.toml").write_text("")
    assert make_settings(feeds_file="mine.toml").feeds_file == Path("mine.toml")


def test_bundled_feeds_are_a_usable_world_list() -> None:
    feeds = load_feeds(BUNDLED_FEEDS_FILE)
    assert 15 <= len(feeds) <= 25
    assert len({f.url for f in feeds}) == len(feeds)
    assert all(f.url.startswith("https://") or f.url.startswith("http://") for f in feeds)
    for feed in feeds:
        assert feed.name and feed.language == "en"
        # no home country only for international organisations (UN News)
        assert feed.country is None or pycountry.countries.get(alpha_2=feed.country), feed
    assert sum(f.country is None for f in feeds) <= 1
    assert len({f.country for f in feeds if f.country}) >= 15  # not one country's view


def test_load_feeds_rejects_duplicates_and_missing_urls(tmp_path: Path) -> None:
    twice = tmp_path / "twice.toml"
    twice.write_text(
        '[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\n'
        '[[feeds]]\nname = "A again"\nurl = "https://a.example/rss"\n'
    )
    with pytest.raises(ValueError, match="twice"):
        load_feeds(twice)
    missing = tmp_path / "missing.toml"
    missing.write_text('[[feeds]]\nname = "No URL"\n')
    with pytest.raises(ValueError, match="no http"):
        load_feeds(missing)
    ok = tmp_path / "ok.toml"
    ok.write_text(
        '[[feeds]]\nname = "A"\nurl = "https://a.example/rss"\ncountry = "fr"\n'
        "interval_seconds = 1800\nenabled = false\n"
    )
    [feed] = load_feeds(ok)
    assert (feed.country, feed.interval_seconds, feed.enabled, feed.language) == (
        "FR",
        1800,
        False,
        None,
    )


def test_the_bundled_feed_list_ships_inside_the_package() -> None:
    """config/feeds.toml is the documented list; bot/data/feeds.toml its packaged copy."""
    from importlib import resources

    packaged = resources.files("bot").joinpath("data", "feeds.toml").read_bytes()
    documented = Path(__file__).resolve().parents[2] / "config" / "feeds.toml"
    assert packaged == documented.read_bytes(), "copy config/feeds.toml to bot/data/"
    assert BUNDLED_FEEDS_FILE.read_bytes() == packaged


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("webhook_url", "ftp://bot.example.org/hook", "http:// or https://"),
        ("webhook_url", "http://bot.example.org/hook", "https://"),
        ("webhook_url", "https://bot.example.org:9000/hook", "443, 80, 88 or 8443"),
        ("webhook_secret", "with space", "A-Z, a-z, 0-9, _ and -"),
        ("webhook_secret", "x" * 257, "1 to 256"),
        ("telegram_api_base_url", "localhost:8081", "http:// or https://"),
        ("telegram_bot_token", "12345", "123456789:AAE"),
        ("database_url", "mysql://u:p@h/db", "postgresql://"),
        ("database_url", "sqlite+aiosqlite:/relative.db", "sqlite+aiosqlite:///"),
        ("database_url", "postgresql://user@:5432/db", "a host"),
        ("default_timezone", "Mars/Base", "Europe/Berlin"),
        ("default_timezone", "UTC+3", "fixed offset"),
        ("default_digest_time", "25:61", "half past seven"),
        ("metrics_port", 0, "greater than or equal to 1"),
        ("log_format", "xml", "'text' or 'json'"),
        ("user_agent", "two\nlines", "one non-empty line"),
    ],
)
def test_each_bad_setting_says_what_is_allowed(field: str, value: object, allowed: str) -> None:
    from bot.settings import describe_errors

    with pytest.raises(ValidationError) as caught:
        make_settings(**{field: value})
    [line] = describe_errors(caught.value)
    assert line.startswith(f"{field.upper()}: "), line
    assert allowed in line


def test_errors_never_echo_secrets() -> None:
    from bot.settings import describe_errors

    with pytest.raises(ValidationError) as caught:
        make_settings(telegram_bot_token="secret value", database_url="mysql://u:hunter2@h/d")
    text = "\n".join(describe_errors(caught.value))
    assert "secret value" not in text and "hunter2" not in text
    assert text.count("\n") == 1  # one line per bad setting


def test_values_people_type_are_normalised() -> None:
    settings = make_settings(
        default_timezone="EST",
        default_digest_time="7pm",
        telegram_api_base_url="http://localhost:8081/",
        webhook_url="http://127.0.0.1:9000/hook",  # allowed: a self-hosted Bot API server
        telegram_bot_token=f" {TOKEN} ",
    )
    assert settings.default_timezone == "America/New_York"
    assert settings.default_digest_time == time(19, 0)
    assert settings.telegram_api_base_url == "http://localhost:8081/bot"
    assert settings.bot_token == TOKEN
    assert make_settings(feeds_file="").feeds_file == BUNDLED_FEEDS_FILE
    assert make_settings(database_url="postgres://u:p@db.internal/news?sslmode=require")


def test_env_example_lists_every_setting_with_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    listed: dict[str, str] = {}
    for line in example.read_text(encoding="utf-8").splitlines():
        text = line.removeprefix("# ").strip()
        name, sep, value = text.partition("=")
        if sep and name.isupper() and name.replace("_", "").isalnum():
            listed[name] = value
    assert set(listed) == {name.upper() for name in Settings.model_fields}
    # the defaults it shows are the defaults: as a .env file, they change nothing
    (tmp_path / ".env").write_text(
        "\n".join(f"{name}={value}" for name, value in listed.items() if value) + "\n"
    )
    monkeypatch.chdir(tmp_path)
    assert Settings().model_dump() == make_settings().model_dump()
