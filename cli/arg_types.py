"""Option types for argparse: a value out of range is a usage error (exit 2) at parse time.

Checked where the value is read, so no handler ever sees `--limit -1` or `--measures -5` and
the two stores cannot disagree about what such a value means.
"""

from __future__ import annotations

import argparse
import math
import os
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def instant(text: str, day_zone: tzinfo) -> datetime:
    """RFC 3339 with an offset, or a date: its midnight in `day_zone`. A time without an
    offset is an hour or two ambiguous, so it is refused."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=day_zone)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or date-time: {text!r}") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset; add one, e.g. +01:00 or Z")
    return parsed


def utc_instant(text: str) -> datetime:
    """`alerts --as-of`: a plain date is its start in UTC (CONTRACT §3, as it always was)."""
    return instant(text, UTC)


def amsterdam_instant(text: str) -> datetime:
    """`access-log --since/--until`: a plain date is its start on the Amsterdam clock, the
    clock its table shows."""
    return instant(text, AMSTERDAM)


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def positive_int(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, got {text}")
    return value


def non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def writable_file(text: str) -> str:
    """A file to write: checked before the command does its work, so none of it is wasted."""
    path = Path(text)
    parent = path.absolute().parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise argparse.ArgumentTypeError(f"no permission to write in {parent}")
    return text


def log_level(text: str) -> str:
    """Any case, like LEDGER_LOG_LEVEL; the choices are checked by argparse after this."""
    return text.strip().lower()
