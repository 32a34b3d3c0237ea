"""Typed readers for environment variables that fail loudly.

Every variable the project reads is listed in ``.env.example``. A value that does not parse raises
:class:`ConfigError` naming the variable, so a typo such as ``TIANFU_DEBUG=Flase`` stops the start
instead of silently meaning something else (``bool(os.getenv(...))`` would be true for "False").
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one actionable line."""


def get_str(name: str, default: str | None = None, *, why: str = "") -> str:
    """Return the variable's value, or ``default``; raise when both are missing."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"{name} is required{why} (see .env.example)")
        return default
    return value


def get_bool(name: str, default: bool = False) -> bool:
    """Parse 1/0, true/false, yes/no, on/off (any case)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false")


def get_int(name: str, default: int) -> int:
    """Parse a whole number."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def get_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """Parse a finite decimal number (``0.5``, ``2``), at least ``minimum`` when one is given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r} must be a number of at least {minimum}")
    return value


def get_list(name: str, default: Sequence[str] | None = None, *, why: str = "") -> list[str]:
    """Parse a comma-separated list, dropping blanks."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        if default is None:
            raise ConfigError(f"{name} is required{why} (a comma-separated list, see .env.example)")
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def get_choice(name: str, choices: Sequence[str], default: str) -> str:
    """Return one of ``choices``; anything else is an error naming the allowed values."""
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def get_json(name: str, default: object) -> object:
    """Parse a JSON value, for structured settings such as a list of basemaps."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc.msg} at character {exc.pos}") from None


@dataclass(frozen=True)
class DatabaseURL:
    """The parts of a ``postgresql://user:password@host:port/name`` URL."""

    name: str
    user: str
    password: str
    host: str
    port: str

    def redacted(self) -> str:
        """The URL without its password, safe for messages and logs."""
        user = f"{self.user}@" if self.user else ""
        host = self.host or "local socket"
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{host}{port}/{self.name}"


def parse_database_url(url: str, variable: str = "DATABASE_URL") -> DatabaseURL:
    """Parse a PostgreSQL URL; other schemes are refused because GeoDjango needs PostGIS."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "postgis"}:
        raise ConfigError(
            f"{variable} must start with postgresql:// (PostGIS is required), got {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ConfigError(f"{variable} names no database: use postgresql://user@host:5432/name")
    try:
        port = str(parts.port or "")
    except ValueError:
        raise ConfigError(f"{variable} has a port that is not a number") from None
    return DatabaseURL(
        name=name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=unquote(parts.hostname or ""),
        port=port,
    )
