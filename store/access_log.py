"""The access log (NEN 7513): every access to client data, who made it, what it read, and how
it ended, so that a client and a provider's privacy officer can see who looked at what.

An entry is appended before the answer goes out, denied and failed attempts included. Each
entry keeps the token's id, label, role and scope as they were at that moment (a token
revoked or relabelled later does not rewrite history), and the objects read as subjects:
provider, client pseudonym, measure. The client's pseudonym is stored so the log can be read
per client; it is provider-scoped, so a client is always a provider and a pseudonym.

What it never holds: a token, a cookie, event content. `detail` is for the request path and
the like; a token string in it is cut to its public id, and a BSN-like number is masked.

The log is append-only in the database itself: triggers on both stores refuse UPDATE and
DELETE on its tables (and TRUNCATE on PostgreSQL), so not even the ledger's own code can
edit or thin it; only dropping the tables (a schema change, visible as such) removes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.identifiers import mask_bsn_text
from store.access_log_schema import ddl
from store.sql import SqlRunner, utc_key

OUTCOMES = ("allowed", "denied", "not_found", "failed")
MAX_DETAIL = 1000
#: Bound on the IN (...) list when subjects are read back for a page of entries.
LOOKUP_CHUNK = 500
_TOKEN_TEXT = re.compile(r"mlt_([0-9a-f]{12})_[A-Za-z0-9_-]*")


class AccessLogError(ValueError):
    """An entry that cannot be logged as given, or a read that cannot mean anything."""


@dataclass(frozen=True)
class Subject:
    """An object read: a provider's data, narrowed to a client and/or a measure when known."""

    provider_id: str
    client_id: str | None = None
    measure_id: str | None = None


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    token_id: str | None  # None: no token, or one that is unknown or malformed
    label: str | None
    role: str | None
    scope: tuple[str, ...]  # the token's providers; () for the inspectorate or no token
    action: str  # "view timeline", "list alerts", "export report", ...
    outcome: str  # one of OUTCOMES
    remote: str | None
    subjects: tuple[Subject, ...] = ()
    detail: str | None = None  # e.g. the path; never a token, cookie or event content
    seq: int | None = None  # set when read back


def scrub(text: str | None, limit: int = MAX_DETAIL) -> str | None:
    """Text as the log may keep it: a token cut to its id, BSN-like digits masked, bounded."""
    if text is None:
        return None
    text = _TOKEN_TEXT.sub(lambda m: f"mlt_{m.group(1)}_[secret removed]", text)
    text = mask_bsn_text(text).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checked(entry: AccessEntry) -> AccessEntry:
    if entry.at.tzinfo is None:
        raise AccessLogError("an access entry's time must carry an offset")
    if entry.outcome not in OUTCOMES:
        raise AccessLogError(f"outcome {entry.outcome!r} is not one of {', '.join(OUTCOMES)}")
    if not entry.action.strip():
        raise AccessLogError("an access entry names its action")
    if any(not s.provider_id for s in entry.subjects):
        raise AccessLogError("a subject names its provider")
    subjects = tuple(
        Subject(
            scrub(s.provider_id, 128) or "",  # not empty: checked above
            scrub(s.client_id, 128),
            scrub(s.measure_id, 128),
        )
        for s in entry.subjects
    )
    return replace(
        entry,
        label=scrub(entry.label, 200),
        action=scrub(entry.action, 200) or "",
        remote=scrub(entry.remote, 200),
        detail=scrub(entry.detail),
        scope=tuple(dict.fromkeys(entry.scope)),
        subjects=tuple(dict.fromkeys(subjects)),
    )


