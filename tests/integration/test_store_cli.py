"""``newsbrief feeds`` on a real SQLite file: the table, OPML import and export."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.commands import feeds as feeds_command
from bot.ingest.opml import parse_opml
from bot.settings import get_settings, load_feeds

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>extra</title></head><body>
  <outline type="rss" text="Example World" xmlUrl="https://example.org/world.xml"/>
  <outline type="rss" text="BBC (known)" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
</body></opml>
"""


@pytest.fixture
def newsbrief(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``newsbrief feeds ...`` against a fresh database in tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'nb.db'}")
    monkeypatch.delenv("FEEDS_FILE", raising=False)
    get_settings.cache_clear()

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser()
        feeds_command.register(parser.add_subparsers())
        args = parser.parse_args(["feeds", *argv])
        return args.handler(args)

    yield run
    get_settings.cache_clear()


def test_fresh_machine_lists_the_bundled_feeds(newsbrief, capsys) -> None:
    assert newsbrief() == 0
    out = capsys.readouterr().out
    bundled = load_feeds()
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["FEED", "CC", "STATUS"]
    rows = lines[1 : 1 + len(bundled)]
    assert all(" never polled " in row and " never " in row for row in rows)
    assert lines[1 + len(bundled)] == ""
    assert f"{len(bundled)} feeds: {len(bundled)} never polled" in out
    assert "BBC News - World" in out


def test_import_adds_only_new_feeds_and_export_writes_them_all(
    newsbrief, capsys, tmp_path: Path
) -> None:
    source = tmp_path / "extra.opml"
    source.write_text(OPML)
    assert newsbrief("import", str(source)) == 0
    out = capsys.readouterr().out
    assert "added  Example World  https://example.org/world.xml" in out
    assert "1 feed(s) added, 1 already known" in out

    target = tmp_path / "all.opml"
    assert newsbrief("export", str(target)) == 0
    exported = {f.url for f in parse_opml(target.read_bytes())}
    assert exported == {f.url for f in load_feeds()} | {"https://example.org/world.xml"}

    assert newsbrief("export") == 0  # to standard output
    assert "https://example.org/world.xml" in capsys.readouterr().out


def test_import_refuses_a_bad_file(newsbrief, capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<html><body>not opml</body></html>")
    assert newsbrief("import", str(bad)) == 1
    assert "not OPML" in capsys.readouterr().err
    assert newsbrief("import", str(tmp_path / "missing.opml")) == 1
