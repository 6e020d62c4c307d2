"""What `consume` can be told, and the client configurations that follow from it.

The loop's invariants (its own commits, the group, the servers) are set here and cannot be
overridden by `--kafka-option`; connection and security settings are shared by every client
the loop opens (the consumer, the DLQ producer, the DLQ reader), since they talk to one
cluster with one identity. No kafka-python import here: the command line reads these
defaults at every start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The bad-share limit (consumers/kafka_dlq.py): here, so `consume --help` and its defaults
# need no kafka-python import.
DEFAULT_MAX_BAD_SHARE = 0.2
DEFAULT_BAD_WINDOW = 1000

# Connection settings the DLQ producer shares with the consumer (same cluster, same auth).
SHARED_PREFIXES = (
    "security_", "ssl_", "sasl_", "socks5_", "client_dns_lookup", "api_version",
    "bootstrap_timeout_ms",
)  # fmt: skip


@dataclass(frozen=True)
class IngestSettings:
    """Everything `consume` can be told; defaults are the documented ones (docs/kafka.md)."""

    bootstrap_servers: str
    topic: str = "measure-events"
    group: str = "measure-ledger"
    dlq_topic: str = "measure-events.dlq"
    consumer_options: Mapping[str, Any] = field(default_factory=dict)
    max_bad_share: float = DEFAULT_MAX_BAD_SHARE
    bad_window: int = DEFAULT_BAD_WINDOW
    commit_interval_s: float = 1.0
    commit_every: int = 10_000
    poll_timeout_ms: int = 500
    allowed_providers: frozenset[str] | None = None
    dlq_reconcile_timeout_s: float = 30.0
    dlq_crash_after_flush: int | None = None  # test hook, see consumers/kafka_dlq.py
    health_file: str | None = None  # touched each time round the loop (consumers/heartbeat.py)
    #: A second process keeps the alert index current while the loop stores (ledger/
    #: judging_alongside.py); off, alerts are judged by whoever reads or feeds them.
    judge_alongside: bool = False

    def consumer_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "auto_offset_reset": "earliest",  # a new group reads everything: nothing skipped
            "max_poll_records": 2000,  # bigger batches, fewer store transactions
            "client_id": "measure-ledger-consume",
            **self.consumer_options,
        }
        # Invariants of the loop, never overridable: the loop commits, by itself.
        config.update(
            bootstrap_servers=self.bootstrap_servers.split(","),
            group_id=self.group,
            enable_auto_commit=False,
        )
        return config

    def shared_config(self) -> dict[str, Any]:
        """The connection settings every client of this loop uses (same cluster, same auth)."""
        return {k: v for k, v in self.consumer_options.items() if k.startswith(SHARED_PREFIXES)}

    def reader_config(self) -> dict[str, Any]:
        """The DLQ reader of the reconciliation: no group, no commits."""
        return {
            **self.shared_config(),
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "enable_auto_commit": False,
            "client_id": "measure-ledger-dlq-reconcile",
        }

    def producer_config(self) -> dict[str, Any]:
        return {
            **self.shared_config(),
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "acks": "all",
            "linger_ms": 5,
            "client_id": "measure-ledger-dlq",
        }
