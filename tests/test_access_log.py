"""The access log (NEN 7513): appended, read per client, token, provider and period, and
append-only in the database itself, on real SQLite and PostgreSQL stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.service import Ledger
from store.access_log import AccessEntry, AccessLogError, Subject
from store.access_log_schema import TABLES

CET = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CET)
A, B = "AGB:1", "AGB:2"


def entry(minutes: int, **fields: object) -> AccessEntry:
    base = AccessEntry(
        at=T0 + timedelta(minutes=minutes),
        token_id="aaaaaaaaaaaa",
        label="Jan (A)",
        role="provider",
        scope=(A,),
        action="view timeline",
        outcome="allowed",
        remote="127.0.0.1",
    )
    return replace(base, **fields)  # type: ignore[arg-type]


#: A morning of reads: A's officer, the inspectorate, B's officer, an unknown token.
MORNING = [
    entry(0, subjects=(Subject(A, "cl-1", "m1"),), detail="/api/v1/measures/m1"),
    entry(1, action="list alerts", subjects=(Subject(A, "cl-1", "m1"), Subject(A, "cl-2", "m2"))),
    entry(
        2,
        token_id="bbbbbbbbbbbb",
        label="IGJ",
        role="inspectorate",
        scope=(),
        subjects=(Subject(A, None, "m2"), Subject(B, None, "m9")),
    ),
    entry(
        3,
        token_id="cccccccccccc",
        label="Piet (B)",
        scope=(B,),
        subjects=(Subject(B, "cl-1", "m9"),),  # B's cl-1 is another person than A's
    ),
    entry(4, outcome="not_found", detail="/api/v1/measures/m9"),  # A's token, B's id
    entry(5, token_id=None, label=None, role=None, scope=(), outcome="denied"),
]


@pytest.fixture
def morning(ledger: Ledger) -> list[AccessEntry]:
    return [replace(e, seq=ledger.access_log.append(e)) for e in MORNING]


def seqs(entries: list[AccessEntry]) -> list[int | None]:
    return [e.seq for e in entries]


def test_entries_read_back_as_written_in_order(ledger: Ledger, morning: list[AccessEntry]) -> None:
    assert ledger.access_log.read() == morning
    numbers = [e.seq for e in morning if e.seq is not None]
    assert numbers == sorted(set(numbers)) and len(numbers) == 6
    assert morning[0].at.utcoffset() == timedelta(hours=1)  # the offset as given


def test_a_client_is_read_per_provider(ledger: Ledger, morning: list[AccessEntry]) -> None:
    """A pseudonym is the provider's: A's cl-1 and B's cl-1 are two clients."""
    log = ledger.access_log
    assert seqs(log.read(provider_id=A, client_id="cl-1")) == seqs(morning[:2])
    assert seqs(log.read(provider_id=B, client_id="cl-1")) == seqs(morning[3:4])
    assert seqs(log.read(provider_id=A, client_id="cl-2")) == seqs(morning[1:2])
    assert log.read(provider_id=A, client_id="cl-9") == []
    with pytest.raises(AccessLogError, match="provider-scoped"):
        log.read(client_id="cl-1")


def test_a_provider_sees_every_access_to_its_data_and_by_its_tokens(
    ledger: Ledger, morning: list[AccessEntry]
) -> None:
    """A's privacy officer: its own officer's reads, the inspectorate's read of m2, and A's
    token trying B's id; not B's officer, not the anonymous attempt."""
    assert seqs(ledger.access_log.read(provider_id=A)) == seqs(morning[:3] + morning[4:5])
    assert seqs(ledger.access_log.read(provider_id=B)) == seqs(morning[2:4])
    assert ledger.access_log.read(provider_id="AGB:3") == []


