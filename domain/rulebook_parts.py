"""The pieces a rulebook is made of (limits, catalogue entries, frameworks, profiles,
authorisation kinds): frozen values, built by `domain.rulebook` from the version files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.codes import ALL_CATEGORIES, AUTHORIZATION_KINDS, FRAMEWORK_CATEGORIES, ROLES, SETTINGS
from domain.facts import Fact
from domain.rules.periods import (
    ADDED_IN_2026_2,
    LEGACY,
    Clock,
    Period,
    RulebookError,
    resolve,
)
from domain.rules.working_days import DAY_NAMES


@dataclass(frozen=True, slots=True)
class Limit:
    """A period with its legal source; `policy` marks a default the law does not fix."""

    name: str
    period: Period
    source: str
    policy: bool = False


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A catalogue entry: severity and source; policy rules can be switched off by settings.

    `catalogue` is the catalogue that added the rule: 1 for CONTRACT §2's table, 2 for the
    rows of LAW.md §8 that 2026.2 added (docs/rules.md).
    """

    rule: str
    severity: str
    source: str
    policy: bool = False
    enabled: bool = True
    catalogue: int = field(default=1, metadata=ADDED_IN_2026_2)


@dataclass(frozen=True, slots=True)
class FrameworkRules:
    """What one law permits and requires before a measure may be applied."""

    name: str
    law: str
    categories: frozenset[str]
    categories_source: str
    authorization_kinds: frozenset[str]
    requires_authorization: bool
    emergency_exempts_authorization: bool
    requires_approved_review: bool
    stepplan_step: str | None
    forbidden_settings: frozenset[str]
    basis_source: str
    limits: Mapping[str, Limit]
    numbers: Mapping[str, int]
    # The only settings that give a basis (None: any setting not forbidden).
    permitted_settings: frozenset[str] | None = field(default=None, metadata=ADDED_IN_2026_2)
    # Whose review.decided counts as the review (None: anyone's; an event without an
    # actor always counts, the field being optional).
    reviewer_roles: frozenset[str] | None = field(default=None, metadata=ADDED_IN_2026_2)
    # Catalogue 2 (Wzd art. 10 lid 3, 15 lid 3): the forms that need the involved physician
    # when the zorgverantwoordelijke is not one (None: no such rule in this version).
    physician_forms: frozenset[str] | None = field(default=None, metadata=ADDED_IN_2026_2)

    def setting_permitted(self, setting: str) -> bool:
        if setting in self.forbidden_settings:
            return False
        return self.permitted_settings is None or setting in self.permitted_settings

    def counts_as_review(self, decision: Fact) -> bool:
        role = decision.actor_role
        return self.reviewer_roles is None or role is None or role in self.reviewer_roles


@dataclass(frozen=True, slots=True)
class Profile:
    """A Wzd stappenplan profile: the evaluation rhythm a provider follows."""

    name: str
    description: str
    source: str
    limits: Mapping[str, Limit]


@dataclass(frozen=True, slots=True)
class AuthorizationKindRules:
    """An authorisation kind: its framework and maximum validity (first term, next, later)."""

    kind: str
    framework: str
    maximum: tuple[Period, ...]
    source: str
    # 2026.2: the kinds an order of this kind "follows on" (Wvggz 6:5 "aansluit op", Wzd 39,
    # Jeugdwet 6.1.12 lid 2): the next maximum is granted only to an order whose valid_from
    # is no later than such a predecessor's end plus the framework's `follow_on_gap`.
    # None (2026.1): every earlier order of the same kind counts as a previous term.
    follows_on: frozenset[str] | None = field(default=None, metadata=ADDED_IN_2026_2)

    def maximum_for(self, earlier_terms: int) -> Period:
        """The maximum for a term that follows `earlier_terms` terms of the same kind."""
        return self.maximum[min(earlier_terms, len(self.maximum) - 1)]


