"""The access log's tables, indexes and the triggers that keep them append-only.

Three tables: one row per access (`ledger_access_log`), its subjects (what it read), and its
scope (the providers of the token that made it), the last two keyed so that "every access to
provider P's data" and "every access to client C of P" are index reads. Times are kept as
given (with their offset) beside a UTC key that sorts like the instants (`utc_key`).

The triggers refuse UPDATE and DELETE on every row of the three tables (and TRUNCATE on
PostgreSQL, which skips row triggers), on both stores. They are created once and kept:
`IF NOT EXISTS` on SQLite, a catalogue check on PostgreSQL (which has no `CREATE TRIGGER IF
NOT EXISTS`), so opening a store changes nothing that is already there.
"""

from __future__ import annotations

from store.sql import SQLITE, Dialect

TABLES = ("ledger_access_log", "ledger_access_subjects", "ledger_access_scope")
REFUSAL = "the access log is append-only"
_PG_FUNCTION = "ledger_access_log_refuse"


def ddl(dialect: Dialect) -> list[str]:
    statements = [
        "CREATE TABLE IF NOT EXISTS ledger_access_log ("
        f"seq {dialect.serial_pk}, at TEXT NOT NULL, at_utc TEXT NOT NULL, token_id TEXT, "
        "label TEXT, role TEXT, scope TEXT NOT NULL, action TEXT NOT NULL, "
        "outcome TEXT NOT NULL, remote TEXT, detail TEXT)",
        "CREATE INDEX IF NOT EXISTS ledger_access_log_token ON ledger_access_log (token_id, seq)",
        "CREATE INDEX IF NOT EXISTS ledger_access_log_time ON ledger_access_log (at_utc)",
        "CREATE TABLE IF NOT EXISTS ledger_access_subjects ("
        "seq BIGINT NOT NULL, n INTEGER NOT NULL, provider_id TEXT NOT NULL, client_id TEXT, "
        "measure_id TEXT, PRIMARY KEY (seq, n))",
        "CREATE INDEX IF NOT EXISTS ledger_access_subjects_client ON ledger_access_subjects "
        "(provider_id, client_id, seq)",
        "CREATE TABLE IF NOT EXISTS ledger_access_scope ("
        "provider_id TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (provider_id, seq))",
    ]
    if dialect is SQLITE:
        return statements + [_sqlite_trigger(t, op) for t in TABLES for op in ("UPDATE", "DELETE")]
    return statements + [_PG_REFUSE] + [_pg_triggers(t) for t in TABLES]


def _sqlite_trigger(table: str, operation: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} BEFORE {operation} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {operation} refused on {table}'); END"
    )


# No `%` in these texts: psycopg would read it as a placeholder.
_PG_REFUSE = (
    f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{REFUSAL}: ' || TG_OP || ' refused on ' || "
    "TG_TABLE_NAME, ERRCODE = 'restrict_violation'; END $$"
)


def _pg_triggers(table: str) -> str:
    def create(name: str, timing: str, each: str) -> str:
        return (
            "IF NOT EXISTS (SELECT 1 FROM pg_trigger "
            f"WHERE tgname = '{name}' AND tgrelid = '{table}'::regclass) THEN "
            f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH {each} "
            f"EXECUTE FUNCTION {_PG_FUNCTION}(); END IF;"
        )

    rows = create(f"{table}_append_only", "BEFORE UPDATE OR DELETE", "ROW")
    truncate = create(f"{table}_no_truncate", "BEFORE TRUNCATE", "STATEMENT")
    return f"DO $$ BEGIN {rows} {truncate} END $$"
