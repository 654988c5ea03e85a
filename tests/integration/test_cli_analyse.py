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
    keys = {"language", "countries", "people", "quotes", "key_points", "truncated"}
    assert set(data) == keys
    assert data["language"] == "en" and data["truncated"] is False
    assert {"code", "name", "score"} == set(data["countries"][0])
    assert {c["code"] for c in data["countries"][:2]} == {"IR", "RU"}
    for quote in data["quotes"]:
        assert set(quote) >= {"text", "start", "end", "speaker", "speaker_title", "cue"}
        assert quote["text"] in text[quote["start"] : quote["end"]]
    for point in data["key_points"]:
        assert text[point["start"] : point["end"]] == point["text"]
    for person in data["people"]:
        assert set(person) == {"name", "title", "kind", "mentions"}
        assert person["kind"] in {"person", "organisation", "government"}
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


def newsbrief_bytes(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


HOSTILE_LINES = [
    b"[" * 100_000 + b"]" * 100_000,  # RecursionError in json.loads on 464d051
    b'{"id": "\\ud800", "text": "Iran and Russia met in Tehran."}',  # UnicodeEncodeError
    b'{"id": "latin-1", "text": "Caf\xe9 in S\xe3o Paulo"}',  # not UTF-8
    b'{"id": 1' + b"0" * 5_000 + b', "text": "a"}',  # too many digits for an int
    b'{"id": "nul", "text": "\\u0000Iran\\udfff and \\u202eRussia met."}',
    b'{"id": "deep", "text": ' + b"[" * 50 + b"]" * 50 + b"}",
    b"\xff\xfe\x00",
]


def test_jsonl_every_bad_line_gets_its_own_error_line(tmp_path: Path) -> None:
    """Issue 7, point 8: whatever is wrong with a line, it gets one error line and the
    lines after it are analysed (on 464d051 the first of these ended the batch)."""
    good = json.dumps({"id": "good", "text": "Japan and South Korea met in Seoul."}).encode()
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(b"\n".join(line for bad in HOSTILE_LINES for line in (bad, good)) + b"\n")
    result = newsbrief_bytes("analyse", "--jsonl", str(batch), stdin=b"")
    assert result.returncode == 1
    out = result.stdout.decode("utf-8")  # every line valid UTF-8, whatever the ids
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2 * len(HOSTILE_LINES)
    results, goods = lines[0::2], lines[1::2]
    assert all(
        g["id"] == "good" and {c["code"] for c in g["countries"]} >= {"JP", "KR"} for g in goods
    )
    errors = [r.get("error") for r in results]
    assert errors[0] == "invalid JSON: nested too deeply" and results[0]["line"] == 1
    assert errors[1] is None and results[1]["id"] == "\ud800"
    assert {c["code"] for c in results[1]["countries"]} >= {"IR", "RU"}
    assert errors[2].startswith("not UTF-8") and results[2]["line"] == 5
    assert errors[3].startswith("invalid JSON") and "digits" in errors[3]
    assert errors[4] is None and {c["code"] for c in results[4]["countries"]} >= {"IR", "RU"}
    assert errors[5] == 'missing "text" (a string)' and results[5]["id"] == "deep"
    assert errors[6].startswith("not UTF-8")
    assert "5 line(s)" in result.stderr.decode()


def test_jsonl_from_standard_input_with_a_surrogate_id() -> None:
    record = json.dumps({"id": "\udcff", "text": "Officials in Kyiv said talks went on."})
    result = newsbrief_bytes("analyse", "--jsonl", "-", stdin=record.encode() + b"\n")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.decode("utf-8").splitlines()
    data = json.loads(line)
    assert data["id"] == "\udcff" and data["countries"][0]["code"] == "UA"


def test_jsonl_long_text_is_cut_and_says_so() -> None:
    text = "Iran and Russia met in Tehran on Monday, officials said.\n" * 6_000  # 348,000
    record = json.dumps({"id": "long", "text": text})
    result = newsbrief_bytes("analyse", "--jsonl", "-", stdin=record.encode() + b"\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["truncated"] is True
    assert max(point["end"] for point in data["key_points"]) <= 200_000


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
