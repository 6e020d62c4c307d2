"""The synthetic stream as bytes and at scale: memory, malformed lines, clocks, the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from domain.parsing import Malformed, parse_event
from synthetic import (
    MALFORMED_KINDS,
    generate,
    generate_events,
    iter_jsonl,
)

ROOT = Path(__file__).resolve().parents[1]
NINE_DIGITS = re.compile(rb"(?<![0-9])[0-9]{9}(?![0-9])")
Event = dict[str, Any]
Key = tuple[str, str]


@pytest.mark.parametrize("n_events", [2_000, 30_000])
def test_generate_events_yields_about_n_events(n_events: int) -> None:
    """The streaming generator lands within 10 % of the requested count."""
    count = sum(1 for _ in generate_events(n_events, seed=3))
    assert abs(count - n_events) <= 0.1 * n_events


def test_generate_events_keeps_ids_unique_across_cohorts() -> None:
    """Cohorts bring new providers, so ids stay unique per provider over a long stream."""
    keys = Counter((e["provider_id"], e["event_id"]) for e in generate_events(12_000, seed=1))
    assert keys.most_common(1)[0][1] == 1


def _peak_bytes(n_events: int) -> int:
    tracemalloc.start()
    try:
        for _ in generate_events(n_events, seed=9, cohort_measures=100):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_generate_events_memory_is_flat() -> None:
    """Five times more events need no more memory: one cohort (here ~1,100 events) at a
    time."""
    small, large = _peak_bytes(3_000), _peak_bytes(15_000)
    assert large < 1.25 * small


def test_malformed_lines_are_rejected_and_cover_every_kind() -> None:
    """With malformed_share, extra poison lines appear; each one is rejected, and the
    good lines are exactly the generated events."""
    lines = list(iter_jsonl(measures=60, seed=4, malformed_share=0.3))
    results = [parse_event(line) for line in lines]
    bad = [line for line, r in zip(lines, results, strict=True) if isinstance(r, Malformed)]
    good = len(lines) - len(bad)
    assert good == len(generate(measures=60, seed=4))
    assert 0.2 * good < len(bad) < 0.4 * good
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in lines)
    reasons = " ".join(r.reason for r in results if isinstance(r, Malformed))
    for fragment in (
        "not JSON",
        "not a JSON object",
        "no offset",
        "unknown field",
        "BSN",
        "category",
        "not UTF-8",
    ):
        assert fragment in reasons, fragment
    assert len(MALFORMED_KINDS) == 7


def test_no_malformed_lines_by_default() -> None:
    """Without malformed_share every line is a valid event."""
    assert all(not isinstance(parse_event(line), Malformed) for line in iter_jsonl(measures=30))


def test_start_moves_the_stream_and_must_be_aware() -> None:
    """`start` anchors the synthetic year; a naive start is refused."""
    later = datetime.fromisoformat("2027-03-01T08:00:00+01:00")
    events = generate(measures=20, start=later)
    proposed = [
        datetime.fromisoformat(e["occurred_at"]) for e in events if e["type"] == "measure.proposed"
    ]
    assert min(proposed) >= later
    with pytest.raises(ValueError, match="aware"):
        generate(measures=5, start=datetime(2026, 1, 5, 8))


def test_offsets_follow_dutch_summer_time() -> None:
    """Winter events print +01:00 and summer events +02:00, like a Dutch care system."""
    offsets = {e["occurred_at"][-6:] for e in generate(measures=60, seed=2)}
    assert offsets == {"+01:00", "+02:00"}


def test_bench_cli_writes_jsonl_and_a_summary(tmp_path: Path) -> None:
    """bench/generate.py runs from a checkout and prints one summary line."""
    out = tmp_path / "events.jsonl"
    command = [
        sys.executable,
        str(ROOT / "bench" / "generate.py"),
        "--events",
        "800",
        "--seed",
        "3",
        "--out",
        str(out),
        "--malformed-share",
        "0.05",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    summary = done.stdout.strip()
    assert summary.startswith("wrote ") and "events/s" in summary and len(summary.splitlines()) == 1
    lines = out.read_bytes().splitlines(keepends=True)
    assert 700 < len(lines) < 1000
