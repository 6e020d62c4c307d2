"""`domain.rules.sweep.sweep`, fed with what changed instead of every finding at every moment.

`sweep` asks for the whole list of findings at each event time and scans it, and at each
due/until moment in between scans it again: for a measure applied daily for two years that
is quadratic in its history. Here the findings come in pieces (a rule part's output, or one
application's), each named by a key that orders it as the full list would (rule order), and
at each event time the source gives only the pieces that changed (or, when it cannot tell,
all of them, `reset`). Per finding key the sweep keeps the findings present, and a queue of
the due/until moments still to come; at each visited moment it re-decides only the keys
whose findings changed or whose moments came. The intervals and visited points are those
`sweep` gives on the same findings (`tests/test_rules_performance_equivalence.py`):

- what holds for a key is the first finding in rule order that holds;
- the moments visited between two event times are the due/until moments after the first and
  before the second (up to the horizon); of equal instants written with different offsets
  the first in rule order (a due before an until) is the one visited.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import count

from domain.rules.findings import Finding
from domain.rules.sweep import Interval, Sweep

PieceKey = tuple[int, int]
#: (reset: forget every piece first, the pieces that changed: an empty one is removed)
Changes = tuple[bool, Iterable[tuple[PieceKey, Sequence[Finding]]]]
#: called with each event time in order; `full` (the first call) asks for every piece
ChangesAt = Callable[[datetime, bool], Changes]
Key = tuple[str, str]


class _Entry:
    """One finding present in the sweep, with its place in rule order."""

    __slots__ = ("finding", "key", "live", "order")

    def __init__(self, finding: Finding, order: tuple[PieceKey, int]) -> None:
        self.finding = finding
        self.key: Key = (finding.rule, finding.occurrence)
        self.order = order
        self.live = True


class _Present:
    """The findings present now, by piece and by finding key, and their moments to come."""

    def __init__(self, horizon: datetime) -> None:
        self.horizon = horizon
        self.pieces: dict[PieceKey, list[_Entry]] = {}
        self.by_key: dict[Key, list[_Entry]] = {}
        self.queue: list[tuple[datetime, tuple[PieceKey, int], int, int, _Entry]] = []
        self._seq = count()

    def remove(self, piece: PieceKey, dirty: set[Key]) -> None:
        for entry in self.pieces.pop(piece, ()):
            entry.live = False
            self.by_key[entry.key].remove(entry)
            dirty.add(entry.key)

    def add(
        self, piece: PieceKey, findings: Sequence[Finding], moment: datetime, dirty: set[Key]
    ) -> None:
        entries = []
        for index, finding in enumerate(findings):
            entry = _Entry(finding, (piece, index))
            entries.append(entry)
            self.by_key.setdefault(entry.key, []).append(entry)
            dirty.add(entry.key)
            for flag, when in ((0, finding.due), (1, finding.until)):
                if when is not None and moment < when <= self.horizon:
                    heapq.heappush(self.queue, (when, entry.order, flag, next(self._seq), entry))
        if entries:
            self.pieces[piece] = entries

    def apply(self, changes: Changes, moment: datetime, dirty: set[Key]) -> None:
        reset, pieces = changes
        if reset:
            for piece in list(self.pieces):
                self.remove(piece, dirty)
        known = self.pieces
        for piece, findings in pieces:
            if piece in known:
                self.remove(piece, dirty)
            if findings:
                self.add(piece, findings, moment, dirty)

    def due_by(self, moment: datetime, dirty: set[Key]) -> None:
        """Take the moments up to `moment` off the queue: their keys may change now."""
        queue = self.queue
        while queue and queue[0][0] <= moment:
            entry = heapq.heappop(queue)[4]
            if entry.live:
                dirty.add(entry.key)

    def next_before(self, stop: datetime | None) -> datetime | None:
        """The next moment to visit before `stop` (as written by the first in rule order)."""
        queue = self.queue
        while queue and (stop is None or queue[0][0] < stop):
            if queue[0][4].live:
                return queue[0][0]
            heapq.heappop(queue)
        return None

    def holder(self, key: Key, moment: datetime) -> Finding | None:
        best: _Entry | None = None
        for entry in self.by_key.get(key, ()):
            finding = entry.finding
            holds = finding.due <= moment and (finding.until is None or moment < finding.until)
            if holds and (best is None or entry.order < best.order):
                best = entry
        return None if best is None else best.finding


def sweep_changes(
    event_times: Iterable[datetime], changes_at: ChangesAt, horizon: datetime
) -> Sweep:
    """Every interval in which a finding held, up to and including `horizon`."""
    times = sorted({moment for moment in event_times if moment <= horizon})
    present = _Present(horizon)
    opened: dict[Key, tuple[Finding, int, datetime]] = {}
    ordinals: dict[Key, int] = {}
    intervals: list[Interval] = []
    visited: list[datetime] = []

    def settle(moment: datetime, dirty: set[Key]) -> None:
        visited.append(moment)
        for key in dirty:
            finding = present.holder(key, moment)
            if finding is None:
                if key in opened:
                    was, ordinal, since = opened.pop(key)
                    closed = was.as_of(moment, inclusive=False)
                    intervals.append(Interval(closed, ordinal, since, moment))
            elif key not in opened:
                ordinals[key] = ordinals.get(key, 0) + 1
                opened[key] = (finding, ordinals[key], moment)
            elif finding.growth is not None:
                _, ordinal, since = opened[key]
                opened[key] = (finding, ordinal, since)

    for index, start in enumerate(times):
        stop = times[index + 1] if index + 1 < len(times) else None
        dirty: set[Key] = set()
        present.apply(changes_at(start, index == 0), start, dirty)
        present.due_by(start, dirty)
        settle(start, dirty)
        while (moment := present.next_before(stop)) is not None:
            dirty = set()
            present.due_by(moment, dirty)
            settle(moment, dirty)
    for finding, ordinal, since in opened.values():
        intervals.append(Interval(finding.as_of(horizon, inclusive=True), ordinal, since, None))
    return Sweep(tuple(intervals), tuple(visited))
