"""`--kafka-option KEY=VALUE`: kafka-python settings passed through, checked before use."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from cli.arg_types import non_empty

BOOTSTRAP_ENV = "LEDGER_KAFKA_BOOTSTRAP_SERVERS"


def add_kafka_arguments(
    parser: argparse.ArgumentParser,
    *,
    topic: str,
    topic_help: str,
    option: Callable[[str], tuple[str, Any]],
    kind: str,
    example: str,
) -> None:
    """The options every Kafka command has: brokers, its topic, and client settings."""
    parser.add_argument(
        "--bootstrap-servers",
        metavar="H:P[,H:P]",
        default=os.environ.get(BOOTSTRAP_ENV),
        type=bootstrap_servers,
        required=BOOTSTRAP_ENV not in os.environ,
        help=f"Kafka brokers (default: ${BOOTSTRAP_ENV})",
    )
    parser.add_argument("--topic", default=topic, type=non_empty, help=f"{topic_help} ({topic})")
    parser.add_argument(
        "--health-file",
        metavar="PATH",
        default=None,
        type=health_file,
        help="touch PATH each time round the loop (at least every 5 s while it runs), for a "
        "healthcheck that reads its age",
    )
    parser.add_argument(
        "--kafka-option",
        action="append",
        default=[],
        type=option,
        metavar="KEY=VALUE",
        help=f"a kafka-python {kind} setting, e.g. {example} (repeatable)",
    )


def health_file(text: str) -> str:
    """Checked up front: a missing directory would otherwise stop the loop on its first beat."""
    parent = Path(text).absolute().parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"directory {parent} does not exist")
    return text


def bootstrap_servers(text: str) -> str:
    """`H:P[,H:P]`: a typo here would otherwise cost the 30 s bootstrap wait to discover."""
    for server in text.split(","):
        host, sep, port = server.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(f"expected HOST:PORT[,HOST:PORT], got {text!r}")
    return text


def option_parser(
    known: Callable[[], Mapping[str, Any]], reserved: Collection[str], command: str, kind: str
) -> Callable[[str], tuple[str, Any]]:
    """A parser for one KEY=VALUE: ints, floats, true/false, none, else the string.

    Unknown keys (`known()` gives the client's DEFAULT_CONFIG) and keys the command sets
    itself are usage errors, so a typo or an override that would break a guarantee cannot
    pass. `known` is called only when an option is parsed: importing kafka-python costs
    every command a fifth of a second at start, and only the Kafka commands need it.
    """

    def parse(text: str) -> tuple[str, Any]:
        key, sep, raw = text.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
        if key in reserved:
            raise argparse.ArgumentTypeError(f"{key} is set by {command} itself")
        if key not in known():
            raise argparse.ArgumentTypeError(f"{key!r} is not a kafka-python {kind} setting")
        return key, value_of(raw.strip())

    return parse


def consumer_config() -> Mapping[str, Any]:
    """kafka-python's consumer settings and their defaults (imports kafka-python)."""
    from kafka import KafkaConsumer

    return KafkaConsumer.DEFAULT_CONFIG


def producer_config() -> Mapping[str, Any]:
    """kafka-python's producer settings and their defaults (imports kafka-python)."""
    from kafka import KafkaProducer

    return KafkaProducer.DEFAULT_CONFIG


def value_of(raw: str) -> Any:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for convert in (int, float):
        try:
            return convert(raw)
        except ValueError:
            pass
    return raw
