"""The published JSON Schemas match the models they are generated from."""

from __future__ import annotations

import json

import pytest

from domain.wire import PROVIDER_EVENT
from ledger.schemas import SCHEMA_DIR, published, render
from tests.conftest import DEFAULT_DATA, event


@pytest.mark.parametrize("name", sorted(published()))
def test_published_schema_matches_the_models(name: str) -> None:
    """Regenerate with `python -m ledger.schemas` after a deliberate contract change."""
    on_disk = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert on_disk == render(published()[name]()), f"schema/{name} is stale"


def test_event_schema_documents_every_field() -> None:
    """Every property in the event schema carries a description (it is the provider's manual)."""
    schema = json.loads((SCHEMA_DIR / "measure-event-v1.json").read_text(encoding="utf-8"))
    missing = [
        f"{model}.{prop}"
        for model, body in schema["$defs"].items()
        for prop, spec in body.get("properties", {}).items()
        if "description" not in spec
    ]
    assert missing == []


@pytest.mark.parametrize("type_", sorted(DEFAULT_DATA))
def test_example_events_name_their_type_in_the_schema(type_: str) -> None:
    """Every type the parser accepts is a tag of the published union."""
    schema = json.loads((SCHEMA_DIR / "measure-event-v1.json").read_text(encoding="utf-8"))
    assert type_ in schema["discriminator"]["mapping"]
    PROVIDER_EVENT.validate_json(json.dumps(event(type_)))
