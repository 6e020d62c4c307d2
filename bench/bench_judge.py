"""Judging one long-lived measure: cost per fact as its history grows.

    python bench/bench_judge.py                       # N = 100 200 400 800 1000, three frameworks
    python bench/bench_judge.py --sizes 250 500 1000 --repeat 7
    python bench/bench_judge.py --store --sizes 500 1000   # + the alert index's refresh

Data: `bench.shapes`' "long" measure (proposed, stappenplan, review, then applied daily and
evaluated every four weeks), written once per framework (wzd, wvggz, jeugdwet), parsed like
ingest does, with the deterministic registration delays of `bench/bench_rules.py` (some
events registered late, so grouped LATE-REGISTRATION grows with the history). The measure
is cut to its first N facts in occurrence order.

Timed per N (median of `--repeat`, CPU ms): what the alert index pays for one changed
measure, `evaluate(..., FAR_FUTURE)` then `next_deadline` at the last event (as
`projections` calls them), and "refresh": the same after one more event of the measure
(N+1 facts, a fresh call: nothing is cached across calls with different facts). Baseline
in the same run: a plain sort of the same facts plus a fold into `MeasureState`, the least
any judgement must do. Linear judging keeps ms/fact flat as N grows.

`--store`: also the user-facing path, per N: the wzd measure's first N events stored in a
fresh SQLite ledger with alerts current, then one more event stored and `refresh_alerts`
timed (median of three such events). Stored events are recorded now, long after they
occurred, so every one of them is late: the `--late all` shape.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from bench.bench_rules import _delay  # noqa: E402
from bench.shapes import START, _one_long  # noqa: E402
from domain.facts import Fact  # noqa: E402
from domain.parsing import Malformed, parse_event  # noqa: E402
from domain.rulebook import Rulebook  # noqa: E402
from domain.rules.engine import FAR_FUTURE, evaluate, next_deadline  # noqa: E402
from domain.rules.timeline_state import MeasureState, sort_key  # noqa: E402

FRAMEWORKS = ("wzd", "wvggz", "jeugdwet")


def long_measure(framework: str, days: int, late: str = "some") -> list[Fact]:
    """One long measure of `framework` as parsed facts, in occurrence order; `late`:
    "some" (the delays of bench_rules) or "all" (every event registered 10 days late)."""
    delay = _delay if late == "some" else lambda _: timedelta(days=10)
    facts = []
    for position, body in enumerate(_one_long(f"LONG-{framework}", "cl-long", START, days), 1):
        if body["type"] == "measure.proposed":
            body["data"]["framework"] = framework
        event = parse_event(json.dumps(body).encode())
        if isinstance(event, Malformed):
            raise ValueError(f"long measure rejected: {event.reason}")
        facts.append(
            Fact(
                provider_id=event.provider_id,
                measure_id=event.measure_id,
                client_id=event.client_id,
                event_id=event.event_id,
                type=event.type,
                occurred_at=event.occurred_at,
                recorded_at=event.occurred_at + delay(event.event_id),
                data=event.data,
                actor_role=event.actor.role if event.actor else None,
                actor_id=event.actor.id if event.actor else None,
                source="bench",
                position=position,
            )
        )
    facts.sort(key=lambda fact: fact.occurred_at)
    return facts


def judge(facts: list[Fact], book: Rulebook) -> None:
    """The alert index's work for one changed measure."""
    evaluate(facts, [], book, FAR_FUTURE)
    next_deadline(facts, [], book, facts[-1].occurred_at)


def baseline(facts: list[Fact], book: Rulebook) -> None:
    """The least any judgement does: sort the facts, fold them into a state."""
    MeasureState.fold(sorted(facts, key=sort_key), [])


def cpu_ms(work: Callable[[], None], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        runs.append(1000 * (time.process_time() - started))
    return statistics.median(runs)


def refresh_ms(sizes: list[int], days: int) -> None:
    """The alert index's refresh after one new event of a stored measure of N facts."""
    import os  # only this mode needs the ledger
    import tempfile

    from ledger.service import Ledger, RawMessage

    bodies = sorted(_one_long("LONG-1", "cl-1", START, days), key=lambda b: b["occurred_at"])
    raw = [RawMessage(json.dumps(b).encode(), f"long.jsonl:{i}") for i, b in enumerate(bodies, 1)]
    print(f"{'store':<9} {'N':>5} {'refresh':>9}  (CPU ms, SQLite, one new event)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LEDGER_KEY_FILE", str(Path(tmp) / "signing.key"))
        for size in sizes:
            ledger = Ledger(f"sqlite:///{tmp}/judge-{size}.db")
            ledger.submit(raw[:size])
            ledger.refresh_alerts()
            runs = []
            for extra in raw[size : size + 3]:
                ledger.submit([extra])
                started = time.process_time()
                ledger.refresh_alerts()
                runs.append(1000 * (time.process_time() - started))
            ledger.close()
            print(f"{'sqlite':<9} {size:>5} {statistics.median(runs):>9.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 800, 1000])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the median counts")
    parser.add_argument("--late", choices=["some", "all"], default="some")
    parser.add_argument("--store", action="store_true", help="also time refresh_alerts")
    parser.add_argument("--rulebook", help="judge with this rulebook version (default: latest)")
    args = parser.parse_args()
    book = Rulebook.load_default(version=args.rulebook)
    days = int(max(args.sizes) * 28 / 29) + 10  # enough days for the largest cut, plus one
    print(f"rulebook {book.version}; late: {args.late}; CPU ms, median of {args.repeat}")
    print(
        f"{'framework':<9} {'N':>5} {'judge':>9} {'ms/fact':>8} {'refresh':>9} {'base':>7}  alerts"
    )
    for framework in FRAMEWORKS:
        history = long_measure(framework, days, args.late)
        for size in args.sizes:
            facts, grown = history[:size], history[: size + 1]
            alerts = len(evaluate(facts, [], book, FAR_FUTURE))
            judged = cpu_ms(lambda facts=facts: judge(facts, book), args.repeat)
            refresh = cpu_ms(lambda grown=grown: judge(grown, book), args.repeat)
            base = cpu_ms(lambda facts=facts: baseline(facts, book), args.repeat)
            print(
                f"{framework:<9} {size:>5} {judged:>9.2f} {judged / size:>8.4f} "
                f"{refresh:>9.2f} {base:>7.2f}  {alerts}"
            )
    if args.store:
        refresh_ms(args.sizes, days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
