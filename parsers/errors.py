"""The project's exceptions share one base, so a caller can catch everything ours with
``except EdiError`` and nothing else: the parser reports problems in files as findings, not
exceptions; the errors here are about how the library was called or configured.

- :class:`EdiError`: the base.
- ``mappings.errors.MappingError``: a unit that cannot be read into a record.
- ``mappings.guides.GuideError`` and ``mappings.codesets.CodeSetError``: a companion guide
  or code list that cannot be loaded.
- ``edi_gateway.errors``: the service's (storage, partners, look-ups).
"""

from __future__ import annotations

__all__ = ["EdiError"]


class EdiError(Exception):
    """Base of every exception edi_gateway, its mappings and its parser raise on purpose."""
