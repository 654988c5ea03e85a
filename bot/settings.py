"""Configuration: the environment (and a ``.env`` file) over defaults kept here.

Everything the service can be told lives in :class:`Settings`; nothing else reads
``os.environ``. Secrets are :class:`~pydantic.SecretStr`, so printing or logging the
settings never shows the bot token, and the database password is masked in ``repr``.

Use :func:`get_settings` in the service (built once, cached) and :func:`make_settings`
in tests (no ``.env`` file, explicit overrides).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: Package data (feeds.toml, time zone tables): inside the installed package, so a wheel
#: installed anywhere finds it. ``config/feeds.toml`` in the repository is the same file.
DATA_DIR = Path(str(resources.files("bot").joinpath("data")))
BUNDLED_FEEDS_FILE = DATA_DIR / "feeds.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/newsbrief.db"
DEFAULT_USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief; news digest bot)"
DATABASE_SCHEMES = ("sqlite", "sqlite+aiosqlite", "postgres", "postgresql", "postgresql+asyncpg")
DATABASE_HINT = "sqlite+aiosqlite:///path/to/file.db or postgresql://user:password@host:5432/dbname"
#: What Telegram accepts as a webhook secret token (1-256 characters).
WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: A bot token as BotFather hands it out: the bot id, a colon, the secret part.
BOT_TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,}")
WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts to


def resolve_config_path(value: str | Path) -> Path:
    """A path as given if absolute or present relative to the cwd, else the bundled file
    of that name (``FEEDS_FILE=feeds.toml`` is the bundled list)."""
    path = Path(value).expanduser()
    if path.is_absolute() or path.exists():
        return path
    candidate = DATA_DIR / path
    return candidate if candidate.exists() else path


def _http_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL with a host, else ValueError saying so."""
    value = value.strip()
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ValueError("an http:// or https:// URL with a host, such as https://example.org/x")
    return value


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the field names, upper case."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
    )

    # Telegram: optional so that `newsbrief analyse`, ingest and tests run without it.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None  # a self-hosted Bot API server
    telegram_local_mode: bool = False  # that server runs with --local
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    startup_retry_seconds: float = Field(
        default=60.0, ge=0, description="keep retrying Telegram and the database this long"
    )

    # Storage
    database_url: str = DEFAULT_DATABASE_URL
    retention_days: int = Field(default=30, ge=1)

    # Feeds and polling
    feeds_file: Path = BUNDLED_FEEDS_FILE
    poll_interval: int = Field(default=900, ge=1, description="seconds between polls of a feed")
    poll_floor: int = Field(default=300, ge=1, description="never poll one feed more often")

    # Digests and briefs
    default_digest_time: time = time(8, 0)
    default_timezone: str = "UTC"
    digest_staleness_hours: float = Field(default=6, gt=0)

    # HTTP fetching
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_hosts: bool = False
    http_connect_timeout: float = Field(default=10.0, gt=0)
    http_read_timeout: float = Field(default=20.0, gt=0)
    http_max_body_bytes: int = Field(default=5_000_000, gt=0)
    http_per_host_concurrency: int = Field(default=2, ge=1)
    http_max_concurrency: int = Field(default=10, ge=1)
    http_max_redirects: int = Field(default=5, ge=0)
    http_total_timeout: float | None = Field(
        default=None, gt=0, description="deadline per request; default connect + 2 x read"
    )
    http_max_decoded_bytes: int | None = Field(
        default=None, gt=0, description="cap after decompression; default 2 x the body cap"
    )
    ingest_concurrency: int = Field(default=12, ge=1, description="pages fetched at once")
    ingest_workers: int = Field(
        default=2, ge=1, description="processes extracting and analysing pages"
    )
    ingest_page_budget: float = Field(
        default=20.0, gt=0, description="seconds one page may take to extract and analyse"
    )
    http_max_page_bytes: int = Field(
        default=4_000_000, gt=0, description="cap on an article page once decompressed"
    )
    story_window_hours: float = Field(
        default=48, gt=0, description="how far back an article may join an existing story"
    )

    # Operations
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            if not all(part.lstrip("-").isdigit() for part in parts if part):
                raise ValueError("comma-separated Telegram user ids (numbers), such as 11,22")
            return [int(part) for part in parts if part]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from bot.timezones import BadTimezone, iana_timezone

        try:
            return iana_timezone(value)
        except BadTimezone as exc:
            raise ValueError(str(exc)) from None

    @field_validator("default_digest_time", mode="before")
    @classmethod
    def _time_of_day(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        from bot.timezones import BadTime, parse_time

        try:
            return parse_time(value)
        except BadTime as exc:
            raise ValueError(str(exc)) from None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not BOT_TOKEN_RE.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "not a bot token: BotFather's look like 123456789:AAE... (digits, ':')"
            )
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return _http_url(value) if value else None

    @field_validator("telegram_api_base_url")
    @classmethod
    def _api_base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = _http_url(value).rstrip("/")
        return value if value.endswith("/bot") or "{token}" in value else value + "/bot"

    @field_validator("webhook_secret")
    @classmethod
    def _secret_characters(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("1 to 256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("user_agent")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or any(c in value for c in "\r\n"):
            raise ValueError("one non-empty line of text")
        return value.strip()

    @model_validator(mode="after")
    def _webhook_for_telegram(self) -> Settings:
        """Telegram's own servers post only to HTTPS on four ports; a self-hosted Bot API
        server (TELEGRAM_API_BASE_URL) also to plain HTTP and any port."""
        if not self.webhook_url or self.telegram_api_base_url:
            return self
        parts = urlsplit(self.webhook_url)
        if parts.scheme != "https":
            raise ValueError(
                "WEBHOOK_URL: an https:// URL (Telegram posts only to HTTPS; plain http only "
                "with a self-hosted Bot API server in TELEGRAM_API_BASE_URL)"
            )
        if parts.port is not None and parts.port not in WEBHOOK_PORTS:
            raise ValueError(
                f"WEBHOOK_URL: Telegram only posts to ports 443, 80, 88 or 8443, not {parts.port}"
            )
        return self

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @field_validator("feeds_file", mode="after")
    @classmethod
    def _resolve_feeds_file(cls, value: Path) -> Path:
        path = resolve_config_path(value)
        if not path.is_file():
            raise ValueError(
                f"no such file: {value} (a feeds.toml; leave FEEDS_FILE unset for the bundled list)"
            )
        return path

    @field_validator("feeds_file", mode="before")
    @classmethod
    def _default_feeds_file(cls, value: Any) -> Any:
        return BUNDLED_FEEDS_FILE if value in ("", None) else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.lower() not in DATABASE_SCHEMES:
            raise ValueError(f"SQLite or PostgreSQL, such as {DATABASE_HINT}")
        if scheme.lower().startswith("postgres"):
            parts = urlsplit(value)
            try:
                parts.port  # noqa: B018 - parsing it is the check
            except ValueError:
                raise ValueError(f"a port that is a number, as in {DATABASE_HINT}") from None
            if not parts.hostname and "host=" not in parts.query:
                raise ValueError(f"a host to connect to, as in {DATABASE_HINT}")
        elif rest and not rest.startswith("/"):
            raise ValueError(f"three slashes and a path, as in {DATABASE_HINT}")
        return value

    @property
    def bot_token(self) -> str | None:
        """The raw token, for the one place that must hand it to Telegram."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    @property
    def http_deadline(self) -> float:
        """Seconds one request may take in all: HTTP_TOTAL_TIMEOUT, else connect + 2 x read."""
        if self.http_total_timeout is not None:
            return self.http_total_timeout
        return self.http_connect_timeout + 2 * self.http_read_timeout

    @property
    def http_decoded_cap(self) -> int:
        """Bytes a body may have once decompressed: HTTP_MAX_DECODED_BYTES, else twice the
        cap on the bytes received (and never under 1 MiB)."""
        if self.http_max_decoded_bytes is not None:
            return self.http_max_decoded_bytes
        return max(2 * self.http_max_body_bytes, 1 << 20)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = mask_url_password(value)
            yield name, value


def mask_url_password(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, at, host = rest.rpartition("@")
    if ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***{at}{host}"


#: Settings whose value is never repeated in an error message.
_SECRET_FIELDS = {"telegram_bot_token", "webhook_secret"}


def describe_errors(error: ValidationError) -> list[str]:
    """One line per bad setting: the variable, what was wrong and what is allowed.

    Secrets are never echoed; a database URL is shown with its password masked.
    """
    lines: list[str] = []
    for item in error.errors(include_url=False):
        loc = [str(part) for part in item.get("loc", ()) if isinstance(part, str)]
        field = loc[0] if loc else ""
        message = str(item.get("msg", "invalid"))
        custom = message.startswith(("Value error, ", "Assertion failed, "))
        message = message.split(", ", 1)[1] if custom else message
        if not field:  # a check across settings: its message names them
            lines.append(message)
            continue
        shown = ""
        value = item.get("input")
        if not custom and field not in _SECRET_FIELDS and isinstance(value, str | int | float):
            text = mask_url_password(str(value)) if field == "database_url" else str(value)
            shown = f" (got {text!r})"
        lines.append(f"{field.upper()}: {message}{shown}")
    return lines


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The service's settings, read once from the environment and ``.env``."""
    return Settings()


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests and scripts: no ``.env`` file, the environment, then ``overrides``."""
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


#: Every setting at its default, the environment and ``.env`` unread: where option objects
#: built from settings (``bot.ingest.fetch.FetchLimits``) take their own defaults, so
#: that this module stays the one source of them.
DEFAULTS = Settings.model_construct()


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One feed as configured in feeds.toml or an OPML file."""

    url: str
    name: str
    language: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the outlet's home country
    enabled: bool = True
    interval_seconds: int | None = None  # override of POLL_INTERVAL for this feed
    html_url: str | None = None


def load_feeds(path: str | Path | None = None) -> list[FeedConfig]:
    """Read the ``[[feeds]]`` tables of a feeds.toml (default: FEEDS_FILE)."""
    file = resolve_config_path(path) if path is not None else get_settings().feeds_file
    with open(file, "rb") as handle:
        data = tomllib.load(handle)
    feeds: list[FeedConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("feeds", [])):
        url = str(entry.get("url", "")).strip()
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{file}: feed #{index + 1} has no http(s) url")
        if url in seen:
            raise ValueError(f"{file}: feed {url} is listed twice")
        seen.add(url)
        country = entry.get("country")
        interval = entry.get("interval_seconds")
        feeds.append(
            FeedConfig(
                url=url,
                name=str(entry.get("name") or url),
                language=entry.get("language"),
                country=country.upper() if country else None,
                enabled=bool(entry.get("enabled", True)),
                interval_seconds=int(interval) if interval else None,
                html_url=entry.get("html_url"),
            )
        )
    return feeds
