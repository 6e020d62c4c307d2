"""`measure-ledger rules`: the rule catalogue of the active rulebook, and its periods.

The rules that judged the alerts are data (domain/rulebook/*.toml); an inspector or a
provider's compliance officer should be able to read which version is active, which rules
it has, how severe each is, where each comes from in the law, and which of its periods are
statute and which are policy defaults this installation may have changed. No store is
opened: this is the installation's configuration (`LEDGER_RULEBOOK_VERSION`,
`LEDGER_POLICY`, `LEDGER_PROVIDER_PROFILES`, `LEDGER_ONBOARDING`,
`LEDGER_LOCATION_REGISTERS`), read the way the ledger reads it. `--providers` shows what is
configured per provider, since a provider's alerts depend on it: its Wzd profile, the
onboarding date before which no lag is judged, and its registered locations.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

from cli.arg_types import AMSTERDAM
from cli.output import emit_json, emit_table
from domain.rulebook import Limit, Rulebook
from ledger.rulebook_settings import configured_rulebook

Command = Callable[..., argparse.ArgumentParser]


def register(command: Command) -> None:
    p = command("rules", "The rule catalogue of the active rulebook version (and its periods).")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--periods", action="store_true", help="list the periods instead: value, source, kind"
    )
    shown.add_argument(
        "--providers",
        action="store_true",
        help="list what is configured per provider: Wzd profile, onboarding, locations",
    )
    p.set_defaults(handler=rules)


def rules(args: argparse.Namespace) -> int:
    book = configured_rulebook(args.settings)
    if args.periods:
        key, rows, columns = "periods", list(_periods(book)), PERIOD_COLUMNS
    elif args.providers:
        key, rows, columns = "providers", list(_providers(book)), PROVIDER_COLUMNS
    else:
        key, rows, columns = "rules", list(_catalogue(book)), RULE_COLUMNS
    if args.format == "json":
        emit_json(
            {
                "version": book.version,
                "effective_from": book.effective_from.isoformat(),
                "title": book.title,
                key: rows,
            }
        )
        return 0
    print(f"rulebook {book.version} (effective {book.effective_from:%Y-%m-%d}): {book.title}")
    if args.providers and not rows:
        print("no provider has its own configuration: every one is judged by the defaults")
    else:
        emit_table(rows, columns)
    return 0


RULE_COLUMNS = ("rule", "severity", "enabled", "kind", "source")
PERIOD_COLUMNS = ("scope", "period", "value", "kind", "source")
PROVIDER_COLUMNS = ("provider_id", "wzd_profile", "onboarding", "registered_locations")


def _providers(book: Rulebook) -> Iterator[dict[str, Any]]:
    """Every provider some setting names. `onboarding` is the moment on the Amsterdam clock
    (None: every event is judged for lag); `registered_locations` the register's size (None:
    no register, WZD-LOCATION-UNREGISTERED is silent for it)."""
    registers = dict(book.registered_locations)
    named = {*book.provider_profiles, *book.onboarding, *registers}
    for provider in sorted(named):
        onboarding = book.onboarding.get(provider)
        locations = registers.get(provider)
        yield {
            "provider_id": provider,
            "wzd_profile": book.profile_for(provider).name,
            "onboarding": None
            if onboarding is None
            else onboarding.astimezone(AMSTERDAM).isoformat(),
            "registered_locations": None if locations is None else len(locations),
        }


def _catalogue(book: Rulebook) -> Iterator[dict[str, Any]]:
    for rule_id in sorted(book.rules, key=lambda r: (_SEVERITY_ORDER.get(book.severity(r), 9), r)):
        info = book.rules[rule_id]
        yield {
            "rule": rule_id,
            "severity": info.severity,
            "enabled": info.enabled,
            "kind": "policy" if info.policy else "statute",
            "source": info.source,
        }


def _periods(book: Rulebook) -> Iterator[dict[str, Any]]:
    def row(scope: str, limit: Limit) -> dict[str, Any]:
        return {
            "scope": scope,
            "period": limit.name,
            "value": str(limit.period),
            "kind": "policy" if limit.policy else "statute",
            "source": limit.source,
        }

    for limit in book.limits.values():
        yield row("all", limit)
    for name, framework in sorted(book.frameworks.items()):
        for limit in framework.limits.values():
            yield row(name, limit)
    for name, profile in sorted(book.profiles.items()):
        for limit in profile.limits.values():
            yield row(f"profile {name}", limit)
    for kind, order in sorted(book.authorizations.items()):
        yield {
            "scope": f"{order.framework} {kind}",
            "period": "maximum (first, next, later)",
            "value": " / ".join(str(p) for p in order.maximum),
            "kind": "statute",
            "source": order.source,
        }
        if order.follows_on is not None:  # 2026.2: which earlier order makes it "next"
            gap = book.limit("follow_on_gap", order.framework)
            yield {
                "scope": f"{order.framework} {kind}",
                "period": "next term only when it follows on",
                "value": f"{' or '.join(sorted(order.follows_on))} ending at most {gap.period} "
                "before it starts",
                "kind": "policy" if gap.policy else "statute",
                "source": f"{order.source}; gap: {gap.source}",
            }


_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
