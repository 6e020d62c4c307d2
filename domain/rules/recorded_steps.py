"""Who did a stappenplan step: the catalogue-2 procedure rules count a step only when it
was done by the role the law names.

The actor is optional in the contract. A step whose actor is given and is someone else
(e.g. a `gedragswetenschapper_consent` recorded by the jeugdhulpverlener themselves) is not
the consent the law asks for; a step without an actor counts, as an approval without one
does (rulebook 2026.2, `reviewer_roles`): the ledger never alerts on a fact it cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.facts import Fact


def done_by(step: Fact, role: str | None) -> bool:
    """Whether the step counts as done by `role` (None: by anyone)."""
    return role is None or step.actor_role is None or step.actor_role == role


def steps_named(steps: Iterable[Fact], name: str, role: str | None = None) -> list[Fact]:
    """The steps of `name` done by `role`, in care order."""
    return [step for step in steps if step.data.step == name and done_by(step, role)]


def first_within(steps: Iterable[Fact], after: datetime | None, until: datetime) -> Fact | None:
    """The first step in `(after, until]` (`after=None`: no lower bound)."""
    for step in steps:
        if (after is None or step.occurred_at > after) and step.occurred_at <= until:
            return step
    return None


def first_after(steps: Iterable[Fact], moment: datetime) -> Fact | None:
    """The first step strictly after `moment`: a late step that ends a breach."""
    return next((step for step in steps if step.occurred_at > moment), None)
