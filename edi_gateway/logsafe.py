"""Logging without PHI: exceptions are described by type and code location only, never by
their message (which may quote a member's name, id or date of birth from the file)."""

from __future__ import annotations

import traceback


def describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ", ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-3:])
    return f"{type(exc).__name__} at {where or 'unknown'}"
