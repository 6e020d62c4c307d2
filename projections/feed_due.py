"""The feed's work set: the alerts that may have a change to publish, kept up incrementally.

The definition of what a pass publishes is `scan` (`feed_store.SCAN_PENDING` and
`SCAN_WITHDRAWN`): every alert whose "opened" or "resolved" has come at `now` and is not
recorded, and every published alert that vanished from the index. Evaluated over the whole
index that costs a read of every alert with `since <= now` per pass. Here the same
predicates run over `feed_due`, a set of alert ids this topic's feed keeps in its own
tables, which holds at every moment a superset of what the scan would find:

- **the due set** `feed_due(topic, alert_id)` holds, after each step below, the alerts
  that are pending at `due_until` (the scan's predicate at that moment) and the published,
  unresolved alerts the index no longer holds (withdrawal candidates) — exactly those, or
  more while another process writes the index (the log then brings them in again);
- **the cursor** `feed_cursor(topic, change_seq, due_until)`: the change-log entry and the
  moment up to which changes are accounted for in the due set.

A pass *absorbs* first: the ids the alert index changed after `change_seq`
(projections/alert_changes.py) are taken out of the due set and put back if they qualify,
and the alerts whose `since` or `resolved_at` fell in `(due_until, now]` (ranges of the
due-time queue, the indexes on those columns) are added if they qualify; the cursor moves to
the log's head and to `now`, in the same transaction. An alert outside the set has nothing
due up to `due_until`: it can only become due by a change of its row (logged) or by the
clock passing its `since` or `resolved_at` (the queue). A published change makes an alert
leave the set in the transaction that records it (`prune`). So the pending alerts at any
`now <= due_until` are all in the set, and a pass with nothing new reads two empty index
ranges and an empty set: its cost does not depend on the number of alerts stored.

A feed that finds no cursor (a new topic, or a store written before the change log existed)
seeds the set from the whole index once, with the scan's own predicates: the first pass
publishes exactly what the scan would, and later passes go on incrementally.

A crash is harmless anywhere: the set is a superset by construction, and an id leaves it only
once what it had due is recorded, which is when the scan would stop finding it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections import alert_changes
from store.sql import SqlCursor

DDL = (
    "CREATE TABLE IF NOT EXISTS feed_due ("
    "topic TEXT NOT NULL, alert_id TEXT NOT NULL, PRIMARY KEY (topic, alert_id))",
    "CREATE TABLE IF NOT EXISTS feed_cursor ("
    "topic TEXT PRIMARY KEY, change_seq BIGINT NOT NULL, due_until TEXT NOT NULL)",
)

_OPENED = "SELECT 1 FROM feed_published o WHERE o.topic = ? AND o.alert_id = {x} AND o.change = "


def _published(x: str, change: str) -> str:
    return f"{_OPENED.format(x=x)}'{change}'"


def keep(x: str) -> str:
    """Whether alert `x` belongs in the due set at the moment bound twice (see `keep_params`):
    pending at that moment — the scan's predicate — or a withdrawal candidate."""
    pending = (
        f"EXISTS (SELECT 1 FROM view_alerts k WHERE k.alert_id = {x} AND k.since_utc <= ? "
        f"AND (NOT EXISTS ({_published(x, 'opened')}) OR (k.resolved_utc IS NOT NULL "
        f"AND k.resolved_utc <= ? AND NOT EXISTS ({_published(x, 'resolved')}))))"
    )
    withdrawn = (
        f"(NOT EXISTS (SELECT 1 FROM view_alerts k WHERE k.alert_id = {x}) "
        f"AND EXISTS ({_published(x, 'opened')}) AND NOT EXISTS ({_published(x, 'resolved')}))"
    )
    return f"({pending} OR {withdrawn})"


def keep_params(topic: str, moment: str, alert_id: Sequence[str] = ()) -> list[Any]:
    """The parameters of `keep`, in order; `alert_id` when `x` is itself a placeholder."""
    x = list(alert_id)
    return [*x, moment, topic, *x, moment, topic, *x, *x, topic, *x, topic, *x]


