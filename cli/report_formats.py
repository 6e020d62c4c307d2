"""The report as a reader sees it (`table`); the `csv` is `domain.report.csv_mapping`.

Both are made from the bound document alone, so they carry the same position, hashes and
figures as the JSON; neither is meant to be read back (`report --check` takes the JSON).
The CSV lives below the CLI because `serve` answers it too.
"""

from __future__ import annotations

import io
from typing import Any

from cli.output import emit_table
from domain.report.csv_mapping import csv_text
from domain.report.document import ReportDocument

__all__ = ["csv_text", "provider_totals", "table_text"]

#: An overview is never cut to the terminal: every figure is shown.
_UNCUT = 1_000_000

_WZD = (
    "clients",
    "clients_planned",
    "clients_unplanned",
    "measures",
    "applications",
    "applications_unplanned",
    "episodes_ended",
    "episode_seconds",
)


def table_text(document: ReportDocument) -> str:
    out = io.StringIO()
    body, b = document.body, document.binding
    out.write(f"Half-year overview {body.period}: {body.start} to {body.end} ({body.timezone})\n")
    out.write(
        f"made at ledger position {b.position}, chain hash {b.head_hash}\n"
        f"covered by checkpoint {b.checkpoint.checkpoint_id} (position {b.checkpoint.position}, "
        f"signed {b.checkpoint.created_at}, key {b.checkpoint.key_id})\n"
        f"rulebook {body.rulebook_version}; body sha256 {document.body_sha256}\n"
    )
    if not body.providers:
        out.write("\nNo provider in the ledger at this position: nothing to deliver.\n")
    for provider_id, p in body.providers.items():
        out.write(f"\n== {provider_id}\n")
        if p.nothing_to_deliver:
            out.write("No compulsory care in this period: nothing to deliver.\n")
        _wzd(out, p.wzd)
        _wvggz(out, p.wvggz)
        _jeugdwet(out, p.jeugdwet)
        _quality(out, p.data_quality)
    return out.getvalue()


#: The columns of `provider_totals`, in the order a reader compares them.
TOTALS = ("provider_id", "law", "form", "clients", "measures", "applications", "emergency")


def provider_totals(document: ReportDocument) -> list[dict[str, Any]]:
    """Per provider, law and form over all its locations: the overview at a glance.

    Wzd and Jeugdwet rows are the body's own totals. Wvggz is delivered per client and has
    no totals in the body, so its clients per form are counted here from the client rows,
    each client once however many locations gave it; it has no measure count (`-`).
    `emergency` is what each law marks as unplanned: Wzd applications under art. 15, Wvggz
    clients given the form under art. 8:11; the Jeugdwet overview has no such figure (`-`).
    """
    rows: list[tuple[Any, ...]] = []
    for provider_id, p in document.body.providers.items():
        if p.wzd.deliver:
            rows += [
                (provider_id, "wzd", form, c.clients, c.measures, c.applications,
                 c.applications_unplanned)
                for form, c in p.wzd.totals.items()
            ]  # fmt: skip
        if p.wvggz.deliver:
            rows += [(provider_id, "wvggz", *row) for row in _wvggz_forms(p.wvggz)]
        if p.jeugdwet.deliver:
            rows += [
                (provider_id, "jeugdwet", form, c.young_people, c.measures, c.applications, "-")
                for form, c in p.jeugdwet.totals.items()
            ]
    return [dict(zip(TOTALS, row, strict=True)) for row in rows]


def _wvggz_forms(wvggz: Any) -> list[tuple[Any, ...]]:
    """(form, clients, measures, applications, emergency) per form of the client rows."""
    clients: dict[str, set[str]] = {}
    emergency: dict[str, set[str]] = {}
    applications: dict[str, int] = {}
    for by_client in [*wvggz.locations.values(), wvggz.without_location]:
        for ref, forms in by_client.items():
            for form, given in forms.items():
                clients.setdefault(form, set()).add(ref)
                applications[form] = applications.get(form, 0) + given.applications
                if given.emergency_8_11:
                    emergency.setdefault(form, set()).add(ref)
    return [
        (form, len(clients[form]), "-", applications[form], len(emergency.get(form, ())))
        for form in sorted(clients)
    ]


def _wzd(out: io.StringIO, wzd: Any) -> None:
    left = wzd.left_out_art_2_lid_2
    if not wzd.deliver and not left.measures:
        return
    out.write("\nWzd (art. 2 lid 1 forms, per location):\n")
    rows = [
        {"location_id": loc, "form": form, **counts.model_dump()}
        for loc, forms in [*wzd.locations.items(), ("(none)", wzd.without_location)]
        for form, counts in forms.items()
    ]
    rows += [{"location_id": "(all)", "form": f, **c.model_dump()} for f, c in wzd.totals.items()]
    emit_table(rows, ("location_id", "form", *_WZD), out=out, width=_UNCUT)
    out.write(
        f"left out (art. 2 lid 2): {left.clients} clients, {left.measures} measures, "
        f"{left.applications} applications\n"
    )


def _wvggz(out: io.StringIO, wvggz: Any) -> None:
    if not wvggz.deliver:
        return
    out.write(f"\nWvggz (per location and client; unique clients: {wvggz.clients}):\n")
    rows = [
        {
            "location_id": loc,
            "client_ref": ref,
            "form": form,
            "applications": given.applications,
            "emergency_8_11": given.emergency_8_11,
            "titles": ", ".join(given.titles) or "none",
            "dates": _dates(given.dates),
        }
        for loc, clients in [*wvggz.locations.items(), ("(none)", wvggz.without_location)]
        for ref, forms in clients.items()
        for form, given in forms.items()
    ]
    columns = ("location_id", "client_ref", "form", "applications", "emergency_8_11", "titles")
    emit_table(rows, (*columns, "dates"), out=out, width=_UNCUT)


def _dates(dates: list[str]) -> str:
    if len(dates) <= 3:
        return ", ".join(dates)
    return f"{len(dates)} days from {dates[0]} to {dates[-1]}"


def _jeugdwet(out: io.StringIO, jeugdwet: Any) -> None:
    if not jeugdwet.deliver:
        return
    out.write("\nJeugdwet, gesloten jeugdhulp (per location and category):\n")
    rows = [
        {"location_id": loc, "form": form, **counts.model_dump()}
        for loc, forms in [*jeugdwet.locations.items(), ("(none)", jeugdwet.without_location)]
        for form, counts in forms.items()
    ]
    rows += [
        {"location_id": "(all)", "form": f, **c.model_dump()} for f, c in jeugdwet.totals.items()
    ]
    emit_table(
        rows,
        ("location_id", "form", "young_people", "measures", "applications"),
        out=out,
        width=_UNCUT,
    )


def _quality(out: io.StringIO, quality: Any) -> None:
    out.write("\nData quality (fix in the record, then report again):\n")
    rows = [
        {"figure": name, "value": value}
        for name, value in quality.model_dump().items()
        if name != "open_critical_alerts"
    ]
    rows += [
        {"figure": f"open critical alerts: {rule}", "value": n}
        for rule, n in quality.open_critical_alerts.items()
    ]
    emit_table(rows, ("figure", "value"), out=out, width=_UNCUT)
