"""Judging the alert index in a second process while the first stores a file.

Storing an event and judging its measure cost about the same CPU (`bench/bench_ingest.py`
prints the share), and each is one Python process's work: in turn, `ingest` used one core
of two. The judge here is a child process with its own connection that refreshes the index
again and again while the parent stores; a refresh judges on a read snapshot and holds the
write lock only to write what changed (`projections/deferred_writes.py`), so the two take
turns only for those short writes. When the parent has stored the whole file, the child
finishes the refresh up to the last batch and stops (`finish`; its caches are warm, which
measured faster than leaving the rest to the parent), and the parent refreshes once more
itself: so "alerts current" after `ingest` never depends on the child (if it failed or was
killed, that last refresh does the work, and raises what the child would have). A consumer
that stops (`finish=False`) has no such promise to keep: its judge stops after the chunk it
is judging, so a stop takes seconds, not a refresh.

The child is spawned, not forked: the parent holds open connections a fork would share. It
stops on its own when the parent goes away (a killed `ingest` leaves no judge behind) after
at most the chunk it is judging.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

from ledger.settings import Settings

#: A file smaller than this is stored and judged in turn: starting a second interpreter
#: (about half a second) would cost more than it saves.
ALONGSIDE_FROM_BYTES = 8 * 1024 * 1024
#: How long the judge waits when it found nothing new to judge.
IDLE_S = 0.2
#: How long the parent waits for the judge after the last batch; a judge still busy then
#: is stopped (a chunk's writes are one transaction: nothing is left half-written).
JOIN_S = 3600.0


def wanted(size: int | None) -> bool:
    """Judge alongside: two cores or more, and a file large enough (or of unknown size)."""
    return (os.cpu_count() or 1) >= 2 and (size is None or size >= ALONGSIDE_FROM_BYTES)


@contextmanager
def judging_alongside(
    store_url: str, settings: Settings, enabled: bool, *, finish: bool = True
) -> Iterator[BaseProcess | None]:
    """Run the body (the storing) with a judge process refreshing the alert index; the body
    gets that process (None: not enabled). `finish`: after the body, the judge judges up to
    the last batch before it stops; else it stops after its current chunk."""
    if not enabled:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    stored = context.Event()
    judge = context.Process(
        target=_judge, args=(store_url, settings, stored, finish), name="measure-ledger judge"
    )
    judge.start()
    try:
        yield judge
    finally:
        stored.set()
        judge.join(JOIN_S)
        if judge.is_alive():
            judge.terminate()
            judge.join()


def _judge(store_url: str, settings: Settings, stored: Event, finish: bool) -> None:
    """Refresh until the parent has stored everything (or is gone), then once more if
    `finish`. The refreshes are asked between chunks whether to stop."""
    from ledger.service import Ledger  # imported in the child, after the spawn

    parent = multiprocessing.parent_process()

    def orphaned() -> bool:
        return parent is not None and not parent.is_alive()

    def stopping() -> bool:
        return orphaned() or (not finish and stored.is_set())

    ledger = Ledger(store_url, settings=settings, create=False)
    try:
        while not stored.is_set() and not orphaned():
            if ledger.refresh_alerts(until=stopping) == 0:
                stored.wait(IDLE_S)
        if finish and not orphaned():
            ledger.refresh_alerts(until=orphaned)
    except Exception as error:  # the parent's own last refresh judges (or raises) instead
        print(
            f"measure-ledger: the judge alongside stopped ({type(error).__name__}: {error}); "
            "the last refresh judges instead",
            file=sys.stderr,
        )
        os._exit(1)
    finally:
        ledger.close()
