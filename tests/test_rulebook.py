"""The rulebook as data: loading, sources, policy overrides, profiles, versions, months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.codes import AUTHORIZATION_KINDS, FRAMEWORK_CATEGORIES
from domain.rulebook import Period, Rulebook, RulebookError, add_months, effective_at
from domain.rules.engine import evaluate

CATALOGUE = {
    "NO-LEGAL-BASIS": "critical",
    "AUTHORIZATION-EXPIRED": "critical",
    "APPLIED-WITHOUT-REVIEW": "critical",
    "APPLIED-AFTER-REJECTION": "critical",
    "STEPPLAN-SKIPPED": "high",
    "REVIEW-OVERDUE": "high",
    "EMERGENCY-OVERRUN": "critical",
    "SECLUSION-UNLAWFUL": "critical",
    "EVALUATION-OVERDUE": "high",
    "TERM-TOO-LONG": "medium",
    "AFBOUW-OVERDUE": "high",
    "EXTENSION-WITHOUT-EXPERT": "high",
    "EXTENSION-WITHOUT-REVIEW": "high",
    "APPLIED-AFTER-END": "high",
    "NO-SERIOUS-HARM-GROUNDS": "high",
    "AUTHORIZATION-TOO-LONG": "medium",
    "LATE-REGISTRATION": "low",
}


@pytest.fixture
def book() -> Rulebook:
    return Rulebook.load_default()


def _all_limits(book: Rulebook):
    yield from book.limits.values()
    for framework in book.frameworks.values():
        yield from framework.limits.values()
    for profile in book.profiles.values():
        yield from profile.limits.values()


def test_default_rulebook_has_version_and_effective_date(book: Rulebook) -> None:
    """The active rulebook is 2026.2; 2026.1, effective since the Wzd/Wvggz start, stays
    loadable by name."""
    cet = timezone(timedelta(hours=1))
    assert book.version == "2026.2"
    assert book.effective_from == datetime(2026, 12, 1, tzinfo=cet)
    previous = Rulebook.load_default(version="2026.1")
    assert previous.effective_from == datetime(2020, 1, 1, tzinfo=cet)
    assert Rulebook.load_default(at=datetime(2026, 6, 1, tzinfo=UTC)).version == "2026.1"
    with pytest.raises(RulebookError, match=r"2026\.1, 2026\.2"):
        Rulebook.load_default(version="2025.9")


def test_catalogue_severities_match_the_contract(book: Rulebook) -> None:
    """Every rule of CONTRACT §2 is in the rulebook with its catalogue severity; the rest is
    catalogue 2 (docs/rules.md)."""
    first = {rule: info.severity for rule, info in book.rules.items() if info.catalogue == 1}
    assert first == CATALOGUE


def test_every_period_cites_a_source(book: Rulebook) -> None:
    """No number without an article: every limit has a non-empty source."""
    assert all(limit.source.strip() for limit in _all_limits(book))


def test_policy_marks_follow_law_md(book: Rulebook) -> None:
    """Review period, registration lag and Wvggz evaluation are policy; statute periods are not."""
    assert book.limit("review").policy and book.limit("registration_lag").policy
    assert book.limit("evaluation_interval", "wvggz").policy
    assert not book.limit("emergency_max", "wzd").policy
    assert not book.limit("term_max", "wzd").policy
    assert all(
        "POLICY" in limit.source or "S12" in limit.source
        for limit in _all_limits(book)
        if limit.policy
    )


def test_periods_from_the_law(book: Rulebook) -> None:
    """The statutory numbers of LAW.md are what the rules use."""
    assert str(book.period("emergency_max", "wzd")) == "2 weeks"
    wvggz = book.period("emergency_max", "wvggz")  # 8:12 lid 1: + to the next working day
    assert (wvggz.amount, wvggz.unit, wvggz.extension) == (3, "day", "next_working_day")
    assert str(book.period("emergency_max", "jeugdwet")) == "3 days"  # no extension
    assert str(book.period("seclusion_max", "jeugdwet")) == "1 day"
    assert str(book.period("term_max", "wzd")) == "3 months"
    assert str(book.period("bridge_extension_max", "wzd")) == "3 months"
    assert str(book.period("later_extension_max", "wzd")) == "6 months"
    assert str(book.period("evaluation_interval", "jeugdwet")) == "2 months"
    assert [str(p) for p in book.authorizations["zorgmachtiging"].maximum] == [
        "6 months",
        "12 months",
        "2 years",
    ]
    assert str(book.authorizations["tijdelijke_verplichte_zorg"].maximum[0]) == "18 hours"
    for kind in ("crisismaatregel", "inbewaringstelling"):  # Wvggz 7:4, Wzd 29 lid 4
        [maximum] = book.authorizations[kind].maximum
        assert (maximum.amount, maximum.unit, maximum.extension) == (3, "day", "next_working_day")


def test_categories_and_kinds_come_from_the_contract_codes(book: Rulebook) -> None:
    """One source of truth: permitted categories are domain.codes; every kind has a maximum."""
    for name, framework in book.frameworks.items():
        assert framework.categories == frozenset(FRAMEWORK_CATEGORIES[name])
    assert set(book.authorizations) == set(AUTHORIZATION_KINDS)


def test_policy_override_changes_a_policy_period(book: Rulebook) -> None:
    """Settings may change a policy default such as the review period."""
    changed = book.with_policy({"review": "21 days", "wvggz.evaluation_interval": "2 months"})
    assert str(changed.period("review")) == "21 days"
    assert str(changed.period("evaluation_interval", "wvggz")) == "2 months"
    assert str(book.period("review")) == "14 days"


@pytest.mark.parametrize("key", ["wzd.emergency_max", "jeugdwet.first_evaluation"])
def test_policy_override_refuses_statute(book: Rulebook, key: str) -> None:
    """A statutory period cannot be overridden by settings."""
    with pytest.raises(RulebookError, match="statute"):
        book.with_policy({key: "1 year"})


def test_policy_override_refuses_unknown_keys(book: Rulebook) -> None:
    """A typo in a setting is an error, not a silent no-op."""
    with pytest.raises(RulebookError, match="unknown"):
        book.with_policy({"reveiw": "3 days"})


def test_policy_rule_can_be_switched_off(book: Rulebook) -> None:
    """A policy rule (LATE-REGISTRATION) can be disabled; a statutory rule cannot."""
    assert not book.with_policy({"rule.LATE-REGISTRATION": False}).enabled("LATE-REGISTRATION")
    with pytest.raises(RulebookError):
        book.with_policy({"rule.NO-LEGAL-BASIS": False})


def test_profile_is_chosen_per_provider(book: Rulebook) -> None:
    """Statutory 2020 is the default; a provider may opt in to the 2024 agreements."""
    chosen = book.with_provider_profiles({"AGB:2": "bestuurlijke-afspraken-2024"})
    assert chosen.profile_for("AGB:1").name == "statutory-2020"
    assert chosen.profile_for("AGB:2").name == "bestuurlijke-afspraken-2024"
    assert str(chosen.evaluation_limits("wzd", "AGB:2")[1].period) == "6 months"
    with pytest.raises(RulebookError):
        book.with_provider_profiles({"AGB:3": "made-up"})


def test_version_effective_at_a_date() -> None:
    """The newest version effective at the date is picked; none before the first."""
    book = Rulebook.load_default(version="2026.1")
    later = Rulebook.from_toml(
        _v1_text()
        .replace('"2026.1"', '"2027.1"', 1)
        .replace("2020-01-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00", 1)
    )
    versions = (book, later)
    assert effective_at(versions, datetime(2026, 6, 1, tzinfo=UTC)).version == "2026.1"
    assert effective_at(versions, datetime(2027, 6, 1, tzinfo=UTC)).version == "2027.1"
    assert effective_at(versions, None).version == "2027.1"
    with pytest.raises(RulebookError):
        effective_at(versions, datetime(2019, 1, 1, tzinfo=UTC))


def _v1_text() -> str:
    from domain.rulebook import RULEBOOK_DIR

    return (RULEBOOK_DIR / "v1.toml").read_text("utf-8")


def test_rulebook_without_sources_is_refused() -> None:
    """Loading refuses a period that does not cite its source."""
    text = _v1_text().replace(
        "source = \"POLICY; Wzd art. 16 lid 3 'zodra' (LAW.md §8 WZD-DOSSIER-NOTE)\"", ""
    )
    with pytest.raises(RulebookError, match="source"):
        Rulebook.from_toml(text)


def test_alerts_carry_the_rulebook_version(book: Rulebook) -> None:
    """Every alert names the rulebook version that judged it."""
    from tests.factories import T0, applied, proposed

    alerts = evaluate([proposed(T0, grounds=()), applied(T0)], [], book, T0)
    assert alerts and {alert.rulebook_version for alert in alerts} == {"2026.2"}


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 10, tzinfo=UTC), 1, datetime(2026, 2, 28, 10, tzinfo=UTC)),
        (datetime(2028, 1, 31, 10, tzinfo=UTC), 1, datetime(2028, 2, 29, 10, tzinfo=UTC)),
        (datetime(2025, 11, 30, 8, tzinfo=UTC), 3, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2026, 3, 15, 0, tzinfo=UTC), 12, datetime(2027, 3, 15, 0, tzinfo=UTC)),
        (datetime(2026, 12, 1, tzinfo=UTC), 1, datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_calendar_months_clamp_to_month_end(
    start: datetime, months: int, expected: datetime
) -> None:
    """Months are calendar months; the day is clamped to the end of a shorter month."""
    assert add_months(start, months) == expected


def test_month_arithmetic_keeps_the_offset() -> None:
    """A month is counted in the offset the moment was given in (wall-clock time kept)."""
    cet = timezone(timedelta(hours=1))
    assert add_months(datetime(2026, 1, 31, 23, 30, tzinfo=cet), 1) == datetime(
        2026, 2, 28, 23, 30, tzinfo=cet
    )


def test_period_parsing_and_elapsed_units() -> None:
    """Hours, days and weeks are elapsed time; bad text is refused."""
    start = datetime(2026, 3, 28, 12, tzinfo=UTC)
    assert Period.parse("18 hours").after(start) == start + timedelta(hours=18)
    assert Period.parse("2 weeks").after(start) == start + timedelta(days=14)
    assert Period.parse("1 year").after(start) == datetime(2027, 3, 28, 12, tzinfo=UTC)
    with pytest.raises(RulebookError):
        Period.parse("three months")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('zone = "Europe/Amsterdam"', 'zone = "Mars/Olympus_Mons"', "calendar.zone"),
        ('deadline = "after_due"', 'deadline = "whenever"', "calendar.deadline"),
        ('permitted_settings = ["closed_youth_care"]', 'permitted_settings = ["attic"]', "attic"),
        ('reviewer_roles = ["wzd_functionaris"]', 'reviewer_roles = ["boss"]', "boss"),
        (
            'extension = "next_working_day"   # art. 7:4',
            'extension = "some_day"   # art. 7:4',
            "extension",
        ),
    ],
)
def test_the_2026_2_calendar_and_settings_are_checked_on_load(
    old: str, new: str, message: str
) -> None:
    from domain.rulebook import RULEBOOK_DIR

    text = (RULEBOOK_DIR / "v2.toml").read_text("utf-8")
    assert text.count(old) == 1
    with pytest.raises(RulebookError, match=message):
        Rulebook.from_toml(text.replace(old, new))


def test_an_extension_needs_a_calendar_zone() -> None:
    with pytest.raises(RulebookError, match="zone"):
        Period.parse("3 days", extension="next_working_day")
