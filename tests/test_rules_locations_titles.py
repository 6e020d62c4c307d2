"""Catalogue 2: WZD-LOCATION-UNREGISTERED (Wzd art. 20) and GEN-TITLE-PRECEDENCE (LAW.md §1.1).

The register is configuration: files per provider read by `ledger.locations`, handed to the
rulebook; the rule is silent where none is configured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate_authorization
from ledger.locations import LocationRegisterError, parse_register, read_registers
from ledger.rulebook_settings import configured_rulebook
from ledger.settings import Settings
from tests import factories as f
from tests.factories import DAY, PROVIDER, T0, WEEK

LOCATION = "WZD-LOCATION-UNREGISTERED"
TITLES = "GEN-TITLE-PRECEDENCE"
BOOK = Rulebook.load_default().with_registered_locations({PROVIDER: ["000011112222"]})
V1 = Rulebook.load_default(version="2026.1").with_registered_locations({PROVIDER: ["x"]})


def _measure(location: str | None) -> list:
    extra = {} if location is None else {"location_id": location}
    return [f.proposed(T0, **extra), f.applied(T0 + DAY), f.applied(T0 + 2 * DAY)]


def test_care_at_an_unregistered_location_is_alerted_once_from_the_first_application() -> None:
    """One alert per measure and location, since the first application."""
    [alert] = f.only(f.alerts_at(_measure("000099998888"), book=BOOK), LOCATION)
    assert alert.since == T0 + DAY and alert.severity == "high" and alert.status == "open"


def test_a_registered_location_or_none_given_is_silent() -> None:
    """The registered id, or a proposal without location_id, raises nothing."""
    for location in ("000011112222", None):
        assert f.only(f.alerts_at(_measure(location), book=BOOK), LOCATION) == []


def test_no_register_configured_is_silent() -> None:
    """Without a register for the provider nothing can be compared."""
    assert f.only(f.alerts_at(_measure("000099998888")), LOCATION) == []


def test_a_proposal_never_applied_is_not_care_at_the_location() -> None:
    assert f.only(f.alerts_at(_measure("000099998888")[:1], book=BOOK), LOCATION) == []


def test_rulebook_2026_1_never_judges_the_location() -> None:
    assert LOCATION not in f.open_rules(_measure("000099998888"), book=V1)


def test_register_files_are_read_at_the_composition_root(tmp_path: Path) -> None:
    """`LEDGER_LOCATION_REGISTERS` names a file per provider; comments and blanks skipped."""
    register = tmp_path / "agb.txt"
    register.write_text("# vestigingen\n000011112222  # hoofdlocatie\n\n000033334444\n")
    settings = Settings(location_registers={PROVIDER: str(register)})
    book = configured_rulebook(settings)
    assert book.locations_of(PROVIDER) == {"000011112222", "000033334444"}
    assert book.locations_of("AGB:other") is None
    assert LOCATION in f.open_rules(_measure("000099998888"), book=book)
    assert parse_register("a\n#b\n c ") == {"a", "c"}


def test_a_missing_or_empty_register_is_a_configuration_error(tmp_path: Path) -> None:
    """An empty register would flag every measure: refused, like an unreadable file."""
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    for name in (str(empty), str(tmp_path / "missing.txt")):
        with pytest.raises(LocationRegisterError):
            read_registers({PROVIDER: name})


def test_the_register_is_part_of_the_fingerprint() -> None:
    """A changed register re-judges the index; 2026.1 without one keeps its fingerprint."""
    from projections.alert_index import fingerprint

    plain = Rulebook.load_default()
    assert fingerprint(plain) != fingerprint(BOOK)
    assert fingerprint(BOOK) == fingerprint(
        Rulebook.load_default().with_registered_locations({PROVIDER: {"000011112222"}})
    )


# -- GEN-TITLE-PRECEDENCE ----------------------------------------------------------------
def _title(kind: str, start, end, auth_id: str, **extra):
    return f.authorization(start, kind, start, end, authorization_id=auth_id, **extra)


def _precedence(orders, book=None):
    alerts = evaluate_authorization(orders, book or Rulebook.load_default(), FAR_FUTURE)
    return f.only(alerts, TITLES)


def test_a_later_jeugdwet_machtiging_cancels_an_earlier_wzd_machtiging() -> None:
    """Open from the later title's start until the Wzd title is ended."""
    wzd = _title("rechterlijke_machtiging_wzd", T0, T0 + 20 * WEEK, "rm-1")
    jw = _title("machtiging_gesloten_jeugdhulp", T0 + 4 * WEEK, T0 + 40 * WEEK, "mgj-1")
    end = f.authorization_ended(T0 + 6 * WEEK, "rm-1")
    [alert] = _precedence([wzd, jw, end])
    assert (alert.since, alert.resolved_at) == (T0 + 4 * WEEK, T0 + 6 * WEEK)
    assert "mgj-1 cancels rechterlijke_machtiging_wzd rm-1" in alert.message
    assert alert.framework == "jeugdwet" and alert.measure_id is None
    assert alert.severity == "high"


