"""The measure rules cut into parts, each with what it reads, so a sweep re-runs only the
parts whose input changed (`domain.rules.incremental`).

Concatenating the parts' findings, in the order of `PARTS`, gives exactly what the rule
modules' `check` functions give in `reference.MEASURE_RULES` order. A part names the
`MeasureState` groups it reads (`GROUPS` field names, AUTHORIZATIONS, FIRST_APPLICATION)
and the frameworks it can say anything about; every part reads the plan, so `proposals`
(which also decides framework and category, stamped on every finding) is always among them.
When a rule starts to read another group, add it here:
`tests/test_rules_performance_equivalence.py` compares every finding, in order, with the
reference and fails on a missing dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from domain.rules import (
    deadlines,
    jeugdwet,
    jeugdwet_procedure,
    legal_basis,
    registered_locations,
    wvggz_procedure,
    wzd_emergency,
    wzd_physician,
    wzd_procedure,
)
from domain.rules.findings import Finding

AUTHORIZATIONS = "authorizations"  # the folded authorisations changed
FIRST_APPLICATION = "first_application"  # applications[0] changed (or the first one came)


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a rule module's `check`.

    `per_application`: called as `run(state, book, applied)` once per application, and
    reads no other application, so a new application only needs its own call.
    `frameworks`: the frameworks for which it can find anything (None: any, even none);
    for the others its own guard makes it yield nothing, so it need not run at all.
    `as_of`: groups (among `reads`) of which a per-application part reads only the facts
    that occurred up to the application itself, e.g. the latest decision before it: a fact
    that occurred later cannot change what it says about that application.
    """

    run: Callable[..., Iterable[Finding]]
    reads: frozenset[str]
    per_application: bool
    frameworks: frozenset[str] | None
    as_of: frozenset[str]

    @property
    def triggers(self) -> frozenset[str]:
        """What makes it re-run: a group it reads, or for a per-application part a new one."""
        return self.reads | {"applications"} if self.per_application else self.reads

    def applies(self, framework: str | None) -> bool:
        return self.frameworks is None or framework in self.frameworks


def _part(
    run: Callable[..., Iterable[Finding]],
    *reads: str,
    each: bool = False,
    frameworks: tuple[str, ...] | None = None,
    as_of: tuple[str, ...] = (),
) -> Part:
    allowed = None if frameworks is None else frozenset(frameworks)
    return Part(run, frozenset({"proposals", *reads, *as_of}), each, allowed, frozenset(as_of))


_WZD = ("wzd",)
_WVGGZ = ("wvggz",)
_JW = ("jeugdwet",)

PARTS: tuple[Part, ...] = (
    # the end only if it came before the application, the latest decision before it
    _part(legal_basis.each_application, AUTHORIZATIONS, each=True, as_of=("ends", "decisions")),
    _part(deadlines.review_overdue, "ends", "decisions", "review_requests", frameworks=_WZD),
    _part(deadlines.evaluation_overdue, "ends", "evaluations", FIRST_APPLICATION),
    _part(deadlines.afbouw_overdue, "ends", "extensions", FIRST_APPLICATION, frameworks=_WZD),
    _part(deadlines.emergency_overrun, "ends", "applications", "decisions", AUTHORIZATIONS),
    _part(wzd_procedure.harm_grounds, frameworks=("wzd", "wvggz")),
    _part(wzd_procedure.stepplan_skipped, each=True, frameworks=_WZD, as_of=("steps",)),
    _part(wzd_procedure.term_too_long, "extensions", frameworks=_WZD),
    _part(wzd_procedure.extensions, "extensions", "steps", "decisions", "ends", frameworks=_WZD),
    _part(jeugdwet.each_application, "steps", "ends", each=True, frameworks=("jeugdwet",)),
    _part(jeugdwet.merged_durations, "applications", "steps", "ends", frameworks=("jeugdwet",)),
    # Catalogue 2: Wzd and across the laws
    _part(wzd_physician.plan_consent, each=True, frameworks=_WZD, as_of=("steps",)),
    _part(wzd_physician.emergency_consultation, each=True, frameworks=_WZD, as_of=("steps",)),
    _part(wzd_emergency.functionaris_informed, "applications", "steps", frameworks=_WZD),
    _part(wzd_emergency.planned_term, frameworks=_WZD),
    _part(registered_locations.location_unregistered, FIRST_APPLICATION, frameworks=_WZD),
    # Catalogue 2: Wvggz and Jeugdwet
    _part(wvggz_procedure.decision_psych, "steps", FIRST_APPLICATION, frameworks=_WVGGZ),
    _part(wvggz_procedure.nood_gd_notify, "steps", "ends", frameworks=_WVGGZ),
    _part(
        jeugdwet_procedure.gw_consent,
        "steps",
        "extensions",
        "ends",
        FIRST_APPLICATION,
        frameworks=_JW,
    ),
    _part(jeugdwet_procedure.nood_12h, "applications", "steps", "ends", frameworks=_JW),
    _part(jeugdwet_procedure.not_in_plan, each=True, frameworks=_JW),
    _part(
        jeugdwet_procedure.afbouw_advice,
        "steps",
        "extensions",
        "ends",
        FIRST_APPLICATION,
        frameworks=_JW,
    ),
)
