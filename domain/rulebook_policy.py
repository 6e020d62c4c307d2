"""Policy overrides of a rulebook (`LEDGER_POLICY`): the values the law does not fix.

Kept apart from `domain.rulebook` so the checks that refuse a statutory override sit in one
place: an installation may change a POLICY period or switch a policy rule, never a statute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from domain.rulebook_parts import Limit, frozen
from domain.rules.periods import Period, RulebookError

if TYPE_CHECKING:
    from domain.rulebook import Rulebook


def _policy_limit(limits: Mapping[str, Limit], name: str, key: str, value: object) -> Any:
    """`limits` with `name` replaced by the override, refused unless the limit is policy."""
    limit = limits[name]
    if not limit.policy:
        raise RulebookError(f"{key} is statute ({limit.source}); only policy values can change")
    if not isinstance(value, str):
        raise RulebookError(f"{key}: expected a period such as '14 days'")
    period = Period.parse(value, limit.period.clock, limit.period.extension)
    return frozen({**limits, name: replace(limit, period=period)})


def override(book: Rulebook, key: str, value: str | bool) -> Rulebook:
    """`book` with one policy setting changed (`key` as in `Rulebook.with_policy`)."""
    head, _, name = key.rpartition(".")
    if head == "rule" and name in book.rules:
        info = book.rules[name]
        if not info.policy or not isinstance(value, bool):
            raise RulebookError(f"{key}: only policy rules can be switched, with true/false")
        return replace(book, rules=frozen({**book.rules, name: replace(info, enabled=value)}))
    if not head and name in book.limits:
        return replace(book, limits=_policy_limit(book.limits, name, key, value))
    framework = book.frameworks.get(head)
    if framework is not None and name in framework.limits:
        changed = replace(framework, limits=_policy_limit(framework.limits, name, key, value))
        return replace(book, frameworks=frozen({**book.frameworks, head: changed}))
    profile = book.profiles.get(head.removeprefix("profile."))
    if head.startswith("profile.") and profile is not None and name in profile.limits:
        changed = replace(profile, limits=_policy_limit(profile.limits, name, key, value))
        return replace(book, profiles=frozen({**book.profiles, profile.name: changed}))
    raise RulebookError(f"unknown rulebook setting {key!r}")