# -- building from TOML data ----------------------------------------------------------------
def frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def limits_of(table: Mapping[str, Any], where: str, clock: Clock) -> Mapping[str, Limit]:
    limits = {}
    for name, spec in table.items():
        if not spec.get("source"):
            raise RulebookError(f"{where}.{name}: every period needs a source")
        period = Period.parse(spec["value"], clock, spec.get("extension"))
        limits[name] = Limit(name, period, spec["source"], spec.get("policy", False))
    return frozen(limits)


def clock_of(spec: Mapping[str, Any]) -> Clock:
    """`[calendar]`: the zone periods are counted in and the days that are not working days."""
    if not spec:
        return LEGACY
    names = frozenset(spec.get("non_working_days", []))
    unknown = sorted(names - DAY_NAMES.keys())
    if unknown:
        raise RulebookError(f"calendar.non_working_days: unknown days {unknown}")
    try:
        zone = ZoneInfo(spec["zone"])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RulebookError(f"calendar.zone: {error}") from None
    return Clock(zone, names)


def codes_of(spec: Mapping[str, Any], key: str, known: tuple[str, ...], where: str) -> Any:
    values = spec.get(key)
    if values is None:
        return None
    unknown = [value for value in values if value not in known]
    if unknown:
        raise RulebookError(f"{where}.{key}: unknown codes {unknown}")
    return frozenset(values)


def framework_of(name: str, spec: Mapping[str, Any], clock: Clock) -> FrameworkRules:
    categories = spec.get("permitted_categories", FRAMEWORK_CATEGORIES[name])
    kinds = spec.get("authorization_kinds", [])
    unknown = [code for code in categories if code not in ALL_CATEGORIES]
    unknown += [kind for kind in kinds if kind not in AUTHORIZATION_KINDS]
    if unknown:
        raise RulebookError(f"frameworks.{name}: unknown codes {unknown}")
    return FrameworkRules(
        name=name,
        law=spec["law"],
        categories=frozenset(categories),
        categories_source=spec["categories_source"],
        authorization_kinds=frozenset(kinds),
        requires_authorization=spec["requires_authorization"],
        emergency_exempts_authorization=spec.get("emergency_exempts_authorization", False),
        requires_approved_review=spec["requires_approved_review"],
        stepplan_step=spec.get("stepplan_step"),
        forbidden_settings=frozenset(spec.get("forbidden_settings", [])),
        basis_source=spec["basis_source"],
        limits=limits_of(spec.get("periods", {}), f"frameworks.{name}.periods", clock),
        numbers=frozen(spec.get("numbers", {})),
        permitted_settings=codes_of(spec, "permitted_settings", SETTINGS, f"frameworks.{name}"),
        reviewer_roles=codes_of(spec, "reviewer_roles", ROLES, f"frameworks.{name}"),
        physician_forms=codes_of(spec, "physician_forms", ALL_CATEGORIES, f"frameworks.{name}"),
    )


#: The calendar of onboarding dates: the Dutch one, whatever a rulebook version counts in.
_AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def onboarding_moment(provider: str, value: str | date | datetime) -> datetime:
    """A configured onboarding date as the instant from which events are judged."""
    if isinstance(value, str):
        try:
            value = (
                date.fromisoformat(value)
                if len(value.strip()) == 10
                else datetime.fromisoformat(value)
            )
        except ValueError:
            raise RulebookError(
                f"onboarding of {provider}: {value!r} is not a date (YYYY-MM-DD) "
                "or a time with offset"
            ) from None
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise RulebookError(f"onboarding of {provider}: a time needs an offset")
        return value
    return resolve(datetime.combine(value, time()), _AMSTERDAM)


def check_follow_on(
    authorizations: Mapping[str, AuthorizationKindRules], frameworks: Mapping[str, FrameworkRules]
) -> None:
    """A kind that follows on others needs its framework's `follow_on_gap` period."""
    for rules in authorizations.values():
        limits = frameworks[rules.framework].limits
        if rules.follows_on is not None and "follow_on_gap" not in limits:
            raise RulebookError(
                f"authorizations.{rules.kind}: follows_on needs "
                f"frameworks.{rules.framework}.periods.follow_on_gap"
            )
