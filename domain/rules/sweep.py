"""Turn findings into alert intervals by sweeping time over every moment the answer can change.

The facts that count only change at event times (an `occurred_at`, or a retraction's time).
Between two event times the findings are fixed, and a finding holds on `[due, until)`, so the
set of holding findings can change only at event times and at the `due`/`until` moments that
fall between them. Visiting exactly those moments, in order, yields for every finding key the
intervals `[since, resolved_at)` in which it held, and nothing in between is missed.

Because the findings at τ come only from facts with `occurred_at <= τ`, sweeping to a
horizon T gives exactly the prefix of the sweep to any later horizon: an alert is open at T
iff `since <= T` and (`resolved_at` is None or `resolved_at > T`) in the far-future history.
A key that stops holding and later holds again becomes a second alert (ordinal 2), so each
alert is one interval and its id stays stable.

An interval keeps the finding as it read when it opened, except an accumulating one
(`Finding.growth`, LATE-REGISTRATION per measure under 2026.2): its content follows the
latest finding of its key while it stays open, cut to what was visible at the interval's end
(just before `resolved_at`, or at the horizon). So one alert grows while it is open, and the
sweep to any horizon T gives its content as it stood at T.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.rules.findings import Finding

FindingsAt = Callable[[datetime], list[Finding]]


@dataclass(frozen=True, slots=True)
class Interval:
    finding: Finding  # as it read when the interval opened (accumulating: at its end)
    ordinal: int  # 1 the first time this key held, 2 the next ...
    since: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class Sweep:
    intervals: tuple[Interval, ...]
    points: tuple[datetime, ...]  # every moment visited: where the alert set may change


def _holding(findings: Iterable[Finding], moment: datetime) -> dict[tuple[str, str], Finding]:
    """Per key, the first finding (in rule order) that holds at `moment`."""
    holding: dict[tuple[str, str], Finding] = {}
    for finding in findings:  # `finding.holds(moment)`, inlined: the hottest loop
        if finding.due <= moment and (finding.until is None or moment < finding.until):
            holding.setdefault((finding.rule, finding.occurrence), finding)
    return holding


def _segment(
    findings: Iterable[Finding], start: datetime, stop: datetime | None, horizon: datetime
) -> tuple[dict[tuple[str, str], Finding], list[datetime]]:
    """What holds at `start`, and the later moments (due/until after `start`, up to
    `horizon`, before `stop`) at which that can change, sorted: one pass over the findings.

    Among equal instants written with different offsets the first one seen is kept (set
    semantics, in rule order), so visited moments keep the offset they had in the facts.
    """
    holding: dict[tuple[str, str], Finding] = {}
    later: set[datetime] = set()
    for finding in findings:
        due, until = finding.due, finding.until
        if due <= start:
            if until is None or start < until:
                holding.setdefault((finding.rule, finding.occurrence), finding)
        elif due <= horizon and (stop is None or due < stop):
            later.add(due)
        if until is not None and start < until <= horizon and (stop is None or until < stop):
            later.add(until)
    return holding, sorted(later)


def sweep(event_times: Iterable[datetime], findings_at: FindingsAt, horizon: datetime) -> Sweep:
    """Every interval in which a finding held, up to and including `horizon`."""
    times = sorted({moment for moment in event_times if moment <= horizon})
    opened: dict[tuple[str, str], tuple[Finding, int, datetime]] = {}
    ordinals: dict[tuple[str, str], int] = {}
    intervals: list[Interval] = []
    visited: list[datetime] = []

    def settle(moment: datetime, holding: dict[tuple[str, str], Finding]) -> None:
        visited.append(moment)
        for key in [key for key in opened if key not in holding]:
            finding, ordinal, since = opened.pop(key)
            intervals.append(
                Interval(finding.as_of(moment, inclusive=False), ordinal, since, moment)
            )
        for key, finding in holding.items():
            if key not in opened:
                ordinals[key] = ordinals.get(key, 0) + 1
                opened[key] = (finding, ordinals[key], moment)
            elif finding.growth is not None:
                _, ordinal, since = opened[key]
                opened[key] = (finding, ordinal, since)

    for index, start in enumerate(times):
        stop = times[index + 1] if index + 1 < len(times) else None
        findings = findings_at(start)
        holding, later = _segment(findings, start, stop, horizon)
        settle(start, holding)
        for moment in later:
            settle(moment, _holding(findings, moment))
    for finding, ordinal, since in opened.values():
        intervals.append(Interval(finding.as_of(horizon, inclusive=True), ordinal, since, None))
    return Sweep(tuple(intervals), tuple(visited))
