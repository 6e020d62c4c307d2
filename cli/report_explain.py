"""`report --explain LOCATION FORM` as a reader sees it: the figures, then what is behind them.

The JSON is the `Explanation` model itself; the table prints per provider and law the cell's
figures, every counted measure with its applications, and every item left out with why.
"""

from __future__ import annotations

import io

from cli.output import emit_table
from domain.report.explain_model import ExplainedCell, Explanation

_UNCUT = 1_000_000


def explain_text(explanation: Explanation) -> str:
    out = io.StringIO()
    e = explanation
    out.write(
        f"Behind {e.form} at {e.location} in {e.period}, counted at ledger position "
        f"{e.position} (chain hash {e.head_hash})\n"
    )
    if not e.providers:
        out.write("\nNo provider in the ledger at this position.\n")
    for provider_id, cells in e.providers.items():
        out.write(f"\n== {provider_id}\n")
        if not cells:
            out.write(f"{e.form} is a form of no law and no measure has it here.\n")
        for cell in cells:
            _cell(out, cell)
    return out.getvalue()


def _cell(out: io.StringIO, cell: ExplainedCell) -> None:
    out.write(f"\n{cell.law} (in the report: {cell.counted_in})\n")
    if cell.figures is not None:
        figures = ", ".join(f"{k} {v}" for k, v in cell.figures.model_dump().items())
        out.write(f"figures: {figures}\n")
    for ref, row in cell.clients.items():
        emergency = "yes" if row.emergency_8_11 else "no"
        out.write(
            f"client {ref}: {row.applications} applications on {len(row.dates)} days, "
            f"titles {', '.join(row.titles) or 'none'}, 8:11 {emergency}\n"
        )
    if not cell.figures and not cell.clients:
        out.write("figures: nothing counted\n")
    rows = [
        {
            "measure_id": m.measure_id,
            "client_id": m.client_id,
            "client_ref": m.client_ref,
            "location_id": m.location_id,
            "event_id": a.event_id,
            "position": a.position,
            "occurred_at": a.occurred_at,
            "ended_at": a.ended_at,
            "unplanned": a.unplanned,
        }
        for m in cell.measures
        for a in m.applications
    ]
    out.write(f"counted: {len(cell.measures)} measures, {len(rows)} applications\n")
    columns = ("measure_id", "client_id", "client_ref", "location_id", "event_id", "position")
    emit_table(rows, (*columns, "occurred_at", "ended_at", "unplanned"), out=out, width=_UNCUT)
    out.write(f"left out: {len(cell.left_out)}\n")
    if cell.left_out:
        emit_table(
            [item.model_dump() for item in cell.left_out],
            ("reason", "measure_id", "client_id", "event_id", "occurred_at", "detail"),
            out=out,
            width=_UNCUT,
        )
