"""Commands of this part of the ledger; `register` adds them to the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Command = Callable[..., argparse.ArgumentParser]


def register(command: Command) -> None:
    """Add this module's subcommands via `command(name, help_text)`."""
