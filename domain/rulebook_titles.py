"""Admission titles across the laws and their precedence (LAW.md §1.1), as rulebook data.

Rulebook 2026.2's `[titles]`: which authorisation kinds admit a client, and the ordered
precedence entries that say which of two titles in force at once gives way. Read by
`domain.rules.title_precedence` (GEN-TITLE-PRECEDENCE); 2026.1 has no such table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.codes import ALL_CATEGORIES, AUTHORIZATION_KINDS, FRAMEWORKS
from domain.rules.periods import RulebookError

WHEN = ("later", "any")
EFFECTS = ("cancels", "suspends")


@dataclass(frozen=True, slots=True)
class Precedence:
    """One sentence of LAW.md §1.1: a title of `prevails` cancels or suspends one of `over`."""

    prevails: str
    over: str
    kinds: frozenset[str] | None  # the prevailing title's kinds it names (None: every one)
    over_kinds: frozenset[str] | None
    when: str  # "later": only a title that came into force after the other; "any"
    effect: str
    source: str

    def matches(self, first: tuple[str, str], second: tuple[str, str], later: bool) -> bool:
        """Whether a title (framework, kind) `first` prevails over `second` by this entry;
        `later`: `first` came into force strictly after `second`."""
        return (
            first[0] == self.prevails
            and second[0] == self.over
            and (self.kinds is None or first[1] in self.kinds)
            and (self.over_kinds is None or second[1] in self.over_kinds)
            and (self.when == "any" or later)
        )


@dataclass(frozen=True, slots=True)
class TitleRules:
    """The admission titles and the precedence between titles of different laws."""

    admission_kinds: frozenset[str]
    admission_category: str
    covers_admission_required: frozenset[str]
    precedence: tuple[Precedence, ...]
    source: str


def _kinds(values: Any, where: str) -> frozenset[str] | None:
    if values is None:
        return None
    unknown = [value for value in values if value not in AUTHORIZATION_KINDS]
    if unknown:
        raise RulebookError(f"{where}: unknown authorisation kinds {unknown}")
    return frozenset(values)


def _precedence(spec: Mapping[str, Any], index: int) -> Precedence:
    where = f"titles.precedence[{index}]"
    if spec["prevails"] not in FRAMEWORKS or spec["over"] not in FRAMEWORKS:
        raise RulebookError(f"{where}: prevails and over must be frameworks {FRAMEWORKS}")
    if spec["when"] not in WHEN or spec["effect"] not in EFFECTS:
        raise RulebookError(f"{where}: when must be one of {WHEN}, effect one of {EFFECTS}")
    return Precedence(
        prevails=spec["prevails"],
        over=spec["over"],
        kinds=_kinds(spec.get("kinds"), where),
        over_kinds=_kinds(spec.get("over_kinds"), where),
        when=spec["when"],
        effect=spec["effect"],
        source=spec["source"],
    )


def titles_of(spec: Mapping[str, Any] | None) -> TitleRules | None:
    """`[titles]` of a version file, or None when the version has none (2026.1)."""
    if spec is None:
        return None
    category = spec["admission_category"]
    if category not in ALL_CATEGORIES:
        raise RulebookError(f"titles.admission_category: unknown category {category!r}")
    return TitleRules(
        admission_kinds=_kinds(spec["admission_kinds"], "titles.admission_kinds") or frozenset(),
        admission_category=category,
        covers_admission_required=_kinds(
            spec.get("covers_admission_required", []), "titles.covers_admission_required"
        )
        or frozenset(),
        precedence=tuple(
            _precedence(entry, index) for index, entry in enumerate(spec.get("precedence", []))
        ),
        source=spec["source"],
    )
