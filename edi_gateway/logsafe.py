"""Logging without PHI: exceptions are described by type and code location only, never by
their message (which may quote a member's name, id or date of birth from the file)."""

from __future__ import annotations

import logging
import traceback
from typing import Any


def describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ", ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-3:])
    return f"{type(exc).__name__} at {where or 'unknown'}"


class NoTracebacks(logging.Filter):
    """On a handler: a record's traceback (whose messages may quote a file or a query) is
    replaced by the exception's type and code location."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()} ({describe(record.exc_info[1])})"
            record.args = None
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def log_config(level: str) -> dict[str, Any]:
    """The service's logging (``logging.config.dictConfig``): our loggers and uvicorn's
    at ``level`` (never below DEBUG: uvicorn's TRACE logs whole messages), every other
    library at WARNING (SQLAlchemy and aiosqlite log statements and rows at INFO and DEBUG),
    no uvicorn access log (``api/middleware.AccessLog`` writes one without paths or query
    strings), and no traceback on any record."""
    name = level.upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        name = "DEBUG" if name == "TRACE" else "INFO"
    ours = {"level": name, "handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"no_tracebacks": {"()": NoTracebacks}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "plain",
                "filters": ["no_tracebacks"],
            }
        },
        "loggers": {
            "edi_gateway": ours,
            "uvicorn": ours,
            "uvicorn.error": {"level": name},
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }
