"""Judging one measure stays linear in its history, measured without a clock.

The alert index re-judges a changed measure with its whole history, and a supervision
measure applied daily for two years has ~700 facts: work per moment that grows with the
history makes that quadratic. Timings are noisy on a shared machine, so this counts the
lines of `domain/` Python executed (a deterministic figure) for a long measure of N and of
2N facts: linear work doubles, quadratic work quadruples. The bound leaves room for the
log factor of sorting and the heap, not for a scan of the history at every moment.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from bench.bench_judge import judge, long_measure
from domain.rulebook import Rulebook
from domain.rules import reference
from domain.rules.engine import FAR_FUTURE
from domain.rules.sweep import sweep

DOMAIN = str(Path(__file__).resolve().parents[1] / "domain")
SIZES = (150, 300)
BOUND = 2.3  # linear: ~2; one scan of the history per moment: ~4


def lines_run(work: Callable[[], None]) -> int:
    """How many lines of `domain/` code `work` executes."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(DOMAIN) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("version", ["2026.2", "2026.1"])
@pytest.mark.parametrize("late", ["some", "all"])
@pytest.mark.parametrize("framework", ["wzd", "wvggz", "jeugdwet"])
def test_judging_a_long_measure_is_linear(framework: str, late: str, version: str) -> None:
    """Twice the history costs at most about twice the work (evaluate + next_deadline)."""
    book = Rulebook.load_default(version=version)
    history = long_measure(framework, SIZES[-1], late)
    small, large = (history[:size] for size in SIZES)
    judge(small, book)  # warm caches (rulebook look-ups, calendars) outside the count
    ratio = lines_run(lambda: judge(large, book)) / lines_run(lambda: judge(small, book))
    assert ratio <= BOUND, f"{SIZES[-1]} facts cost {ratio:.2f}× the work of {SIZES[0]}"


def test_the_count_sees_a_scan_per_moment() -> None:
    """The guard can fail: the reference path (fold every fact, run every rule, at every
    moment) is quadratic, and the same count on it exceeds the bound."""
    book = Rulebook.load_default()
    history = long_measure("wzd", SIZES[-1])

    def plain(facts: list) -> Callable[[], None]:
        times = [fact.occurred_at for fact in facts]
        return lambda: sweep(times, reference.measure_findings(facts, book, {}), FAR_FUTURE)

    small, large = (history[:size] for size in SIZES)
    ratio = lines_run(plain(large)) / lines_run(plain(small))
    assert ratio > BOUND
