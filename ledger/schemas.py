"""The published JSON Schemas, generated from the models: `python -m ledger.schemas`.

The files in `schema/` are what providers and the inspectorate build against; a test fails
when the models and the files drift apart, so a contract change is always a visible diff.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain import wire

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


def published() -> dict[str, Callable[[], dict[str, Any]]]:
    from domain import alerts
    from domain.report.document import ReportDocument

    return {
        "measure-event-v1.json": wire.json_schema,
        "measure-alert-v1.json": alerts.json_schema,
        "measure-ledger-report-v1.json": lambda: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://measure-ledger/schema/measure-ledger-report-v1.json",
            **ReportDocument.model_json_schema(),
        },
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(directory: Path = SCHEMA_DIR) -> int:
    directory.mkdir(exist_ok=True)
    for name, make in published().items():
        (directory / name).write_text(render(make()), encoding="utf-8")
        print(f"wrote {directory / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
