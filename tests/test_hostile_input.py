"""Input a hostile or careless provider sends: refused with a reason, or accepted, never misread.

Each case here was accepted (or refused) wrongly before: repeated keys read as the last
value, BSNs in ids, file names and reasons, valid RFC 3339 fractions refused, years that are
out of range in UTC, self- and backdated retractions, and lines of any length held whole.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from consumers import jsonl
from domain.identifiers import looks_like_bsn, mask_bsn_text, mask_bsns
from domain.parsing import KEPT_PREFIX_BYTES, MAX_MESSAGE_BYTES, Malformed, parse_event
from ledger.service import Ledger
from projections import queries
from tests.conftest import event, lifecycle, line, messages


def reason(raw: bytes) -> str:
    parsed = parse_event(raw)
    assert isinstance(parsed, Malformed), f"expected a rejection, got {parsed!r}"
    return parsed.reason


def accepted(raw: bytes) -> Any:
    parsed = parse_event(raw)
    assert not isinstance(parsed, Malformed), parsed.reason
    return parsed


# --- 1. repeated keys ---------------------------------------------------------------------


def _with_repeat(field: str, first: str, second: str) -> bytes:
    """A valid event whose `field` appears twice, `first` then `second` (raw JSON values)."""
    body = line(event())
    return (
        body.replace(
            b'{"schema"', b'{"' + field.encode() + b'":' + first.encode() + b',"schema"', 1
        )[:-1]
        + b',"'
        + field.encode()
        + b'":'
        + second.encode()
        + b"}"
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (_with_repeat("event_id", '"a"', '"b"'), "event_id"),
        (_with_repeat("client_id", '"123456782"', '"cl-001"'), "client_id"),
        (_with_repeat("data", '{"framework":"wvggz"}', json.dumps(event()["data"])), "data"),
        (
            line(event("measure.applied", actor={"role": "arts", "id": "a"})).replace(
                b'"id": "a"', b'"id": "a", "id": "b"'
            ),
            "id",
        ),
        (line(event()).replace(b'"event_id"', b'"event\\u005fid": "x", "event_id"', 1), "event_id"),
    ],
    ids=["envelope", "bsn-one-of-two", "data", "nested", "escaped-spelling"],
)
def test_a_key_repeated_in_one_object_is_refused_naming_it(raw: bytes, key: str) -> None:
    assert json.loads(raw)  # the standard parser would take it (last value wins)
    assert reason(raw).startswith(f'"{key}": key appears more than once in one JSON object')


def test_the_same_key_in_two_objects_is_fine() -> None:
    """`id` of the actor and an `id`-like key elsewhere are different objects."""
    accepted(line(event("measure.applied", actor={"role": "arts", "id": "st-1"})))


def test_a_repeated_key_is_dead_lettered_and_the_rest_goes_on(ledger: Ledger) -> None:
    bad = _with_repeat("event_id", '"a"', '"b"')
    counts, letters = ledger.submit(messages(line(event(event_id="ok1")), bad))
    assert (counts.accepted, counts.rejected) == (1, 1)
    assert "appears more than once" in letters[0].reason
    assert ledger.dead_letters.list(None)[0].raw == bad


# --- 2. BSNs, however they are written and wherever they would go ---------------------------


@pytest.mark.parametrize("written", ["123456782", "1234.56.782", "123-45-6782", "123 456 782"])
def test_a_bsn_is_recognised_however_it_is_grouped(written: str) -> None:
    assert looks_like_bsn(written)
    assert looks_like_bsn(f"client {written} x")
    assert not looks_like_bsn(mask_bsn_text(written))


@pytest.mark.parametrize(
    "value", ["2026-03-02 09", "1234567820", "12--3456782", "123456789", "2026-03-02T09:00:00Z"]
)
def test_dates_longer_numbers_and_failing_checks_are_not_bsns(value: str) -> None:
    assert not looks_like_bsn(value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "123456782"}, "event_id"),
        ({"measure_id": "123456782"}, "measure_id"),
        ({"provider_id": "123456782"}, "provider_id"),
        ({"client_id": "123-45-6782"}, "client_id"),
        ({"client_id": "cl.1234.56.782"}, "client_id"),
    ],
)
def test_a_bsn_in_any_id_is_refused(change: dict[str, str], field: str) -> None:
    assert f"{field}: looks like a BSN" in reason(line({**event(), **change}))


def test_a_bsn_with_spaces_in_free_text_is_refused() -> None:
    body = event("measure.evaluated", data={"outcome": "continue", "summary": "bsn 123 456 782"})
    assert "data.summary: looks like a BSN" in reason(line(body))


def test_a_bsn_named_as_an_unknown_field_is_masked_in_the_reason() -> None:
    text = reason(line({**event(), "x123456782": 1}))
    assert "x#########: unknown field" in text
    assert not looks_like_bsn(text)


def test_a_bsn_in_the_file_name_reaches_no_source(ledger: Ledger) -> None:
    good = line(event("measure.proposed", event_id="p1"))
    bad = b"not json"
    counts = jsonl.load(ledger, io.BytesIO(good + b"\n" + bad + b"\n"), "client-123456782.jsonl")
    assert (counts.accepted, counts.rejected) == (1, 1)
    [entry] = queries.timeline(ledger.sql, "AGB:12345678", "m1")
    assert entry["source"] == "client-#########.jsonl:1"
    [letter] = ledger.dead_letters.list(None)
    assert letter.source == "client-#########.jsonl:2"


def test_masking_keeps_the_separators_and_the_offsets() -> None:
    raw = b'{"client_id":"123-45-6782","note":"1234.56.782","n":123456782}'
    masked = mask_bsns(raw)
    assert masked == b'{"client_id":"###-##-####","note":"####.##.###","n":#########}'
    assert len(masked) == len(raw)


# --- 3. RFC 3339 times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "microseconds"),
    [
        ("2026-03-02T09:00:00.1234567Z", 123456),  # .NET "o"
        ("2026-03-02T09:00:00.123456789+01:00", 123456),  # Java Instant
        ("2026-03-02T09:00:00.5Z", 500000),
    ],
)
def test_any_number_of_fractional_digits_is_accepted(moment: str, microseconds: int) -> None:
    parsed = accepted(line(event(occurred_at=moment)))
    assert parsed.occurred_at.microsecond == microseconds


@pytest.mark.parametrize(
    "moment", ["1900-01-01T00:30:00+01:00", "2200-12-31T23:00:00-02:00", "1899-12-31T23:59:59Z"]
)
def test_the_year_range_holds_in_utc(moment: str) -> None:
    assert "is outside 1900-2200 (in UTC)" in reason(line(event(occurred_at=moment)))


@pytest.mark.parametrize(
    "moment",
    ["1900-01-01T00:30:00+00:00", "1900-01-01T01:00:00+01:00", "2200-12-31T21:59:59-02:00"],
)
def test_the_year_range_edges_in_utc_are_inside(moment: str) -> None:
    accepted(line(event(occurred_at=moment)))


# --- 4. retractions ------------------------------------------------------------------------


def _retraction(target: str, at: str, event_id: str = "r1") -> dict[str, Any]:
    return event(
        "event.retracted",
        event_id=event_id,
        occurred_at=at,
        data={"retracts_event_id": target, "reason": "entered in error"},
    )


def test_an_event_cannot_retract_itself() -> None:
    text = reason(line(_retraction("r1", "2026-03-10T09:00:00+01:00")))
    assert "data.retracts_event_id names this event itself" in text


def test_a_retraction_dated_before_its_stored_target_is_refused(ledger: Ledger) -> None:
    ledger.submit(messages(*lifecycle()[:5]))  # m1-5 applied at 2026-03-05T10:00+01:00
    counts, letters = ledger.submit(messages(_retraction("m1-5", "2026-03-05T09:59:59+01:00")))
    assert (counts.accepted, counts.rejected) == (0, 1)
    assert letters[0].reason.startswith("occurred_at: 2026-03-05T09:59:59+01:00 is before")
    assert "'m1-5'" in letters[0].reason
    entries = queries.timeline(ledger.sql, "AGB:12345678", "m1")
    assert all(e["retracted_by"] is None for e in entries)


def test_a_retraction_dated_before_its_target_in_the_same_batch_is_refused(
    ledger: Ledger,
) -> None:
    story = [*lifecycle()[:5], _retraction("m1-5", "2026-03-01T09:00:00+01:00")]
    counts, _ = ledger.submit(messages(*story))
    assert (counts.accepted, counts.rejected) == (5, 1)


def test_a_retraction_at_or_after_its_target_is_stored(ledger: Ledger) -> None:
    ledger.submit(messages(*lifecycle()[:5]))
    same_moment = _retraction("m1-5", "2026-03-05T10:00:00+01:00")
    later = _retraction("m1-4", "2026-03-06T09:00:00+01:00", event_id="r2")
    counts, _ = ledger.submit(messages(same_moment, later))
    assert (counts.accepted, counts.rejected) == (2, 0)


# --- 5. message size -----------------------------------------------------------------------


def test_an_oversized_line_is_dead_lettered_with_its_start_and_size(
    ledger: Ledger, tmp_path: Path
) -> None:
    huge = line(event(event_id="big", data={**event()["data"], "description": "x" * 100}))
    huge = huge[:-1] + b', "pad": "' + b"y" * (3 * MAX_MESSAGE_BYTES) + b'"}'
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        line(event(event_id="a")) + b"\n" + huge + b"\r\n" + line(event(event_id="b")) + b"\n"
    )
    with path.open("rb") as handle:
        counts = jsonl.load(ledger, handle, "events.jsonl")
    assert (counts.accepted, counts.rejected) == (2, 1)
    [letter] = ledger.dead_letters.list(None)
    assert letter.source == "events.jsonl:2"
    assert f"message is {len(huge)} bytes" in letter.reason
    assert letter.raw == huge[:KEPT_PREFIX_BYTES]


def test_a_line_at_the_limit_is_read_whole() -> None:
    """Exactly MAX_MESSAGE_BYTES is allowed; the reader keeps it and the parser judges it."""
    body = line(event())
    at_limit = body[:-1] + b', "pad": "' + b"y" * (MAX_MESSAGE_BYTES - len(body) - 11) + b'"}'
    assert len(at_limit) == MAX_MESSAGE_BYTES
    [(batch, _)] = list(jsonl.read_batches(io.BytesIO(at_limit + b"\n"), "f"))
    assert batch[0].raw == at_limit and batch[0].size is None
    assert "pad: unknown field" in reason(at_limit)


def test_an_oversized_line_costs_no_more_memory_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        out.write(b'{"pad": "')
        for _ in range(48):
            out.write(b"z" * (1024 * 1024))
        out.write(b'"}\n' + line(event()) + b"\n")
    tracemalloc.start()
    try:
        with path.open("rb") as handle:
            batches = list(jsonl.read_batches(handle, "big.jsonl"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [(batch, consumed)] = batches
    assert consumed == path.stat().st_size
    assert [m.size for m in batch] == [48 * 1024 * 1024 + 11, None]
    assert peak < 8 * MAX_MESSAGE_BYTES, peak


def test_stdin_gets_the_same_limit(sqlite_url: str) -> None:
    ledger = Ledger(sqlite_url)
    try:
        data = b'{"a": "' + b"q" * (2 * MAX_MESSAGE_BYTES) + b'"}\n' + line(event()) + b"\n"
        counts = jsonl.load(ledger, io.BufferedReader(io.BytesIO(data)), "stdin")
        assert (counts.accepted, counts.rejected) == (1, 1)
    finally:
        ledger.close()


def test_times_with_many_fractional_digits_keep_their_offset(ledger: Ledger) -> None:
    ledger.submit(messages(event(occurred_at="2026-03-02T09:00:00.123456789+01:00")))
    [entry] = queries.timeline(ledger.sql, "AGB:12345678", "m1")
    assert datetime.fromisoformat(entry["occurred_at"]).utcoffset().total_seconds() == 3600


def test_a_malformed_line_is_the_dead_letter_of_the_provider_it_names(ledger: Ledger) -> None:
    """So the provider sees it among its rejects; a line naming no valid provider has none."""
    bad = event(event_id="x1", provider_id="AGB:99999999", occurred_at="yesterday")
    unnamed = b'{"provider_id": "not a valid id!", "type": "measure.applied"}'
    _, letters = ledger.submit(messages(bad, unnamed, b"not json"))
    assert [d.provider_id for d in letters] == ["AGB:99999999", None, None]
    stored = {d.source: d.provider_id for d in ledger.dead_letters.list()}
    assert stored == {"test.jsonl:1": "AGB:99999999", "test.jsonl:2": None, "test.jsonl:3": None}
