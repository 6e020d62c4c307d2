"""Rulebook 2026.2: the longer maximum of a zorgmachtiging (Wvggz 6:5), a Wzd rechterlijke
machtiging (art. 39) and a voorwaardelijke machtiging gesloten jeugdhulp (Jeugdwet 6.1.12
lid 2) only for an order that follows on one in force. On real dates, in the offset the
Dutch clock showed (CET +01:00, CEST +02:00); the maxima are counted on that clock.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.main import main
from domain.alerts import Alert
from domain.facts import Fact
from domain.rulebook import RULEBOOK_DIR, Period, Rulebook, RulebookError
from domain.rules.engine import FAR_FUTURE, evaluate_authorization
from tests.factories import SECOND, authorization, authorization_ended, only, retracted

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
BOOK = Rulebook.load_default(version="2026.2")
LEGACY = Rulebook.load_default(version="2026.1")

#: The first zorgmachtiging: 6 months on the Amsterdam clock, winter to summer time.
ZM1_FROM = datetime(2026, 1, 12, 10, tzinfo=CET)
ZM1_UNTIL = datetime(2026, 7, 12, 10, tzinfo=CEST)


def _too_long(*facts: Fact, book: Rulebook = BOOK, as_of: datetime = FAR_FUTURE) -> list[Alert]:
    alerts = evaluate_authorization(list(facts), book, as_of)
    return only(alerts, "AUTHORIZATION-TOO-LONG")


def _order(
    ident: str, valid_from: datetime, valid_until: datetime, kind: str = "zorgmachtiging", **kw
) -> Fact:
    at = kw.pop("at", valid_from - timedelta(days=2))
    return authorization(
        at, kind, valid_from, valid_until, authorization_id=ident, event_id=f"reg-{ident}", **kw
    )


FIRST = _order("zm-1", ZM1_FROM, ZM1_UNTIL)


def _add_months(moment: datetime, months: int) -> datetime:
    """`months` later on the Amsterdam wall clock, as the rulebook counts them."""
    return Period.parse(f"{months} months", BOOK.clock).after(moment)


def _judged(alerts: list[Alert]) -> set[str]:
    """The authorisation ids named by the alerts ("<kind> <id> is valid from ...")."""
    return {alert.message.split()[1] for alert in alerts}


# -- Wvggz 6:5: 6 months first, 12 months if it follows on a zorgmachtiging ---------------
def test_a_first_zorgmachtiging_of_7_months_fires() -> None:
    """A first zorgmachtiging may last 6 months; 7 months is too long."""
    [alert] = _too_long(_order("zm-1", ZM1_FROM, datetime(2026, 8, 12, 10, tzinfo=CEST)))
    assert "6 months a first order" in alert.message and "zm-1" in alert.message
    assert alert.since == FIRST.occurred_at and alert.severity == "medium"


def test_a_first_zorgmachtiging_of_exactly_6_months_is_within() -> None:
    """Exactly 6 months on the Amsterdam clock is within the maximum; a second more is not."""
    assert not _too_long(FIRST)
    assert _too_long(_order("zm-1", ZM1_FROM, ZM1_UNTIL + SECOND))


def test_a_follow_on_zorgmachtiging_of_12_months_is_lawful() -> None:
    """A zorgmachtiging starting when the last one ends may last 12 months (exactly)."""
    follow = _order("zm-2", ZM1_UNTIL, datetime(2027, 7, 12, 10, tzinfo=CEST))
    assert not _too_long(FIRST, follow)
    [alert] = _too_long(FIRST, _order("zm-2", ZM1_UNTIL, follow.data.valid_until + SECOND))
    assert "follows on zorgmachtiging zm-1" in alert.message
    assert alert.evidence == ("reg-zm-2", "reg-zm-1")


def test_a_follow_on_granted_before_the_old_one_ended_follows_on() -> None:
    """Overlapping (the new order decided and starting while the old one runs) follows on."""
    start = datetime(2026, 6, 30, 9, tzinfo=CEST)
    assert not _too_long(FIRST, _order("zm-2", start, _add_months(start, 12)))


def test_a_12_month_zorgmachtiging_months_after_the_last_one_ended_is_a_first_one() -> None:
    """Starting four months after the last one ended, it is a first one again: 6 months."""
    start = datetime(2026, 11, 12, 10, tzinfo=CET)
    late = _order("zm-2", start, _add_months(start, 12))
    [alert] = _too_long(FIRST, late)
    assert alert.alert_id == _too_long(late)[0].alert_id  # the same as with no earlier one
    assert "does not follow on a zorgmachtiging" in alert.message
    assert alert.evidence == ("reg-zm-2",)


def test_the_follow_on_gap_is_inclusive() -> None:
    """Up to 6 weeks after the end (6:6 lid 2 and 6:2, policy) it follows on; a second later
    it does not."""
    at_gap = ZM1_UNTIL + timedelta(weeks=6)  # same wall-clock time, both in summer time
    assert not _too_long(FIRST, _order("zm-2", at_gap, _add_months(at_gap, 12)))
    after = at_gap + SECOND
    assert _too_long(FIRST, _order("zm-2", after, _add_months(after, 12)))


def test_the_gap_is_policy_and_can_be_set() -> None:
    """An operator may narrow the gap: then the same order is a first one."""
    book = BOOK.with_policy({"wvggz.follow_on_gap": "1 day"})
    start = ZM1_UNTIL + timedelta(weeks=2)
    follow = _order("zm-2", start, _add_months(start, 12))
    assert not _too_long(FIRST, follow)
    assert _too_long(FIRST, follow, book=book)


def test_a_predecessor_ended_early_ends_where_it_ended() -> None:
    """Ended (authorization.ended) in April, before the new order was registered: the 6 weeks
    count from then, and a 12-month order from July is a first one."""
    end = authorization_ended(datetime(2026, 4, 1, 12, tzinfo=CEST), "zm-1")
    follow = _order("zm-2", ZM1_UNTIL, _add_months(ZM1_UNTIL, 12))
    [alert] = _too_long(FIRST, end, follow)
    assert "first order" in alert.message


def test_an_end_recorded_after_the_new_order_does_not_undo_the_follow_on() -> None:
    """Wzd (a gap of 1 day): the old machtiging ended after the new one was registered; the
    court's follow-on stands. Ended before it was registered, the new one is a first one."""
    kind = "rechterlijke_machtiging_wzd"
    old = _order("rm-1", ZM1_FROM, ZM1_UNTIL, kind)
    new_from = ZM1_UNTIL
    new = _order(
        "rm-2", new_from, _add_months(new_from, 24), kind, at=datetime(2026, 6, 20, 9, tzinfo=CEST)
    )
    after = authorization_ended(datetime(2026, 7, 1, 9, tzinfo=CEST), "rm-1")
    before = authorization_ended(datetime(2026, 6, 1, 9, tzinfo=CEST), "rm-1")
    assert not _too_long(old, new, after)
    assert _too_long(old, new, before)


