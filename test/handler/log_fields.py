"""Reading the handler's structured log lines: each ``extra=`` key it logs is an attribute of the log record."""

from __future__ import annotations

import logging
from typing import Any


def log_fields(line: logging.LogRecord, *names: str) -> tuple[Any, ...]:
    """The values the handler logged under ``names`` on ``line``, in that order (AttributeError if one is missing)."""
    return tuple(getattr(line, name) for name in names)
