"""`measure-ledger rules`: the rule catalogue of the active rulebook, and its periods.

The rules that judged the alerts are data (domain/rulebook/*.toml); an inspector or a
provider's compliance officer should be able to read which version is active, which rules
it has, how severe each is, where each comes from in the law, and which of its periods are
statute and which are policy defaults this installation may have changed. No store is
opened: this is the installation's configuration (`LEDGER_RULEBOOK_VERSION`,
`LEDGER_POLICY`, `LEDGER_PROVIDER_PROFILES`), read the way the ledger reads it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

from cli.output import emit_json, emit_table
from domain.rulebook import Limit, Rulebook
from ledger.service import configured_rulebook

Command = Callable[..., argparse.ArgumentParser]


def register(command: Command) -> None:
    p = command("rules", "The rule catalogue of the active rulebook version (and its periods).")
    p.add_argument(
        "--periods", action="store_true", help="list the periods instead: value, source, kind"
    )
    p.set_defaults(handler=rules)


def rules(args: argparse.Namespace) -> int:
    book = configured_rulebook(args.settings)
    rows = list(_periods(book)) if args.periods else list(_catalogue(book))
    if args.format == "json":
        emit_json(
            {
                "version": book.version,
                "effective_from": book.effective_from.isoformat(),
                "title": book.title,
                "periods" if args.periods else "rules": rows,
            }
        )
        return 0
    print(f"rulebook {book.version} (effective {book.effective_from:%Y-%m-%d}): {book.title}")
    if args.periods:
        emit_table(rows, ("scope", "period", "value", "kind", "source"))
    else:
        emit_table(rows, ("rule", "severity", "enabled", "kind", "source"))
    return 0


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
