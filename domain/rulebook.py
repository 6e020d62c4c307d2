"""The rulebook: the law as versioned data (`domain/rulebook/*.toml`), loaded into frozen objects.

Rules never hold a number themselves: they ask the rulebook for a period, which carries the
article it comes from and whether it is POLICY (not fixed by law, overridable by the operator)
or statute (fixed; an override is refused so settings can never silently change the law).

Time arithmetic (the calendar: wall-clock days and months, working days) is in
`domain.rules.periods` and `domain.rules.working_days`; the pieces a rulebook is made of, and
their building from TOML, in `domain.rulebook_parts`. The data directory
`domain/rulebook/` has no `__init__.py` on purpose: a package of that name would shadow this.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from domain.codes import AUTHORIZATION_KINDS, FRAMEWORKS
from domain.rulebook_parts import (
    AuthorizationKindRules,
    FrameworkRules,
    Limit,
    Profile,
    RuleInfo,
    check_follow_on,
    clock_of,
    codes_of,
    framework_of,
    frozen,
    limits_of,
    onboarding_moment,
)
from domain.rulebook_policy import override
from domain.rulebook_titles import TitleRules, titles_of
from domain.rules.periods import (
    ADDED_IN_2026_2,
    LEGACY,
    Clock,
    Period,
    RulebookError,
    add_months,
)

__all__ = [
    "AuthorizationKindRules",
    "FrameworkRules",
    "Limit",
    "Period",
    "Profile",
    "RuleInfo",
    "Rulebook",
    "RulebookError",
    "add_months",
    "effective_at",
    "load_versions",
]

RULEBOOK_DIR = Path(__file__).with_name("rulebook")
SEVERITIES = ("critical", "high", "medium", "low")
DEADLINES = ("at_due", "after_due")
REGISTRATION_ALERTS = ("per_event", "per_measure")
#: The smallest step of the ledger's time (it keeps microseconds): "after the due time".
RESOLUTION = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Rulebook:
    """One version of the rules, with the provider's profile choices and policy overrides."""

    version: str
    effective_from: datetime
    title: str
    rules: Mapping[str, RuleInfo]
    limits: Mapping[str, Limit]
    frameworks: Mapping[str, FrameworkRules]
    profiles: Mapping[str, Profile]
    default_profile: str
    authorizations: Mapping[str, AuthorizationKindRules]
    provider_profiles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    clock: Clock = field(default=LEGACY, metadata=ADDED_IN_2026_2)
    # "at_due" (2026.1): a deadline alert holds from the due instant itself; "after_due"
    # (2026.2): an act at the due instant is in time, nothing is overdue at as_of == due, and
    # the alert holds from the first instant after it
    deadline: str = field(default="at_due", metadata=ADDED_IN_2026_2)
    # 2026.2: an application of a measure whose framework was never recorded (no proposal
    # arrived) is NO-LEGAL-BASIS, LAW.md §8 GEN-NO-FRAMEWORK; 2026.1 judged nothing there
    unframed_is_unlawful: bool = field(default=False, metadata=ADDED_IN_2026_2)
    # Catalogue 2: admission titles and their precedence across the laws (`[titles]`,
    # GEN-TITLE-PRECEDENCE); None in a version without them
    titles: TitleRules | None = field(default=None, metadata=ADDED_IN_2026_2)
    # Catalogue 2: each provider's registered locations (Wzd art. 20, the locatieregister),
    # configuration handed in by the composition root (`with_registered_locations`); a
    # provider not listed has none configured and WZD-LOCATION-UNREGISTERED stays silent
    registered_locations: tuple[tuple[str, frozenset[str]], ...] = field(
        default=(), metadata=ADDED_IN_2026_2
    )
    # LATE-REGISTRATION: "per_event" (2026.1) one alert per late event; "per_measure"
    # (2026.2) one per measure and one per authorisation (domain.rules.registration)
    registration: str = field(default="per_event", metadata=ADDED_IN_2026_2)
    # provider_id -> the moment it was connected: events that occurred before it are not
    # judged for registration lag (2026.2; empty, the default, is left out of the fingerprint)
    onboarding: Mapping[str, datetime] = field(
        default_factory=lambda: MappingProxyType({}), metadata=ADDED_IN_2026_2
    )

    def overdue_from(self, due: datetime) -> datetime:
        """The first instant a deadline that fell due at `due` is missed."""
        return due + RESOLUTION if self.deadline == "after_due" else due

    def severity(self, rule: str) -> str:
        return self.rules[rule].severity

    def enabled(self, rule: str) -> bool:
        """Whether the rule judges under this book: a rule a version's catalogue does not
        list (a catalogue-2 rule under 2026.1) never runs, so that version judges as it did."""
        info = self.rules.get(rule)
        return info is not None and info.enabled

    def limit(self, name: str, framework: str | None = None) -> Limit:
        """A shared limit (`framework=None`) or one of a framework's limits."""
        table = self.limits if framework is None else self.frameworks[framework].limits
        return table[name]

    def period(self, name: str, framework: str | None = None) -> Period:
        return self.limit(name, framework).period

    def profile_for(self, provider_id: str) -> Profile:
        return self.profiles[self.provider_profiles.get(provider_id, self.default_profile)]

    def evaluation_limits(self, framework: str, provider_id: str) -> tuple[Limit, Limit]:
        """(first evaluation, interval): Wzd from the provider's profile, others per framework."""
        if framework == "wzd":
            limits = self.profile_for(provider_id).limits
        else:
            limits = self.frameworks[framework].limits
        return limits["first_evaluation"], limits["evaluation_interval"]

    def with_provider_profiles(self, choices: Mapping[str, str]) -> Rulebook:
        """Providers that opted in to another Wzd profile (provider_id -> profile name)."""
        for provider, name in choices.items():
            if name not in self.profiles:
                raise RulebookError(f"provider {provider}: unknown profile {name!r}")
        merged = {**self.provider_profiles, **choices}
        return replace(self, provider_profiles=MappingProxyType(merged))

    def locations_of(self, provider_id: str) -> frozenset[str] | None:
        """The provider's registered locations, or None when none are configured."""
        for provider, locations in self.registered_locations:
            if provider == provider_id:
                return locations
        return None

    def with_registered_locations(self, registers: Mapping[str, Iterable[str]]) -> Rulebook:
        """Providers' registered locations (provider_id -> location ids), replacing any
        earlier register of the same provider. Sorted, so the fingerprint is stable."""
        merged = dict(self.registered_locations)
        merged.update({provider: frozenset(ids) for provider, ids in registers.items()})
        return replace(self, registered_locations=tuple(sorted(merged.items())))

    def with_onboarding(self, dates: Mapping[str, str | date | datetime]) -> Rulebook:
        """Providers' onboarding dates (provider_id -> a date, its 00:00 on the Amsterdam
        clock, or a time with offset): events that occurred before are history loaded at
        the connection, not judged for registration lag; the date itself is judged. Refused
        under 2026.1 (per event, no onboarding): a configured date is never ignored."""
        if dates and self.registration == "per_event":
            raise RulebookError(
                f"onboarding dates are judged from rulebook 2026.2 on; {self.version} has none"
            )
        parsed = {provider: onboarding_moment(provider, value) for provider, value in dates.items()}
        merged = {**self.onboarding, **parsed}
        return replace(self, onboarding=MappingProxyType(dict(sorted(merged.items()))))

    def with_policy(self, overrides: Mapping[str, str | bool]) -> Rulebook:
        """Override POLICY values only; a statutory period or rule cannot be overridden.

        Keys: `review`, `registration_lag` (shared periods); `wvggz.evaluation_interval`
        (framework period); `profile.bestuurlijke-afspraken-2024.evaluation_interval`;
        `rule.LATE-REGISTRATION` with a bool (switch a policy rule on or off).
        """
        book = self
        for key, value in overrides.items():
            book = override(book, key, value)
        return book

    @classmethod
    def from_toml(cls, text: str) -> Rulebook:
        return _build(tomllib.loads(text))

    @classmethod
    def load_default(
        cls,
        at: datetime | None = None,
        *,
        policy: Mapping[str, str | bool] | None = None,
        provider_profiles: Mapping[str, str] | None = None,
        version: str | None = None,
        onboarding: Mapping[str, str | date | datetime] | None = None,
    ) -> Rulebook:
        """The shipped rulebook version effective at `at` (latest when None), or the one
        named `version` (e.g. "2026.1", to judge as an earlier version did), configured."""
        versions = load_versions()
        if version is None:
            book = effective_at(versions, at)
        else:
            named = [book for book in versions if book.version == version]
            if not named:
                known = ", ".join(book.version for book in versions)
                raise RulebookError(f"no rulebook version {version!r} (shipped: {known})")
            book = named[0]
        if policy:
            book = book.with_policy(policy)
        if provider_profiles:
            book = book.with_provider_profiles(provider_profiles)
        if onboarding:
            book = book.with_onboarding(onboarding)
        return book