CLEAR_CHANGED = (
    "DELETE FROM feed_due WHERE topic = ? AND alert_id IN "
    "(SELECT ch.alert_id FROM view_alert_changes ch WHERE ch.seq > ? AND ch.seq <= ?)"
)
ADD_CHANGED = (
    "INSERT INTO feed_due (topic, alert_id) SELECT ?, ch.alert_id FROM view_alert_changes ch "
    f"WHERE ch.seq > ? AND ch.seq <= ? AND {keep('ch.alert_id')} "
    "ON CONFLICT (topic, alert_id) DO NOTHING"
)
ADD_DUE = {
    column: "INSERT INTO feed_due (topic, alert_id) SELECT ?, w.alert_id FROM view_alerts w "
    f"WHERE w.{column} > ? AND w.{column} <= ? AND {keep('w.alert_id')} "
    "ON CONFLICT (topic, alert_id) DO NOTHING"
    for column in ("since_utc", "resolved_utc")
}
# The seed is `keep` over the whole index, written as joins so that PostgreSQL can hash them
# (as correlated subqueries it ran six lookups per alert: 42 s at 1M alerts).
_SEED_INDEXED = (
    "INSERT INTO feed_due (topic, alert_id) SELECT ?, a.alert_id FROM view_alerts a "
    "LEFT JOIN feed_published o ON o.topic = ? AND o.alert_id = a.alert_id "
    "AND o.change = 'opened' LEFT JOIN feed_published r ON r.topic = ? "
    "AND r.alert_id = a.alert_id AND r.change = 'resolved' "
    "WHERE a.since_utc <= ? AND (o.alert_id IS NULL OR (r.alert_id IS NULL "
    "AND a.resolved_utc IS NOT NULL AND a.resolved_utc <= ?)) "
    "ON CONFLICT (topic, alert_id) DO NOTHING"
)
_SEED_WITHDRAWN = (
    "INSERT INTO feed_due (topic, alert_id) SELECT ?, o.alert_id FROM feed_published o "
    "WHERE o.topic = ? AND o.change = 'opened' AND NOT EXISTS (SELECT 1 FROM feed_published r "
    "WHERE r.topic = o.topic AND r.alert_id = o.alert_id AND r.change = 'resolved') "
    "AND NOT EXISTS (SELECT 1 FROM view_alerts a WHERE a.alert_id = o.alert_id) "
    "ON CONFLICT (topic, alert_id) DO NOTHING"
)
PRUNE = f"DELETE FROM feed_due WHERE topic = ? AND alert_id = ? AND NOT {keep('?')}"
ANY_DUE = "SELECT 1 FROM feed_due WHERE topic = ? LIMIT 1"
_CURSOR = "SELECT change_seq, due_until FROM feed_cursor WHERE topic = ?"


def cursor(c: SqlCursor, topic: str) -> tuple[int, str] | None:
    row = c.execute(_CURSOR, [topic]).fetchone()
    return None if row is None else (int(row["change_seq"]), row["due_until"])


def head(c: SqlCursor) -> int:
    row = c.execute(alert_changes.HEAD).fetchone()
    return int(row["head"] or 0)


def has_news(c: SqlCursor, at: tuple[int, str], moment: str) -> bool:
    """Whether anything changed or came due since the cursor `at`: reads only index ends."""
    seq, until = at
    if head(c) > seq:
        return True
    if moment <= until:  # the clock stood still or went back: nothing came due
        return False
    for query in (alert_changes.DUE_OPENINGS, alert_changes.DUE_RESOLUTIONS):
        if c.execute(query + " LIMIT 1", [until, moment]).fetchone() is not None:
            return True
    return False


def absorb(c: SqlCursor, topic: str, moment: str) -> None:
    """Bring the due set and cursor up to the change log's head and to `moment` (one write
    transaction, which the caller holds)."""
    at = cursor(c, topic)
    if at is None:
        seed(c, topic, moment)
        return
    seq, until = at
    newest = head(c)  # read first: on PostgreSQL a later statement may see later entries
    upto = max(until, moment)
    if newest > seq:
        c.execute(CLEAR_CHANGED, [topic, seq, newest])
        c.execute(ADD_CHANGED, [topic, seq, newest, *keep_params(topic, upto)])
    if upto > until:
        for query in ADD_DUE.values():
            c.execute(query, [topic, until, upto, *keep_params(topic, upto)])
    c.execute(
        "UPDATE feed_cursor SET change_seq = ?, due_until = ? WHERE topic = ?",
        [max(newest, seq), upto, topic],
    )


def seed(c: SqlCursor, topic: str, moment: str) -> None:
    """The due set from the whole index, once: what the scan would find at `moment`."""
    newest = head(c)
    c.execute("DELETE FROM feed_due WHERE topic = ?", [topic])
    c.execute(_SEED_INDEXED, [topic, topic, topic, moment, moment])
    c.execute(_SEED_WITHDRAWN, [topic, topic])
    c.execute(
        "INSERT INTO feed_cursor (topic, change_seq, due_until) VALUES (?, ?, ?)",
        [topic, newest, moment],
    )


def prune(c: SqlCursor, topic: str, alert_ids: Sequence[str]) -> None:
    """Let alerts whose changes were just recorded leave the due set, if nothing else of
    theirs is due up to the cursor's moment."""
    at = cursor(c, topic)
    if at is None or not alert_ids:
        return
    ids = sorted(set(alert_ids))
    c.executemany(PRUNE, [[topic, i, *keep_params(topic, at[1], [i])] for i in ids])
