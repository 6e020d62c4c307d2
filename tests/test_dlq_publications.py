"""The store's record of DLQ copies, on both stores: what is on the topic, and from where a
reconciliation must read."""

from __future__ import annotations

from ledger.service import Ledger
from store.dlq_publications import Published


def test_published_copies_are_known_by_source_per_topic(ledger: Ledger) -> None:
    """A recorded source is known for its DLQ topic only; recording it again changes nothing."""
    pubs = ledger.dlq_publications
    pubs.record("t.dlq", [Published("t/0@1", 0, 7), Published("t/0@2", 0, 8)])
    pubs.record("t.dlq", [Published("t/0@1", 0, 99)])
    assert pubs.published("t.dlq", ["t/0@1", "t/0@2", "t/0@3"]) == {"t/0@1", "t/0@2"}
    assert pubs.published("other.dlq", ["t/0@1"]) == set()
    many = [f"t/1@{n}" for n in range(1200)]  # more than one IN (...) list
    pubs.record("t.dlq", [Published(s, 0, n) for n, s in enumerate(many[::2])])
    assert pubs.published("t.dlq", many) == set(many[::2])


def test_reconciled_positions_only_move_forwards(ledger: Ledger) -> None:
    """Two consumers reconciling at once: the one that read less cannot move a position back."""
    pubs = ledger.dlq_publications
    assert pubs.positions("t.dlq") == {}
    pubs.reconciled("t.dlq", [Published("t/0@5", 0, 3)], {0: 10, 1: 4})
    pubs.reconciled("t.dlq", [], {0: 6, 1: 9})
    assert pubs.positions("t.dlq") == {0: 10, 1: 9}
    assert pubs.published("t.dlq", ["t/0@5"]) == {"t/0@5"}
