"""The alert index's change log: which alert rows changed, in commit order.

The feed must do work proportional to what changed since its last pass, not to the number of
alerts stored. So every write of `view_alerts` — insert, update, delete, by whatever code
path (a refresh re-judging a measure, a rebuild emptying the table, a rule that later updates
a row in place) — bumps that alert id's entry in `view_alert_changes` to a new, higher
sequence number, in the same transaction. It is done by triggers on the table, so no writer
can forget it; a reader takes the entries after its cursor.

One row per alert id (the latest change wins), so the log never grows beyond the ids ever
indexed, and a deleted alert keeps its entry (the feed must see that it vanished).

Sequence numbers follow commit order because every writer of `view_alerts` holds the
index's lock while it writes (SQLite: its one write lock; PostgreSQL: the advisory lock
`ALERT_INDEX_LOCK`, which the trigger takes too, so no writer can run unserialised): a
reader that sees sequence n has seen every change numbered below it.

The time half of "what changed" needs no log: an alert whose `since` or `resolved_at` lies
in the future comes due when the clock passes it, and the indexes on `since_utc` and
`resolved_utc` are the due-time queue a reader ranges over (`DUE_OPENINGS`, `DUE_RESOLUTIONS`).
"""

from __future__ import annotations

from store.sql import Dialect

#: Advisory lock key of the alert index on PostgreSQL ("alertidx" in ASCII).
ALERT_INDEX_LOCK = 0x616C657274696478

# Every alert write also writes here, so it is kept to two b-trees: keyed by alert id (on
# SQLite WITHOUT ROWID, the table is that key) and the sequence index readers range over.
TABLE = (
    "CREATE TABLE IF NOT EXISTS view_alert_changes ("
    "alert_id TEXT PRIMARY KEY, seq BIGINT NOT NULL){options}"
)
INDEXES = (
    "CREATE INDEX IF NOT EXISTS view_alert_changes_seq_order ON view_alert_changes (seq)",
    # The due-time queue of resolutions (openings range over `view_alerts_since`); partial,
    # so an alert that never resolves costs its writer nothing here.
    "CREATE INDEX IF NOT EXISTS view_alerts_resolved ON view_alerts (resolved_utc) "
    "WHERE resolved_utc IS NOT NULL",
)

_SQLITE_NEXT = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM view_alert_changes)"
_SQLITE_LOG = (
    "INSERT INTO view_alert_changes (alert_id, seq) VALUES ({row}.alert_id, "
    f"{_SQLITE_NEXT}) ON CONFLICT (alert_id) DO UPDATE SET seq = excluded.seq"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS view_alerts_logged_insert AFTER INSERT ON view_alerts "
    f"BEGIN {_SQLITE_LOG.format(row='NEW')}; END",
    "CREATE TRIGGER IF NOT EXISTS view_alerts_logged_delete AFTER DELETE ON view_alerts "
    f"BEGIN {_SQLITE_LOG.format(row='OLD')}; END",
    # An update logs its new id, and its old one as well if the id itself changed.
    "CREATE TRIGGER IF NOT EXISTS view_alerts_logged_update AFTER UPDATE ON view_alerts "
    f"BEGIN {_SQLITE_LOG.format(row='NEW')}; "
    "INSERT INTO view_alert_changes (alert_id, seq) SELECT OLD.alert_id, "
    f"{_SQLITE_NEXT} WHERE OLD.alert_id <> NEW.alert_id "
    "ON CONFLICT (alert_id) DO UPDATE SET seq = excluded.seq; END",
)

_PG_LOG = (
    "INSERT INTO view_alert_changes (alert_id, seq) "
    "VALUES ({row}.alert_id, nextval('view_alert_changes_seq')) "
    "ON CONFLICT (alert_id) DO UPDATE SET seq = excluded.seq;"
)
POSTGRES_TRIGGERS = (
    "CREATE SEQUENCE IF NOT EXISTS view_alert_changes_seq OWNED BY view_alert_changes.seq",
    "CREATE OR REPLACE FUNCTION view_alerts_log_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"PERFORM pg_advisory_xact_lock({ALERT_INDEX_LOCK}); "
    f"IF TG_OP <> 'INSERT' THEN {_PG_LOG.format(row='OLD')} END IF; "
    "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.alert_id <> OLD.alert_id) THEN "
    f"{_PG_LOG.format(row='NEW')} END IF; "
    "RETURN NULL; END $$",
    # Created only when absent: CREATE OR REPLACE TRIGGER would lock out the table's writers
    # each time a process opens the store.
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'view_alerts_logged' "
    "AND tgrelid = 'view_alerts'::regclass) THEN CREATE TRIGGER view_alerts_logged "
    "AFTER INSERT OR UPDATE OR DELETE ON view_alerts FOR EACH ROW "
    "EXECUTE FUNCTION view_alerts_log_change(); END IF; END $$",
)

#: The newest sequence number (0: nothing logged yet). An index's last entry.
HEAD = "SELECT MAX(seq) AS head FROM view_alert_changes"
#: The ids changed in `(after, upto]`, a range of the sequence index.
CHANGED = "SELECT alert_id FROM view_alert_changes WHERE seq > ? AND seq <= ?"
#: Alerts whose opening or resolution came due in `(after, upto]`: ranges of the due queue.
DUE_OPENINGS = "SELECT alert_id FROM view_alerts WHERE since_utc > ? AND since_utc <= ?"
DUE_RESOLUTIONS = "SELECT alert_id FROM view_alerts WHERE resolved_utc > ? AND resolved_utc <= ?"


def ddl(dialect: Dialect) -> list[str]:
    """After `view_alerts` exists: the log, its indexes and the triggers that write it."""
    sqlite = dialect.name == "sqlite"
    table = TABLE.format(options=" WITHOUT ROWID" if sqlite else "")
    return [table, *INDEXES, *(SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS)]
