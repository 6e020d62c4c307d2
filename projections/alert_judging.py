"""Judging many measures of one refresh in a few statements, and writing only what changed.

A refresh after a file of interleaved events re-judges thousands of measures. Judged one by
one, each cost five statements (its facts, its client's orders, DELETE and INSERT of its
alerts, UPDATE of its status row), and the statements cost as much as the rules did. Here a
batch of one provider's measures is read with one query (`FACTS_OF_MEASURES`), the orders of
their clients with one more (read once per refresh: a client's orders serve all its
measures), and the stored alerts of the batch with one (`STORED_OF_MEASURES`).

Each alert row the rules now give is compared with the stored one of the same id: an
unchanged row is not written at all, a changed one is replaced, a vanished one deleted.
Every write of `view_alerts` bumps the change log (projections/alert_changes.py), so the
feed then sees exactly the alerts that changed, not every alert of a re-judged measure.
The result is the rows the old per-measure DELETE and INSERT left behind
(`tests/test_alert_judging.py` compares both, and the change log).

Every query here is planned on an index whose equality columns it fills
(`tests/test_query_plans.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

from domain.alerts import Alert
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization, next_deadline
from domain.rules.timeline_state import Retraction
from store.sql import SqlCursor

#: Measures (or clients) per read: well under both stores' limits on parameters.
BATCH = 400

# After the view's fact columns (`alert_index.FACT_ROWS`); `{marks}`: one `?` per ref. The
# facts come in the stream index's order, as the per-measure query gave them.
FACTS_OF_MEASURES = (
    "WHERE provider_id = ? AND kind = 'measure' AND ref IN ({marks}) "
    "ORDER BY ref, occurred_utc, type_rank, event_id"
)
ORDERS_OF_CLIENTS = "WHERE provider_id = ? AND client_id IN ({marks}) AND kind = 'authorization'"
# `{columns}`: the alert columns, the id first.
STORED_OF_MEASURES = (
    "SELECT {columns} FROM view_alerts WHERE provider_id = ? AND measure_id IN ({marks})"
)
STORED_OF_CLIENTS = (
    "SELECT {columns} FROM view_alerts WHERE provider_id = ? AND client_id IN ({marks}) "
    "AND measure_id IS NULL"
)
DELETE_ALERT = "DELETE FROM view_alerts WHERE alert_id = ?"
UPDATE_DEADLINE = (
    "UPDATE view_status SET next_deadline = ?, next_deadline_rule = ? "
    "WHERE provider_id = ? AND measure_id = ?"
)

Row = tuple[Any, ...]
Retractions = Callable[[SqlCursor, str], dict[str, tuple[Retraction, ...]]]


def marks(n: int) -> str:
    return ",".join("?" * n)


class Judging:
    """One refresh's judging: the queries, and the orders read so far (per client)."""

    def __init__(
        self,
        book: Rulebook,
        fact_rows: str,
        alert_columns: Sequence[str],
        to_row: Callable[[Alert, str], Row],
        facts_from_rows: Callable[[Sequence[Any]], list[Fact]],
        retractions: Retractions,
    ) -> None:
        self.book = book
        self._fact_rows = fact_rows
        self._names = tuple(alert_columns)
        self._columns = ", ".join(alert_columns)
        self._to_row = to_row
        self._facts = facts_from_rows
        self._retractions = retractions
        self._orders: dict[tuple[str, str], list[Fact]] = {}
        values = marks(len(alert_columns))
        self._insert = f"INSERT INTO view_alerts ({self._columns}) VALUES ({values})"

    def measures(self, c: SqlCursor, measures: Iterable[tuple[str, str]]) -> None:
        """Judge these (provider_id, measure_id) and store what changed."""
        for provider_id, batch in _batches(measures):
            self._measure_batch(c, provider_id, batch)

    def clients(self, c: SqlCursor, clients: Iterable[tuple[str, str]]) -> None:
        """Judge the authorisations of these (provider_id, client_id); store what changed."""
        for provider_id, batch in _batches(clients):
            self.orders(c, provider_id, batch)
            retracted = self._retractions(c, provider_id)
            rows: list[Row] = []
            for client_id in batch:
                orders = self._orders[(provider_id, client_id)]
                found = evaluate_authorization(orders, self.book, FAR_FUTURE, retracted)
                rows.extend(self._to_row(a, client_id) for a in found)
            query = STORED_OF_CLIENTS.format(columns=self._columns, marks=marks(len(batch)))
            stored = c.execute(query, [provider_id, *batch]).fetchall()
            self._write(c, stored, rows)

    def orders(self, c: SqlCursor, provider_id: str, clients: Sequence[str]) -> None:
        """Read the orders of the clients not read yet in this refresh (one query per batch)."""
        missing = sorted({cl for cl in clients if (provider_id, cl) not in self._orders})
        for start in range(0, len(missing), BATCH):
            part = missing[start : start + BATCH]
            query = self._fact_rows + ORDERS_OF_CLIENTS.format(marks=marks(len(part)))
            rows = c.execute(query, [provider_id, *part]).fetchall()
            for client_id in part:
                self._orders[(provider_id, client_id)] = []
            for fact in self._facts(rows):
                self._orders[(provider_id, fact.client_id)].append(fact)

    def _measure_batch(self, c: SqlCursor, provider_id: str, batch: list[str]) -> None:
        query = self._fact_rows + FACTS_OF_MEASURES.format(marks=marks(len(batch)))
        rows = c.execute(query, [provider_id, *batch]).fetchall()
        facts: dict[str, list[Fact]] = {measure_id: [] for measure_id in batch}
        for fact in self._facts(rows):
            facts[fact.measure_id or ""].append(fact)
        clients = {m: max(fs, key=_position).client_id if fs else "" for m, fs in facts.items()}
        self.orders(c, provider_id, list(clients.values()))
        retracted = self._retractions(c, provider_id)
        book = self.book
        alert_rows: list[Row] = []
        status: list[Row] = []
        for measure_id in batch:
            own, client_id = facts[measure_id], clients[measure_id]
            orders = self._orders[(provider_id, client_id)]
            alerts = evaluate(own, orders, book, FAR_FUTURE, retracted)
            alert_rows.extend(self._to_row(a, client_id) for a in alerts)
            last = max((f.occurred_at for f in own), default=None)
            due = next_deadline(own, orders, book, last, retracted) if last else None
            status.append(
                (
                    due[0].isoformat() if due else None,
                    due[1] if due else None,
                    provider_id,
                    measure_id,
                )
            )
        query = STORED_OF_MEASURES.format(columns=self._columns, marks=marks(len(batch)))
        stored = c.execute(query, [provider_id, *batch]).fetchall()
        self._write(c, stored, alert_rows)
        c.executemany(UPDATE_DEADLINE, status)

    def _write(self, c: SqlCursor, stored: Sequence[Any], rows: list[Row]) -> None:
        """Make the stored rows `rows`: delete the vanished and the changed, insert the
        changed and the new, leave the unchanged alone (and out of the change log)."""
        new = {row[0]: row for row in rows}
        names = self._names  # by name: a PostgreSQL row is a mapping
        old = {r[names[0]]: tuple(r[name] for name in names) for r in stored}
        gone = [(alert_id,) for alert_id, row in old.items() if new.get(alert_id) != row]
        c.executemany(DELETE_ALERT, gone)
        c.executemany(self._insert, [row for key, row in new.items() if old.get(key) != row])


def _position(fact: Fact) -> int:
    return fact.position or 0


def _batches(keys: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """Per provider, its refs in sorted order, in batches of at most `BATCH`."""
    for provider_id, group in groupby(sorted(keys), key=lambda key: key[0]):
        refs = [ref for _, ref in group]
        for start in range(0, len(refs), BATCH):
            yield provider_id, refs[start : start + BATCH]
