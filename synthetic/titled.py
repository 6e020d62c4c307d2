"""Wvggz and Jeugdwet lifecycles: care that rests on a legal title registered first.

Wvggz: a zorgmachtiging, or the crisis chain (crisismaatregel 3 days → machtiging tot
voortzetting 3 weeks → zorgmachtiging), then the measure within the title's validity,
evaluated periodically. Jeugdwet: a machtiging gesloten jeugdhulp (sometimes after a
spoedmachtiging), closed youth care, gedragswetenschapper consent, evaluation after 4 weeks
and then at least every 2 months. Authorisation events carry no measure_id.
"""

from __future__ import annotations

from synthetic.builder import MeasureBuilder
from synthetic.clock import DAY, HOUR, rfc3339
from synthetic.problems import Plan
from synthetic.vocab import pick_grounds

Title = tuple[str, int, int]  # kind, valid_from, valid_until


def build_wvggz(b: MeasureBuilder, plan: Plan, t0: int) -> None:
    """One Wvggz measure proposed at `t0` under the client's title(s)."""
    rng = b.rng
    titles = _wvggz_titles(b, plan, t0)
    ids = [b.authorize(kind, start, end, covers=rng.random() < 0.3) for kind, start, end in titles]
    basis_end = titles[-1][2] if titles else t0 + 120 * DAY
    first = t0 + rng.randint(2 * HOUR, DAY)
    grounds = [] if plan.no_grounds else pick_grounds(rng, "wvggz")
    planned_end = basis_end if rng.random() < 0.5 else None
    b.propose(t0, grounds=grounds, planned_start=first, planned_end=planned_end)
    b.step(t0 + rng.randint(HOUR, 12 * HOUR), "geneesheer_directeur_agreement")
    if rng.random() < 0.4:
        b.step(t0 + rng.randint(HOUR, 2 * DAY), "representative_consulted")
    if plan.authorization_expired:
        end_at = basis_end + rng.randint(8 * DAY, 20 * DAY)
        b.apply(basis_end + rng.randint(DAY, 6 * DAY))
    else:
        end_at = min(basis_end - rng.randint(2 * DAY, 10 * DAY), first + rng.randint(30, 160) * DAY)
        end_at = max(end_at, first + 2 * DAY)
    _run(b, first, end_at)
    if ids and not plan.authorization_expired and rng.random() < 0.5:
        b.end_authorization(end_at + rng.randint(HOUR, DAY), ids[-1])


def _wvggz_titles(b: MeasureBuilder, plan: Plan, t0: int) -> list[Title]:
    rng = b.rng
    if plan.no_authorization:
        return []
    if plan.authorization_too_long:
        if rng.random() < 0.5:
            start = t0 - rng.randint(6 * HOUR, 12 * HOUR)
            return [("crisismaatregel", start, start + rng.randint(6, 9) * DAY)]
        start = t0 - rng.randint(1, 10) * DAY
        return [("zorgmachtiging", start, start + rng.randint(800, 900) * DAY)]
    if plan.authorization_expired:
        start = t0 - rng.randint(120, 150) * DAY
        return [("zorgmachtiging", start, start + rng.randint(165, 180) * DAY)]
    if rng.random() < 0.4:
        crisis = t0 - rng.randint(2 * HOUR, 12 * HOUR)
        crisis_end = crisis + 3 * DAY - HOUR
        continued_end = crisis_end - 2 * HOUR + 21 * DAY - HOUR
        order = continued_end - DAY
        return [
            ("crisismaatregel", crisis, crisis_end),
            ("machtiging_voortzetting_crisismaatregel", crisis_end - 2 * HOUR, continued_end),
            ("zorgmachtiging", order, order + rng.randint(150, 180) * DAY),
        ]
    start = t0 - rng.randint(0, 20) * DAY
    return [("zorgmachtiging", start, start + rng.randint(150, 180) * DAY)]


def build_jeugdwet(b: MeasureBuilder, plan: Plan, t0: int) -> None:
    """One measure in gesloten jeugdhulp (or, as a problem, in open youth care)."""
    rng = b.rng
    basis_end = t0 + 200 * DAY
    if not plan.open_youth_care:
        titles = _jeugdwet_titles(b, t0)
        for kind, start, end in titles:
            b.authorize(kind, start, end)
        basis_end = titles[-1][2]
    start = t0 + rng.randint(6 * HOUR, 2 * DAY)
    planned_end = min(basis_end - 3 * DAY, start + rng.randint(30, 110) * DAY)
    grounds = pick_grounds(rng, "jeugdwet")
    b.propose(t0, grounds=grounds, planned_start=start, planned_end=planned_end)
    consent = t0 + rng.randint(2 * HOUR, start - t0)
    b.step(consent, "gedragswetenschapper_consent")
    if rng.random() < 0.4:
        b.step(t0 + rng.randint(HOUR, 3 * DAY), "representative_consulted")
    # The approved hulpverleningsplan is the regular basis an emergency insluiting needs.
    decided = consent + rng.randint(HOUR, 6 * HOUR)
    b.review(consent, decided, "approved", planned_end, reviewer="gedragswetenschapper")
    first = max(start, decided + HOUR)
    if rng.random() < 0.35:
        end_at = min(first + rng.randint(10, 40) * DAY, planned_end)
    else:
        end_at = planned_end - rng.randint(0, 4 * DAY)
    _run(b, first, end_at)


def _jeugdwet_titles(b: MeasureBuilder, t0: int) -> list[Title]:
    rng = b.rng
    if rng.random() < 0.25:
        spoed = t0 - rng.randint(1, 10) * DAY
        spoed_end = spoed + 27 * DAY
        full = spoed_end - DAY
        return [
            ("spoedmachtiging_gesloten_jeugdhulp", spoed, spoed_end),
            ("machtiging_gesloten_jeugdhulp", full, full + rng.choice((180, 300, 364)) * DAY),
        ]
    start = t0 - rng.randint(5, 90) * DAY
    return [("machtiging_gesloten_jeugdhulp", start, start + rng.randint(200, 364) * DAY)]


def _run(b: MeasureBuilder, first: int, end_at: int) -> None:
    """Apply, evaluate (4 weeks, then every 30–50 days) and end, with afbouw when the
    measure lasted long enough to phase it out."""
    rng = b.rng
    # Insluiting is lawful only in a noodsituatie (art. 6.3.2.2 lid 2): each episode says so.
    insluiting = b.framework == "jeugdwet" and b.category == "seclusion"
    b.applications(first, end_at - DAY, emergency=insluiting)
    long_enough = end_at - first > 45 * DAY
    afbouw_at = end_at - rng.randint(7 * DAY, 20 * DAY) if long_enough else None
    b.evaluations(first, (afbouw_at or end_at) - 2 * DAY, (30, 50))
    if afbouw_at is not None:
        b.evaluate(afbouw_at - rng.randint(HOUR, DAY), "afbouw")
        b.add(afbouw_at, "afbouw.started", {"target_end": rfc3339(end_at)})
        b.end(end_at, "afgebouwd")
    else:
        b.end(end_at, rng.choice(("converted_to_voluntary", "client_discharged", "other")))