def test_a_retracted_predecessor_does_not_count() -> None:
    """Retract the first zorgmachtiging: the 12-month one follows on nothing, and its alert
    opens at the retraction."""
    follow = _order("zm-2", ZM1_UNTIL, _add_months(ZM1_UNTIL, 12))
    at = datetime(2026, 8, 3, 9, tzinfo=CEST)
    retraction = retracted(at, FIRST, measure_id=None)
    [alert] = _too_long(FIRST, follow, retraction)
    assert alert.since == at and alert.status == "open"
    assert not _too_long(FIRST, follow, retraction, as_of=at - SECOND)


def test_a_crisismaatregel_is_no_predecessor_of_a_zorgmachtiging() -> None:
    """After the crisis chain a zorgmachtiging is a first one (6:5): 12 months fires."""
    crisis = _order("cm-1", ZM1_FROM, ZM1_FROM + timedelta(days=3), "crisismaatregel")
    mvc_until = ZM1_FROM + timedelta(days=24)
    mvc = _order(
        "mvc-1", ZM1_FROM + timedelta(days=3), mvc_until, "machtiging_voortzetting_crisismaatregel"
    )
    assert _too_long(crisis, mvc, _order("zm-1", mvc_until, _add_months(mvc_until, 12)))
    assert not _too_long(crisis, mvc, _order("zm-1", mvc_until, _add_months(mvc_until, 6)))


def test_the_third_in_a_chain_may_last_2_years() -> None:
    """First 6 months, next 12, the one after that 2 years (6:5 c; its 5-year condition is
    not in the events, LAW.md §7 item 17); a gap before the third makes it a first one."""
    second = _order("zm-2", ZM1_UNTIL, _add_months(ZM1_UNTIL, 12))
    third_from = second.data.valid_until
    third = _order("zm-3", third_from, _add_months(third_from, 24))
    assert not _too_long(FIRST, second, third)
    assert not _too_long(third, second, FIRST)  # arrival order does not matter
    late_from = third_from + timedelta(days=120)
    assert _too_long(FIRST, second, _order("zm-3", late_from, _add_months(late_from, 24)))


