"""The report as XML, one file per law and provider — the one place that knows the XML.

IGJ wants the overview as an XML file per law through Mijn IGJ; its official XSD could not
be read (LAW.md §7 item 4). These elements follow our own schemas (`schema/report-*.xsd`)
and this module is the whole mapping: when a provider has the official XSD, a module with
the same `to_xml` replaces this one and nothing else changes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from domain.report.document import ReportDocument
from domain.report.model import JeugdwetForm, WvggzForm, WzdForm

LAWS = ("wzd", "wvggz", "jeugdwet")


def namespace(law: str) -> str:
    return f"urn:measure-ledger:report:{law}:v1"


def to_xml(document: ReportDocument, provider_id: str, law: str) -> str:
    """The overview of one provider under one law, with where it was made from."""
    ns = namespace(law)
    body = document.body
    provider = body.providers[provider_id]
    section = getattr(provider, law)
    root = ET.Element(
        "overview",
        {
            "xmlns": ns,  # a default namespace: every element below is in it
            "period": body.period,
            "start": body.start,
            "end": body.end,
            "provider": provider_id,
            "deliver": _bool(section.deliver),
        },
    )
    binding = document.binding
    ET.SubElement(
        root,
        "madeFrom",
        {
            "position": str(binding.position),
            "headHash": binding.head_hash,
            "checkpoint": str(binding.checkpoint.checkpoint_id),
            "checkpointKey": binding.checkpoint.key_id,
            "bodySha256": document.body_sha256,
            "rulebook": body.rulebook_version,
        },
    )
    if law == "wvggz":
        _wvggz(root, section)
    else:
        _forms_by_location(root, section)
    if law == "wzd":
        left = section.left_out_art_2_lid_2
        ET.SubElement(root, "leftOut", {"article": "2 lid 2", **_counts(left)})
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _counts(model: Any) -> dict[str, str]:
    return {_camel(k): str(v) for k, v in model.model_dump().items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _forms(parent: ET.Element, forms: dict[str, WzdForm | JeugdwetForm]) -> None:
    for form, counts in forms.items():
        ET.SubElement(parent, "form", {"code": form, **_counts(counts)})


def _forms_by_location(root: ET.Element, section: Any) -> None:
    for location, forms in section.locations.items():
        _forms(ET.SubElement(root, "location", {"id": location}), forms)
    if section.without_location:
        _forms(ET.SubElement(root, "withoutLocation"), section.without_location)
    _forms(ET.SubElement(root, "totals"), section.totals)


def _wvggz(root: ET.Element, section: Any) -> None:
    root.set("clients", str(section.clients))
    places = [
        (ET.SubElement(root, "location", {"id": loc}), c) for loc, c in section.locations.items()
    ]
    if section.without_location:
        places.append((ET.SubElement(root, "withoutLocation"), section.without_location))
    for element, clients in places:
        for ref, forms in clients.items():
            client = ET.SubElement(element, "client", {"ref": ref})
            for form, given in forms.items():
                _given(client, form, given)


def _given(client: ET.Element, form: str, given: WvggzForm) -> None:
    element = ET.SubElement(
        client,
        "form",
        {
            "code": form,
            "applications": str(given.applications),
            "emergency811": _bool(given.emergency_8_11),
        },
    )
    for title in given.titles:
        ET.SubElement(element, "title").text = title
    for day in given.dates:
        ET.SubElement(element, "date").text = day
