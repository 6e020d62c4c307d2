"""Creating kafka-python clients, with the two ways that fails told apart in plain words.

kafka-python connects in the constructor: a client that cannot reach any broker raises a
timeout after `bootstrap_timeout_ms` (30 s by default), and a contradictory setting raises a
configuration error before that. Both are the operator's to fix, not a crash: the command
line turns these errors into one sentence and exit code 2 (CONTRACT §3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kafka import errors as kafka_errors

from consumers.kafka_setup_error import KafkaSetupError

__all__ = ["DEFAULT_BOOTSTRAP_TIMEOUT_MS", "KafkaSetupError", "kafka_client"]

Client = TypeVar("Client")
DEFAULT_BOOTSTRAP_TIMEOUT_MS = 30_000


def kafka_client(factory: Callable[..., Client], config: Mapping[str, Any], role: str) -> Client:
    """`factory(**config)`, or a KafkaSetupError naming the `role` ("consumer") and the cause."""
    try:
        return factory(**config)
    except kafka_errors.KafkaTimeoutError:
        servers = ",".join(config.get("bootstrap_servers") or ())
        waited = (config.get("bootstrap_timeout_ms") or DEFAULT_BOOTSTRAP_TIMEOUT_MS) / 1000
        raise KafkaSetupError(
            f"cannot reach the Kafka brokers at {servers} (the {role} gave up after "
            f"{waited:g} s); check --bootstrap-servers and that the broker is up "
            "(--kafka-option bootstrap_timeout_ms=N waits longer)"
        ) from None
    except (
        kafka_errors.KafkaConfigurationError,
        ValueError,
        TypeError,
        AssertionError,
        RuntimeError,
    ) as error:
        raise KafkaSetupError(f"invalid Kafka {role} settings: {error}") from None
