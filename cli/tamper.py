"""`checkpoint` and `verify`: the tamper-evidence commands (docs/tamper-evidence.md).

`checkpoint` signs the current chain head (if no checkpoint covers it yet) and prints the
latest checkpoint; `--export FILE` writes it, with the public key, for the inspectorate.
`verify` recomputes every hash and checks every signature: exit 0 intact; 1 damaged,
unsealed or empty; 2 when it could not check everything (a usage error, an unreadable
`--against` document, or no key for the signatures: the chain is then still checked and its
result printed, with `signatures: unchecked: <why>`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cli.arg_types import writable_file
from cli.kafka_options import BOOTSTRAP_ENV, consumer_config, option_parser
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
from store.verify import DAMAGED, DEFAULT_GRACE_S, INTACT, UNCHECKED, Outside

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
    outside = p.add_mutually_exclusive_group()
    outside.add_argument(
        "--against", metavar="CHECKPOINT.json", default=None, help="an exported checkpoint"
    )
    outside.add_argument(
        "--against-topic",
        metavar="TOPIC",
        default=None,
        help="every checkpoint on this Kafka topic (e.g. measure-checkpoints), read to its end",
    )
    p.add_argument(
        "--bootstrap-servers",
        metavar="H:P[,H:P]",
        default=os.environ.get(BOOTSTRAP_ENV),
        help=f"Kafka brokers for --against-topic (default: ${BOOTSTRAP_ENV})",
    )
    p.add_argument(
        "--kafka-option",
        action="append",
        default=[],
        type=consumer_option,
        metavar="KEY=VALUE",
        help="a kafka-python consumer setting for --against-topic, e.g. security_protocol=SSL",
    )
    p.add_argument(
        "--topic-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=30.0,
        help="how long reading --against-topic to its end may take (default 30)",
    )
    p.add_argument("--public-key", metavar="FILE", default=None, help="trusted public key (PEM)")
    p.add_argument(
        "--grace",
        metavar="SECONDS",
        type=_seconds,
        default=DEFAULT_GRACE_S,
        help="how long stored records may wait for their checkpoint before they count as "
        f"unsealed (default {DEFAULT_GRACE_S:g})",
    )
    p.add_argument(
        "--views",
        action="store_true",
        help="also recompute every view and the alert index from the events and compare",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=verify)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more seconds")
    return value


consumer_option = option_parser(
    consumer_config,
    frozenset({"bootstrap_servers", "enable_auto_commit", "group_id", "client_id"}),
    "verify",
    "consumer",
)


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
        if args.against_topic:
            against = _from_topic(args)
    except (KeyFileError, OSError, ValueError, TopicReadError) as error:
        print(f"measure-ledger verify: {error}", file=sys.stderr)
        return EXIT_USAGE
    ledger = Ledger(args.store, settings=args.settings, create=False)
    try:
        why = None
        if trusted is None:
            trusted, why = _own_key(ledger)
        if trusted is None and embedded is not None:
            trusted, why = embedded, None
        total = ledger.app.recorder.max_notification_id() or 0
        with progress_bar(total, "verify", enabled=not args.no_progress, unit="rec") as advance:
            report = ledger.verify(
                trusted, against, advance, unchecked_because=why, grace_s=args.grace
            )
        views = _views(ledger, report.state, args) if args.views else None
        ledger.verify_runs.record(
            datetime.now(UTC),
            report.state,
            report.records,
            report.head_position,
            views["state"] if views else None,
        )
    finally:
        ledger.close()
    body = report.as_dict()
    if views is not None:
        body["views"] = views
    _print(body, args.format)
    if report.state == UNCHECKED:
        print(
            f"measure-ledger verify: the chain is whole, but the signatures are "
            f"{report.signatures}",
            file=sys.stderr,
        )
    code = _exit_code(report.state)
    if views is not None and views["state"] == "different":
        return EXIT_DAMAGED
    if views is not None and views["state"] == "moved" and code == EXIT_OK:
        print(
            "measure-ledger verify: the views moved during the comparison (an ingest ran); "
            "run verify --views again when none runs",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return code


def _views(ledger: Ledger, chain_state: str, args: argparse.Namespace) -> dict[str, Any]:
    """The views recomputed and compared, unless the events themselves are damaged."""
    if chain_state == DAMAGED:
        return {"state": "not checked", "reason": "the events are damaged"}
    total = ledger.projection_positions().views
    with progress_bar(total, "views", enabled=not args.no_progress, unit="pos") as advance:
        found = ledger.verify_views(advance)
    state = "equal" if found.equal else "moved" if found.moved else "different"
    return {
        "state": state,
        "views_position": found.views_position,
        "alerts_position": found.alerts_position,
        "rows": found.rows,
        "difference": asdict(found.difference) if found.difference else None,
    }


def _exit_code(state: str) -> int:
    """Intact: 0. Unchecked signatures: 2, "cannot fully check". Everything else failed: 1."""
    return {INTACT: EXIT_OK, UNCHECKED: EXIT_USAGE}.get(state, EXIT_DAMAGED)


def _exported(path: str | None) -> tuple[Outside | None, Ed25519PublicKey | None]:
    """The exported checkpoint and the public key it carries (used only without another)."""
    if path is None:
        return None, None
    try:
        body = json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError(f"{path} is not a checkpoint document")
    embedded = None
    if body.get("public_key"):
        try:
            embedded = serialization.load_pem_public_key(str(body["public_key"]).encode())
        except ValueError:
            raise ValueError(f"{path}: public_key is not a PEM public key") from None
        if not isinstance(embedded, Ed25519PublicKey):
            raise ValueError(f"{path}: public_key is not an Ed25519 public key")
    try:
        cp = Checkpoint.from_export(body)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    return Outside("the exported checkpoint", [cp]), embedded


class TopicReadError(Exception):
    """The checkpoint topic could not be read to its end (kafka-python's or ours, said as is)."""


def _from_topic(args: argparse.Namespace) -> Outside:
    """The inspectorate's copy: every checkpoint the topic received, read to its end."""
    if not args.bootstrap_servers:
        raise ValueError(f"--against-topic needs --bootstrap-servers (or ${BOOTSTRAP_ENV})")
    # Imported here: only `verify --against-topic` talks to Kafka (kafka-python takes a fifth
    # of a second to import, which `verify`, `checkpoint` and `serve` should not pay).
    from kafka.errors import KafkaError

    from consumers.checkpoint_topic import CheckpointTopicError, read_checkpoints

    try:
        found = read_checkpoints(
            args.bootstrap_servers, args.against_topic, args.topic_timeout, dict(args.kafka_option)
        )
    except (CheckpointTopicError, KafkaError) as error:
        raise TopicReadError(str(error)) from error
    return Outside(f"the topic {args.against_topic}", found)


def _own_key(ledger: Ledger) -> tuple[Ed25519PublicKey | None, str | None]:
    """The ledger's own public key, or why there is none (verify never creates a key)."""
    path = ledger.checkpoints.key_path
    if not path.exists():
        return None, f"no key file at {path}; pass --public-key FILE"
    try:
        return load_or_create_key(path).public_key(), None
    except (KeyFileError, OSError):
        return None, f"{path} is not an Ed25519 key file; pass --public-key FILE"


def _print(report: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        emit_json(report)
        return
    damage = report.pop("damage") or {}
    views = report.pop("views", None) or {}
    difference = views.pop("difference", None) or {}
    report.pop("intact")
    status = report.pop("state")
    rows = [{"field": "status", "value": status if status == INTACT else status.upper()}]
    rows += [{"field": k, "value": v} for k, v in report.items() if v not in (None, [])]
    rows += [{"field": f"damage.{k}", "value": v} for k, v in damage.items() if v is not None]
    rows += [{"field": f"views.{k}", "value": v} for k, v in views.items()]
    rows += [{"field": f"views.difference.{k}", "value": v} for k, v in difference.items()]
    emit_table(rows, ["field", "value"])
