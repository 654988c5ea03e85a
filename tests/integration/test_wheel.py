"""The package as an operator installs it: a wheel, a fresh virtual environment, another
directory. The bundled feed list and every data file must come from inside the package.

Slow (it builds the wheel and installs the dependencies from PyPI into a new environment):
marked ``slow``; ``.ci/run`` runs it with the rest. Deselect locally with ``-m "not slow"``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fakes.bot_harness import REPO, SEED_ARTICLE, articles, page, rss
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeBotAPI

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

_EVERYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache")
_TOP_LEVEL = {".venv", ".git", "build", "dist", "data", "tests", "benchmarks"}


def _not_source(directory: str, names: list[str]) -> set[str]:
    """What a fresh clone would not have (and the tests, which the wheel leaves out)."""
    skipped = set(_EVERYWHERE(directory, names))
    if Path(directory) == REPO:
        skipped |= _TOP_LEVEL & set(names)
    return skipped


def _run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``newsbrief`` from a wheel built from a copy of the sources, in a new venv."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=_not_source)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(root / "dist"), str(source)],
        cwd=root,
        env=env,
    )
    [wheel] = (root / "dist").glob("newsbrief-*.whl")
    _run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root, env=env)
    python = root / "venv" / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        cwd=root,
        env=env,
        timeout=1500,
    )
    return root / "venv" / "bin" / "newsbrief"


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith(("TELEGRAM_", "DATABASE"))
    }
    env.update(HOME=str(workdir), **extra)
    return env


def test_the_wheel_carries_the_data_and_metadata(installed: Path) -> None:
    python = installed.parent / "python"
    code = (
        "from importlib import metadata, resources\n"
        "meta = metadata.metadata('newsbrief')\n"
        "print(meta['License-Expression'], meta.get_all('License-File'))\n"
        "print(len(meta.get_all('Classifier')), sorted(meta.get_all('Project-URL'))[0])\n"
        "for name in ('feeds.toml', 'cities.toml', 'country_zones.toml'):\n"
        "    assert resources.files('bot').joinpath('data', name).is_file(), name\n"
        "assert resources.files('summarizer').joinpath('data', 'countries.toml').is_file()\n"
        "import bot.settings\n"
        "print(bot.settings.BUNDLED_FEEDS_FILE)\n"
    )
    out = _run([str(python), "-c", code], cwd=installed.parents[2], env=_env(installed.parents[2]))
    license_line, urls_line, feeds_path = out.splitlines()
    assert license_line == "MIT ['LICENSE']"
    assert int(urls_line.split()[0]) >= 5 and "https://github.com/" in urls_line
    assert "site-packages" in feeds_path


async def test_commands_work_from_another_directory(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _env(work)

    version = await asyncio.to_thread(_run, [str(installed), "--version"], cwd=work, env=env)
    assert version.startswith("newsbrief 0.1")

    feeds = await asyncio.to_thread(_run, [str(installed), "feeds"], cwd=work, env=env)
    assert "BBC News - World" in feeds and "never" in feeds  # the bundled list, unpolled

    analysed = await asyncio.to_thread(
        _run, [str(installed), "analyse", str(SEED_ARTICLE)], cwd=work, env=env
    )
    assert "Key points" in analysed and "Shoigu" in analysed

    with FeedServer() as server:
        base = server.base_url.rstrip("/")
        items = []
        for path, title, text in articles():
            server.add(path, page(title, text))
            items.append((title, path, datetime.now(UTC)))
        server.add("/feed.xml", rss(base, items), content_type="application/rss+xml")
        toml = work / "local-feeds.toml"
        toml.write_text(f'[[feeds]]\nurl = "{base}/feed.xml"\nname = "Test Wire"\n')
        local = {
            **env,
            "FEEDS_FILE": str(toml),
            "ALLOW_PRIVATE_HOSTS": "true",
            "DATABASE_URL": f"sqlite+aiosqlite:///{work}/local.db",
        }
        brief = await asyncio.to_thread(
            _run, [str(installed), "brief", "Iran"], cwd=work, env=local
        )
        assert brief.startswith("Iran · last 24 hours") and "Ashtiani" in brief

        async with FakeBotAPI() as fake:
            doctor = await asyncio.to_thread(
                _run,
                [str(installed), "doctor"],
                cwd=work,
                env={
                    **local,
                    "TELEGRAM_BOT_TOKEN": fake.token,
                    "TELEGRAM_API_BASE_URL": fake.base_url,
                },
            )
    assert "getMe: @newsbrief_test_bot" in doctor
    assert "schema at" in doctor and "feed Test Wire" in doctor and "3 items" in doctor
    assert "All good" in doctor
    assert (work / "data" / "newsbrief.db").exists()  # the default database, in the cwd
