"""The synthetic provider stream: well-formed, reproducible, coherent, and with the planted
problems where the manifest says they are."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.codes import FRAMEWORK_CATEGORIES
from domain.parsing import Malformed, parse_event
from ledger.synthetic import (
    PROBLEM_RULES,
    Manifest,
    encode,
    generate,
    generate_events,
    iter_jsonl,
)

ROOT = Path(__file__).resolve().parents[1]
NINE_DIGITS = re.compile(rb"(?<![0-9])[0-9]{9}(?![0-9])")
Event = dict[str, Any]
Key = tuple[str, str]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module", params=[7, 42])
def stream(request: pytest.FixtureRequest) -> tuple[list[Event], Manifest]:
    """A demo-sized stream (300 measures; the default seed and another) and its manifest."""
    return generate(seed=request.param, return_manifest=True)


@pytest.fixture(scope="module")
def measures(stream: tuple[list[Event], Manifest]) -> dict[Key, list[Event]]:
    """Each measure's unretracted events in occurred_at order (corrections removed)."""
    events = stream[0]
    retracted = {
        (e["provider_id"], e["data"]["retracts_event_id"])
        for e in events
        if e["type"] == "event.retracted"
    }
    grouped: dict[Key, list[Event]] = defaultdict(list)
    for event in events:
        if "measure_id" not in event or event["type"] == "event.retracted":
            continue
        if (event["provider_id"], event["event_id"]) not in retracted:
            grouped[(event["provider_id"], event["measure_id"])].append(event)
    return {
        key: sorted(group, key=lambda e: when(e["occurred_at"])) for key, group in grouped.items()
    }


@pytest.fixture(scope="module")
def titles(stream: tuple[list[Event], Manifest]) -> dict[Key, list[Event]]:
    """authorization.registered events per (provider, client)."""
    found: dict[Key, list[Event]] = defaultdict(list)
    for event in stream[0]:
        if event["type"] == "authorization.registered":
            found[(event["provider_id"], event["client_id"])].append(event)
    return found


def of_type(events: list[Event], type_: str) -> list[Event]:
    return [e for e in events if e["type"] == type_]


def times(events: list[Event], type_: str) -> list[datetime]:
    return [when(e["occurred_at"]) for e in of_type(events, type_)]


def proposal(events: list[Event]) -> dict[str, Any]:
    return of_type(events, "measure.proposed")[0]["data"]


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


def test_problem_share_gives_one_measure_of_every_kind(
    stream: tuple[list[Event], Manifest], measures: dict[Key, list[Event]]
) -> None:
    """300 measures carry every problem kind once, each mapped to its catalogue rule."""
    manifest = stream[1]
    assert sorted(p.kind for p in manifest.problems) == sorted(PROBLEM_RULES)
    assert all(p.rule == PROBLEM_RULES[p.kind] for p in manifest.problems)
    assert all((p.provider_id, p.measure_id) in measures for p in manifest.problems)
    assert manifest.measures == 300 and manifest.events == len(stream[0])
    _, none = generate(measures=100, seed=7, problem_share=0.0, return_manifest=True)
    assert none.problems == []


def test_problem_kinds_are_chosen_by_seed() -> None:
    """A small stream gets a few different kinds, and which ones depends on the seed."""
    picks = {
        seed: frozenset(
            p.kind for p in generate(measures=40, seed=seed, return_manifest=True)[1].problems
        )
        for seed in range(6)
    }
    assert all(len(kinds) == 4 for kinds in picks.values())
    assert len(set(picks.values())) > 1


def _signature(kind: str, events: list[Event], auth: list[Event]) -> bool:
    """Whether a measure's events show the planted problem."""
    data = proposal(events)
    applied = times(events, "measure.applied")
    decided = of_type(events, "review.decided")
    steps = {e["data"]["step"] for e in of_type(events, "stappenplan.step_completed")}
    ended = times(events, "measure.ended")
    approvals = [when(e["occurred_at"]) for e in decided if e["data"]["decision"] == "approved"]
    term = when(data.get("planned_end", data["planned_start"])) - when(data["planned_start"])
    checks = {
        "applied_before_review": lambda: min(applied) < min(approvals),
        "applied_after_rejection": lambda: any(
            e["data"]["decision"] == "rejected" and max(applied) > when(e["occurred_at"])
            for e in decided
        ),
        "stappenplan_skipped": lambda: applied and "multidisciplinary_consultation" not in steps,
        "review_overdue": lambda: (
            of_type(events, "review.requested") and not decided and not applied
        ),
        "evaluation_overdue": lambda: (
            not of_type(events, "measure.evaluated")
            and ended[0] - min(applied) > timedelta(days=28)
        ),
        "afbouw_overdue": lambda: (
            not of_type(events, "measure.extended")
            and max(applied + ended) > when(data["planned_end"]) + timedelta(days=14)
        ),
        "extension_without_expert": lambda: (
            of_type(events, "measure.extended") and "extended_expert_consultation" not in steps
        ),
        "extension_without_review": lambda: (
            len(decided) == 1 and of_type(events, "measure.extended")
        ),
        "emergency_overrun": lambda: (
            data["emergency"] and max(applied) - min(applied) > timedelta(days=14)
        ),
        "jeugdwet_open_youth_care": lambda: data["setting"] == "open_youth_care" and applied,
        "jeugdwet_seclusion_under_12": lambda: (
            data["category"] == "seclusion" and data["client_age_years"] < 12
        ),
        "wvggz_without_authorization": lambda: data["framework"] == "wvggz" and not auth,
        "authorization_too_long": lambda: any(
            when(t["data"]["valid_until"]) - when(t["data"]["valid_from"])
            > timedelta(days=3 if t["data"]["kind"] == "crisismaatregel" else 731)
            for t in auth
        ),
        "authorization_expired": lambda: (
            max(applied) > max(when(t["data"]["valid_until"]) for t in auth)
        ),
        "applied_after_end": lambda: max(applied) > ended[0],
        "no_grounds": lambda: data["grounds"] == [],
        "category_outside_framework": lambda: (
            data["category"] not in FRAMEWORK_CATEGORIES[data["framework"]]
        ),
        "term_too_long": lambda: term > timedelta(days=92),
        "late_registration": lambda: True,  # checked on the arrival order below
    }
    return bool(checks[kind]())


def test_each_planted_problem_is_visible_in_its_events(
    stream: tuple[list[Event], Manifest],
    measures: dict[Key, list[Event]],
    titles: dict[Key, list[Event]],
) -> None:
    """The manifest is truthful: each problem measure shows the mistake of its kind."""
    for problem in stream[1].problems:
        events = measures[(problem.provider_id, problem.measure_id)]
        auth = titles[(problem.provider_id, problem.client_id)]
        assert _signature(problem.kind, events, auth), problem


def test_late_registrations_arrive_weeks_after_later_events(
    stream: tuple[list[Event], Manifest],
) -> None:
    """A late-registration problem's events come after events that happened two weeks
    after them, i.e. they really were delivered late."""
    events, manifest = stream
    (late,) = [p for p in manifest.problems if p.kind == "late_registration"]
    assert late.late_event_ids
    position = {(e["provider_id"], e["event_id"]): i for i, e in enumerate(events)}
    for event_id in late.late_event_ids:
        index = position[(late.provider_id, event_id)]
        occurred = when(events[index]["occurred_at"])
        earlier_arrivals = (when(e["occurred_at"]) for e in events[:index])
        assert max(earlier_arrivals) > occurred + timedelta(days=13)
    assert set(manifest.late_events) >= {(late.provider_id, i) for i in late.late_event_ids}
