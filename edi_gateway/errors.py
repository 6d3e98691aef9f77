"""The service's exceptions, under the project's one base (``parsers.errors.EdiError``):

- :class:`StorageError`: the file store cannot take or give back a file (e.g.
  ``submissions.filestore.FileTooLarge``);
- :class:`NotFound`: a look-up by id or name found nothing the caller may see
  (``reports.service.ReportNotFound``, ``submissions.ingest.UnknownPartner``);
- :class:`InvalidRequest`: a request the service refuses as given
  (``partners.service.PartnerError``).

HTTP problems (``api.problems.Problem``) are the web layer's own and stay outside: the
service never raises them.
"""

from __future__ import annotations

from parsers.errors import EdiError

__all__ = ["EdiError", "InvalidRequest", "NotFound", "StorageError"]


class StorageError(EdiError):
    """The file store cannot take or give back a file."""


class NotFound(EdiError, LookupError):
    """Nothing with that id or name that the caller may see."""


class InvalidRequest(EdiError, ValueError):
    """A request refused as given; the message says why."""
