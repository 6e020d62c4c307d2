"""Settings from the environment (`LEDGER_*`), overridable by command-line options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    store: str = Field(
        default="sqlite:///ledger.db",
        description="Store URL: sqlite:///path/ledger.db or postgresql://user@host/db.",
    )
    log_format: Literal["auto", "console", "json"] = Field(
        default="auto", description="auto: readable on a terminal, JSON otherwise."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="warning", description="debug, info, warning or error (any case)."
    )
    key_file: str | None = Field(
        default=None,
        description=(
            "Ed25519 signing key for checkpoints (PEM, created 0600 on first use). Default: "
            "<sqlite file>.signing.key beside a SQLite store; for PostgreSQL "
            "$XDG_DATA_HOME/measure-ledger/<host>_<port>_<db>.signing.key."
        ),
    )
    feed_key_file: str | None = Field(
        default=None,
        description=(
            "File holding the key of the keyed hash (HMAC-SHA256) behind `client_ref` in the "
            "alert feed: at least 32 bytes, surrounding whitespace ignored. Keep it outside "
            "the repository, readable only by the feed."
        ),
    )
    feed_key: SecretStr | None = Field(
        default=None,
        description="The feed key itself, when a file is not practical; never logged.",
    )
    report_key_file: str | None = Field(
        default=None,
        description=(
            "Key of the client pseudonyms in the half-year report (HMAC-SHA256, created 0600 "
            "on first use). Default: <sqlite file>.report.key beside a SQLite store; for "
            "PostgreSQL $XDG_DATA_HOME/measure-ledger/<host>_<port>_<db>.report.key."
        ),
    )
    policy: dict[str, str | bool] = Field(
        default_factory=dict,
        description=(
            "Overrides of the rulebook's policy values (never of statutory periods), as JSON, "
            'e.g. {"review": "21 days", "rule.LATE-REGISTRATION": false}.'
        ),
    )
    rulebook_version: str | None = Field(
        default=None,
        description=(
            "Judge with this shipped rulebook version (e.g. 2026.1) instead of the latest; "
            "changing it makes the alert index refuse until `rebuild`."
        ),
    )
    provider_profiles: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Wzd stappenplan profile per provider, as JSON, e.g. "
            '{"AGB:12345678": "bestuurlijke-afspraken-2024"}; others use the statutory 2020 one.'
        ),
    )
    location_registers: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Registered locations per provider (Wzd art. 20), as JSON mapping a provider to a "
            'file of location ids, one per line, e.g. {"AGB:12345678": "/etc/ledger/agb.txt"}; '
            "a provider without one is not checked (WZD-LOCATION-UNREGISTERED)."
        ),
    )
    onboarding: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Onboarding date per provider, as JSON, e.g. "
            '{"AGB:12345678": "2026-03-01"} (00:00 on the Amsterdam clock; a time with offset '
            "also works): events that occurred before it are history loaded when the provider "
            "was connected and are not judged for LATE-REGISTRATION; the date itself is. "
            "Rulebook 2026.2 on; changing it makes the alert index refuse until `rebuild`."
        ),
    )
    cipher_key: SecretStr | None = Field(
        default=None,
        description=(
            "Encrypt stored events at rest (AES-GCM, the eventsourcing library's cipher): a "
            "base64 key of 16, 24 or 32 bytes. Without it events are stored in the clear. "
            "The views (timeline, status, alerts) are derived data and stay readable."
        ),
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        """`LEDGER_LOG_LEVEL=INFO` is as clear as `info`; `bogus` is refused, not ignored."""
        return value.strip().lower() if isinstance(value, str) else value
