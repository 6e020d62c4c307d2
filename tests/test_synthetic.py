"""The synthetic provider stream: well-formed, reproducible, coherent, and with the planted
problems where the manifest says they are."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import timedelta

import pytest

from domain.codes import FRAMEWORK_CATEGORIES
from domain.parsing import Malformed, parse_event
from synthetic import (
    Manifest,
    encode,
    generate,
    generate_events,
    iter_jsonl,
)
from tests.synthetic_fixtures import (  # noqa: F401 - fixtures are used by name
    NINE_DIGITS,
    ROOT,
    Event,
    Key,
    measures,
    of_type,
    proposal,
    stream,
    times,
    titles,
    when,
)


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_every_event_is_well_formed_measure_event_v1(seed: int) -> None:
    """Every generated event passes the wire schema, whatever the seed."""
    for event in generate(measures=120, seed=seed):
        parsed = parse_event(encode(event))
        assert not isinstance(parsed, Malformed), (parsed, event)


def test_event_ids_are_unique_per_provider(stream: tuple[list[Event], Manifest]) -> None:
    """(provider_id, event_id) is the idempotency key, so it never repeats."""
    keys = Counter((e["provider_id"], e["event_id"]) for e in stream[0])
    assert keys.most_common(1)[0][1] == 1


def test_same_seed_gives_identical_bytes_and_another_seed_differs() -> None:
    """Reproducible: the JSONL of one seed is byte-identical across runs."""
    first = b"".join(iter_jsonl(measures=80, seed=11))
    assert first == b"".join(iter_jsonl(measures=80, seed=11))
    assert first != b"".join(iter_jsonl(measures=80, seed=12))
    assert list(generate_events(3000, seed=5)) == list(generate_events(3000, seed=5))


def test_no_identifier_or_text_carries_a_nine_digit_run() -> None:
    """Pseudonyms and free text never look like a BSN (AGB codes have eight digits)."""
    for seed in (3, 7):
        for line in iter_jsonl(measures=150, seed=seed):
            assert not NINE_DIGITS.search(line), line


def test_ids_are_pseudonymous_and_shaped_like_real_exports(
    stream: tuple[list[Event], Manifest],
) -> None:
    """Providers are AGB codes, clients cl-xxxxxx, staff role-prefixed hex."""
    events = stream[0]
    assert all(re.fullmatch(r"AGB:[0-9]{8}", e["provider_id"]) for e in events)
    assert all(re.fullmatch(r"cl-[0-9a-f]{6}", e["client_id"]) for e in events)
    actors = [e["actor"] for e in events if "actor" in e]
    assert len(actors) > 0.9 * len(events)
    assert all(re.fullmatch(r"[a-z]{2}-[0-9a-f]{4}", a["id"]) for a in actors)
    assert len({e["provider_id"] for e in events}) == 3


def test_mix_of_frameworks_settings_and_ages(measures: dict[Key, list[Event]]) -> None:
    """Mostly Wzd, then Wvggz and Jeugdwet; Wzd clients are adults, youths 10–17."""
    proposals = [proposal(events) for events in measures.values()]
    frameworks = Counter(p["framework"] for p in proposals)
    assert frameworks["wzd"] > frameworks["wvggz"] > 0
    assert frameworks["jeugdwet"] > 0
    settings = Counter(p["setting"] for p in proposals if p["framework"] == "wzd")
    assert settings["residential"] > settings["ambulatory"] > 0
    assert all(p["client_age_years"] >= 18 for p in proposals if p["framework"] == "wzd")
    youth = [p["client_age_years"] for p in proposals if p["framework"] == "jeugdwet"]
    assert min(youth) >= 10 and max(youth) <= 17
    assert any(p.get("emergency") for p in proposals)
    assert all(p.get("location_id") for p in proposals)


def test_arrival_order_is_mostly_chronological_and_interleaved(
    stream: tuple[list[Event], Manifest],
) -> None:
    """Events arrive about when they happen, mixed across measures and providers."""
    events = stream[0]
    moments = [when(e["occurred_at"]) for e in events]
    backwards = sum(1 for a, b in itertools.pairwise(moments) if b < a - timedelta(days=1))
    assert backwards < 0.05 * len(events)
    head = events[:200]
    assert len({e["provider_id"] for e in head}) >= 2
    assert len({e.get("measure_id") for e in head}) >= 20


def test_retractions_follow_their_target_at_the_same_provider(
    stream: tuple[list[Event], Manifest],
) -> None:
    """A correction retracts an earlier event of its own provider, with a reason."""
    events, manifest = stream
    seen: set[Key] = set()
    retractions = 0
    for event in events:
        if event["type"] == "event.retracted":
            retractions += 1
            assert (event["provider_id"], event["data"]["retracts_event_id"]) in seen
            assert event["data"]["reason"]
        seen.add((event["provider_id"], event["event_id"]))
    assert retractions == len(manifest.retractions) > 0


def test_lawful_measures_keep_a_coherent_lifecycle(
    stream: tuple[list[Event], Manifest], measures: dict[Key, list[Event]]
) -> None:
    """Without a planted problem: proposed first, ended last, applied only when allowed."""
    planted = stream[1].expected_rules()
    checked = 0
    for key, events in measures.items():
        if key in planted:
            continue
        checked += 1
        assert events[0]["type"] == "measure.proposed", key
        assert events[-1]["type"] == "measure.ended", key
        assert proposal(events)["grounds"], key
        applied = times(events, "measure.applied")
        assert applied and min(applied) >= when(events[0]["occurred_at"]), key
        assert max(applied) <= when(events[-1]["occurred_at"]), key
    assert checked > 250


def test_regular_wzd_measures_follow_the_stappenplan(
    stream: tuple[list[Event], Manifest], measures: dict[Key, list[Event]]
) -> None:
    """Consultation and approval before the first application; term within 3 months;
    every extension after the external expert and approved before the old term ended."""
    planted = stream[1].expected_rules()
    for key, events in measures.items():
        data = proposal(events)
        if key in planted or data["framework"] != "wzd" or data.get("emergency"):
            continue
        assert data["category"] in FRAMEWORK_CATEGORIES["wzd"]
        term = when(data["planned_end"]) - when(data["planned_start"])
        assert term <= timedelta(days=92), key
        first = min(times(events, "measure.applied"))
        assert min(times(events, "stappenplan.step_completed")) < first
        assert any(
            e["data"]["step"] == "multidisciplinary_consultation"
            for e in events
            if e["type"] == "stappenplan.step_completed"
        ), key
        approvals = [
            when(e["occurred_at"])
            for e in of_type(events, "review.decided")
            if e["data"]["decision"] == "approved"
        ]
        assert approvals and min(approvals) < first, key
        old_end = when(data["planned_end"])
        for extension in of_type(events, "measure.extended"):
            at = when(extension["occurred_at"])
            experts = [
                when(e["occurred_at"])
                for e in of_type(events, "stappenplan.step_completed")
                if e["data"]["step"] == "extended_expert_consultation"
            ]
            assert any(t < at for t in experts), key
            assert any(at < t < old_end for t in approvals), key
            new_end = when(extension["data"]["planned_end"])
            assert old_end < new_end <= at + timedelta(days=183), key
            if len(of_type(events, "measure.extended")) == 1:
                assert new_end <= at + timedelta(days=92), key
            old_end = when(extension["data"]["planned_end"])


def test_evaluations_are_on_time_for_lawful_measures(
    stream: tuple[list[Event], Manifest], measures: dict[Key, list[Event]]
) -> None:
    """First evaluation within 4 weeks of the first application, then within the
    framework's interval (Wzd 6 months, Jeugdwet 2 months) until the end."""
    planted = stream[1].expected_rules()
    for key, events in measures.items():
        if key in planted:
            continue
        framework = proposal(events)["framework"]
        interval = timedelta(days=61 if framework == "jeugdwet" else 183)
        first = min(times(events, "measure.applied"))
        ended = when(events[-1]["occurred_at"])
        moments = [
            first + timedelta(days=28) - interval,
            *times(events, "measure.evaluated"),
            ended,
        ]
        if ended - first > timedelta(days=28):
            assert moments[1] <= first + timedelta(days=28), key
        assert all(b - a <= interval for a, b in itertools.pairwise(moments)), key
        evaluated = of_type(events, "measure.evaluated")
        for evaluation, later in zip(evaluated, [*moments[2:]], strict=True):
            due = evaluation["data"].get("next_evaluation_due")
            assert due is None or when(due) >= later, key


