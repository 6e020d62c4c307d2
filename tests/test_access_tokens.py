"""Access tokens: made once, shown once, stored as a hash; checked, listed and revoked.

Behaviour runs on real SQLite and PostgreSQL stores (the `ledger` fixture); the rules for
roles, providers and labels are pure and checked without a store.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ledger.service import Ledger
from store.access_tokens import ROLES, TokenError, check_grant, check_label

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))
TOKEN = re.compile(r"mlt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def test_a_token_authenticates_as_the_record_it_was_made_with(ledger: Ledger) -> None:
    record, token = ledger.tokens.create("provider", ["AGB:1", "AGB:2"], "Jan de Vries", NOW)
    match = TOKEN.fullmatch(token)
    assert match is not None and match.group(1) == record.token_id
    assert record.providers == ("AGB:1", "AGB:2") and record.revoked_at is None
    assert ledger.tokens.authenticate(token) == record
    assert record.created_at == NOW and record.created_at.utcoffset() == timedelta(hours=1)


def test_each_token_is_new(ledger: Ledger) -> None:
    made = [ledger.tokens.create("inspectorate", [], f"IGJ {n}", NOW) for n in range(3)]
    assert len({r.token_id for r, _ in made}) == 3 and len({t for _, t in made}) == 3
    for record, token in made:
        assert ledger.tokens.authenticate(token) == record


def test_the_secret_is_never_stored_only_its_sha256(ledger: Ledger, tmp_path: Path) -> None:
    record, token = ledger.tokens.create("ingest", ["AGB:1"], "EPD koppeling", NOW)
    secret = token.split("_", 2)[2]
    with ledger.sql.transaction(commit=False) as c:
        rows = [dict(r) for r in c.execute("SELECT * FROM ledger_access_tokens").fetchall()]
    assert [r["token_id"] for r in rows] == [record.token_id]
    assert rows[0]["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for r in rows for v in r.values())
    assert secret not in stored and token not in stored
    if ledger.store.dialect.name == "sqlite":  # the whole file and its WAL, not one table
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*"))
        assert raw and secret.encode() not in raw


MANGLED: list[Callable[[str], str]] = [
    lambda t: "",
    lambda t: "mlt_",
    lambda t: t.replace("mlt_", "mlx_", 1),  # another prefix
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the secret changed
    lambda t: t[:-1],  # the secret one character short
    lambda t: t + "A",  # one character long
    lambda t: t.upper(),  # the prefix (and id) in capitals
    lambda t: t.replace("_", "-", 1),
    lambda t: f" {t}",
    lambda t: f"{t}\n",
    lambda t: "Bearer " + t,
    lambda t: t[:-1] + "é",
    lambda t: t + "A" * 10_000,
    lambda t: "mlt_" + "0" * 12 + "_" + t.split("_", 2)[2],  # right secret, other id
]


def test_a_malformed_or_wrong_token_authenticates_as_nobody(ledger: Ledger) -> None:
    _, token = ledger.tokens.create("provider", ["AGB:1"], "Jan", NOW)
    assert ledger.tokens.authenticate(token) is not None
    for n, mangle in enumerate(MANGLED):
        assert ledger.tokens.authenticate(mangle(token)) is None, f"MANGLED[{n}]"


def test_a_revoked_token_stops_working_and_keeps_its_first_revocation(ledger: Ledger) -> None:
    record, token = ledger.tokens.create("privacy", ["AGB:1"], "FG", NOW)
    _, other = ledger.tokens.create("privacy", ["AGB:1"], "FG 2", NOW)
    assert ledger.tokens.revoke(record.token_id, NOW + timedelta(hours=1)) is True
    assert ledger.tokens.authenticate(token) is None
    assert ledger.tokens.authenticate(other) is not None  # only that one
    assert ledger.tokens.revoke(record.token_id, NOW + timedelta(days=3)) is True
    (listed,) = [r for r in ledger.tokens.list() if r.token_id == record.token_id]
    assert listed.revoked_at == NOW + timedelta(hours=1)


def test_revoking_an_unknown_token_says_so(ledger: Ledger) -> None:
    ledger.tokens.create("provider", ["AGB:1"], "Jan", NOW)
    assert ledger.tokens.revoke("0123456789ab", NOW) is False
    assert ledger.tokens.revoke("", NOW) is False
    assert all(r.revoked_at is None for r in ledger.tokens.list())


def test_list_shows_every_token_oldest_first_and_no_secret(ledger: Ledger) -> None:
    later, _ = ledger.tokens.create("inspectorate", [], "IGJ", NOW + timedelta(minutes=5))
    # Earlier as an instant, though its local text sorts after the other one.
    first, token = ledger.tokens.create(
        "provider",
        ["AGB:1"],
        "Jan",
        datetime(2026, 3, 2, 8, 3, tzinfo=UTC).astimezone(timezone(timedelta(hours=5))),
    )
    assert ledger.tokens.list() == [first, later]
    assert [f.name for f in fields(first)] == [
        "token_id", "role", "providers", "label", "created_at", "revoked_at"
    ]  # fmt: skip
    assert token.split("_", 2)[2] not in repr(ledger.tokens.list())


def test_a_naive_time_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="offset"):
        ledger.tokens.create("inspectorate", [], "IGJ", datetime(2026, 3, 2, 9, 0))
    assert ledger.tokens.list() == []


def test_a_refused_token_is_not_stored(ledger: Ledger) -> None:
    with pytest.raises(TokenError):
        ledger.tokens.create("inspectorate", ["AGB:1"], "IGJ", NOW)
    assert ledger.tokens.list() == []


@pytest.mark.parametrize("role", ["provider", "ingest", "privacy"])
def test_provider_scoped_roles_need_a_provider(role: str) -> None:
    with pytest.raises(TokenError, match="at least one --provider"):
        check_grant(role, [])
    assert check_grant(role, ["AGB:1", "AGB:2", "AGB:1"]) == ("AGB:1", "AGB:2")


def test_the_inspectorate_takes_no_provider() -> None:
    assert check_grant("inspectorate", []) == ()
    with pytest.raises(TokenError, match="reads every provider"):
        check_grant("inspectorate", ["AGB:1"])


def test_roles_are_the_four_of_the_contract() -> None:
    assert ROLES == ("provider", "inspectorate", "ingest", "privacy")
    with pytest.raises(TokenError, match="unknown role 'admin'"):
        check_grant("admin", ["AGB:1"])


@pytest.mark.parametrize(
    "provider", ["", "AGB 1", "AGB/1", "a" * 129, "AGB:1\n", "AGB:é", "AGB:123456782"]
)
def test_a_provider_id_outside_the_contract_is_refused(provider: str) -> None:
    with pytest.raises(TokenError, match="provider id"):
        check_grant("provider", [provider])


def test_a_provider_id_of_the_contract_is_taken() -> None:
    assert check_grant("provider", ["a" * 128, "AGB:1.x_y-z"]) == ("a" * 128, "AGB:1.x_y-z")


@pytest.mark.parametrize(
    "label",
    ["", "   ", "a" * 101, "Jan\nroot", "Jan\r", "Jan\tx", "Jan\x00", "BSN 123456782"],
)
def test_a_bad_label_is_refused(label: str) -> None:
    with pytest.raises(TokenError, match="label"):
        check_label(label)


def test_a_label_of_100_printable_characters_is_taken() -> None:
    assert check_label("é" * 100) == "é" * 100
    assert check_label("Mw. J. de Vries (Wzd-functionaris)") == "Mw. J. de Vries (Wzd-functionaris)"