def test_a_token_is_read_over_a_period(ledger: Ledger, morning: list[AccessEntry]) -> None:
    log = ledger.access_log
    assert seqs(log.read(token_id="aaaaaaaaaaaa")) == seqs(morning[:2] + morning[4:5])
    # 08:01Z to 08:04Z written in two other offsets: instants, not texts, are compared.
    since = datetime(2026, 3, 2, 8, 1, tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
    until = datetime(2026, 3, 2, 8, 4, tzinfo=UTC).astimezone(timezone(timedelta(hours=9)))
    assert seqs(log.read(since=since, until=until)) == seqs(morning[1:4])
    assert seqs(log.read(token_id="aaaaaaaaaaaa", since=since, until=until)) == seqs(morning[1:2])
    assert seqs(log.read(since=T0 + timedelta(minutes=5))) == seqs(morning[5:])
    assert log.read(until=T0) == []


def test_pages_by_seq(ledger: Ledger, morning: list[AccessEntry]) -> None:
    log = ledger.access_log
    first = log.read(limit=4)
    assert first == morning[:4]
    assert log.read(after_seq=first[-1].seq, limit=4) == morning[4:]
    assert log.read(provider_id=A, after_seq=morning[1].seq, limit=1) == morning[2:3]
    assert log.read(limit=0) == []
    with pytest.raises(AccessLogError, match="0 or more"):
        log.read(limit=-1)


def test_the_log_is_append_only_in_the_database(ledger: Ledger, morning: list[AccessEntry]) -> None:
    """Not even a raw statement through the ledger's own SQL runner changes a row."""
    attempts = [
        "UPDATE ledger_access_log SET outcome = 'allowed' WHERE outcome = 'denied'",
        "UPDATE ledger_access_subjects SET client_id = 'someone-else'",
        "UPDATE ledger_access_scope SET provider_id = 'AGB:9'",
        *(f"DELETE FROM {table}" for table in TABLES),
        "DELETE FROM ledger_access_log WHERE seq = (SELECT MAX(seq) FROM ledger_access_log)",
    ]
    if ledger.store.dialect.name == "postgresql":
        attempts += [f"TRUNCATE {table}" for table in TABLES]
    for statement in attempts:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            ledger.sql.transaction(commit=True) as c,
        ):
            c.execute(statement)
    assert ledger.access_log.read() == morning
    appended = ledger.access_log.append(entry(9))  # appending still works
    assert appended > max(s for s in seqs(morning) if s is not None)


def test_the_triggers_survive_reopening(store_url: str) -> None:
    for _ in range(2):
        opened = Ledger(store_url)
        try:
            opened.access_log.append(entry(0, subjects=(Subject(A, "cl-1"),)))
            with (
                pytest.raises(IntegrityError, match="append-only"),
                opened.sql.transaction(commit=True) as c,
            ):
                c.execute("DELETE FROM ledger_access_subjects")
        finally:
            opened.close()


def test_no_token_and_no_bsn_is_kept(ledger: Ledger) -> None:
    token = "mlt_0123456789ab_" + "S" * 43
    seq = ledger.access_log.append(
        entry(
            0,
            detail=f"/api/v1/clients/123456782?access_token={token}\nforged line",
            subjects=(Subject(A, "123-45-6782", "m1"),),
            remote="10.0.0.1",
        )
    )
    (stored,) = ledger.access_log.read()
    assert stored.seq == seq
    assert (
        stored.detail
        == "/api/v1/clients/#########?access_token=mlt_0123456789ab_[secret removed] forged line"
    )
    assert stored.subjects == (Subject(A, "###-##-####", "m1"),)
    with ledger.sql.transaction(commit=False) as c:
        rows = c.execute("SELECT * FROM ledger_access_log").fetchall()
    assert "S" * 43 not in repr([dict(r) for r in rows])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"at": datetime(2026, 3, 2, 9, 0)}, "offset"),
        ({"outcome": "ok"}, "outcome 'ok'"),
        ({"action": " "}, "action"),
        ({"subjects": (Subject(""),)}, "provider"),
    ],
)
def test_an_entry_that_cannot_mean_anything_is_refused(
    sqlite_url: str, change: dict[str, object], problem: str
) -> None:
    opened = Ledger(sqlite_url)
    try:
        with pytest.raises(AccessLogError, match=problem):
            opened.access_log.append(replace(entry(0), **change))  # type: ignore[arg-type]
        assert opened.access_log.read() == []
    finally:
        opened.close()


def test_a_naive_period_is_refused(sqlite_url: str) -> None:
    opened = Ledger(sqlite_url)
    try:
        with pytest.raises(AccessLogError, match="offset"):
            opened.access_log.read(since=datetime(2026, 3, 2))
    finally:
        opened.close()
