"""Logging set-up: plain text by default, JSON lines with ``LOG_FORMAT=json`` (python-json-logger).

Pipeline records carry ``job_id``, ``step``, ``backend`` and ``duration_s`` as fields. With
``LOG_PRIVATE=true`` descriptions and prompts are never logged at INFO. Secrets are never
logged: settings hold them as ``SecretStr`` and no record includes them.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.config import Settings

_CONFIGURED = False


def configure_logging(
    fmt: str | None = None, level: str | None = None, settings: Settings | None = None
) -> None:
    """Install one stderr handler on the ``core`` logger (idempotent). ``fmt`` and ``level``
    default to LOG_FORMAT and LOG_LEVEL of ``settings`` (default: the settings in force).

    Raises
    ------
    ConfigError
        ``fmt`` or ``level`` (or LOG_FORMAT / LOG_LEVEL) is not one the logger knows.
    """
    global _CONFIGURED
    if _CONFIGURED:
        return
    from core.config import LOG_LEVELS, get_settings
    from core.errors import ConfigError

    s = settings or get_settings()
    if (fmt or s.log_format) not in ("text", "json"):
        raise ConfigError(f"Unknown log format '{str(fmt)[:40]}'.", "Use text or json.")
    if (level or s.log_level).upper() not in LOG_LEVELS:
        raise ConfigError(f"Unknown log level '{str(level)[:40]}'.", f"Use one of {', '.join(LOG_LEVELS)}.")
    handler = logging.StreamHandler(sys.stderr)
    if (fmt or s.log_format) == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("core")
    logger.addHandler(handler)
    logger.setLevel((level or s.log_level).upper())
    logger.propagate = False
    _CONFIGURED = True


def describe(text: str, settings: Settings | None = None) -> str:
    """``text`` for a log record, or its length only when LOG_PRIVATE is set in ``settings``
    (default: the settings in force)."""
    from core.config import get_settings

    return f"<{len(text)} characters>" if (settings or get_settings()).log_private else text
