"""What every command handler shares: the ledger, opened with the settings read once.

`main` reads the settings once and puts them on the parsed arguments; handlers open the
ledger through `open_ledger(args)` so no adapter below ever reads the environment itself.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from ledger.service import Ledger


class InputError(Exception):
    """A file that cannot be read, a store that is not what the command needs."""


@contextlib.contextmanager
def open_ledger(args: argparse.Namespace, store: str | None = None) -> Iterator[Ledger]:
    """The ledger of `--store` (or `store`), closed on the way out."""
    ledger = Ledger(store or args.store, settings=args.settings)
    try:
        yield ledger
    finally:
        ledger.close()
