"""Configuration: the environment (and a ``.env`` file) over defaults kept here.

Everything the service can be told lives in :class:`Settings`; nothing else reads
``os.environ``. Secrets are :class:`~pydantic.SecretStr`, so printing or logging the
settings never shows the bot token, and the database password is masked in ``repr``.

Use :func:`get_settings` in the service (built once, cached) and :func:`make_settings`
in tests (no ``.env`` file, explicit overrides).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"
BUNDLED_FEEDS_FILE = CONFIG_DIR / "feeds.toml"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/newsbrief.db"
DEFAULT_USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief; news digest bot)"


def resolve_config_path(value: str | Path) -> Path:
    """A path as given if absolute or present relative to the cwd, else under ``config/``."""
    path = Path(value).expanduser()
    if path.is_absolute() or path.exists():
        return path
    candidate = CONFIG_DIR / path
    return candidate if candidate.exists() else path


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
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

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
        default=None, gt=0, description="cap after decompression; default 4 x the body cap"
    )
    ingest_concurrency: int = Field(default=12, ge=1, description="pages fetched at once")
    story_window_hours: float = Field(
        default=48, gt=0, description="how far back an article may join an existing story"
    )

    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

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
        return resolve_config_path(value)

    @field_validator("database_url")
    @classmethod
    def _strip_url(cls, value: str) -> str:
        return value.strip()

    @property
    def bot_token(self) -> str | None:
        """The raw token, for the one place that must hand it to Telegram."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)

    def __repr_args__(self):  # type: ignore[override]
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The service's settings, read once from the environment and ``.env``."""
    return Settings()


def make_settings(**overrides: Any) -> Settings:
    """Settings for tests and scripts: no ``.env`` file, the environment, then ``overrides``."""
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


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
