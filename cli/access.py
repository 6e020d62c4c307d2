"""`measure-ledger token create|list|revoke` and `measure-ledger access-log` (CONTRACT §3).

Tokens are what `serve` reads by: a role, the providers it acts for, a label naming the
person or system. The token string is printed once, by `token create`, and never again: the
store keeps only a hash of its secret (store/access_tokens.py). `access-log` prints the NEN
7513 log of every read through `serve`; reading it here is an operator at the database's
own command line, not an access through `serve`, so it is not itself logged.

`token create` may create the store (`create=True`): a fresh deployment makes its tokens —
the `ingest` token a provider's system will post its first events with, the officers'
tokens — before any event has arrived, so requiring an ingest first would be circular. The
other commands only read or change what is there, and refuse a store that does not exist.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cli.arg_types import amsterdam_instant, non_negative_int
from cli.context import InputError, open_ledger
from cli.output import emit_json, emit_table
from store.access_log import AccessEntry, Subject
from store.access_tokens import ROLES, TokenError, TokenRecord, check_grant, check_label

Command = Callable[..., argparse.ArgumentParser]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FORMATS = ("table", "json")


def register(command: Command) -> None:
    p = command("token", "Access tokens for `serve`: create, list, revoke.", data=False)
    actions = p.add_subparsers(dest="token_action", required=True, metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        a = actions.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--format", choices=FORMATS, default="table")
        return a

    a = action("create", "Make a token; it is printed once and stored only as a hash.")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument(
        "--provider",
        action="append",
        default=[],
        metavar="P",
        help="a provider_id the token acts for (repeat for several); not for inspectorate",
    )
    a.add_argument("--label", required=True, metavar="L", help="the person or system holding it")
    a.set_defaults(handler=token_create, command="token create")
    a = action("list", "Every token: id, role, providers, label, created, revoked.")
    a.set_defaults(handler=token_list, command="token list")
    a = action("revoke", "Stop a token from working, from now on.")
    a.add_argument("token_id", metavar="ID")
    a.set_defaults(handler=token_revoke, command="token revoke")

    p = command("access-log", "Every read of client data through `serve` (NEN 7513).")
    p.add_argument("--provider", default=None, metavar="P", help="accesses to P's data")
    p.add_argument("--client", default=None, metavar="C", help="accesses to client C of --provider")
    p.add_argument("--token", default=None, metavar="ID", help="accesses with token ID")
    p.add_argument("--since", type=amsterdam_instant, default=None, metavar="T", help="from T on")
    p.add_argument("--until", type=amsterdam_instant, default=None, metavar="T", help="before T")
    p.add_argument("--limit", type=non_negative_int, default=None, metavar="N", help="the first N")
    p.set_defaults(handler=access_log)


def local(moment: datetime | None) -> str | None:
    """A time on the Europe/Amsterdam clock with its date and zone, as tables show it."""
    if moment is None:
        return None
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S %Z")


def token_create(args: argparse.Namespace) -> int:
    try:  # before the store is opened: a refused token must not create a store
        providers = check_grant(args.role, args.provider)
        check_label(args.label)
    except TokenError as error:
        raise InputError(str(error)) from None
    with open_ledger(args, create=True) as ledger:
        record, token = ledger.tokens.create(args.role, providers, args.label, datetime.now(UTC))
    if args.format == "json":
        emit_json({"token_id": record.token_id, "token": token, **_json(record, created=True)})
        return 0
    scope = f" for {', '.join(record.providers)}" if record.providers else ""
    print(
        f"token {record.token_id} ({record.role}{scope}, {record.label!r}): shown only now; "
        "the store keeps only a hash of it",
        file=sys.stderr,
    )
    print(token)
    return 0


def token_list(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        records = ledger.tokens.list()
    if args.format == "json":
        emit_json([{"token_id": r.token_id, **_json(r)} for r in records])
        return 0
    rows = [
        {
            "token_id": r.token_id,
            "role": r.role,
            "providers": ", ".join(r.providers) or None,
            "label": r.label,
            "created": local(r.created_at),
            "revoked": local(r.revoked_at),
        }
        for r in records
    ]
    emit_table(rows, ("token_id", "role", "providers", "created", "revoked", "label"))
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    with open_ledger(args) as ledger:
        if not ledger.tokens.revoke(args.token_id, datetime.now(UTC)):
            raise InputError(f"no token {args.token_id}")
        record = ledger.tokens.get(args.token_id)
    assert record is not None and record.revoked_at is not None  # revoked just now, or before
    if args.format == "json":
        emit_json({"token_id": record.token_id, "revoked_at": record.revoked_at.isoformat()})
    else:
        print(f"revoked {record.token_id} ({record.label!r}) at {local(record.revoked_at)}")
    return 0


def _json(record: TokenRecord, *, created: bool = False) -> dict[str, Any]:
    value: dict[str, Any] = {
        "role": record.role,
        "providers": list(record.providers),
        "label": record.label,
        "created_at": record.created_at.isoformat(),
    }
    if not created:
        value["revoked_at"] = record.revoked_at.isoformat() if record.revoked_at else None
    return value


def access_log(args: argparse.Namespace) -> int:
    if args.client is not None and args.provider is None:
        raise InputError("--client needs --provider: a client pseudonym is the provider's")
    with open_ledger(args) as ledger:
        entries = ledger.access_log.read(
            provider_id=args.provider,
            client_id=args.client,
            token_id=args.token,
            since=args.since,
            until=args.until,
            limit=args.limit,
        )
    if args.format == "json":
        emit_json([entry_json(e) for e in entries])
        return 0
    # The table leaves out seq, scope, remote and detail so the time and the reader stay
    # whole on a terminal; `--format json` has every field.
    rows = [
        {
            "at": local(e.at),
            "token_id": e.token_id,
            "label": e.label,
            "role": e.role,
            "action": e.action,
            "outcome": e.outcome,
            "read": _subjects(e.subjects),
        }
        for e in entries
    ]
    emit_table(
        rows,
        ("at", "token_id", "label", "role", "action", "outcome", "read"),
    )
    return 0


def entry_json(e: AccessEntry) -> dict[str, Any]:
    """An entry as JSON: its time with the offset it was stored with."""
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "token_id": e.token_id,
        "label": e.label,
        "role": e.role,
        "scope": list(e.scope),
        "action": e.action,
        "outcome": e.outcome,
        "remote": e.remote,
        "subjects": [
            {"provider_id": s.provider_id, "client_id": s.client_id, "measure_id": s.measure_id}
            for s in e.subjects
        ],
        "detail": e.detail,
    }


def _subjects(subjects: Sequence[Subject]) -> str | None:
    def one(s: Subject) -> str:
        parts = [s.provider_id]
        if s.client_id is not None:
            parts.append(f"client {s.client_id}")
        if s.measure_id is not None:
            parts.append(f"measure {s.measure_id}")
        return " ".join(parts)

    return "; ".join(one(s) for s in subjects) or None
