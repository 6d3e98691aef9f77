"""Documents the service serves so that every citation in a guide or a report can be
opened: the implementation guides as the validator reads them and the companion guides'
rules (see :mod:`.endpoints`)."""

from .endpoints import router

__all__ = ["router"]
