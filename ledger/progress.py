"""Progress for long work, shown on a terminal only (never in pipes or logs)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

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
