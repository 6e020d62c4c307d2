"""The synthetic stream's planted problems: one of each kind, chosen by seed, visible in
the events where the manifest says they are."""

from __future__ import annotations

from datetime import timedelta

from domain.codes import FRAMEWORK_CATEGORIES
from synthetic import (
    PROBLEM_RULES,
    Manifest,
    generate,
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


def _signature(
    kind: str, events: list[Event], auth: list[Event], registered: tuple[str, ...] = ()
) -> bool:
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
        "physician_consent_missing": lambda: (
            applied and data["category"] == "restrict_movement" and "physician_consent" not in steps
        ),
        "emergency_physician_missing": lambda: (
            data["emergency"] and not {"physician_consulted", "physician_consent"} & steps
        ),
        "emergency_functionaris_not_informed": lambda: (
            data["emergency"] and "functionaris_informed" not in steps
        ),
        "emergency_planned_too_long": lambda: data["emergency"] and term > timedelta(days=14),
        "unregistered_location": lambda: data["location_id"] not in registered,
        "two_admission_titles": lambda: (
            {"rechterlijke_machtiging_wzd", "zorgmachtiging"} <= {t["data"]["kind"] for t in auth}
        ),
        # Catalogue 2: Wvggz and Jeugdwet
        "wvggz_decision_without_gd_agreement": lambda: (
            data.get("zorgverantwoordelijke_psychiatrist") is False
            and "geneesheer_directeur_agreement" not in steps
            and applied
        ),
        "wvggz_nood_gd_not_informed": lambda: (
            data["emergency"] and "geneesheer_directeur_informed" not in steps
        ),
        "wvggz_pre_crisis_over_18_hours": lambda: _back_to_back_7_3(auth) > timedelta(hours=18),
        "jeugdwet_plan_without_gw_consent": lambda: (
            "gedragswetenschapper_consent" not in steps and applied
        ),
        "jeugdwet_applied_before_the_plan": lambda: (
            min(applied) < min(times(events, "measure.proposed"))
        ),
        "jeugdwet_emergency_past_12_hours": lambda: (
            data["emergency"]
            and "gedragswetenschapper_consent" not in steps
            and any(
                when(e["data"]["ended_at"]) - when(e["occurred_at"]) > timedelta(hours=12)
                for e in of_type(events, "measure.applied")
            )
        ),
        "jeugdwet_afbouw_without_advice": lambda: (
            ended[0] > when(data["planned_end"]) + timedelta(days=14)
            and "independent_expert_advice" not in steps
        ),
    }
    return bool(checks[kind]())


def _back_to_back_7_3(auth: list[Event]) -> timedelta:
    """The longest stretch of tijdelijke verplichte zorg orders that follow on each other."""
    spans = sorted(
        (when(t["data"]["valid_from"]), when(t["data"]["valid_until"]))
        for t in auth
        if t["data"]["kind"] == "tijdelijke_verplichte_zorg"
    )
    longest, start, end = timedelta(0), None, None
    for begin, until in spans:
        if end is None or begin > end:
            start, end = begin, until
        end = max(end, until)
        longest = max(longest, end - start)
    return longest


def test_each_planted_problem_is_visible_in_its_events(
    stream: tuple[list[Event], Manifest],
    measures: dict[Key, list[Event]],
    titles: dict[Key, list[Event]],
) -> None:
    """The manifest is truthful: each problem measure shows the mistake of its kind."""
    for problem in stream[1].problems:
        events = measures[(problem.provider_id, problem.measure_id)]
        auth = titles[(problem.provider_id, problem.client_id)]
        registered = stream[1].locations[problem.provider_id]
        assert _signature(problem.kind, events, auth, registered), problem


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