class AccessLog:
    def __init__(self, sql: SqlRunner) -> None:
        self.sql = sql

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in ddl(self.sql.dialect):
                c.execute(statement)

    def append(self, entry: AccessEntry) -> int:
        """Log one access with its subjects and scope, in one transaction; its seq."""
        e = _checked(entry)
        with self.sql.transaction(commit=True) as c:
            row = c.execute(
                "INSERT INTO ledger_access_log (at, at_utc, token_id, label, role, scope, "
                "action, outcome, remote, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING seq",
                [
                    e.at.isoformat(),
                    utc_key(e.at),
                    e.token_id,
                    e.label,
                    e.role,
                    json.dumps(e.scope),
                    e.action,
                    e.outcome,
                    e.remote,
                    e.detail,
                ],
            ).fetchone()
            seq = int(row["seq"])
            c.executemany(
                "INSERT INTO ledger_access_subjects (seq, n, provider_id, client_id, measure_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (seq, n, s.provider_id, s.client_id, s.measure_id)
                    for n, s in enumerate(e.subjects)
                ],
            )
            c.executemany(
                "INSERT INTO ledger_access_scope (provider_id, seq) VALUES (?, ?)",
                [(provider, seq) for provider in e.scope],
            )
        return seq

    def read(
        self,
        *,
        provider_id: str | None = None,
        client_id: str | None = None,
        token_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[AccessEntry]:
        """Entries in the order they were logged, filtered; every filter narrows.

        - `provider_id` with `client_id`: the accesses that read that client's data.
        - `provider_id` alone: every access that touched the provider, by a subject or by the
          token's scope: a privacy officer sees the inspectorate's reads of its data, and
          every attempt by its own tokens, also those that read nothing.
        - `since` (inclusive) and `until` (exclusive): the period, compared as instants.
        - `after_seq` and `limit`: a page, for a cursor.
        """
        if client_id is not None and provider_id is None:
            raise AccessLogError("a client pseudonym is provider-scoped: give the provider too")
        if limit is not None and limit < 0:
            raise AccessLogError(f"limit must be 0 or more, got {limit}")
        for moment in (since, until):
            if moment is not None and moment.tzinfo is None:
                raise AccessLogError("since and until must carry an offset")
        where, params = _filters(provider_id, client_id, token_id, since, until, after_seq)
        sql = f"SELECT {_COLUMNS} FROM ledger_access_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self.sql.transaction(commit=False) as c:
            rows = c.execute(sql, params).fetchall()
            subjects = _subjects(c, [int(r["seq"]) for r in rows])
        return [_entry(r, subjects.get(int(r["seq"]), ())) for r in rows]


_COLUMNS = "seq, at, token_id, label, role, scope, action, outcome, remote, detail"


def _filters(
    provider_id: str | None,
    client_id: str | None,
    token_id: str | None,
    since: datetime | None,
    until: datetime | None,
    after_seq: int | None,
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if client_id is not None:
        where.append(
            "seq IN (SELECT seq FROM ledger_access_subjects "
            "WHERE provider_id = ? AND client_id = ?)"
        )
        params += [provider_id, client_id]
    elif provider_id is not None:
        where.append(
            "seq IN (SELECT seq FROM ledger_access_subjects WHERE provider_id = ? "
            "UNION SELECT seq FROM ledger_access_scope WHERE provider_id = ?)"
        )
        params += [provider_id, provider_id]
    if token_id is not None:
        where.append("token_id = ?")
        params.append(token_id)
    if since is not None:
        where.append("at_utc >= ?")
        params.append(utc_key(since))
    if until is not None:
        where.append("at_utc < ?")
        params.append(utc_key(until))
    if after_seq is not None:
        where.append("seq > ?")
        params.append(after_seq)
    return where, params


def _subjects(c: Any, seqs: Sequence[int]) -> dict[int, tuple[Subject, ...]]:
    found: dict[int, list[Subject]] = {}
    for start in range(0, len(seqs), LOOKUP_CHUNK):
        chunk = seqs[start : start + LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = c.execute(
            "SELECT seq, provider_id, client_id, measure_id FROM ledger_access_subjects "
            f"WHERE seq IN ({marks}) ORDER BY seq, n",
            chunk,
        ).fetchall()
        for r in rows:
            found.setdefault(int(r["seq"]), []).append(
                Subject(r["provider_id"], r["client_id"], r["measure_id"])
            )
    return {seq: tuple(subjects) for seq, subjects in found.items()}


def _entry(r: Any, subjects: tuple[Subject, ...]) -> AccessEntry:
    return AccessEntry(
        at=datetime.fromisoformat(r["at"]),
        token_id=r["token_id"],
        label=r["label"],
        role=r["role"],
        scope=tuple(json.loads(r["scope"])),
        action=r["action"],
        outcome=r["outcome"],
        remote=r["remote"],
        subjects=subjects,
        detail=r["detail"],
        seq=int(r["seq"]),
    )