def load_versions(directory: Path = RULEBOOK_DIR) -> tuple[Rulebook, ...]:
    """Every rulebook version in the directory, oldest first."""
    books = [Rulebook.from_toml(path.read_text("utf-8")) for path in directory.glob("*.toml")]
    if not books:
        raise RulebookError(f"no rulebook in {directory}")
    return tuple(sorted(books, key=lambda book: book.effective_from))


def effective_at(versions: tuple[Rulebook, ...], at: datetime | None) -> Rulebook:
    """The newest version with `effective_from <= at` (the latest when `at` is None)."""
    if at is None:
        return versions[-1]
    candidates = [book for book in versions if book.effective_from <= at]
    if not candidates:
        raise RulebookError(f"no rulebook version is effective at {at.isoformat()}")
    return candidates[-1]


# -- building from TOML data ----------------------------------------------------------------
def _build(data: Mapping[str, Any]) -> Rulebook:
    try:
        clock = clock_of(data.get("calendar", {}))
        deadline = data.get("calendar", {}).get("deadline", "at_due")
        unframed = data.get("applications", {}).get("without_framework", "not_judged")
        registration = data.get("registration", {}).get("alerts", "per_event")
        if registration not in REGISTRATION_ALERTS:
            raise RulebookError(f"registration.alerts must be one of {REGISTRATION_ALERTS}")
        if unframed not in ("not_judged", "no_legal_basis"):
            raise RulebookError(
                "applications.without_framework must be 'not_judged' or 'no_legal_basis'"
            )
        if deadline not in DEADLINES:
            raise RulebookError(f"calendar.deadline must be one of {DEADLINES}")
        rules = {
            rule: RuleInfo(
                rule,
                spec["severity"],
                spec["source"],
                spec.get("policy", False),
                catalogue=spec.get("catalogue", 1),
            )
            for rule, spec in data["rules"].items()
        }
        bad = [info.rule for info in rules.values() if info.severity not in SEVERITIES]
        if bad:
            raise RulebookError(f"rules {bad}: severity must be one of {SEVERITIES}")
        frameworks = {
            name: framework_of(name, spec, clock) for name, spec in data["frameworks"].items()
        }
        if set(frameworks) != set(FRAMEWORKS):
            raise RulebookError(f"frameworks: expected exactly {FRAMEWORKS}")
        profiles = {
            name: Profile(
                name, spec["description"], spec["source"], limits_of(spec["periods"], name, clock)
            )
            for name, spec in data["profiles"].items()
        }
        defaults = [name for name, spec in data["profiles"].items() if spec.get("default")]
        if len(defaults) != 1:
            raise RulebookError("profiles: exactly one profile must be the default")
        authorizations = {
            kind: AuthorizationKindRules(
                kind,
                spec["framework"],
                tuple(
                    Period.parse(value, clock, spec.get("extension")) for value in spec["maximum"]
                ),
                spec["source"],
                codes_of(spec, "follows_on", AUTHORIZATION_KINDS, f"authorizations.{kind}"),
            )
            for kind, spec in data["authorizations"].items()
        }
        if set(authorizations) != set(AUTHORIZATION_KINDS):
            raise RulebookError("authorizations: every authorisation kind needs a maximum")
        check_follow_on(authorizations, frameworks)
        return Rulebook(
            version=data["version"],
            effective_from=data["effective_from"],
            title=data.get("title", ""),
            rules=frozen(rules),
            limits=limits_of(data["periods"], "periods", clock),
            frameworks=frozen(frameworks),
            profiles=frozen(profiles),
            default_profile=defaults[0],
            authorizations=frozen(authorizations),
            clock=clock,
            deadline=deadline,
            unframed_is_unlawful=unframed == "no_legal_basis",
            titles=titles_of(data.get("titles")),
            registration=registration,
        )
    except KeyError as missing:
        raise RulebookError(f"rulebook: missing key {missing}") from None
