"""Stored JSON decoding (`core.db.engine.readable_json_loads`): the cheap pre-check that sends text to
orjson decodes every value exactly as the previous regex checks did."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core.db.engine import _ESCAPED_SURROGATE, _LONG_DIGITS, _readable, readable_json_loads


def previous(text: str | bytes) -> Any:
    """The decoder before the pre-check (regex scans only)."""
    text = text.decode("utf-8") if isinstance(text, bytes) else text
    escaped_surrogate = _ESCAPED_SURROGATE.search(text) is not None
    if not escaped_surrogate and _LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    value = json.loads(text)
    return _readable(value) if escaped_surrogate else value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


EDGES = [
    '{"n": 1234567890123456789}', '{"n": 123456789012345678901234}', '{"n": -9223372036854775809}',
    '{"n": 18446744073709551616}', '{"f": 1.2345678901234567890123}', '{"s": "1234567890123456789"}',
    '{"s": "\\ud800 lone"}', '{"s": "\\ud83d\\ude00 pair"}', '{"s": "\\u00e9 escaped"}', '{"s": "é raw"}',
    '{"s": "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"}',
    '{"x": NaN, "y": Infinity}', '[1, 2, 3]', '"plain"', '{"s": "\ud800 raw lone"}',
]


def test_edge_values_decode_as_before() -> None:
    for text in EDGES:
        assert same(readable_json_loads(text), previous(text)), text
        if "\ud800" not in text:
            assert same(readable_json_loads(text.encode()), previous(text.encode())), text


values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(values, st.booleans())
def test_any_stored_value_decodes_as_before(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert same(readable_json_loads(text), previous(text))
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate written raw: only a str can carry it
        return
    assert same(readable_json_loads(data), previous(data))
