"""`report`: the half-year overview made from a signed ledger state, and checked later.

A report is bound before it is computed: the position (default: the latest signed
checkpoint), the chain hash at that position and the checkpoint covering it are read and
checked first, then the facts at positions <= N are read from the timeline view and handed
to the pure `domain.report.overview.compute`. `check` recomputes a saved report at its own
position (is it still what the ledger says there?) and at the latest checkpoint (what has
changed since, and which events changed it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from domain.facts import Fact
from domain.report.document import (
    Binding,
    BoundCheckpoint,
    ReportDocument,
    bind,
    body_sha256,
    differences,
)
from domain.report.overview import Overview, compute, report_key_id
from domain.report.period import HalfYear
from ledger.keys import report_key
from ledger.report_alerts import judged_at
from ledger.report_changes import events_behind
from ledger.report_rows import from_rows
from ledger.service import Ledger
from projections.alert_index import fingerprint
from projections.report_facts import facts_up_to
from store.chain_store import global_hash_at
from store.checkpoints import Checkpoint, load_or_create_key


class ReportError(Exception):
    """The report cannot be made or read as asked: exit 2."""


class BindingError(Exception):
    """The ledger is not the state a report names, or its checkpoint does not hold: exit 1."""


@dataclass(frozen=True)
class Made:
    document: ReportDocument
    overview: Overview
    #: (provider, measure) -> the client its events named last, of the measures behind it
    named: dict[tuple[str, str], str]
    #: every fact at the report's position, read when asked for (a report made from the
    #: narrow rows did not read them)
    read_facts: Callable[[], list[Fact]] = field(repr=False, compare=False)

    @cached_property
    def facts(self) -> list[Fact]:
        return self.read_facts()


@dataclass(frozen=True, slots=True)
class Change:
    path: tuple[str, ...]
    old: Any
    new: Any
    events: tuple[dict[str, Any], ...]  # recorded after the report's position, behind it


@dataclass(frozen=True, slots=True)
class CheckResult:
    identical: bool
    position: int  # the report's
    current_position: int  # where it was recomputed to compare
    checkpoint_id: int | None
    changes: tuple[Change, ...] = field(default=())


def make_report(
    ledger: Ledger, period: HalfYear, position: int | None = None, provider: str | None = None
) -> Made:
    checkpoint = _covering_checkpoint(ledger, position)
    at = checkpoint.position if position is None else position
    if ledger.views.position() < at:
        ledger.catch_up()
    quick = from_rows(ledger, period, at, provider)
    if quick is not None:
        overview, named = quick
        return _bound(ledger, overview, at, checkpoint, provider, named, None)
    facts = _facts(ledger, at, provider)
    return _made(ledger, period, at, checkpoint, facts, provider)


def _made(
    ledger: Ledger,
    period: HalfYear,
    at: int,
    checkpoint: Checkpoint,
    facts: list[Fact],
    provider: str | None,
) -> Made:
    rulebook = ledger.alert_index.index.rulebook
    key = _key(ledger)
    wanted = [provider] if provider is not None else sorted({f.provider_id for f in facts})
    overview = compute(
        facts,
        period,
        rulebook,
        key,
        providers=[provider] if provider is not None else None,
        judged=judged_at(ledger, at, period, provider, wanted),
    )
    named = {}
    for fact in sorted(facts, key=lambda f: f.position or 0):
        if fact.measure_id is not None:
            named[(fact.provider_id, fact.measure_id)] = fact.client_id
    return _bound(ledger, overview, at, checkpoint, provider, named, facts)


def _bound(
    ledger: Ledger,
    overview: Overview,
    at: int,
    checkpoint: Checkpoint,
    provider: str | None,
    named: dict[tuple[str, str], str],
    facts: list[Fact] | None,
) -> Made:
    """The overview bound to the ledger state it was made from."""
    rulebook = ledger.alert_index.index.rulebook
    key = _key(ledger)
    binding = Binding(
        position=at,
        head_hash=_head_hash(ledger, at),
        checkpoint=BoundCheckpoint(
            checkpoint_id=checkpoint.checkpoint_id,
            position=checkpoint.position,
            head_hash=checkpoint.head_hash,
            created_at=checkpoint.created_at,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
        ),
        rulebook_fingerprint=fingerprint(rulebook),
        report_key_id=report_key_id(key),
        provider_id=provider,
    )
    if facts is None:
        return Made(
            bind(overview.body, binding), overview, named, lambda: _facts(ledger, at, provider)
        )
    return Made(bind(overview.body, binding), overview, named, lambda: facts)


def check_report(ledger: Ledger, text: str) -> CheckResult:
    """Recompute a saved report; raise BindingError when it no longer matches its own state."""
    try:
        saved = ReportDocument.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise ReportError(f"not a measure-ledger report: {where}: {first['msg']}") from None
    if body_sha256(saved.body) != saved.body_sha256:
        raise BindingError("the body does not match its body_sha256: the file was edited")
    binding = saved.binding
    if _key_id(ledger) != binding.report_key_id:
        raise BindingError(
            f"the report's pseudonyms were made with report key {binding.report_key_id}, this "
            f"ledger's is {_key_id(ledger)}: check it against the ledger it was made from"
        )
    rules = fingerprint(ledger.alert_index.index.rulebook)
    if rules != binding.rulebook_fingerprint:
        raise BindingError(
            f"the report was judged by other rules (rulebook fingerprint "
            f"{binding.rulebook_fingerprint[:12]}, this ledger's {rules[:12]}): a policy value "
            "or the rulebook version changed since"
        )
    period = HalfYear.parse(saved.body.period)
    at = binding.position
    try:
        here = _head_hash(ledger, at)
    except ReportError:
        here = None
    if here != binding.head_hash:
        raise BindingError(
            f"the ledger's chain hash at position {at} is not the report's: the ledger it "
            "was made from has been rewritten (run `measure-ledger verify`)"
        )
    latest = _covering_checkpoint(ledger, None)
    upto = max(latest.position, at)
    everything = _facts(ledger, upto, binding.provider_id)
    own = _made(
        ledger,
        period,
        at,
        _covering_checkpoint(ledger, at),
        [f for f in everything if (f.position or 0) <= at],
        binding.provider_id,
    )
    if own.document.body_sha256 != saved.body_sha256:
        changed = "; ".join(
            _describe(p, o, n) for p, o, n in differences(saved.body, own.document.body)[:5]
        )
        raise BindingError(
            f"recomputed at its own position {at} the report differs ({changed}): the file "
            "was made by other rules or edited and re-hashed"
        )
    if upto == at:
        return CheckResult(True, at, upto, latest.checkpoint_id)
    now = _made(ledger, period, upto, latest, everything, binding.provider_id)
    changes = differences(saved.body, now.document.body)
    if not changes:
        return CheckResult(True, at, upto, latest.checkpoint_id)
    later = [f for f in everything if (f.position or 0) > at]
    found = tuple(
        Change(path, old, new, events_behind(path, own, now, later, everything))
        for path, old, new in changes
    )
    return CheckResult(False, at, upto, latest.checkpoint_id, found)


def _describe(path: Sequence[str], old: Any, new: Any) -> str:
    return f"{' / '.join(path)}: {old} -> {new}"


def _covering_checkpoint(ledger: Ledger, position: int | None) -> Checkpoint:
    """The latest checkpoint, or the earliest that covers `position`, checked on the way."""
    checkpoints = ledger.checkpoints.all()
    if not checkpoints:
        raise ReportError(
            "the ledger has no signed checkpoint yet: ingest events or run "
            "`measure-ledger checkpoint` first"
        )
    wanted = checkpoints[-1].position if position is None else position
    if wanted < 1:
        raise ReportError(f"position {wanted}: ledger positions start at 1")
    covering = [c for c in checkpoints if c.position >= wanted]
    if not covering:
        raise ReportError(
            f"position {wanted} is not covered by a signed checkpoint (the latest is at "
            f"{checkpoints[-1].position}); run `measure-ledger checkpoint` first"
        )
    # the earliest covering one: the same checkpoint however many were signed later
    chosen = min(covering, key=lambda c: (c.position, c.checkpoint_id or 0))
    _check_checkpoint(ledger, chosen)
    return chosen


def _check_checkpoint(ledger: Ledger, checkpoint: Checkpoint) -> None:
    """Its signature and its head hash, against the ledger's own key and chain (cheap)."""
    path = ledger.checkpoints.key_path
    if path.exists() and not checkpoint.signed_by(load_or_create_key(path).public_key()):
        raise BindingError(
            f"checkpoint {checkpoint.checkpoint_id} is not signed by this ledger's key "
            "(run `measure-ledger verify`)"
        )
    if _head_hash(ledger, checkpoint.position) != checkpoint.head_hash:
        raise BindingError(
            f"the chain hash at position {checkpoint.position} is not the one checkpoint "
            f"{checkpoint.checkpoint_id} signed (run `measure-ledger verify`)"
        )


def _head_hash(ledger: Ledger, position: int) -> str:
    with ledger.sql.transaction(commit=False) as c:
        head = global_hash_at(c, position)
    if head is None:
        raise ReportError(f"no stored event at position {position}")
    return head.hex()


def _facts(ledger: Ledger, position: int, provider: str | None) -> list[Fact]:
    if ledger.views.position() < position:
        ledger.catch_up()
    return facts_up_to(ledger.sql, position, provider)


def _key(ledger: Ledger) -> bytes:
    return report_key(ledger.report_key_path)


def _key_id(ledger: Ledger) -> str:
    return report_key_id(_key(ledger))
