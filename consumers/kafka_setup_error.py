"""The one Kafka error the command line names without importing kafka-python.

`cli/main.py` lists it among the operator's errors (one line, exit 2) for every command, so it
lives apart from `kafka_clients.py`, which imports kafka-python (a fifth of a second at the
start of every command, `serve` included, that never talks to Kafka).
"""


class KafkaSetupError(Exception):
    """The Kafka settings contradict each other, or no broker answered in time."""
