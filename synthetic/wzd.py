"""Wzd lifecycles: the regular stappenplan route and the art. 15 emergency route.

Regular: proposal → art. 9/10 consultation (and physician consent for forms a–c and lid 2)
→ functionaris review → applications within a term of at most 3 months → evaluation within
4 weeks, then at least every 6 months → afbouw and end, or an art. 11 extension (external
expert, bridge ≤ 3 months; independent advice, then ≤ 6 months) approved again. Emergency:
physician consulted (forms a–c and lid 2), applied at once, functionaris informed within
hours, ended within the 2-week maximum.
"""

from __future__ import annotations

from synthetic.builder import MeasureBuilder
from synthetic.clock import DAY, HOUR, rfc3339
from synthetic.problems import Plan
from synthetic.vocab import END_REASONS_EARLY, NEEDS_PHYSICIAN, pick_grounds

AFBOUW_PLAN = "Stapsgewijs afbouwen, elke twee weken evalueren met het team"


def build_wzd(b: MeasureBuilder, plan: Plan, t0: int, *, may_extend: bool) -> None:
    """One Wzd measure proposed at `t0`, following `plan`."""
    if plan.emergency:
        _emergency(b, plan, t0)
    else:
        _regular(b, plan, t0, may_extend=may_extend)
    if plan.second_title:
        _two_titles(b, t0)
    elif b.setting == "residential" and b.rng.random() < 0.5:
        _admission_title(b, t0)


def _admission_title(b: MeasureBuilder, t0: int) -> None:
    """Lawful: the client lives in the accommodation on a CIZ besluit tot opname en verblijf
    (Wzd art. 21), taken weeks before the measure and valid for 3 years (at most 5, art. 22
    lid 3). It gives no basis for the measure (the Wzd's basis is the plan and its review)
    and is the only admission title, so no rule speaks of it."""
    valid_from = t0 - b.rng.randint(7, 90) * DAY
    b.authorize("ciz_besluit_opname", valid_from, valid_from + 3 * 365 * DAY)


def _two_titles(b: MeasureBuilder, t0: int) -> None:
    """A problem: a Wvggz zorgmachtiging (to admission: no `covers`) registered while the
    client's Wzd rechterlijke machtiging is still recorded as in force (GEN-TITLE-PRECEDENCE)."""
    b.authorize("rechterlijke_machtiging_wzd", t0 - 10 * DAY, t0 + 150 * DAY)
    b.authorize("zorgmachtiging", t0 + 20 * DAY, t0 + 100 * DAY)


def _grounds(b: MeasureBuilder, plan: Plan) -> list[str]:
    return [] if plan.no_grounds else pick_grounds(b.rng, "wzd")


def _regular(b: MeasureBuilder, plan: Plan, t0: int, *, may_extend: bool) -> None:
    rng = b.rng
    steps_done = t0 + rng.randint(1 * DAY, 4 * DAY)
    if not plan.skip_consultation:
        b.step(steps_done, "multidisciplinary_consultation")
    if b.category in NEEDS_PHYSICIAN and not plan.skip_physician:
        steps_done += rng.randint(4 * HOUR, 2 * DAY)
        b.step(steps_done, "physician_consent")
    if rng.random() < 0.5:
        b.step(t0 + rng.randint(12 * HOUR, 3 * DAY), "representative_consulted")

    early_start = steps_done + rng.randint(2 * HOUR, DAY) if plan.apply_before_review else None
    requested = (early_start or steps_done) + rng.randint(2 * HOUR, DAY)
    decided = requested + rng.randint(DAY, 4 * DAY)
    start = early_start or decided + rng.randint(2 * HOUR, 2 * DAY)
    term = rng.randint(100 * DAY, 140 * DAY) if plan.term_too_long else rng.randint(56, 88) * DAY
    proposal = b.propose(
        t0, grounds=_grounds(b, plan), planned_start=start, planned_end=start + term
    )
    if plan.skip_physician:  # the problem needs a proposer known not to be a physician
        proposal.role = "zorgverantwoordelijke"

    if plan.never_decided:
        b.review(requested, None, "", None)
    elif plan.rejected:
        b.review(requested, decided, "rejected", None)
        b.applications(decided + rng.randint(HOUR, 3 * DAY), decided + 10 * DAY)
        b.end(decided + rng.randint(12 * DAY, 20 * DAY), "review_rejected")
    else:
        open_approval = plan.open_approval or rng.random() < 0.3
        b.review(requested, decided, "approved", None if open_approval else start + term)
        _run(b, plan, start, start + term, open_approval, may_extend=may_extend)


