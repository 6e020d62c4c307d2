"""`checkpoint` and `verify`: the tamper-evidence commands (docs/tamper-evidence.md).

`checkpoint` signs the current chain head (if no checkpoint covers it yet) and prints the
latest checkpoint; `--export FILE` writes it, with the public key, for the inspectorate.
`verify` recomputes every hash and checks every signature: exit 0 intact, 1 damaged, 2 when
it cannot check (no key, unreadable file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.arg_types import writable_file
from cli.output import emit_json, emit_table
from cli.progress import progress_bar
from ledger.service import Ledger
from store.checkpoints import (
    Checkpoint,
    KeyFileError,
    key_id,
    load_or_create_key,
    load_public_key,
    public_pem,
)

Command = Callable[..., argparse.ArgumentParser]
EXIT_OK, EXIT_DAMAGED, EXIT_USAGE = 0, 1, 2


def register(command: Command) -> None:
    """Add this module's subcommands via `command(name, help_text)`."""
    p = command("checkpoint", "Sign the chain head now and print the latest checkpoint.")
    p.add_argument(
        "--export",
        metavar="FILE",
        default=None,
        type=writable_file,
        help="also write it as JSON (with public key)",
    )
    p.add_argument(
        "--public-key",
        metavar="FILE",
        default=None,
        type=writable_file,
        help="also write the public key (PEM)",
    )
    p.set_defaults(handler=checkpoint)

    p = command("verify", "Recompute the hash chain and check every signed checkpoint.")
    p.add_argument(
        "--against", metavar="CHECKPOINT.json", default=None, help="an exported checkpoint"
    )
    p.add_argument("--public-key", metavar="FILE", default=None, help="trusted public key (PEM)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=verify)


def checkpoint(args: argparse.Namespace) -> int:
    ledger = Ledger(args.store, settings=args.settings, create=False)
    try:
        ledger.checkpoints.seal()
        latest = ledger.checkpoints.latest()
        public = ledger.checkpoints.key.public_key()
    finally:
        ledger.close()
    assert latest is not None  # seal() just recorded one, or one covered the head already
    body = latest.export(public)
    body["public_key_id"] = key_id(public)
    if args.export:
        Path(args.export).write_text(json.dumps(body, indent=2) + "\n")
    if args.public_key:
        Path(args.public_key).write_text(public_pem(public))
    if args.format == "json":
        emit_json(body)
    else:
        emit_table(
            [{"field": k, "value": v} for k, v in body.items() if k != "public_key"],
            ["field", "value"],
        )
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    try:
        against, embedded = _exported(args.against)
        trusted = load_public_key(Path(args.public_key)) if args.public_key else None
    except (KeyFileError, OSError, ValueError, KeyError) as error:
        print(f"measure-ledger verify: {error}", file=sys.stderr)
        return EXIT_USAGE
    ledger = Ledger(args.store, settings=args.settings, create=False)
    try:
        trusted = trusted or _own_key(ledger) or embedded
        if trusted is None and ledger.checkpoints.latest() is not None:
            print(
                "measure-ledger verify: no key to check the checkpoint signatures with: "
                f"{ledger.checkpoints.key_path} is missing; pass --public-key FILE",
                file=sys.stderr,
            )
            return EXIT_USAGE
        total = ledger.app.recorder.max_notification_id() or 0
        with progress_bar(total, "verify", enabled=not args.no_progress, unit="rec") as advance:
            report = ledger.verify(trusted, against, advance)
    finally:
        ledger.close()
    _print(report.as_dict(), args.format)
    return EXIT_OK if report.intact else EXIT_DAMAGED


def _exported(path: str | None) -> tuple[Checkpoint | None, Any]:
    """The exported checkpoint and the public key it carries (used only without another)."""
    if path is None:
        return None, None
    body = json.loads(Path(path).read_text())
    embedded = None
    if body.get("public_key"):
        from cryptography.hazmat.primitives import serialization

        embedded = serialization.load_pem_public_key(body["public_key"].encode())
    return Checkpoint.from_export(body), embedded


def _own_key(ledger: Ledger) -> Any:
    """The ledger's own public key, if its key file exists (verify never creates a key)."""
    if not ledger.checkpoints.key_path.exists():
        return None
    try:
        return load_or_create_key(ledger.checkpoints.key_path).public_key()
    except KeyFileError:
        return None


def _print(report: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        emit_json(report)
        return
    damage = report.pop("damage") or {}
    status = "intact" if report.pop("intact") else "DAMAGED"
    rows = [{"field": "status", "value": status}]
    rows += [{"field": k, "value": v} for k, v in report.items() if v not in (None, [])]
    rows += [{"field": f"damage.{k}", "value": v} for k, v in damage.items() if v is not None]
    emit_table(rows, ["field", "value"])
