"""The canonical encoding of the hash chain: pure, specified, and sensitive to every field."""

from __future__ import annotations

import hashlib
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.chain import (
    GENESIS,
    GLOBAL_TAG,
    RECORD_TAG,
    canonical,
    chain_record,
    chain_rows,
    checkpoint_message,
    digest,
    encode_field,
    link,
    record_hash,
)

STREAM = UUID("12345678-1234-5678-1234-567812345678")


def test_fields_are_length_prefixed_big_endian() -> None:
    """Each field is an 8-byte big-endian length, then its bytes (ints as 8-byte unsigned)."""
    assert encode_field("ab") == b"\x00" * 7 + b"\x02ab"
    assert encode_field(1) == b"\x00" * 7 + b"\x08" + b"\x00" * 7 + b"\x01"
    assert encode_field(STREAM) == b"\x00" * 7 + b"\x10" + STREAM.bytes
    assert encode_field(b"") == b"\x00" * 8


def test_bool_is_not_a_field() -> None:
    """A bool would silently encode as an int; refusing it keeps the spec unambiguous."""
    with pytest.raises(TypeError):
        encode_field(True)


def test_record_hash_matches_the_documented_recipe() -> None:
    """The hash is SHA-256 over tag, position, stream, version, topic and state, framed."""
    framed = b"".join(
        len(b).to_bytes(8, "big") + b
        for b in (
            b"measure-ledger/record/v1",
            (7).to_bytes(8, "big"),
            STREAM.bytes,
            (2).to_bytes(8, "big"),
            b"domain.measure:Measure.Proposed",
            b'{"a":1}',
        )
    )
    expected = hashlib.sha256(framed).digest()
    assert record_hash(7, STREAM, 2, "domain.measure:Measure.Proposed", b'{"a":1}') == expected


def test_documented_test_vector() -> None:
    """The vector in docs/tamper-evidence.md, so another implementation can check itself."""
    link = chain_record(
        1,
        STREAM,
        1,
        "domain.measure:Measure.Opened",
        b"{}",
        global_prev=GENESIS,
        stream_prev=GENESIS,
    )
    assert (link.record_hash.hex(), link.global_hash.hex(), link.stream_hash.hex()) == VECTOR


VECTOR = (
    "1971ac2edb0a2d9db4f14404cf46c1fa002f5e1e8e84655d02e927139698345f",
    "90fdd9217f0d41f1e2d6ed3c6c7650ee58474d13b9d768b754bbc254fb871b49",
    "ccd05f19262b2841e15961a37a16ca9f98d145297669915138d04be841ea047a",
)


@given(st.lists(st.binary(max_size=20), min_size=1, max_size=5), st.integers(0, 4))
def test_framing_is_unambiguous(parts: list[bytes], cut: int) -> None:
    """Moving bytes from one field to the next never gives the same encoding."""
    if cut >= len(parts) - 1 or not parts[cut]:
        return
    moved = list(parts)
    moved[cut], moved[cut + 1] = parts[cut][:-1], parts[cut][-1:] + parts[cut + 1]
    assert canonical(parts) != canonical(moved)


@given(
    st.integers(1, 2**40),
    st.integers(1, 10_000),
    st.text(max_size=40),
    st.binary(max_size=200),
    st.integers(0, 3),
)
def test_every_field_changes_the_record_hash(
    position: int, version: int, topic: str, state: bytes, which: int
) -> None:
    """Editing any one field of a stored event gives another hash."""
    original = record_hash(position, STREAM, version, topic, state)
    edited = [position, STREAM, version, topic, state]
    edited[which] = {
        0: position + 1,
        1: UUID(int=STREAM.int ^ 1),
        2: version + 1,
        3: topic + "x",
    }[which]
    assert record_hash(*edited) != original  # type: ignore[arg-type]


@given(
    st.integers(0, 2**63),
    st.uuids(),
    st.integers(0, 2**32),
    st.text(max_size=60),
    st.binary(max_size=300),
    st.binary(min_size=32, max_size=32),
)
def test_fast_path_equals_the_generic_encoding(
    position: int, stream: UUID, version: int, topic: str, state: bytes, previous: bytes
) -> None:
    """The hand-framed ingest path hashes exactly what the specification says."""
    record = record_hash(position, stream, version, topic, state)
    assert record == digest(RECORD_TAG, position, stream, version, topic, state)
    assert link(GLOBAL_TAG, previous, record) == digest(GLOBAL_TAG, previous, record)


def test_batch_chaining_equals_record_by_record() -> None:
    """The inlined batch path gives the same rows as chaining one record at a time."""
    other = UUID(int=7)
    records = [(1, STREAM, 1, "a", b"x"), (2, other, 1, "b", b""), (3, STREAM, 2, "c", b"yz")]
    heads: dict[str, bytes] = {}
    rows = chain_rows(records, GENESIS, heads)
    prev, streams, expected = GENESIS, {}, []
    for position, stream, version, topic, state in records:
        one = chain_record(
            position,
            stream,
            version,
            topic,
            state,
            global_prev=prev,
            stream_prev=streams.get(stream, GENESIS),
        )
        prev, streams[stream] = one.global_hash, one.stream_hash
        row = (position, stream.hex, version, one.record_hash, one.global_hash, one.stream_hash)
        expected.append(row)
    assert rows == expected
    assert heads == {k.hex: v for k, v in streams.items()}


def test_links_depend_on_the_previous_hash() -> None:
    """The same record after another predecessor has another global and stream hash."""
    args = (3, STREAM, 2, "t", b"s")
    a = chain_record(*args, global_prev=GENESIS, stream_prev=GENESIS)
    b = chain_record(*args, global_prev=b"\x01" * 32, stream_prev=GENESIS)
    assert a.record_hash == b.record_hash
    assert a.global_hash != b.global_hash
    assert a.stream_hash == b.stream_hash


def test_checkpoint_message_covers_every_field() -> None:
    """Position, head hash, time and key id are all signed."""
    base = checkpoint_message(5, GENESIS, "2026-01-01T00:00:00+00:00", "k")
    assert base != checkpoint_message(6, GENESIS, "2026-01-01T00:00:00+00:00", "k")
    assert base != checkpoint_message(5, b"\x01" * 32, "2026-01-01T00:00:00+00:00", "k")
    assert base != checkpoint_message(5, GENESIS, "2026-01-01T00:00:01+00:00", "k")
    assert base != checkpoint_message(5, GENESIS, "2026-01-01T00:00:00+00:00", "j")
