"""Settings from the environment (`LEDGER_*`), overridable by command-line options."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
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
    log_level: str = Field(default="warning", description="debug, info, warning or error.")
