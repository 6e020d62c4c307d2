"""The cyclic collector is paused while a batch is stored and judged, and resumed after."""

from __future__ import annotations

import gc

import pytest

from ledger import cyclic_gc
from ledger.service import Ledger
from tests.conftest import lifecycle, messages


def test_paused_inside_and_resumed_after(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = Ledger(sqlite_url)
    seen: list[bool] = []
    append = ledger.appender.append

    def watched(batch, steps=()):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return append(batch, steps)

    monkeypatch.setattr(ledger.appender, "append", watched)
    try:
        assert gc.isenabled()
        ledger.submit(messages(*lifecycle()))
        ledger.refresh_alerts()
        assert seen == [False]
        assert gc.isenabled()
    finally:
        ledger.close()


def test_an_error_inside_still_resumes_it() -> None:
    with pytest.raises(RuntimeError), cyclic_gc.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
