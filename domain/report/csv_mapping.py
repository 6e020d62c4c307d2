"""The report as a spreadsheet takes it: one row per figure (long format).

Made from the bound document alone, so it carries the same position, hashes and figures as
the JSON. Shared by `report --format csv` and `GET /api/v1/reports/{period}?format=csv`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from domain.report.document import ReportDocument, flatten

CSV_COLUMNS = (
    "provider_id",
    "law",
    "scope",
    "location_id",
    "client_ref",
    "form",
    "figure",
    "value",
)


def csv_text(document: ReportDocument) -> str:
    """One row per figure (long format): every number of the JSON, nothing else."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for figure, value in _binding_rows(document):
        writer.writerow(("", "report", "", "", "", "", figure, value))
    body = document.body.model_dump(mode="json")
    for provider_id, section in body["providers"].items():
        for path, value in flatten(section).items():
            writer.writerow((provider_id, *_columns(path), _value(value)))
    return out.getvalue()


def _binding_rows(document: ReportDocument) -> list[tuple[str, Any]]:
    b = document.binding
    body = document.body
    return [
        ("period", body.period),
        ("start", body.start),
        ("end", body.end),
        ("rulebook_version", body.rulebook_version),
        ("position", b.position),
        ("head_hash", b.head_hash),
        ("checkpoint_id", b.checkpoint.checkpoint_id),
        ("checkpoint_position", b.checkpoint.position),
        ("checkpoint_key_id", b.checkpoint.key_id),
        ("report_key_id", b.report_key_id),
        ("body_sha256", document.body_sha256),
    ]


def _columns(path: tuple[str, ...]) -> tuple[str, ...]:
    """(law, scope, location_id, client_ref, form, figure) of a figure's path."""
    law, rest = path[0], list(path[1:])
    if law == "nothing_to_deliver":
        return ("", "", "", "", "", law)
    if law == "data_quality":
        form = rest[1] if len(rest) > 1 else ""
        return (law, "", "", "", form, rest[0])
    figure = rest.pop()
    scope = rest.pop(0) if rest else ""
    location = rest.pop(0) if scope == "locations" and rest else ""
    client = rest.pop(0) if law == "wvggz" and len(rest) == 2 else ""
    form = rest.pop(0) if rest else ""
    return (law, scope, location, client, form, figure)


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
