"""The report's XML: one file per law, each valid against its schema in schema/."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from domain.report.document import Binding, BoundCheckpoint, ReportDocument, bind
from domain.report.xml_mapping import LAWS, to_xml
from tests.report_builders import PROVIDER, applied, fact, proposed, report

SCHEMAS = Path(__file__).resolve().parent.parent / "schema"


def schema(law: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / f"report-{law}-v1.xsd")


def document(facts: list, providers: list[str] | None = None) -> ReportDocument:
    body = report(facts, providers=providers).body
    checkpoint = BoundCheckpoint(
        checkpoint_id=1,
        position=9,
        head_hash="ab" * 32,
        created_at="2026-12-01T00:00:00.000000+00:00",
        key_id="0123456789abcdef",
        signature="cd" * 64,
    )
    binding = Binding(
        position=9,
        head_hash="ab" * 32,
        checkpoint=checkpoint,
        rulebook_fingerprint="ef" * 32,
        report_key_id="0011223344556677",
        provider_id=None,
    )
    return bind(body, binding)


ORDER = {
    "authorization_id": "ZM-1",
    "kind": "zorgmachtiging",
    "valid_from": "2026-01-01T00:00:00+01:00",
    "valid_until": "2026-06-30T00:00:00+02:00",
}
FACTS = [
    proposed("w1", "wzd", "seclusion", location="L1"),
    applied("w1", "2026-02-01T10:00:00+01:00", ended="2026-02-01T12:00:00+01:00"),
    proposed("w2", "wzd", "lockable_stay", location=None),
    applied("w2", "2026-02-02T10:00:00+01:00"),
    proposed("w3", "wzd", "supervision", location=None, client="c5"),
    applied("w3", "2026-02-03T10:00:00+01:00", client="c5"),
    fact("authorization.registered", "2026-01-01T00:00:00+01:00", ORDER, measure=None, client="c2"),
    proposed("g1", "wvggz", "admission", client="c2", location="L2"),
    applied("g1", "2026-03-01T10:00:00+01:00", client="c2", ended="2026-03-04T10:00:00+01:00"),
    proposed("g2", "wvggz", "seclusion", client="c3", location=None, emergency=True),
    applied("g2", "2026-03-05T10:00:00+01:00", client="c3"),
    proposed("j1", "jeugdwet", "physical_restraint", client="c4", location="J1"),
    applied("j1", "2026-04-01T10:00:00+02:00", client="c4"),
]


@pytest.mark.parametrize("law", LAWS)
def test_every_law_s_file_is_valid_against_its_schema(law: str) -> None:
    text = to_xml(document(FACTS), PROVIDER, law)
    schema(law).validate(text)
    assert f'xmlns="urn:measure-ledger:report:{law}:v1"' in text


@pytest.mark.parametrize("law", LAWS)
def test_a_period_with_nothing_to_deliver_is_valid_too(law: str) -> None:
    text = to_xml(document([], providers=[PROVIDER]), PROVIDER, law)
    schema(law).validate(text)
    assert 'deliver="false"' in text


def test_the_schema_refuses_what_the_mapping_must_not_write() -> None:
    """The schema checks something: a form of another law, or a count that is not a count."""
    text = to_xml(document(FACTS), PROVIDER, "wzd")
    assert not schema("wzd").is_valid(text.replace('code="seclusion"', 'code="admission"'))
    assert not schema("wzd").is_valid(text.replace('clients="1"', 'clients="-1"', 1))
    wvggz = to_xml(document(FACTS), PROVIDER, "wvggz")
    assert "<title>zorgmachtiging</title>" in wvggz
    assert 'emergency811="true"' in wvggz
    assert "<date>2026-03-04</date>" in wvggz  # the episode's last day


def test_a_report_file_is_valid_against_the_published_json_schema() -> None:
    import json

    import jsonschema

    from domain.report.document import serialise

    published = json.loads((SCHEMAS / "measure-ledger-report-v1.json").read_text())
    jsonschema.validate(json.loads(serialise(document(FACTS))), published)
