"""Pull-based projection: read notifications after the tracked position, apply, repeat.

eventsourcing 9.5's `ProjectionRunner` needs `recorder.subscribe()`, which the SQLite
recorder does not implement; pulling works on both stores, so one code path serves both.
The library's runner stops on the first exception, and so does this one: an event the
views cannot apply is a bug to fix, not something to skip, and the position stays before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from projections.measure_views import tracking_for

BATCH = 2000
#: Events per transaction when rebuilding from zero: nobody waits on the views' position
#: then, and each commit costs a sync, so fewer, larger transactions (bounded memory still).
REBUILD_BATCH = 20_000


class PullProjector:
    def __init__(self, app: Application[Any], view: Any, batch_size: int = BATCH) -> None:
        self.app = app
        self.view = view
        self.batch_size = batch_size

    def catch_up(
        self, progress: Callable[[int], None] | None = None, batch_size: int | None = None
    ) -> int:
        """Apply every stored event after the view's position; return how many were applied.

        The write path applies each batch in the transaction that stores it (see
        `ViewRecorderMixin.apply_within`); this is for views that are behind: a rebuild, a
        store written by `submit(project=False)`, or one written by another process.
        """
        applied = 0
        position = self.view.position()
        self.view.views.trust(position)  # another process may have moved the views
        while True:
            notifications = self.app.recorder.select_notifications(
                start=position, limit=batch_size or self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return applied
            mapper = self.app.mapper
            events = [(mapper.to_domain_event(n), n.id) for n in notifications]
            try:
                self.view.apply_batch(events, tracking_for(notifications[-1].id))
            except IntegrityError:
                # Another process applied these first; continue from where it got to.
                position = self.view.position()
                continue
            position = notifications[-1].id
            applied += len(notifications)
            if progress:
                progress(len(notifications))

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        self.view.reset()
        with self.view.bulk_cache():
            return self.catch_up(progress, batch_size=REBUILD_BATCH)
