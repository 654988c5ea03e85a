"""What reaches a JSON column: no NUL, no lone surrogate, anywhere in the value."""

from __future__ import annotations

from bot.store.types import storable_json


def test_a_clean_value_is_kept_as_it_is() -> None:
    value = {"quotes": [{"text": "«Nous» — 東京", "speaker": None, "score": 0.5}], "n": 3}
    assert storable_json(value) is value


def test_nul_is_dropped_from_keys_and_values_at_any_depth() -> None:
    value = {"a\x00b": ["x\x00", {"deep": "y\x00z"}], "clean": "ok"}
    assert storable_json(value) == {"ab": ["x", {"deep": "yz"}], "clean": "ok"}


def test_a_split_surrogate_pair_is_joined_and_a_lone_one_dropped() -> None:
    value = {"text": ["\ud83d\ude00 smile", "lone \udc00 half"]}
    assert storable_json(value) == {"text": ["\U0001f600 smile", "lone  half"]}


def test_an_escaped_nul_written_out_in_the_text_is_text() -> None:
    value = {"code": "a backslash-u: \\u0000"}
    assert storable_json(value) == value


def test_values_json_cannot_dump_are_still_cleaned() -> None:
    value = {"k": "v\x00", "s": {1, 2}}
    assert storable_json(value) == {"k": "v", "s": {1, 2}}