# -- Wzd art. 39 and Jeugdwet 6.1.12 lid 2: the same shape ---------------------------------
@pytest.mark.parametrize(
    ("kind", "first_max", "next_max", "gap"),
    [
        ("rechterlijke_machtiging_wzd", 6, 60, timedelta(days=1)),
        ("voorwaardelijke_machtiging_gesloten_jeugdhulp", 6, 12, timedelta(days=1)),
    ],
)
def test_wzd_and_jeugdwet_follow_ons(
    kind: str, first_max: int, next_max: int, gap: timedelta
) -> None:
    """First at most 6 months (7 fires); one that follows on within a day of the end may
    last the next maximum; one after a longer gap is a first one again."""
    first = _order("t-1", ZM1_FROM, ZM1_UNTIL, kind)
    assert not _too_long(first)
    assert _too_long(_order("t-1", ZM1_FROM, _add_months(ZM1_FROM, first_max + 1), kind))
    at_gap = ZM1_UNTIL + gap
    assert not _too_long(first, _order("t-2", at_gap, _add_months(at_gap, next_max), kind))
    assert _too_long(first, _order("t-2", at_gap, _add_months(at_gap, next_max) + SECOND, kind))
    after = at_gap + SECOND
    assert _too_long(first, _order("t-2", after, _add_months(after, next_max), kind))


# -- 2026.1 judges as it did ------------------------------------------------------------
def test_2026_1_still_counts_every_earlier_order() -> None:
    """Under 2026.1 a 12-month zorgmachtiging after a gap counted as a follow-up (its
    wording unchanged); 2026.2 corrects that."""
    start = datetime(2026, 11, 12, 10, tzinfo=CET)
    late = _order("zm-2", start, start + timedelta(days=365))
    assert not _too_long(FIRST, late, book=LEGACY)
    [legacy] = _too_long(FIRST, _order("zm-2", start, start + timedelta(days=400)), book=LEGACY)
    assert "a follow-up order may last" in legacy.message
    assert _too_long(FIRST, late)


def test_follows_on_needs_its_gap_and_known_kinds() -> None:
    """The loader refuses a follows_on without the framework's gap, or with an unknown kind."""
    text = (RULEBOOK_DIR / "v2.toml").read_text("utf-8")
    gap = "[frameworks.wvggz.periods.follow_on_gap]"
    assert text.count(gap) == 1
    with pytest.raises(RulebookError, match="follow_on_gap"):
        Rulebook.from_toml(text.replace(gap, "[frameworks.wvggz.periods.unused_gap]"))
    kinds = 'follows_on = ["zorgmachtiging"]'
    assert text.count(kinds) == 1
    with pytest.raises(RulebookError, match="bopz"):
        Rulebook.from_toml(text.replace(kinds, 'follows_on = ["bopz"]'))


def test_rules_periods_lists_the_follow_on_values(capsys: pytest.CaptureFixture[str]) -> None:
    """`measure-ledger rules --periods` shows the gaps and which orders make a term "next"."""
    assert main(["rules", "--periods", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["periods"]
    values = {(row["scope"], row["period"]): (row["value"], row["kind"]) for row in rows}
    assert values[("wvggz", "follow_on_gap")] == ("6 weeks", "policy")
    assert values[("wzd", "follow_on_gap")] == ("1 day", "policy")
    assert values[("jeugdwet", "follow_on_gap")] == ("1 day", "policy")
    assert values[("jeugdwet", "seclusion_merge_gap")] == ("1 hour", "policy")
    follow = values[("wvggz zorgmachtiging", "next term only when it follows on")]
    assert follow == ("zorgmachtiging ending at most 6 weeks before it starts", "policy")


# -- a property: the chain decides the maximum, whatever else the client had ------------
@given(
    gaps=st.lists(st.integers(-30, 90), min_size=1, max_size=4),
    months=st.lists(st.sampled_from([6, 12, 24]), min_size=5, max_size=5),
)
def test_each_order_is_judged_by_its_own_chain(gaps: list[int], months: list[int]) -> None:
    """Consecutive zorgmachtigingen, each starting `gap` days after the previous end: an
    order is too long exactly when it exceeds the maximum of its place in the chain, the
    chain restarting after a gap of more than 6 weeks."""
    orders, chain, expected = [], 0, set()
    start, within = ZM1_FROM, BOOK.period("follow_on_gap", "wvggz")  # 6 weeks, wall clock
    for index, length in enumerate(months[: len(gaps) + 1]):
        if index:
            days = gaps[index - 1]
            end = orders[-1].data.valid_until
            start = Period.parse(f"{days} days", BOOK.clock).after(end) if days >= 0 else end
            start = max(
                start + min(days, 0) * timedelta(days=1), orders[-1].data.valid_from + SECOND
            )
            chain = chain + 1 if start <= within.after(end) else 0
        orders.append(_order(f"zm-{index}", start, _add_months(start, length)))
        if length > (6, 12, 24)[min(chain, 2)]:
            expected.add(f"zm-{index}")
    assert _judged(_too_long(*orders)) == expected
    assert _judged(_too_long(*reversed(orders))) == expected
