"""Printing results: aligned tables that fit the terminal, or JSON for machines."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def emit_json(value: Any, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    json.dump(value, out, ensure_ascii=False, default=str)
    out.write("\n")


def emit_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    out: TextIO | None = None,
    width: int | None = None,
) -> None:
    """Columns are cut (with …) so each line fits the terminal; `--format json` has it all."""
    out = out or sys.stdout
    if not rows:
        out.write("(none)\n")
        return
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_cell(row.get(col)) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    widths = _fit(widths, width)
    line = "  ".join(_clip(col, w).ljust(w) for col, w in zip(columns, widths, strict=True))
    out.write(line.rstrip() + "\n")
    for r in cells:
        text = "  ".join(_clip(v, w).ljust(w) for v, w in zip(r, widths, strict=True))
        out.write(text.rstrip() + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _fit(widths: list[int], total: int) -> list[int]:
    """Shrink the widest columns first until the row (with 2-space gaps) fits."""
    widths = list(widths)
    budget = total - 2 * (len(widths) - 1)
    while sum(widths) > budget and max(widths) > 6:
        i = widths.index(max(widths))
        widths[i] -= 1
    return widths
