"""The alert index judged from scratch, for `rebuild`: every measure once, in bulk, on every core.

A refresh (projections/alert_index.py) follows positions: it finds what a range of timeline
rows touched and judges those measures, one query each. A rebuild knows more: the views are
complete and the index is empty, so every measure and every client with orders is judged
exactly once over its full history, which gives the same rows as a refresh from zero
(tests/test_alert_rebuild.py compares them on both stores). That lets it
- read the facts in bulk, a range of measures per query in the stream index's order, and the
  orders of a range of clients per query, instead of one query per measure and client;
- judge on several processes: a judgement is a pure function of a measure's facts, its
  client's orders, the provider's retractions and the rulebook, so a pool forked from this
  process (it inherits the rulebook; nothing is re-read) judges batches of plain row tuples
  and returns plain alert rows; the database is read and written by this process only;
- write each chunk's alerts with one `executemany`.

Crash safety: each chunk of measures is read, judged and written in one transaction under
the index's lock (so a judgement always sees the views as committed at its moment), but the
index's tracking position is written only at the end. A rebuild killed midway leaves the
position at 0 with some measures judged; a later refresh then judges every measure from
zero (each judgement replaces the measure's rows), and a later rebuild starts by emptying
the index. If another process refreshed meanwhile (its position moved past 0), it judged
everything up to its position itself, and its position is kept.

Anything a refresh judges beyond measures and clients' orders must be judged here too.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking

from domain.facts import Fact, data_from_json
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization, next_deadline
from domain.rules.timeline_state import Retraction
from projections.alert_index import (
    FACT_ROWS,
    NAME,
    _alert_row,
    _insert_alert,
    retractions,
)
from projections.overview_alerts import judge_overviews
from store.sql import SqlCursor

#: Measures (or clients) read, judged and written per transaction: bounds how long a writer
#: of another process waits for the lock (about a second of judging on two cores).
CHUNK = 2000

MEASURES = (
    "SELECT DISTINCT provider_id, ref FROM view_timeline WHERE kind = 'measure' "
    "ORDER BY provider_id, ref"
)
CLIENTS_WITH_ORDERS = (
    "SELECT DISTINCT provider_id, client_id FROM view_timeline WHERE kind = 'authorization' "
    "ORDER BY provider_id, client_id"
)
# The stream index's order, as FACTS_OF_MEASURE reads one measure on SQLite.
FACTS_OF_MEASURES = (
    FACT_ROWS + "WHERE provider_id = ? AND kind = 'measure' AND ref >= ? AND ref <= ? "
    "ORDER BY ref, occurred_utc, type_rank, event_id"
)
ORDERS_OF_CLIENT_RANGE = (
    FACT_ROWS + "WHERE provider_id = ? AND kind = 'authorization' AND client_id >= ? "
    "AND client_id <= ? ORDER BY client_id, ref, position"
)
ORDERS_OF_CLIENTS = (
    FACT_ROWS + "WHERE provider_id = ? AND kind = 'authorization' AND client_id IN ({marks}) "
    "ORDER BY client_id, ref, position"
)
DELETE_MEASURE_RANGE = (
    "DELETE FROM view_alerts WHERE provider_id = ? AND measure_id >= ? AND measure_id <= ?"
)
DELETE_CLIENT_RANGE = (
    "DELETE FROM view_alerts WHERE provider_id = ? AND client_id >= ? AND client_id <= ? "
    "AND measure_id IS NULL"
)
UPDATE_DEADLINE = (
    "UPDATE view_status SET next_deadline = ?, next_deadline_rule = ? "
    "WHERE provider_id = ? AND measure_id = ?"
)

Row = tuple[Any, ...]  # a FACT_ROWS row as a plain tuple (picklable)
_PROVIDER, _KIND, _REF, _CLIENT, _EVENT, _TYPE, _OCCURRED, _RECORDED = range(8)
_ROLE, _ACTOR, _SOURCE, _DATA, _POSITION = range(8, 13)

# Set in this process before the pool forks, so the workers inherit it instead of pickling
# a rulebook per task.
_rulebook: Rulebook | None = None


def rebuild_index(
    recorder: Any,
    upto: int,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
) -> int:
    """Judge every measure and client the views hold, once; return how many measures.

    `recorder` is the alert index's tracking recorder (projections/recorders.py), emptied by
    its `reset`; `upto` is the views' position when they were rebuilt. `workers` is how many
    processes judge (1: this one alone).
    """
    global _rulebook
    _rulebook = recorder.index.rulebook
    runner = recorder.runner
    with runner.transaction(commit=False) as c:
        measures = [(r["provider_id"], r["ref"]) for r in c.execute(MEASURES).fetchall()]
        clients = [
            (r["provider_id"], r["client_id"]) for r in c.execute(CLIENTS_WITH_ORDERS).fetchall()
        ]
    pool = multiprocessing.get_context("fork").Pool(workers - 1) if workers > 1 else None
    reported = 0
    try:
        for provider_id, refs in _chunks(measures):
            with runner.transaction(commit=True) as c:
                recorder._lock(c)
                rows = _measure_chunk(c, pool, workers, provider_id, refs)
            reported += rows
            if progress:
                progress(rows)
        for provider_id, ids in _chunks(clients):
            with runner.transaction(commit=True) as c:
                recorder._lock(c)
                _client_chunk(c, pool, workers, provider_id, ids)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    with runner.transaction(commit=True) as c:
        recorder._lock(c)
        if (recorder._max_tracking_id(NAME, c.raw) or 0) == 0:
            # The provider-level rules (the half-year overview), over every row.
            judge_overviews(c, _rulebook, 0, upto, measures, set())
            recorder.index.record_rules(c)
            recorder._insert_tracking(c.raw, Tracking(NAME, upto))
    if progress and upto > reported:
        progress(upto - reported)  # positions without a timeline row (streams opened)
    return len(measures)


def _chunks(keys: Sequence[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """Runs of at most CHUNK keys of one provider, in the database's order."""
    for provider_id, group in itertools.groupby(keys, key=lambda k: k[0]):
        refs = [ref for _, ref in group]
        for start in range(0, len(refs), CHUNK):
            yield provider_id, refs[start : start + CHUNK]


