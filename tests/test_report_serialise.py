"""The report file's bytes: pydantic's indented JSON is `json.dumps(indent=2)`'s.

`serialise` writes with pydantic for speed; a report's body holds only text, whole numbers,
booleans, lists and objects, and for those both write the same bytes, drawn here with any
text (quotes, backslashes, control and non-ASCII characters) and with a real report.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.report.document import ReportDocument, serialise
from tests.report_builders import applied, proposed, report

ANY = TypeAdapter(Any)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**62), 2**62) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=30,
)


@given(value=values)
def test_pydantic_writes_what_json_writes(value: Any) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert ANY.dump_json(value, indent=2).decode() == expected


def test_a_report_file_is_json_dumps_indented() -> None:
    facts = [proposed("m1", "wzd", "seclusion", location="Zorg \"De Åker\" \\ 1"),
             applied("m1", "2026-03-02T09:00:00+01:00")]  # fmt: skip
    body = report(facts).body
    document = ReportDocument.model_construct(binding=None, body_sha256="0" * 64, body=body)
    written = serialise(document)
    assert (
        written == json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    )
    assert "De Åker" in written
