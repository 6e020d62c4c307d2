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


class CheckFailedError(Exception):
    """A check the command exists for failed (exit 1), e.g. the consumer's bad-share halt."""


@contextlib.contextmanager
def open_ledger(
    args: argparse.Namespace, store: str | None = None, *, create: bool = False
) -> Iterator[Ledger]:
    """The ledger of `--store` (or `store`), closed on the way out.

    Only commands that write pass `create=True`: a reading command pointed at a mistyped
    path must say the store does not exist, not show an empty one.
    """
    ledger = Ledger(store or args.store, settings=args.settings, create=create)
    try:
        yield ledger
    finally:
        ledger.close()
