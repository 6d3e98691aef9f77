"""Errors of the mappings layer (see ``parsers.errors`` for the whole hierarchy)."""

from __future__ import annotations

from parsers.errors import EdiError

__all__ = ["EdiError", "MappingError"]


class MappingError(EdiError, ValueError):
    """A unit (claim, member, claim payment) that cannot be read into its record; the
    message says what is missing or malformed, in words a billing office can act on."""