def test_emergencies_end_within_their_maximum(
    stream: tuple[list[Event], Manifest], measures: dict[Key, list[Event]]
) -> None:
    """Wzd art. 15: a lawful emergency measure is over within 2 weeks."""
    planted = stream[1].expected_rules()
    emergencies = [k for k, ev in measures.items() if proposal(ev).get("emergency")]
    assert emergencies
    for key in emergencies:
        if key not in planted:
            events = measures[key]
            span = when(events[-1]["occurred_at"]) - when(events[0]["occurred_at"])
            assert span <= timedelta(days=14), key


def test_titled_measures_apply_only_under_a_title_in_force(
    stream: tuple[list[Event], Manifest],
    measures: dict[Key, list[Event]],
    titles: dict[Key, list[Event]],
) -> None:
    """Wvggz and Jeugdwet applications fall inside a registered authorisation; Jeugdwet
    care is closed youth care and never secludes a child under 12."""
    planted = stream[1].expected_rules()
    for key, events in measures.items():
        data = proposal(events)
        if key in planted or data["framework"] == "wzd":
            continue
        windows = [
            (when(t["data"]["valid_from"]), when(t["data"]["valid_until"]))
            for t in titles[(key[0], events[0]["client_id"])]
        ]
        assert windows, key
        for at in times(events, "measure.applied"):
            assert any(start <= at <= end for start, end in windows), key
        if data["framework"] == "jeugdwet":
            assert data["setting"] == "closed_youth_care"
            assert data["category"] != "seclusion" or data["client_age_years"] >= 12
