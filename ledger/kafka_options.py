"""`--kafka-option KEY=VALUE`: kafka-python settings passed through, checked before use."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping
from typing import Any


def option_parser(
    known: Mapping[str, Any], reserved: Collection[str], command: str, kind: str
) -> Callable[[str], tuple[str, Any]]:
    """A parser for one KEY=VALUE: ints, floats, true/false, none, else the string.

    Unknown keys (`known` is the client's DEFAULT_CONFIG) and keys the command sets itself
    are usage errors, so a typo or an override that would break a guarantee cannot pass.
    """

    def parse(text: str) -> tuple[str, Any]:
        key, sep, raw = text.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
        if key in reserved:
            raise argparse.ArgumentTypeError(f"{key} is set by {command} itself")
        if key not in known:
            raise argparse.ArgumentTypeError(f"{key!r} is not a kafka-python {kind} setting")
        return key, value_of(raw.strip())

    return parse


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
