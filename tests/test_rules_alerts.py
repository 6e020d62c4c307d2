"""The `measure-alert/v1` model: schema, descriptions, stable ids."""

from __future__ import annotations

from domain.alerts import Alert, alert_id, json_schema
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate
from tests.factories import DAY, T0, applied, proposed


def test_every_field_is_described() -> None:
    """The published schema has a description on every field."""
    schema = json_schema()
    assert schema["title"] == "measure-alert/v1"
    assert all("description" in spec for spec in schema["properties"].values())
    assert set(schema["properties"]) >= {"schema", "alert_id", "client_ref", "evidence"}


def test_alert_id_is_deterministic() -> None:
    """Same rule, measure and occurrence: same id; another occurrence: another id."""
    first = alert_id("REVIEW-OVERDUE", "AGB:1", "m-1", "e1")
    assert first == alert_id("REVIEW-OVERDUE", "AGB:1", "m-1", "e1")
    assert first != alert_id("REVIEW-OVERDUE", "AGB:1", "m-1", "e2")
    assert first != alert_id("REVIEW-OVERDUE", "AGB:1", "m-2", "e1")


def test_alert_serialises_with_the_schema_tag() -> None:
    """An alert dumps to JSON with `schema`, no client_ref in the domain, and reads back."""
    book = Rulebook.load_default()
    [alert, *_] = evaluate([proposed(T0, grounds=()), applied(T0 + DAY)], [], book, FAR_FUTURE)
    dumped = alert.model_dump(mode="json", by_alias=True)
    assert dumped["schema"] == "measure-alert/v1" and dumped["client_ref"] is None
    assert Alert.model_validate(dumped) == alert


def test_same_story_same_ids_across_evaluations() -> None:
    """Evaluating the same facts at two moments gives the same alert ids."""
    book = Rulebook.load_default()
    facts = [proposed(T0, grounds=()), applied(T0 + DAY)]
    early = {a.rule: a.alert_id for a in evaluate(facts, [], book, T0 + 2 * DAY)}
    late = {a.rule: a.alert_id for a in evaluate(facts, [], book, FAR_FUTURE)}
    assert early.items() <= late.items()