def _measure_chunk(c: SqlCursor, pool: Any, workers: int, provider_id: str, refs: list[str]) -> int:
    """Read, judge and write one chunk of a provider's measures; return its timeline rows."""
    rows = _tuples(c.execute(FACTS_OF_MEASURES, [provider_id, refs[0], refs[-1]]).fetchall())
    by_measure = [
        (ref, list(group)) for ref, group in itertools.groupby(rows, key=lambda r: r[_REF])
    ]
    client_of = {ref: max(facts, key=lambda r: r[_POSITION])[_CLIENT] for ref, facts in by_measure}
    orders = _orders_of(c, provider_id, sorted(set(client_of.values())))
    tasks = [(client_of[ref], facts, orders.get(client_of[ref], [])) for ref, facts in by_measure]
    retracted = retractions(c, provider_id)
    judged = _run(pool, workers, _judge_measures, tasks, retracted)
    c.execute(DELETE_MEASURE_RANGE, [provider_id, refs[0], refs[-1]])
    c.executemany(_insert_alert(), [row for alerts, _ in judged for row in alerts])
    c.executemany(
        UPDATE_DEADLINE,
        [(*due, provider_id, ref) for (ref, _), (_, due) in zip(by_measure, judged, strict=True)],
    )
    return len(rows)


def _client_chunk(c: SqlCursor, pool: Any, workers: int, provider_id: str, ids: list[str]) -> None:
    rows = _tuples(c.execute(ORDERS_OF_CLIENT_RANGE, [provider_id, ids[0], ids[-1]]).fetchall())
    tasks = [
        (client, list(group)) for client, group in itertools.groupby(rows, lambda r: r[_CLIENT])
    ]
    judged = _run(pool, workers, _judge_clients, tasks, retractions(c, provider_id))
    c.execute(DELETE_CLIENT_RANGE, [provider_id, ids[0], ids[-1]])
    c.executemany(_insert_alert(), [row for alerts in judged for row in alerts])