def test_a_later_wzd_machtiging_suspends_an_earlier_jeugdwet_one() -> None:
    jw = _title("machtiging_gesloten_jeugdhulp", T0, T0 + 40 * WEEK, "mgj-1")
    wzd = _title("rechterlijke_machtiging_wzd", T0 + WEEK, T0 + 20 * WEEK, "rm-1")
    [alert] = _precedence([jw, wzd])
    assert "rm-1 suspends machtiging_gesloten_jeugdhulp mgj-1" in alert.message
    assert (alert.since, alert.resolved_at) == (T0 + WEEK, T0 + 20 * WEEK)


def test_wzd_after_a_zorgmachtiging_cancels_it_and_a_later_zorgmachtiging_suspends_wzd() -> None:
    """The order decides between the two sentences about the Wzd and the Wvggz."""
    zm = _title("zorgmachtiging", T0, T0 + 20 * WEEK, "zm-1")
    rm = _title("rechterlijke_machtiging_wzd", T0 + WEEK, T0 + 20 * WEEK, "rm-1")
    [alert] = _precedence([zm, rm])
    assert "rm-1 cancels zorgmachtiging zm-1" in alert.message
    rm_first = _title("rechterlijke_machtiging_wzd", T0, T0 + 20 * WEEK, "rm-1")
    zm_later = _title("zorgmachtiging", T0 + WEEK, T0 + 20 * WEEK, "zm-1")
    [alert] = _precedence([rm_first, zm_later])
    assert "zm-1 suspends rechterlijke_machtiging_wzd rm-1" in alert.message


def test_a_pair_the_law_gives_no_order_for_is_still_two_titles() -> None:
    """A zorgmachtiging after a Jeugdwet machtiging: alerted, no precedence claimed."""
    jw = _title("machtiging_gesloten_jeugdhulp", T0, T0 + 40 * WEEK, "mgj-1")
    zm = _title("zorgmachtiging", T0 + WEEK, T0 + 20 * WEEK, "zm-1")
    [alert] = _precedence([jw, zm])
    assert "states no precedence" in alert.message and alert.framework is None


def test_titles_that_only_touch_do_not_overlap() -> None:
    """A title ending at the instant the next starts: never both in force (half-open)."""
    wzd = _title("rechterlijke_machtiging_wzd", T0, T0 + 4 * WEEK, "rm-1")
    jw = _title("machtiging_gesloten_jeugdhulp", T0 + 4 * WEEK, T0 + 40 * WEEK, "mgj-1")
    assert _precedence([wzd, jw]) == []


def test_a_wvggz_title_without_admission_is_no_admission_title() -> None:
    """A zorgmachtiging covering only medication does not admit the client."""
    rm = _title("rechterlijke_machtiging_wzd", T0, T0 + 20 * WEEK, "rm-1")
    zm = _title(
        "zorgmachtiging",
        T0 + WEEK,
        T0 + 20 * WEEK,
        "zm-1",
        covers=["medication_nutrition_medical"],
    )
    assert _precedence([rm, zm]) == []


def test_titles_of_one_law_are_that_laws_succession() -> None:
    """An IBS and its continuation overlapping are not two laws' titles."""
    ibs = _title("inbewaringstelling", T0, T0 + 3 * DAY, "ibs-1")
    mvi = _title("machtiging_voortzetting_ibs", T0 + 2 * DAY, T0 + 6 * WEEK, "mvi-1")
    assert _precedence([ibs, mvi]) == []


def test_rulebook_2026_1_never_judges_titles() -> None:
    wzd = _title("rechterlijke_machtiging_wzd", T0, T0 + 20 * WEEK, "rm-1")
    jw = _title("machtiging_gesloten_jeugdhulp", T0 + 4 * WEEK, T0 + 40 * WEEK, "mgj-1")
    assert _precedence([wzd, jw], Rulebook.load_default(version="2026.1")) == []


def test_catalogue_2_wzd_and_general_rules_are_in_2026_2_only() -> None:
    """Each new rule: catalogue 2, its severity, a source citing LAW.md §8, policy marked."""
    book, previous = Rulebook.load_default(), Rulebook.load_default(version="2026.1")
    expected = {
        "WZD-PHYSICIAN-CONSENT": ("high", False),
        "WZD-EMERGENCY-PHYSICIAN": ("high", False),
        "WZD-EMERGENCY-NOTIFY": ("medium", True),
        "WZD-EMERGENCY-TERM": ("medium", False),
        "WZD-LOCATION-UNREGISTERED": ("high", False),
        "GEN-TITLE-PRECEDENCE": ("high", False),
    }
    for rule, (severity, policy) in expected.items():
        info = book.rules[rule]
        assert (info.severity, info.policy, info.catalogue) == (severity, policy, 2), rule
        assert "LAW.md §8" in info.source and book.enabled(rule)
        assert rule not in previous.rules and not previous.enabled(rule)
