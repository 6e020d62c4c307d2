"""Progress for long work, shown on a terminal only (never in pipes or logs)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from tqdm import tqdm


@contextlib.contextmanager
def progress_bar(
    total: int | None, label: str, *, enabled: bool = True, unit: str = "B"
) -> Iterator[Callable[[int], None]]:
    if not (enabled and sys.stderr.isatty()):
        yield lambda _n: None
        return
    with tqdm(
        total=total, desc=label, unit=unit, unit_scale=True, file=sys.stderr, leave=False
    ) as bar:
        yield bar.update


def refresh_alerts(ledger: Any, *, enabled: bool = True) -> int:
    """Bring the alert index up to date, with a bar on a terminal: judging takes a while."""
    with progress_bar(ledger.alerts_behind(), "judging", enabled=enabled, unit="ev") as advance:
        return int(ledger.refresh_alerts(advance))