def _orders_of(c: SqlCursor, provider_id: str, clients: list[str]) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    for start in range(0, len(clients), 500):
        part = clients[start : start + 500]
        query = ORDERS_OF_CLIENTS.format(marks=",".join("?" * len(part)))
        for row in _tuples(c.execute(query, [provider_id, *part]).fetchall()):
            found.setdefault(row[_CLIENT], []).append(row)
    return found


def _run(
    pool: Any,
    workers: int,
    judge: Callable[[tuple[list[Any], dict[str, tuple[Retraction, ...]]]], list[Any]],
    tasks: list[Any],
    retracted: dict[str, tuple[Retraction, ...]],
) -> list[Any]:
    """Judge `tasks` in `workers` shares: the pool takes all but the first, this process that
    one; the results come back in the tasks' order."""
    if pool is None or len(tasks) < 2 * workers:
        return judge((tasks, retracted))
    size = -(-len(tasks) // workers)
    shares = [(tasks[i : i + size], retracted) for i in range(0, len(tasks), size)]
    pending = pool.map_async(judge, shares[1:], chunksize=1)
    first = judge(shares[0])
    return first + [result for share in pending.get() for result in share]


def _judge_measures(
    share: tuple[list[tuple[str, list[Row], list[Row]]], dict[str, tuple[Retraction, ...]]],
) -> list[tuple[list[Row], tuple[str | None, str | None]]]:
    """Per measure: its alert rows and its next deadline, as AlertIndex._judge_measure."""
    tasks, retracted = share
    assert _rulebook is not None
    out = []
    for client_id, fact_rows, order_rows in tasks:
        facts, orders = _facts(fact_rows), _facts(order_rows)
        alerts = evaluate(facts, orders, _rulebook, FAR_FUTURE, retracted)
        last = max(f.occurred_at for f in facts)
        due = next_deadline(facts, orders, _rulebook, last, retracted)
        out.append(
            (
                [_alert_row(a, client_id) for a in alerts],
                (due[0].isoformat(), due[1]) if due else (None, None),
            )
        )
    return out


def _judge_clients(
    share: tuple[list[tuple[str, list[Row]]], dict[str, tuple[Retraction, ...]]],
) -> list[list[Row]]:
    """Per client: the alert rows of its orders, as AlertIndex._judge_authorizations."""
    tasks, retracted = share
    assert _rulebook is not None
    return [
        [
            _alert_row(a, client_id)
            for a in evaluate_authorization(_facts(rows), _rulebook, FAR_FUTURE, retracted)
        ]
        for client_id, rows in tasks
    ]


def _tuples(rows: Sequence[Any]) -> list[Row]:
    """Rows as plain tuples (sqlite3.Row and psycopg's dict rows do not pickle alike)."""
    if rows and isinstance(rows[0], dict):
        return [tuple(r.values()) for r in rows]
    return [tuple(r) for r in rows]


def _facts(rows: Sequence[Row]) -> list[Fact]:
    """As alert_index.facts_from_rows, from tuples."""
    return [
        Fact(
            provider_id=r[_PROVIDER],
            measure_id=r[_REF] if r[_KIND] == "measure" else None,
            client_id=r[_CLIENT],
            event_id=r[_EVENT],
            type=r[_TYPE],
            occurred_at=datetime.fromisoformat(r[_OCCURRED]),
            recorded_at=datetime.fromisoformat(r[_RECORDED]),
            data=data_from_json(r[_TYPE], json.loads(r[_DATA])),
            actor_role=r[_ROLE],
            actor_id=r[_ACTOR],
            source=r[_SOURCE],
            position=r[_POSITION],
        )
        for r in rows
    ]
