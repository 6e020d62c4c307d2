"""The measure-event/v1 contract: what is well-formed, and the reasons given when it is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.codes import ALL_CATEGORIES, FRAMEWORK_CATEGORIES, HARM_CODES, SETTINGS
from domain.identifiers import looks_like_bsn, passes_elfproef
from domain.parsing import Malformed, parse_event
from domain.wire import PROVIDER_EVENT
from tests.conftest import DEFAULT_DATA, event, line


def reason(body: dict[str, Any] | bytes) -> str:
    parsed = parse_event(body if isinstance(body, bytes) else line(body))
    assert isinstance(parsed, Malformed), f"expected a rejection, got {parsed!r}"
    return parsed.reason


@pytest.mark.parametrize("type_", sorted(DEFAULT_DATA))
def test_every_type_accepts_its_documented_data(type_: str) -> None:
    """Each event type of the contract parses with its required data."""
    parsed = parse_event(line(event(type_)))
    assert not isinstance(parsed, Malformed), parsed
    assert parsed.type == type_


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"occurred_at": "2026-03-02T09:00:00"}, "occurred_at: date-time has no offset"),
        ({"occurred_at": 1767225600}, "occurred_at: Input should be a valid datetime"),
        ({"surprise": 1}, "surprise: unknown field"),
        ({"schema": "measure-event/v2"}, "schema: Input should be 'measure-event/v1'"),
        ({"type": "measure.paused"}, "type: unknown event type 'measure.paused'"),
        ({"client_id": "123456782"}, "client_id: looks like a BSN"),
        ({"client_id": "client-123456782"}, "client_id: looks like a BSN"),
        ({"event_id": "has space"}, "event_id: String should match pattern"),
        ({"event_id": "x" * 129}, "event_id: String should have at most 128 characters"),
        ({"provider_id": "p" * 65}, "provider_id: String should have at most 64 characters"),
        ({"provider_id": ""}, "provider_id: String should have at least 1 character"),
        ({"actor": {"role": "nurse", "id": "s1"}}, "actor.role: Input should be"),
    ],
)
def test_malformed_envelopes_are_rejected_with_the_field_named(
    change: dict[str, Any], expected: str
) -> None:
    """A broken envelope field is named in the reason, with what was wrong."""
    assert expected in reason({**event(), **change})


@pytest.mark.parametrize(
    ("data_change", "expected"),
    [
        ({"category": "handcuffs"}, "data.category: Input should be"),
        ({"framework": "bopz"}, "data.framework: Input should be"),
        ({"grounds": ["bad_mood"]}, "data.grounds.0: Input should be"),
        ({"emergency": "yes"}, "data.emergency: Input should be a valid boolean"),
        ({"client_age_years": 121}, "data.client_age_years: Input should be less than or equal"),
        ({"description": "x" * 501}, "data.description: String should have at most 500"),
        ({"description": "BSN 123456782 in text"}, "data.description: looks like a BSN"),
        ({"planned_end": "2026-01-01T00:00:00+01:00"}, "planned_end is before planned_start"),
        ({"planned_start": "2026-03-05"}, "data.planned_start"),
        ({"alternatives_considered": ["y" * 201]}, "data.alternatives_considered.0"),
    ],
)
def test_malformed_proposal_data_is_rejected(data_change: dict[str, Any], expected: str) -> None:
    """Proposal data is checked field by field against the contract."""
    body = event(data={**DEFAULT_DATA["measure.proposed"], **data_change})
    assert expected in reason(body)


def test_missing_measure_id_is_rejected() -> None:
    """measure_id is required on every measure event."""
    assert "measure_id: required field is missing" in reason(event(measure_id=None))


def test_measure_id_on_an_authorization_event_is_rejected() -> None:
    """authorization.* events are about a client, not a measure: measure_id is unknown there."""
    body = {**event("authorization.registered"), "measure_id": "m1"}
    assert "measure_id: unknown field" in reason(body)


def test_authorization_validity_must_run_forward() -> None:
    """An authorisation that ends before it starts is a data error, not wrong care."""
    data = {**DEFAULT_DATA["authorization.registered"], "valid_until": "2025-01-01T00:00:00Z"}
    assert "valid_until is before valid_from" in reason(
        event("authorization.registered", data=data)
    )


def test_application_episode_must_run_forward() -> None:
    """A seclusion episode cannot end before it began."""
    body = event("measure.applied", data={"ended_at": "2026-03-01T00:00:00+01:00"})
    assert "ended_at is before occurred_at" in reason(body)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b"{not json", "not JSON"),
        (b'"a string"', "not a JSON object"),
        (b"{}", "type: missing"),
    ],
)
def test_lines_that_are_not_events_are_rejected(raw: bytes, expected: str) -> None:
    """Bytes that are not a JSON object get a reason saying so."""
    assert expected in reason(raw)


def test_category_of_another_framework_is_well_formed() -> None:
    """A known category outside its framework is wrong care, stored and alerted, not refused."""
    data = {**DEFAULT_DATA["measure.proposed"], "category": "physical_restraint"}
    parsed = parse_event(line(event(data=data)))
    assert not isinstance(parsed, Malformed)
    assert not parsed.data.in_framework


def test_empty_grounds_are_well_formed() -> None:
    """A proposal without harm codes is stored (NO-SERIOUS-HARM-GROUNDS alerts on it)."""
    data = {**DEFAULT_DATA["measure.proposed"], "grounds": []}
    assert not isinstance(parse_event(line(event(data=data))), Malformed)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("123456782", True), ("111222333", True), ("123456789", False), ("12345678", False)],
)
def test_elfproef(digits: str, valid: bool) -> None:
    """The elfproef recognises BSN-shaped numbers."""
    assert passes_elfproef(digits) is valid


def test_bsn_guard_ignores_longer_digit_runs() -> None:
    """Only a run of exactly nine digits counts as BSN-like."""
    assert not looks_like_bsn("1234567820")
    assert looks_like_bsn("a-123456782-b")


_ids = st.from_regex(r"\A[A-Za-z][A-Za-z0-9._:-]{0,30}\Z")
_moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))]),
)
#: Free text as the contract allows it: anything but NUL, which is malformed (wire_types).
_free_text = st.text(
    alphabet=st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=50
)


@st.composite
def proposals(draw: st.DrawFn) -> dict[str, Any]:
    framework = draw(st.sampled_from(sorted(FRAMEWORK_CATEGORIES)))
    start = draw(_moments)
    return event(
        event_id=draw(_ids),
        provider_id=draw(_ids),
        measure_id=draw(_ids),
        client_id=draw(_ids.filter(lambda v: not looks_like_bsn(v))),
        occurred_at=draw(_moments).isoformat(),
        data={
            "framework": framework,
            "category": draw(st.sampled_from(ALL_CATEGORIES)),
            "setting": draw(st.sampled_from(SETTINGS)),
            "grounds": draw(st.lists(st.sampled_from(HARM_CODES), max_size=3)),
            "planned_start": start.isoformat(),
            "emergency": draw(st.booleans()),
            "client_age_years": draw(st.integers(0, 120)),
            "description": draw(_free_text.filter(lambda t: not looks_like_bsn(t))),
        },
    )


@given(proposals())
def test_any_valid_event_round_trips_through_the_schema(body: dict[str, Any]) -> None:
    """Parsing, dumping and parsing again gives the same event."""
    first = PROVIDER_EVENT.validate_json(json.dumps(body))
    dumped = first.model_dump_json(by_alias=True, exclude_none=True)
    assert PROVIDER_EVENT.validate_json(dumped) == first


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("9999-12-31T23:59:59-14:00", "occurred_at: year 9999 is outside 1900-2200"),
        ("0001-01-01T00:30:00+01:00", "occurred_at: year 1 is outside 1900-2200"),
        ("2026-03-02T09:00+01:00", "occurred_at: not an RFC 3339 date-time"),
        ("2026-03-02T09:00:00+0100", "occurred_at: not an RFC 3339 date-time"),
        ("2026-03-02 09:00:00+01:00", "occurred_at: not an RFC 3339 date-time"),
        ("2026-02-30T09:00:00Z", "occurred_at: not a valid date-time: day is out of range"),
    ],
)
def test_times_must_be_rfc3339_and_plausible(moment: str, expected: str) -> None:
    """Only RFC 3339 with an offset, between 1900 and 2200: later arithmetic must not fail."""
    assert expected in reason(event(occurred_at=moment))


def test_the_python_field_name_of_schema_is_not_accepted() -> None:
    """`schema_` is an unknown field like any other; only `schema` is the contract's name."""
    body = {**event(), "schema_": "measure-event/v1"}
    assert "schema_: unknown field" in reason(body)
