"""`token create|list|revoke` and `access-log` on the command line: output, formats, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.service import Ledger
from store.access_log import AccessEntry, Subject
from store.access_tokens import digest

CET = timezone(timedelta(hours=1))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def said(err: str) -> list[str]:
    """What stderr says to a person: without the JSON log lines (logs are JSON off a tty)."""
    return [ln for ln in err.splitlines() if not ln.startswith("{")]


def create(capsys: pytest.CaptureFixture[str], store: str, *argv: str) -> dict[str, Any]:
    code, out, _ = run(capsys, "--store", store, "token", "create", *argv, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_create_prints_the_token_once_and_it_authenticates(
    capsys: pytest.CaptureFixture[str], store_url: str
) -> None:
    """On a store that does not exist yet: a fresh deployment makes tokens before any event."""
    code, out, err = run(
        capsys,
        "--store",
        store_url,
        "token",
        "create",
        "--role",
        "provider",
        "--provider",
        "AGB:1",
        "--provider",
        "AGB:2",
        "--label",
        "Jan de Vries",
    )
    assert code == 0
    token = out.strip()
    assert out == token + "\n" and token.startswith("mlt_")  # stdout: the token, nothing else
    assert "shown only now" in err and "AGB:1, AGB:2" in err and token not in err
    made = create(capsys, store_url, "--role", "inspectorate", "--label", "IGJ")
    assert set(made) == {"token_id", "token", "role", "providers", "label", "created_at"}
    assert made["providers"] == [] and made["role"] == "inspectorate"
    opened = Ledger(store_url, create=False)
    try:
        record = opened.tokens.authenticate(token)
        assert record is not None and record.providers == ("AGB:1", "AGB:2")
        assert opened.tokens.authenticate(str(made["token"])) is not None
    finally:
        opened.close()
    _, listed, _ = run(capsys, "--store", store_url, "token", "list")
    assert token not in listed and str(made["token"]) not in listed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "provider", "--label", "x"], "a provider token needs at least one"),
        (["--role", "privacy", "--label", "x"], "a privacy token needs at least one"),
        (["--role", "inspectorate", "--provider", "AGB:1", "--label", "x"], "reads every"),
        (["--role", "ingest", "--provider", "AGB 1", "--label", "x"], "provider id 'AGB 1'"),
        (["--role", "ingest", "--provider", "AGB:1", "--label", ""], "label must not be empty"),
        (["--role", "ingest", "--provider", "AGB:1", "--label", "a\nb"], "printable"),
        (["--role", "ingest", "--provider", "AGB:1", "--label", "x" * 101], "at most 100"),
    ],
)
def test_a_token_that_cannot_be_made_is_a_usage_error_and_creates_no_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    store = tmp_path / "fresh.db"
    code, out, err = run(capsys, "--store", f"sqlite:///{store}", "token", "create", *argv)
    assert code == 2 and out == ""
    (line,) = said(err)
    assert line.startswith("measure-ledger token create: ") and message in line
    assert not store.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "admin", "--label", "x"], "invalid choice: 'admin'"),
        (["--role", "inspectorate"], "the following arguments are required: --label"),
    ],
)
def test_an_unknown_role_or_a_missing_label_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--store", sqlite_url, "token", "create", *argv])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_list_and_revoke(capsys: pytest.CaptureFixture[str], store_url: str) -> None:
    jan = create(capsys, store_url, "--role", "privacy", "--provider", "AGB:1", "--label", "FG")
    igj = create(capsys, store_url, "--role", "inspectorate", "--label", "IGJ")
    code, out, _ = run(capsys, "--store", store_url, "token", "revoke", str(jan["token_id"]))
    assert code == 0 and out.startswith(f"revoked {jan['token_id']} ('FG') at ")
    code, out, _ = run(capsys, "--store", store_url, "token", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [t["token_id"] for t in listed] == [jan["token_id"], igj["token_id"]]
    assert set(listed[0]) == {
        "token_id", "role", "providers", "label", "created_at", "revoked_at"
    }  # fmt: skip
    assert listed[0]["revoked_at"] is not None and listed[1]["revoked_at"] is None
    secret = str(jan["token"]).split("_", 2)[2]
    assert str(jan["token"]) not in out and digest(secret) not in out  # no token, no hash
    assert all("token" not in t and "secret_sha256" not in t for t in listed)
    code, out, _ = run(capsys, "--store", store_url, "token", "list")
    assert code == 0
    header, first, second = out.splitlines()
    assert header.split() == ["token_id", "role", "providers", "created", "revoked", "label"]
    assert first.startswith(str(jan["token_id"])) and "AGB:1" in first
    assert first.count(" CET") + first.count(" CEST") == 2  # created and revoked, local time
    assert second.split()[2] == "-"  # the inspectorate names no provider


def test_revoking_twice_keeps_the_first_time_and_an_unknown_id_is_exit_2(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    made = create(capsys, sqlite_url, "--role", "ingest", "--provider", "AGB:1", "--label", "EPD")
    argv = ["--store", sqlite_url, "token", "revoke", str(made["token_id"]), "--format", "json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == first
    code, out, err = run(capsys, "--store", sqlite_url, "token", "revoke", "0123456789ab")
    assert code == 2 and out == ""
    assert said(err) == ["measure-ledger token revoke: no token 0123456789ab"]


def test_revoke_refuses_a_missing_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """(`token list` and `access-log` are in test_store_presence.py's reading commands.)"""
    typo = tmp_path / "typo.db"
    code, _, err = run(capsys, "--store", f"sqlite:///{typo}", "token", "revoke", "x")
    assert code == 2 and "no ledger store at" in err
    assert list(tmp_path.iterdir()) == []


#: Three reads: A's officer at 09:00 CET (winter), the inspectorate in summer, B's officer.
#: (at, token_id, label, role, scope, action, outcome, remote, subjects, detail)
LOGGED = [
    (datetime(2026, 3, 2, 9, 0, tzinfo=CET), "aaaaaaaaaaaa", "Jan", "provider", ("AGB:1",),
     "view timeline", "allowed", "127.0.0.1", (Subject("AGB:1", "cl-1", "m1"),),
     "/api/v1/measures/m1"),
    (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "bbbbbbbbbbbb", "IGJ", "inspectorate", (),
     "list alerts", "allowed", None, (Subject("AGB:1", None, "m1"),), None),
    (datetime(2026, 7, 2, 10, 0, tzinfo=UTC), "cccccccccccc", "Piet", "provider", ("AGB:2",),
     "view timeline", "not_found", "10.0.0.2", (Subject("AGB:2", "cl-1"),), None),
]  # fmt: skip


def log_entries(store: str) -> None:
    """The reads of LOGGED, appended in that order."""
    opened = Ledger(store)
    try:
        for fields in LOGGED:
            opened.access_log.append(AccessEntry(*fields))
    finally:
        opened.close()


def access_log(capsys: pytest.CaptureFixture[str], store: str, *argv: str) -> list[Any]:
    code, out, _ = run(capsys, "--store", store, "access-log", *argv, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_access_log_lists_every_read_with_its_fields(
    capsys: pytest.CaptureFixture[str], store_url: str
) -> None:
    log_entries(store_url)
    every = access_log(capsys, store_url)
    assert [e["label"] for e in every] == ["Jan", "IGJ", "Piet"]
    assert every[0] == {
        "seq": every[0]["seq"],
        "at": "2026-03-02T09:00:00+01:00",  # the offset it was stored with
        "token_id": "aaaaaaaaaaaa",
        "label": "Jan",
        "role": "provider",
        "scope": ["AGB:1"],
        "action": "view timeline",
        "outcome": "allowed",
        "remote": "127.0.0.1",
        "subjects": [{"provider_id": "AGB:1", "client_id": "cl-1", "measure_id": "m1"}],
        "detail": "/api/v1/measures/m1",
    }


@pytest.mark.parametrize(
    ("argv", "labels"),
    [
        (["--provider", "AGB:1"], ["Jan", "IGJ"]),
        (["--provider", "AGB:1", "--client", "cl-1"], ["Jan"]),
        (["--provider", "AGB:2", "--client", "cl-1"], ["Piet"]),
        (["--token", "bbbbbbbbbbbb"], ["IGJ"]),
        (["--since", "2026-07-01T12:00+02:00"], ["IGJ", "Piet"]),  # 10:00Z, inclusive
        (["--since", "2026-03-02", "--until", "2026-07-02"], ["Jan", "IGJ"]),
        (["--limit", "1"], ["Jan"]),
    ],
)
def test_access_log_filter(
    capsys: pytest.CaptureFixture[str], store_url: str, argv: list[str], labels: list[str]
) -> None:
    """Each filter alone (and a client with its provider) picks exactly its reads."""
    log_entries(store_url)
    assert [e["label"] for e in access_log(capsys, store_url, *argv)] == labels


def test_access_log_table_shows_the_amsterdam_clock(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no column is cut
    log_entries(sqlite_url)
    code, out, _ = run(capsys, "--store", sqlite_url, "access-log", "--provider", "AGB:1")
    assert code == 0
    header, winter, summer = out.splitlines()
    assert header.split() == ["at", "token_id", "label", "role", "action", "outcome", "read"]
    assert "2026-03-02 09:00:00 CET" in winter and "AGB:1 client cl-1 measure m1" in winter
    assert "2026-07-01 12:00:00 CEST" in summer and "inspectorate" in summer


def test_access_log_client_needs_its_provider(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    log_entries(sqlite_url)
    code, out, err = run(capsys, "--store", sqlite_url, "access-log", "--client", "cl-1")
    assert code == 2 and out == ""
    expected = "--client needs --provider: a client pseudonym is the provider's"
    assert said(err) == [f"measure-ledger access-log: {expected}"]
    with pytest.raises(SystemExit) as stopped:
        main(["--store", sqlite_url, "access-log", "--since", "2026-03-02T09:00"])
    assert stopped.value.code == 2 and "has no offset" in capsys.readouterr().err
