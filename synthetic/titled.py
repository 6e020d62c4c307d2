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
    if plan.nood_gd_uninformed:
        _build_wvggz_nood(b, t0)
        return
    titles = _wvggz_titles(b, plan, t0)
    ids = [
        b.authorize(kind, start, end, covers=rng.random() < 0.3, serial=serial)
        for serial, (kind, start, end) in _numbered(titles)
    ]
    basis_end = titles[-1][2] if titles else t0 + 120 * DAY
    first = t0 + rng.randint(2 * HOUR, DAY)
    grounds = [] if plan.no_grounds else pick_grounds(rng, "wvggz")
    planned_end = basis_end if rng.random() < 0.5 else None
    # Art. 8:9 lid 1 c: whether the zorgverantwoordelijke is a psychiatrist (sometimes not
    # said); one who is not needs the GD's agreement, recorded before the first application.
    psychiatrist = rng.choice((True, True, False, None))
    if plan.psych_without_agreement:
        psychiatrist = False
    extra = {} if psychiatrist is None else {"zorgverantwoordelijke_psychiatrist": psychiatrist}
    b.propose(t0, grounds=grounds, planned_start=first, planned_end=planned_end, extra=extra)
    if not plan.psych_without_agreement:
        b.step(t0 + rng.randint(HOUR, first - t0), "geneesheer_directeur_agreement")
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


def _numbered(titles: list[Title]) -> list[tuple[int, Title]]:
    """Each title with its serial among the titles of its kind (0 for the first)."""
    seen: dict[str, int] = {}
    numbered = []
    for title in titles:
        numbered.append((seen.get(title[0], 0), title))
        seen[title[0]] = seen.get(title[0], 0) + 1
    return numbered


def _build_wvggz_nood(b: MeasureBuilder, t0: int) -> None:
    """An 8:11 emergency under a zorgmachtiging, ended within 2 days, of which the
    geneesheer-directeur is never informed (a planted problem: art. 8:12 lid 2)."""
    rng = b.rng
    start = t0 - rng.randint(5, 20) * DAY
    b.authorize("zorgmachtiging", start, start + rng.randint(150, 180) * DAY)
    grounds = pick_grounds(rng, "wvggz")
    b.propose(t0, grounds=grounds, planned_start=t0, planned_end=None, emergency=True)
    first = t0 + rng.randint(0, HOUR)
    b.apply(first, emergency=True)
    b.end(first + rng.randint(DAY, 2 * DAY), "no_longer_needed")


def _crisis_chain(b: MeasureBuilder, t0: int) -> list[Title]:
    """Crisismaatregel 3 days → machtiging tot voortzetting 3 weeks → zorgmachtiging."""
    rng = b.rng
    crisis = t0 - rng.randint(2 * HOUR, 12 * HOUR)
    crisis_end = crisis + 3 * DAY - HOUR
    continued_end = crisis_end - 2 * HOUR + 21 * DAY - HOUR
    order = continued_end - DAY
    return [
        ("crisismaatregel", crisis, crisis_end),
        ("machtiging_voortzetting_crisismaatregel", crisis_end - 2 * HOUR, continued_end),
        ("zorgmachtiging", order, order + rng.randint(150, 180) * DAY),
    ]


def _wvggz_titles(b: MeasureBuilder, plan: Plan, t0: int) -> list[Title]:
    rng = b.rng
    if plan.no_authorization:
        return []
    if plan.pre_crisis_too_long:
        # 7:3 care before the crisismaatregel: two orders of 10 hours back to back, 20 hours
        # in total where art. 7:3 lid 2 allows 18 (each alone is within AUTHORIZATION-TOO-LONG)
        chain = _crisis_chain(b, t0)
        crisis = chain[0][1]
        return [
            ("tijdelijke_verplichte_zorg", crisis - 19 * HOUR, crisis - 9 * HOUR),
            ("tijdelijke_verplichte_zorg", crisis - 9 * HOUR, crisis + HOUR),
            *chain,
        ]
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
        return _crisis_chain(b, t0)
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
    if plan.nood_without_consent:
        _build_jeugdwet_nood(b, t0)
        return
    if plan.not_in_plan and b.category == "seclusion":
        b.category = "restrict_movement"  # insluiting is emergency-only: always "in" a nood
    start = t0 + rng.randint(6 * HOUR, 2 * DAY)
    planned_end = min(basis_end - 3 * DAY, start + rng.randint(30, 110) * DAY)
    if plan.afbouw_without_advice:  # room after the term, still under the machtiging
        planned_end = min(basis_end - 40 * DAY, planned_end)
    grounds = pick_grounds(rng, "jeugdwet")
    proposal = b.propose(t0, grounds=grounds, planned_start=start, planned_end=planned_end)
    consent = t0 + rng.randint(2 * HOUR, start - t0)
    early = None
    if plan.not_in_plan:  # applied hours before the plan was set (consented before that)
        early = t0 - rng.randint(2 * HOUR, 20 * HOUR)
        consent = early - rng.randint(HOUR, 2 * HOUR)
    if plan.gw_consent_missing:
        proposal.role = "jeugdhulpverlener"  # set by someone who is not a gedragswetenschapper
    else:
        b.step(consent, "gedragswetenschapper_consent")
    if rng.random() < 0.4:
        b.step(t0 + rng.randint(HOUR, 3 * DAY), "representative_consulted")
    # The approved hulpverleningsplan is the regular basis an emergency insluiting needs.
    decided = consent + rng.randint(HOUR, 6 * HOUR)
    approval_until = None if plan.afbouw_without_advice else planned_end
    b.review(consent, decided, "approved", approval_until, reviewer="gedragswetenschapper")
    first = max(start, decided + HOUR) if early is None else early
    if plan.afbouw_without_advice:  # not phased out by the term end, no independent advice
        end_at = planned_end + rng.randint(16, 30) * DAY
    elif rng.random() < 0.35:
        end_at = min(first + rng.randint(10, 40) * DAY, planned_end)
    else:
        end_at = planned_end - rng.randint(0, 4 * DAY)
    _run(b, first, end_at)


def _build_jeugdwet_nood(b: MeasureBuilder, t0: int) -> None:
    """An emergency measure not in the plan (6.3.1.2 lid 3), one episode of 14 to 20 hours,
    ended within 3 days, without the gedragswetenschapper's consent after 12 hours."""
    rng = b.rng
    grounds = pick_grounds(rng, "jeugdwet")
    b.propose(t0, grounds=grounds, planned_start=t0, planned_end=None, emergency=True)
    first = t0 + rng.randint(0, HOUR)
    b.apply(first, emergency=True, until=first + rng.randint(14 * HOUR, 20 * HOUR))
    b.end(first + rng.randint(36 * HOUR, 60 * HOUR), "no_longer_needed")


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
