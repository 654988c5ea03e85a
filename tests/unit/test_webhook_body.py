"""The webhook's reading of a POST body: any bytes are an update or a reason for a 400.

Property-based (Hypothesis): random bytes, and JSON values of every shape, including
objects that look like updates with fields of the wrong types; never an exception.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.telegram.webhook import read_update

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["update_id", "message", "text", "chat", "id", "date", "from", "x"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_any_bytes_are_an_update_or_a_reason(body: bytes) -> None:
    result = read_update(body, None)
    assert isinstance(result, Update | str)


@settings(max_examples=500)
@given(JSON)
def test_any_json_value_is_an_update_or_a_reason(value: object) -> None:
    result = read_update(json.dumps(value).encode(), None)
    if isinstance(result, Update):
        assert isinstance(value, dict) and type(value["update_id"]) is int
    else:
        assert isinstance(result, str) and result


def test_the_reasons_for_a_400() -> None:
    assert read_update(b"{not json", None) == "malformed JSON"
    assert read_update(b"\xff\xfe", None) == "malformed JSON"
    assert read_update(b"[" * 100_000 + b"]" * 100_000, None) == "malformed JSON"
    assert read_update(b'{"update_id": true}', None) == "not an update"
    assert read_update(b'{"update_id": 1, "message": {"x": 1}}', None).startswith("unreadable")
    update = read_update(b'{"update_id": 12}', None)
    assert isinstance(update, Update) and update.update_id == 12
