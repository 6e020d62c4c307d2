"""What the half-year overview rules add to judging: the alert index with and without them.

    python bench/bench_overview.py                    # 3000 measures, batches of 1000 events
    python bench/bench_overview.py --measures 10000 --batch 2000

Two fresh SQLite ledgers in the same run get the same synthetic stream (`synthetic.generate`,
three providers, a year of care) in the same batches, each batch stored and then the alert
index refreshed, as `consume` does between Kafka batches. One judges with rulebook 2026.2 as
shipped; the baseline is the same rulebook with the provider-level judgement switched off
(`projections.overview_alerts.enabled_laws` answering no law), so the difference is what
WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW cost. Printed: CPU seconds of all refreshes per
ledger, their ratio, and the cost of one more refresh after a single new application (the
steady state: one (provider, half-year) judged again), median of five. Run `uptime` beside
it: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from ledger.service import Ledger, RawMessage  # noqa: E402
from projections import overview_alerts  # noqa: E402
from synthetic import generate  # noqa: E402


def _cpu(action: Callable[[], Any]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def run(directory: Path, events: list[dict[str, Any]], batch: int, *, on: bool) -> dict[str, float]:
    original = overview_alerts.enabled_laws
    if not on:
        overview_alerts.enabled_laws = lambda _rulebook: ()  # type: ignore[assignment]
    try:
        ledger = Ledger(f"sqlite:///{directory / ('on.db' if on else 'off.db')}")
        refresh = 0.0
        for start in range(0, len(events), batch):
            chunk = events[start : start + batch]
            ledger.submit(
                [RawMessage(json.dumps(e).encode(), f"b:{i}") for i, e in enumerate(chunk)]
            )
            refresh += _cpu(ledger.refresh_alerts)
        last = next(e for e in reversed(events) if e["type"] == "measure.applied")
        single = []
        for n in range(5):
            extra = {**last, "event_id": f"bench-extra-{n}"}
            ledger.submit([RawMessage(json.dumps(extra).encode(), "extra")])
            single.append(_cpu(ledger.refresh_alerts))
        ledger.close()
        return {"refresh_cpu_s": refresh, "one_more_ms": statistics.median(single) * 1000}
    finally:
        overview_alerts.enabled_laws = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    events = generate(measures=args.measures, seed=args.seed)
    print(f"{args.measures} measures, {len(events)} events, batches of {args.batch}")
    with tempfile.TemporaryDirectory() as tmp:
        baseline = run(Path(tmp), events, args.batch, on=False)
        judged = run(Path(tmp), events, args.batch, on=True)
    for name, figures in (("baseline (overview rules off)", baseline), ("2026.2", judged)):
        print(
            f"{name:32} refreshes {figures['refresh_cpu_s']:7.2f} CPU-s   "
            f"one more application {figures['one_more_ms']:7.1f} CPU-ms"
        )
    print(
        f"ratio: refreshes {judged['refresh_cpu_s'] / baseline['refresh_cpu_s']:.3f}, "
        f"one more {judged['one_more_ms'] / baseline['one_more_ms']:.3f}"
    )


if __name__ == "__main__":
    main()
