"""Records: LATE-REGISTRATION (policy) and AUTHORIZATION-TOO-LONG (evaluate_authorization)."""

from __future__ import annotations

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate_authorization
from tests.factories import (
    DAY,
    HOUR,
    SECOND,
    T0,
    WEEK,
    alerts_at,
    applied,
    authorization,
    decided,
    only,
    open_rules,
    proposed,
    retracted,
    step,
)

BOOK = Rulebook.load_default()
LAG = 7 * DAY


def _lawful(*more):
    return [proposed(T0), step(T0), decided(T0), *more]


def test_late_registration_fires_from_recorded_at() -> None:
    """Recorded 7 days and 1 second after it occurred: LATE-REGISTRATION from recorded_at."""
    late = applied(T0 + DAY, recorded_at=T0 + DAY + LAG + SECOND)
    [alert] = only(alerts_at(_lawful(late)), "LATE-REGISTRATION")
    assert alert.since == T0 + DAY + LAG + SECOND and alert.severity == "low"
    assert alert.evidence == (late.event_id,)


def test_registration_within_the_lag_is_fine() -> None:
    """Recorded exactly 7 days after it occurred: in time."""
    in_time = applied(T0 + DAY, recorded_at=T0 + DAY + LAG)
    assert not only(alerts_at(_lawful(in_time)), "LATE-REGISTRATION")


def test_lateness_not_visible_before_the_record_exists() -> None:
    """As of a moment before the late record was made, the event counts but no alert shows."""
    late = applied(T0 + DAY, recorded_at=T0 + 30 * DAY)
    assert "LATE-REGISTRATION" not in open_rules(_lawful(late), as_of=T0 + 29 * DAY)
    assert "LATE-REGISTRATION" in open_rules(_lawful(late), as_of=T0 + 30 * DAY)


def test_late_registration_can_be_switched_off() -> None:
    """The policy rule can be disabled by settings."""
    book = BOOK.with_policy({"rule.LATE-REGISTRATION": False})
    late = applied(T0 + DAY, recorded_at=T0 + 30 * DAY)
    assert not only(alerts_at(_lawful(late), book=book), "LATE-REGISTRATION")


def test_retraction_resolves_late_registration() -> None:
    """A retracted late event's alert is resolved at the retraction, not deleted."""
    late = applied(T0 + DAY, recorded_at=T0 + 10 * DAY)
    facts = _lawful(late, retracted(T0 + 12 * DAY, late))
    [alert] = only(alerts_at(facts), "LATE-REGISTRATION")
    assert (alert.status, alert.resolved_at) == ("resolved", T0 + 12 * DAY)


def _too_long(*facts, as_of=FAR_FUTURE):
    return only(evaluate_authorization(list(facts), BOOK, as_of), "AUTHORIZATION-TOO-LONG")


def test_crisismaatregel_of_3_days_is_fine() -> None:
    """A crisismaatregel of exactly 3 days is within Wvggz 7:4; 1 second more is too long."""
    assert not _too_long(authorization(T0, "crisismaatregel", T0, T0 + 3 * DAY))
    [alert] = _too_long(authorization(T0, "crisismaatregel", T0, T0 + 3 * DAY + SECOND))
    assert alert.measure_id is None and alert.framework == "wvggz" and alert.since == T0
    assert alert.severity == "medium"


def test_tijdelijke_verplichte_zorg_max_18_hours() -> None:
    """Wvggz 7:3: tijdelijke verplichte zorg at most 18 hours."""
    assert not _too_long(authorization(T0, "tijdelijke_verplichte_zorg", T0, T0 + 18 * HOUR))
    assert _too_long(authorization(T0, "tijdelijke_verplichte_zorg", T0, T0 + 19 * HOUR))


def test_first_zorgmachtiging_6_months_follow_up_12() -> None:
    """A first zorgmachtiging may last 6 months; one that follows on another 12 months."""
    first = authorization(T0, "zorgmachtiging", T0, T0 + 40 * WEEK, authorization_id="zm-1")
    [alert] = _too_long(first)
    assert "zm-1" in alert.message
    ok_first = authorization(T0, "zorgmachtiging", T0, T0 + 20 * WEEK, authorization_id="zm-1")
    follow = authorization(
        T0 + 20 * WEEK, "zorgmachtiging", T0 + 20 * WEEK, T0 + 70 * WEEK, authorization_id="zm-2"
    )
    assert not _too_long(ok_first, follow)


def test_alert_id_is_stable_per_authorization() -> None:
    """The same authorisation gives the same alert_id in every evaluation."""
    order = authorization(T0, "spoedmachtiging_gesloten_jeugdhulp", T0, T0 + 5 * WEEK)
    assert _too_long(order)[0].alert_id == _too_long(order, as_of=T0 + DAY)[0].alert_id


def test_retracted_order_resolves_too_long() -> None:
    """An order retracted elsewhere (retracted_ids) resolves its alert at the retraction time."""
    order = authorization(T0, "crisismaatregel", T0, T0 + 5 * DAY)
    [alert] = evaluate_authorization([order], BOOK, FAR_FUTURE, {order.event_id: T0 + DAY})
    assert alert.resolved_at == T0 + DAY


def test_late_registration_of_an_authorization() -> None:
    """An authorisation event recorded late is reported by evaluate_authorization."""
    order = authorization(T0, "crisismaatregel", T0, T0 + DAY, recorded_at=T0 + 9 * DAY)
    alerts = evaluate_authorization([order], BOOK, FAR_FUTURE)
    assert [a.rule for a in alerts] == ["LATE-REGISTRATION"]
