"""A report as delivered: the body, its SHA-256, and the ledger state it was made from.

The body hash is over a canonical encoding — JSON with keys sorted, no whitespace, UTF-8,
only integers, booleans, strings, lists and objects — so anyone can recompute it from the
`body` of the file without this code. The binding names the ledger position, the global
chain hash at that position and the signed checkpoint that covers it
(docs/tamper-evidence.md), so `verify --against` proves the facts behind the report are
still the ledger's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.report.model import ReportBody

DOCUMENT_FORMAT = "measure-ledger-report/v1"


class BoundCheckpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checkpoint_id: int | None
    position: int
    head_hash: str
    created_at: str
    key_id: str
    signature: str


class Binding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(description="The report counts the events at positions <= this.")
    head_hash: str = Field(description="The global chain hash at `position` (hex).")
    checkpoint: BoundCheckpoint = Field(description="The signed checkpoint covering it.")
    rulebook_fingerprint: str = Field(description="The rules that judged the alerts and lag.")
    report_key_id: str = Field(description="Names the key behind the client pseudonyms.")
    provider_id: str | None = Field(description="Only this provider, or null for all.")


class ReportDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = DOCUMENT_FORMAT
    binding: Binding
    body_sha256: str
    body: ReportBody


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def body_sha256(body: ReportBody) -> str:
    return hashlib.sha256(canonical(body.model_dump(mode="json"))).hexdigest()


def bind(body: ReportBody, binding: Binding) -> ReportDocument:
    return ReportDocument(binding=binding, body_sha256=body_sha256(body), body=body)


def serialise(document: ReportDocument) -> str:
    """The file as written: indented for a reader, the same bytes on every run.

    pydantic writes the bytes `json.dumps(..., indent=2, ensure_ascii=False)` writes for a
    document of text, whole numbers and booleans (tests/test_report_serialise.py), about ten
    times faster: with an indent, `json` falls back to its Python encoder.
    """
    return document.model_dump_json(indent=2) + "\n"


def flatten(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every leaf of a body with its path; a list (dates, titles) is one leaf."""
    if isinstance(value, dict):
        leaves: dict[tuple[str, ...], Any] = {}
        for key, inner in value.items():
            leaves.update(flatten(inner, (*path, str(key))))
        return leaves
    return {path: value}


def differences(old: ReportBody, new: ReportBody) -> list[tuple[tuple[str, ...], Any, Any]]:
    """(path, old value, new value) of every leaf that differs; None where one is missing."""
    before = flatten(old.model_dump(mode="json"))
    after = flatten(new.model_dump(mode="json"))
    changed = []
    for path in sorted(before.keys() | after.keys()):
        if before.get(path) != after.get(path):
            changed.append((path, before.get(path), after.get(path)))
    return changed


def behind(path: tuple[str, ...], sources: dict[tuple[str, ...], set[str]]) -> set[str]:
    """The measures behind a leaf: those of the nearest cell (or section) that names them."""
    for end in range(len(path), 0, -1):
        if path[:end] in sources:
            return sources[path[:end]]
    return set()
