"""A file whose age says the loop is still coming round: what a container healthcheck reads.

A process that is alive is not necessarily working: a consumer stuck in a rebalance or on a
store that hangs still has a PID. The loops of `consume` and `feed` touch this file each
time round (at most every `every_s` seconds, so the cost is nil); the compose healthcheck
calls the container unhealthy when the file is older than a minute. Nothing is written into
it: its modification time is the whole message.
"""

from __future__ import annotations

import time
from pathlib import Path

#: The default a healthcheck can rely on being fresh: the loops beat at least this often.
BEAT_EVERY_S = 5.0


class Heartbeat:
    def __init__(self, path: str | None, every_s: float = BEAT_EVERY_S) -> None:
        self.path = Path(path) if path else None
        self.every_s = every_s
        self._last = float("-inf")

    def beat(self) -> None:
        """Touch the file if it is time; a no-op without a path."""
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        self.path.touch()  # creates it, or moves its modification time to now
        self._last = now
