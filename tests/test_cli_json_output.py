"""`--format json` written in chunks is the same bytes as written at once.

`alerts --format json` writes its list chunk by chunk (`emit_json_array`) so half a million
alerts never sit in memory as one list and one string; a machine reading the output must
not see a difference from `emit_json` of the whole list.
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cli.output import emit_json, emit_json_array

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.lists(st.lists(_values, max_size=4), max_size=5))
def test_chunks_write_the_bytes_of_the_whole_list(chunks: list[list[Any]]) -> None:
    whole, parts = io.StringIO(), io.StringIO()
    emit_json([item for chunk in chunks for item in chunk], whole)
    emit_json_array(iter(chunks), parts)
    assert parts.getvalue() == whole.getvalue()


def test_no_chunks_is_an_empty_list() -> None:
    out = io.StringIO()
    emit_json_array(iter([]), out)
    assert out.getvalue() == "[]\n"
