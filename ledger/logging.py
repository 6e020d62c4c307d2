"""Logging, configured once at the entry point (STYLE point 11).

structlog with context variables first, ISO UTC timestamps, JSON when not on a terminal
(or when asked), and the standard library's records (kafka-python's, the library's) sent
through the same processors, so every line a process writes has one shape.

Logs never carry message content, at any level: kafka-python logs whole requests and
responses (record batches, so pseudonyms, staff ids and whatever a provider sent) at DEBUG.
Its loggers are therefore held at INFO or above whatever the ledger's level, and a handler
filter withholds any byte string or protocol message a library record still carries.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

# Library loggers that log wire data below this level, and the floor they are held at.
LIBRARY_FLOORS = {"kafka": logging.INFO}


def configure(level: str = "warning", fmt: str = "auto") -> bool:
    """Send every log line to stderr; return whether the lines are JSON."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    handler.addFilter(WithholdWireData())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(numeric, floor))
    return as_json


class WithholdWireData(logging.Filter):
    """On the handler, so it sees every library's records (a logger's own filters do not
    apply to its children): a library record below its floor is dropped, and byte strings
    or protocol messages among its arguments are replaced by their size or type."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.partition(".")[0]
        floor = LIBRARY_FLOORS.get(library)
        if floor is None:
            return True
        if record.levelno < floor:
            return False
        if isinstance(record.args, tuple):
            record.args = tuple(_withheld(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _withheld(arg) for key, arg in record.args.items()}
        record.msg = _withheld(record.msg)
        return True


def _withheld(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes withheld>"
    if type(value).__module__.startswith("kafka.protocol"):
        return f"<{type(value).__name__} withheld>"
    return value
