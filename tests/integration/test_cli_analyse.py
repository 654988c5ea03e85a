"""``newsbrief analyse`` as a user runs it: a real process, real files, standard input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-article.txt"


def newsbrief(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_readable_brief_of_the_seed_article() -> None:
    result = newsbrief("analyse", str(SEED))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Key points") < out.index("Quotes") < out.index("Countries")
    assert "” — Mohammad-Reza Ashtiani, " in out
    assert "” — Sergey Shoigu, " in out
    countries = re.findall(r"\(([A-Z]{2})\)", out[out.index("Countries") :])
    assert sorted(countries[:2]) == ["IR", "RU"]


def test_json_schema_and_offsets_into_the_input() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = newsbrief("analyse", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"language", "countries", "people", "quotes", "key_points"}
    assert data["language"] == "en"
    assert {"code", "name", "score"} == set(data["countries"][0])
    assert {c["code"] for c in data["countries"][:2]} == {"IR", "RU"}
    for quote in data["quotes"]:
        assert set(quote) == {"text", "start", "end", "speaker", "speaker_title", "cue"}
        assert quote["text"] in text[quote["start"] : quote["end"]]
    for point in data["key_points"]:
        assert text[point["start"] : point["end"]] == point["text"]
    for person in data["people"]:
        assert set(person) == {"name", "title", "mentions"}
        for start, end in person["mentions"]:
            assert 0 <= start < end <= len(text)


def test_standard_input() -> None:
    text = "“Talks will resume in Geneva,” Swiss Foreign Minister Ignazio Cassis said on Monday."
    result = newsbrief("analyse", "-", "--json", stdin=text)
    assert result.returncode == 0, result.stderr
    quote = json.loads(result.stdout)["quotes"][0]
    assert quote["speaker"] == "Ignazio Cassis"
    assert "Foreign Minister" in quote["speaker_title"]


def test_jsonl_batch_goes_on_past_bad_lines(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": SEED.read_text(encoding="utf-8"), "title": "Ties"}),
                '{"id": "broken", "text": ',
                json.dumps({"id": "b"}),
                json.dumps({"id": "c", "text": "Japan and South Korea met in Seoul."}),
            ]
        ),
        encoding="utf-8",
    )
    result = newsbrief("analyse", "--jsonl", str(batch))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, "b", "c"]
    assert lines[0]["quotes"] and "error" not in lines[0]
    assert "invalid JSON" in lines[1]["error"] and lines[1]["line"] == 2
    assert "text" in lines[2]["error"]
    assert {c["code"] for c in lines[3]["countries"]} >= {"JP", "KR"}
    assert "2 line(s)" in result.stderr


def test_missing_file_says_so_in_one_line() -> None:
    result = newsbrief("analyse", "/nonexistent/article.txt")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "No such file" in result.stderr and "/nonexistent/article.txt" in result.stderr


def test_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 in S\xe3o Paulo".encode("latin-1"))
    result = newsbrief("analyse", str(path))
    assert result.returncode != 0
    assert "not UTF-8" in result.stderr and result.stderr.strip().count("\n") == 0
