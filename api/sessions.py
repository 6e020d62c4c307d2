"""Web sessions started from a token: the browser never keeps the token itself.

A session id is random, held only in this process's memory and in an HttpOnly,
SameSite=Strict cookie; it names the token it was started from, so revoking the token ends
every session made from it at the next request (the token is looked up each time). Each
session carries its own CSRF token for the few forms that change anything (sign out).
A restart of `serve` signs everyone out, which is the safe direction.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "ml_session"
#: A working day: long enough for a morning's work, short enough that a forgotten session
#: on a shared computer does not stay open for days.
MAX_AGE_S = 10 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    token_id: str
    csrf: str
    expires: float


class Sessions:
    def __init__(self, max_age_s: float = MAX_AGE_S, limit: int = 10_000) -> None:
        self.max_age_s = max_age_s
        self.limit = limit
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, token_id: str) -> Session:
        session = Session(
            secrets.token_urlsafe(32),
            token_id,
            secrets.token_urlsafe(24),
            time.monotonic() + self.max_age_s,
        )
        with self._lock:
            self._expire()
            if len(self._by_id) >= self.limit:  # bounded: the oldest session goes first
                oldest = min(self._by_id.values(), key=lambda s: s.expires)
                del self._by_id[oldest.session_id]
            self._by_id[session.session_id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._by_id.get(session_id)
            if session is not None and session.expires <= time.monotonic():
                del self._by_id[session_id]
                return None
            return session

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s.session_id for s in self._by_id.values() if s.expires <= now]:
            del self._by_id[sid]


def same_csrf(session: Session, presented: str | None) -> bool:
    return presented is not None and secrets.compare_digest(session.csrf, presented)
