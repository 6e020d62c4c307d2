"""Rules-engine speed and a digest of everything it answers, so an optimisation can prove
that it changed no result.

    python bench/bench_rules.py                         # time the alert-index path
    python bench/bench_rules.py --save /tmp/rules.digest  # before a change: store the digest
    python bench/bench_rules.py --check /tmp/rules.digest # after it: must be byte-identical
    python bench/bench_rules.py --no-time --counts --rulebook 2026.1  # alerts per rule

Data: the synthetic stream (`synthetic.generate`, a few seeds), parsed like ingest
does, with a deterministic registration delay on some events (a few of them later than the
registration lag, a few exactly at it) and ledger positions in arrival order. Facts are
grouped per (provider, measure) and, for authorisations, per (provider, client); retractions
are passed as the per-provider mapping the alert index uses (every 7th measure as a plain
set instead, the other accepted form).

Timed ("ms/measure"): what the alert index pays per changed measure, i.e. `evaluate` at
FAR_FUTURE plus `next_deadline` at the last event, median over `--repeat` runs. The digest
also covers `evaluate` at several `as_of` moments, `next_deadline` there, `change_points`,
and `evaluate_authorization`: sha256 over the canonical JSON of all results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from domain.facts import Fact  # noqa: E402
from domain.rulebook import Rulebook  # noqa: E402
from domain.rules.engine import (  # noqa: E402
    FAR_FUTURE,
    RetractedIds,
    change_points,
    evaluate,
    evaluate_authorization,
    next_deadline,
)
from tests.factories import synthetic_facts  # noqa: E402

AS_OF = (
    datetime(2026, 2, 1, tzinfo=UTC),
    datetime(2026, 4, 15, 12, 30, tzinfo=UTC),
    datetime(2026, 9, 1, tzinfo=UTC),
    datetime(2027, 3, 1, tzinfo=UTC),
)


def _delay(event_id: str) -> timedelta:
    """Deterministic recording delay: most events on time, some late, some exactly at 7 days."""
    bucket = zlib.crc32(event_id.encode()) % 20
    if bucket == 0:
        return timedelta(days=8 + zlib.crc32(event_id.encode()[::-1]) % 20)
    if bucket == 1:
        return timedelta(days=7)
    if bucket in (2, 3):
        return timedelta(hours=1 + bucket * 17)
    return timedelta(0)


def facts_of(seed: int, measures: int) -> list[Fact]:
    """The synthetic stream of one seed as facts, positions in arrival order."""
    return synthetic_facts(seed, measures, lambda event_id, _position: _delay(event_id), "bench")


@dataclass(frozen=True, slots=True)
class Case:
    """One measure with its client's orders and the provider's retractions."""

    own: list[Fact]
    orders: list[Fact]
    retracted: RetractedIds


@dataclass(frozen=True, slots=True)
class Workload:
    cases: list[Case]
    authorizations: list[tuple[list[Fact], RetractedIds]]
    events: int


def workload(seeds: Sequence[int], measures: int) -> Workload:
    cases: list[Case] = []
    authorizations: list[tuple[list[Fact], RetractedIds]] = []
    events = 0
    for seed in seeds:
        facts = facts_of(seed, measures)
        events += len(facts)
        # as the store passes them: per retracted event, each retraction's id and time
        retracted: dict[str, dict[str, list[tuple[str, datetime]]]] = defaultdict(dict)
        own: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        orders: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in facts:
            if fact.type == "event.retracted":
                mapping = retracted[fact.provider_id]
                entry = (fact.event_id, fact.occurred_at)
                mapping.setdefault(fact.data.retracts_event_id, []).append(entry)
            if fact.measure_id is None:
                orders[(fact.provider_id, fact.client_id)].append(fact)
            else:
                own[(fact.provider_id, fact.measure_id)].append(fact)
        for number, ((provider_id, _), measure) in enumerate(own.items()):
            client = max(measure, key=lambda f: f.position or 0).client_id
            mapping = retracted[provider_id]
            ids: RetractedIds = frozenset(mapping) if number % 7 == 6 else mapping
            cases.append(Case(measure, orders[(provider_id, client)], ids))
        for (provider_id, _), client_orders in orders.items():
            authorizations.append((client_orders, retracted.get(provider_id)))
    return Workload(cases, authorizations, events)


def index_path(work: Workload, book: Rulebook) -> None:
    """What the alert index runs per changed measure (the timed part)."""
    for case in work.cases:
        evaluate(case.own, case.orders, book, FAR_FUTURE, case.retracted)
        last = max(fact.occurred_at for fact in case.own)
        next_deadline(case.own, case.orders, book, last, case.retracted)


def _alerts(alerts: list[Any]) -> list[Any]:
    return [alert.model_dump(mode="json", by_alias=True) for alert in alerts]


def _deadline(due: tuple[datetime, str] | None) -> Any:
    return None if due is None else [due[0].isoformat(), due[1]]


def results(work: Workload, book: Rulebook) -> Iterator[Any]:
    """Every answer the engine gives on the workload, in a fixed order, JSON-able."""
    for case in work.cases:
        args = (case.own, case.orders, book)
        last = max(fact.occurred_at for fact in case.own)
        yield _alerts(evaluate(*args, FAR_FUTURE, case.retracted))
        yield _deadline(next_deadline(*args, last, case.retracted))
        for moment in AS_OF:
            yield _alerts(evaluate(*args, moment, case.retracted))
            yield _deadline(next_deadline(*args, moment, case.retracted))
        yield [moment.isoformat() for moment in change_points(*args, case.retracted)]
    for client_orders, retracted in work.authorizations:
        yield _alerts(evaluate_authorization(client_orders, book, FAR_FUTURE, retracted))
        for moment in AS_OF:
            yield _alerts(evaluate_authorization(client_orders, book, moment, retracted))


def digest(work: Workload, book: Rulebook) -> tuple[str, int]:
    """sha256 over the canonical JSON of every result, and how many alerts were seen."""
    sha = hashlib.sha256()
    alerts = 0
    for result in results(work, book):
        if isinstance(result, list) and result and isinstance(result[0], dict):
            alerts += len(result)
        sha.update(json.dumps(result, sort_keys=True, separators=(",", ":")).encode())
        sha.update(b"\n")
    return sha.hexdigest(), alerts


def counts(work: Workload, book: Rulebook) -> dict[str, int]:
    """Alerts per rule over the whole history (`evaluate` at FAR_FUTURE, measures and
    authorisations): what a rulebook change moves."""
    by_rule: dict[str, int] = defaultdict(int)
    for case in work.cases:
        for alert in evaluate(case.own, case.orders, book, FAR_FUTURE, case.retracted):
            by_rule[alert.rule] += 1
    for client_orders, retracted in work.authorizations:
        for alert in evaluate_authorization(client_orders, book, FAR_FUTURE, retracted):
            by_rule[alert.rule] += 1
    return dict(sorted(by_rule.items()))


def timed(work: Workload, book: Rulebook, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per run: on a shared machine the CPU time is the steadier."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        index_path(work, book)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--measures", type=int, default=2000, help="per seed")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the median counts")
    parser.add_argument("--save", type=Path, help="write the digest to this file")
    parser.add_argument("--check", type=Path, help="compare the digest with this file")
    parser.add_argument("--no-time", action="store_true", help="only the digest")
    parser.add_argument("--counts", action="store_true", help="print the alerts per rule")
    parser.add_argument("--rulebook", help="judge with this rulebook version (default: latest)")
    args = parser.parse_args()
    book = Rulebook.load_default(version=args.rulebook)
    work = workload(args.seeds, args.measures)
    print(
        f"measures {len(work.cases)}  client order sets {len(work.authorizations)}  "
        f"events {work.events}"
    )
    print(f"rulebook {book.version}")
    status = 0
    if args.counts:
        by_rule = counts(work, book)
        print(f"alerts per rule ({sum(by_rule.values())} in all, full history):")
        for rule, number in by_rule.items():
            print(f"  {rule:<26} {number}")
    if args.save or args.check:
        started = time.perf_counter()
        value, alerts = digest(work, book)
        print(f"digest {value}  ({alerts} alerts, {time.perf_counter() - started:.1f} s)")
        if args.save:
            args.save.write_text(value + "\n")
        if args.check:
            expected = args.check.read_text().strip()
            status = 0 if expected == value else 1
            print("digest MATCHES" if status == 0 else f"digest DIFFERS (expected {expected})")
    if not args.no_time:
        count = len(work.cases)
        print(f"evaluate(FAR_FUTURE)+next_deadline over {count} measures, {args.repeat} runs:")
        for name, runs in zip(("wall", "cpu"), timed(work, book, args.repeat), strict=True):
            median = statistics.median(runs)
            print(
                f"  {name:<4} median {median:.2f} s  {1000 * median / count:.3f} ms/measure  "
                f"{count / median:,.0f} measures/s  ({', '.join(f'{r:.2f}' for r in runs)})"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
