"""The alert index: every alert's interval `[since, resolved_at)`, per measure, in SQL.

`alerts(as_of=T)` must not replay every measure's events per query. The rules give each
alert's whole history in one evaluation (`evaluate(..., as_of=FAR_FUTURE)`), and an alert
is open at T exactly when `since <= T < resolved_at`; so the index stores those intervals
and a query is a range scan.

The index follows the timeline view (same database, same notification positions) rather
than the event store: the facts it needs are already there in care order, and a measure
is re-judged once per catch-up however many of its events arrived, which matters because
rule evaluation costs far more than storing an event. Its own tracking position can only
trail the measure views' position; rebuilding the views resets it too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.alerts import Alert
from domain.facts import Fact, data_from_text
from domain.rulebook import Rulebook
from domain.rules.timeline_state import Retraction
from projections import alert_changes, read_indexes, retraction_reads
from projections.alert_judging import Judging
from projections.measure_views import utc_key
from projections.retraction_reads import ROW_OF_EVENT, chain_rows, provider_retractions
from store.sql import Dialect, SqlCursor

NAME = "alert_index"

ALERT_COLUMNS = (
    "alert_id",
    "provider_id",
    "measure_id",
    "client_id",
    "rule",
    "severity",
    "framework",
    "category",
    "since",
    "since_utc",
    "resolved_at",
    "resolved_utc",
    "rulebook_version",
    "message",
    "evidence",
)


def ddl(dialect: Dialect) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS view_alerts ("
        "alert_id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, measure_id TEXT, "
        "client_id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, "
        "framework TEXT, category TEXT, since TEXT NOT NULL, since_utc TEXT NOT NULL, "
        "resolved_at TEXT, resolved_utc TEXT, rulebook_version TEXT NOT NULL, "
        "message TEXT NOT NULL, evidence TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_alerts_since ON view_alerts (since_utc)",
        "CREATE INDEX IF NOT EXISTS view_alerts_measure ON view_alerts (provider_id, measure_id)",
        "CREATE INDEX IF NOT EXISTS view_alerts_client ON view_alerts (provider_id, client_id)",
        "CREATE TABLE IF NOT EXISTS view_alert_rulebook ("
        "id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, version TEXT NOT NULL)",
        *read_indexes.ddl(dialect),
        *alert_changes.ddl(dialect),
    ]


def fingerprint(rulebook: Rulebook) -> str:
    """Identifies the rules that judged the index: version, profiles, policy overrides and
    the providers' onboarding dates (a changed date needs a `rebuild`, as a policy does).

    When it changes (a new rulebook version ships, a policy default is changed) the stored
    alerts were judged by rules no longer in force; `refresh` then refuses until a rebuild.
    Computed from a canonical form (sets sorted), so every process gets the same value.
    """
    text = json.dumps(_canonical(rulebook), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _omitted(spec: dataclasses.Field[Any], value: Any) -> bool:
    """A field a later rulebook added, at its default: left out, so the fingerprint of an
    earlier version (judged before the field existed) stays what it was."""
    if spec.metadata.get("fingerprint") != "omit_default":
        return False
    if spec.default_factory is not dataclasses.MISSING:
        return bool(value == spec.default_factory())
    return bool(value == spec.default)


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _omitted(f, getattr(value, f.name))
        }
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


FACT_ROWS = (
    "SELECT provider_id, kind, ref, client_id, event_id, type, occurred_at, recorded_at, "
    "actor_role, actor_id, source, data, position FROM view_timeline "
)
# The queries a refresh runs per touched row, measure or client. Each is planned on an index
# whose equality columns it fills; tests/test_query_plans.py checks that on both stores, since
# one of them once scanned a whole provider per client (quadratic in provider size).
TOUCHED_ROWS = (
    "SELECT provider_id, kind, ref, client_id, type, data FROM view_timeline "
    "WHERE position > ? AND position <= ?"
)
TARGET_OF_RETRACTION = ROW_OF_EVENT  # read along a chain of retractions (`chain_rows`)
RETRACTIONS_OF_PROVIDER = retraction_reads.RETRACTIONS_OF_PROVIDER
MEASURES_OF_CLIENT = (
    "SELECT DISTINCT ref FROM view_timeline WHERE provider_id = ? AND client_id = ? "
    "AND kind = 'measure'"
)
FACTS_OF_MEASURE = FACT_ROWS + "WHERE provider_id = ? AND kind = 'measure' AND ref = ?"
ORDERS_OF_CLIENT = FACT_ROWS + "WHERE provider_id = ? AND client_id = ? AND kind = 'authorization'"
DELETE_MEASURE_ALERTS = "DELETE FROM view_alerts WHERE provider_id = ? AND measure_id = ?"
DELETE_CLIENT_ALERTS = (
    "DELETE FROM view_alerts WHERE provider_id = ? AND client_id = ? AND measure_id IS NULL"
)


class AlertIndex:
    """Re-judges the measures whose facts changed and stores their alert intervals."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.fingerprint = fingerprint(rulebook)
        self._retracted: dict[str, dict[str, tuple[Retraction, ...]]] = {}

    def judged_by_other_rules(self, c: SqlCursor) -> bool:
        row = c.execute("SELECT fingerprint FROM view_alert_rulebook WHERE id = 1").fetchone()
        return row is not None and row["fingerprint"] != self.fingerprint

    def stored_rules(self, c: SqlCursor) -> str:
        row = c.execute(
            "SELECT version, fingerprint FROM view_alert_rulebook WHERE id = 1"
        ).fetchone()
        return (
            f"rulebook {row['version']}, fingerprint {row['fingerprint'][:12]}" if row else "none"
        )

    def record_rules(self, c: SqlCursor) -> None:
        c.execute("DELETE FROM view_alert_rulebook WHERE id = 1")
        c.execute(
            "INSERT INTO view_alert_rulebook VALUES (1, ?, ?)",
            [self.fingerprint, self.rulebook.version],
        )

    def apply(
        self,
        c: SqlCursor,
        after: int,
        upto: int,
        judged: set[tuple[str, str, str]] | None = None,
    ) -> int:
        """Re-judge what timeline rows `(after, upto]` touched; return how many measures.

        `judged` carries what this refresh already judged in an earlier chunk: a judgement
        reads every fact the views hold, not only the chunk's, so judging the same measure
        (or client) again for a later chunk of the same refresh would give the same answer.
        """
        self._retracted = {}  # read once per provider per call, not once per measure
        judged = set() if judged is None else judged
        judging = self._judging()
        measures, clients = self._touched(c, after, upto)
        fresh_clients = [k for k in sorted(clients) if ("client", *k) not in judged]
        for provider_id, client_id in fresh_clients:
            judged.add(("client", provider_id, client_id))
            measures.update(self._measures_of_client(c, provider_id, client_id))
        judging.clients(c, fresh_clients)
        fresh = sorted(m for m in measures if ("measure", *m) not in judged)
        judged.update(("measure", *m) for m in fresh)
        judging.measures(c, fresh)
        # The provider-level rules (the half-year overview); imported here, since that
        # module reads with this one's row helpers.
        from projections.overview_alerts import judge_overviews

        judge_overviews(c, self.rulebook, after, upto, measures, judged)
        return len(fresh)

    def _judging(self) -> Judging:
        """Batched reads, orders read once per client, only changed alert rows written
        (projections/alert_judging.py)."""
        return Judging(
            self.rulebook, FACT_ROWS, ALERT_COLUMNS, _alert_row, facts_from_rows, self._retractions
        )

    def _touched(
        self, c: SqlCursor, after: int, upto: int
    ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        measures: set[tuple[str, str]] = set()
        clients: set[tuple[str, str]] = set()
        rows = c.execute(TOUCHED_ROWS, [after, upto]).fetchall()
        for r in rows:
            if r["kind"] == "authorization":
                clients.add((r["provider_id"], r["client_id"]))
                continue
            if r["kind"] != "measure":  # a provider's own fact: judged in overview_alerts
                continue
            measures.add((r["provider_id"], r["ref"]))
            if r["type"] != "event.retracted":
                continue
            # Down the chain: retracting a retraction changes what its target counts as.
            target = json.loads(r["data"])["retracts_event_id"]
            for hit in chain_rows(c, r["provider_id"], target):
                if hit["kind"] == "authorization":
                    clients.add((r["provider_id"], hit["client_id"]))
                elif hit["kind"] == "measure":
                    measures.add((r["provider_id"], hit["ref"]))
        return measures, clients

    def _measures_of_client(
        self, c: SqlCursor, provider_id: str, client_id: str
    ) -> Iterable[tuple[str, str]]:
        rows = c.execute(MEASURES_OF_CLIENT, [provider_id, client_id]).fetchall()
        return [(provider_id, r["ref"]) for r in rows]

    def _judge_measure(self, c: SqlCursor, provider_id: str, measure_id: str) -> None:
        self._judging().measures(c, [(provider_id, measure_id)])

    def _judge_authorizations(self, c: SqlCursor, provider_id: str, client_id: str) -> None:
        self._judging().clients(c, [(provider_id, client_id)])

    def _retractions(self, c: SqlCursor, provider_id: str) -> dict[str, tuple[Retraction, ...]]:
        if provider_id not in self._retracted:
            self._retracted[provider_id] = retractions(c, provider_id)
        return self._retracted[provider_id]


def retractions(c: SqlCursor, provider_id: str) -> dict[str, tuple[Retraction, ...]]:
    """Every retraction of the provider by the event it names, with its id and time.

    The id matters: a retraction that is retracted itself retracts nothing from then on,
    and the rules can only see that when they can look the retraction up in turn.
    """
    return provider_retractions(c, provider_id)


def facts_from_rows(rows: Sequence[Any]) -> list[Fact]:
    return [
        Fact(
            provider_id=r["provider_id"],
            measure_id=r["ref"] if r["kind"] == "measure" else None,
            client_id=r["client_id"],
            event_id=r["event_id"],
            type=r["type"],
            occurred_at=datetime.fromisoformat(r["occurred_at"]),
            recorded_at=datetime.fromisoformat(r["recorded_at"]),
            data=data_from_text(r["type"], r["data"]),
            actor_role=r["actor_role"],
            actor_id=r["actor_id"],
            source=r["source"],
            position=r["position"],
        )
        for r in rows
    ]


def _insert_alert() -> str:
    marks = ", ".join("?" * len(ALERT_COLUMNS))
    return f"INSERT INTO view_alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({marks})"


def _alert_row(alert: Alert, client_id: str) -> tuple[Any, ...]:
    return (
        alert.alert_id,
        alert.provider_id,
        alert.measure_id,
        client_id,
        alert.rule,
        alert.severity,
        alert.framework,
        alert.category,
        alert.since.isoformat(),
        utc_key(alert.since),
        alert.resolved_at.isoformat() if alert.resolved_at else None,
        utc_key(alert.resolved_at) if alert.resolved_at else None,
        alert.rulebook_version,
        alert.message,
        json.dumps(list(alert.evidence)),
    )
