"""Who is asking, and what their role lets them read: resolved once per request.

A bearer token (API) or a session cookie started from one (pages) names a token record;
its role decides the routes and its providers the rows. Every outcome — allowed, denied,
not found, failed — is written to the access log before the answer leaves (NEN 7513), by
the `Audit` each route receives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ProblemError
from api.sessions import COOKIE, Session
from ledger.service import Ledger
from store.access_log import AccessEntry, Subject
from store.access_tokens import TokenRecord

READERS = ("provider", "inspectorate")
#: Documents the bearer token in the OpenAPI (`resolve` reads the header itself: a session
#: cookie of the pages is accepted too, and a refusal must be logged, not raised here).
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="`Authorization: Bearer mlt_...`, made with `measure-ledger token create`.",
)


@dataclass(frozen=True, slots=True)
class Principal:
    token: TokenRecord
    session: Session | None = None

    @property
    def role(self) -> str:
        return self.token.role

    @property
    def providers(self) -> tuple[str, ...] | None:
        """The providers whose rows this reader may see; None: every provider."""
        return None if self.token.role == "inspectorate" else self.token.providers

    def may_see(self, provider_id: str) -> bool:
        scope = self.providers
        return scope is None or provider_id in scope


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve(request: Request) -> Principal | None:
    """The token of the request (header first, then the session cookie), if valid now."""
    ledger: Ledger = request.app.state.ledger
    token = bearer(request)
    if token is not None:
        record = ledger.tokens.authenticate(token)
        return Principal(record) if record is not None else None
    session = request.app.state.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        return None
    record = ledger.tokens.get(session.token_id)
    if record is None or not record.active:
        request.app.state.sessions.end(session.session_id)  # revoked: the session ends too
        return None
    return Principal(record, session)


@dataclass
class Audit:
    """One request's access record, appended before the answer (allowed or not)."""

    request: Request
    action: str
    principal: Principal | None
    subjects: list[Subject] = field(default_factory=list)

    def _append(self, outcome: str, subjects: Sequence[Subject], detail: str | None) -> None:
        token = self.principal.token if self.principal else None
        entry = AccessEntry(
            at=datetime.now(UTC),
            token_id=token.token_id if token else None,
            label=token.label if token else None,
            role=token.role if token else None,
            scope=token.providers if token else (),
            action=self.action,
            outcome=outcome,
            remote=self.request.client.host if self.request.client else None,
            subjects=tuple(subjects),
            detail=detail or self.request.url.path,
        )
        self.request.app.state.ledger.access_log.append(entry)

    def allowed(self, subjects: Sequence[Subject] = ()) -> None:
        self._append("allowed", subjects, None)

    def not_found(self, subjects: Sequence[Subject] = (), what: str = "not found") -> ProblemError:
        """Log the miss and give the problem to raise; the same for absent and out of scope."""
        self._append("not_found", subjects, None)
        return ProblemError(404, what)

    def failed(self, detail: str) -> None:
        self._append("failed", (), detail)

    def invalid(self, status: int, detail: str, slug: str | None = None) -> ProblemError:
        """Log a request refused as invalid (a bad cursor, a missing parameter) as a failed
        access, and give the problem to raise: failed attempts are logged too (NEN 7513)."""
        self._append("failed", (), None)
        return ProblemError(status, detail, slug=slug)

    def denied(self, status: int, detail: str) -> ProblemError:
        self._append("denied", (), None)
        return ProblemError(status, detail)


def audited(action: str, roles: Sequence[str] = READERS) -> Callable[[Request], Audit]:
    """A dependency: the signed-in principal with one of `roles`, or a logged refusal."""

    def dependency(
        request: Request,
        _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
    ) -> Audit:
        principal = resolve(request)
        audit = Audit(request, action, principal)
        if principal is None:
            raise audit.denied(
                401,
                "no valid token: send `Authorization: Bearer <token>` (made with "
                "`measure-ledger token create`); revoked tokens are refused",
            )
        if principal.role not in roles:
            raise audit.denied(
                403, f"the role {principal.role!r} may not {action}; allowed: {', '.join(roles)}"
            )
        if principal.role == "inspectorate" and request.app.state.feed_key is None:
            audit.failed("no feed key")
            raise ProblemError(
                503,
                "serve has no feed key (LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY), so it cannot "
                "show the inspectorate clients as client_ref",
                slug="no-feed-key",
            )
        request.state.audit = audit
        return audit

    return dependency