def _run(
    b: MeasureBuilder,
    plan: Plan,
    first: int,
    term_end: int,
    open_approval: bool,
    *,
    may_extend: bool,
) -> None:
    """Apply, evaluate and finish the measure: extended, afbouw, ended early, or (as a
    problem) left running past its term."""
    rng = b.rng
    roll = rng.random()
    extended = plan.extend or (may_extend and roll < 0.2)
    if extended:
        term_end = _extend(b, plan, term_end, open_approval, second=False)
        if may_extend and rng.random() < 0.3:
            term_end = _extend(b, plan, term_end, open_approval, second=True)
    afbouw_at: int | None = None
    if plan.afbouw_overdue:
        afbouw_at = term_end + rng.randint(8 * DAY, 18 * DAY)
        end_at = term_end + rng.randint(25 * DAY, 50 * DAY)
        reason = "afgebouwd"
    elif roll < 0.45 and not (extended or plan.skip_evaluations):
        end_at = min(first + rng.randint(20 * DAY, 50 * DAY), term_end - DAY)
        reason = rng.choice(END_REASONS_EARLY)
    else:
        end_at = term_end - rng.randint(0, 4 * DAY)
        afbouw_at = end_at - rng.randint(10 * DAY, 24 * DAY)
        reason = "afgebouwd"

    b.applications(first, end_at - DAY)
    if not plan.skip_evaluations:
        b.evaluations(first, (afbouw_at or end_at) - 2 * DAY, (30, 50))
    if afbouw_at is not None:
        if not plan.skip_evaluations:
            b.evaluate(afbouw_at - rng.randint(HOUR, DAY), "afbouw")
        b.add(afbouw_at, "afbouw.started", {"target_end": rfc3339(end_at), "plan": AFBOUW_PLAN})
    b.end(end_at, reason)
    if plan.apply_after_end:
        b.apply(end_at + rng.randint(DAY, 6 * DAY))


def _extend(
    b: MeasureBuilder, plan: Plan, old_end: int, open_approval: bool, *, second: bool
) -> int:
    """Art. 11: external expert, the extension, and a fresh functionaris approval before
    the old term runs out. Returns the new end of the term."""
    rng = b.rng
    expert_at = old_end - rng.randint(12 * DAY, 21 * DAY)
    if second:
        b.step(expert_at - rng.randint(DAY, 5 * DAY), "independent_expert_advice")
    if plan.extension_expert:
        b.step(expert_at, "extended_expert_consultation")
    extended_at = expert_at + rng.randint(12 * HOUR, 2 * DAY)
    # Measured from the extension itself, so the new term is within the limit whichever
    # way a rule counts it (bridge ≤ 3 months, a later term ≤ 6 months).
    new_end = extended_at + (rng.randint(100, 170) if second else rng.randint(60, 88)) * DAY
    b.add(extended_at, "measure.extended", {"planned_end": rfc3339(new_end)})
    if plan.extension_review:
        requested = extended_at + rng.randint(HOUR, 12 * HOUR)
        decided = requested + rng.randint(12 * HOUR, 3 * DAY)
        b.review(requested, decided, "approved", None if open_approval else new_end)
    return new_end


def _emergency(b: MeasureBuilder, plan: Plan, t0: int) -> None:
    """Art. 15: an unforeseen situation; ended within 2 weeks, or (as a problem) not."""
    rng = b.rng
    overrun = plan.emergency_overrun
    planned_end = None if overrun else t0 + rng.randint(5 * DAY, 13 * DAY)
    if plan.emergency_term_too_long:  # a problem: decided for longer than 2 weeks
        planned_end = t0 + rng.randint(16 * DAY, 28 * DAY)
    proposal = b.propose(
        t0, grounds=_grounds(b, plan), planned_start=t0, planned_end=planned_end, emergency=True
    )
    if plan.skip_physician:
        proposal.role = "zorgverantwoordelijke"
    if not plan.skip_functionaris_notice:
        b.step(t0 + rng.randint(30, 8 * HOUR), "functionaris_informed")
    if b.category in NEEDS_PHYSICIAN and not plan.skip_physician:
        # art. 15 lid 3: the physician is consulted before the emergency care is given
        b.step(t0 + rng.randint(1, 9), "physician_consulted")
    first = t0 + rng.randint(10, 2 * HOUR)
    if overrun:
        end_at = t0 + rng.randint(19 * DAY, 26 * DAY)
    else:
        end_at = t0 + rng.randint(
            2 * DAY, min(planned_end - t0, 13 * DAY) if planned_end else 13 * DAY
        )
    b.applications(first, end_at - 2 * HOUR, emergency=True)
    if overrun:
        b.apply(t0 + rng.randint(15 * DAY, 18 * DAY), emergency=True)
    b.end(end_at, rng.choice(("no_longer_needed", "converted_to_voluntary")))
