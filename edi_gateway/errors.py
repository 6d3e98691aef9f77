"""The service's errors, under the project's one base (``parsers.errors.EdiError``).

Domain errors carry their HTTP status: services and repositories raise them without
knowing about HTTP, and one handler in ``api/problems.py`` renders each as RFC 9457
``application/problem+json``::

    EdiError (parsers.errors)
    ├── StorageError        the file store cannot take or give back a file
    └── Problem
        ├── BadRequest        400  (also a ValueError; InvalidRequest)
        ├── Unauthorized      401
        ├── Forbidden         403
        ├── NotFound          404  (also a LookupError: ReportNotFound, UnknownPartner)
        ├── Conflict          409
        ├── TooLarge          413
        ├── Unsupported       415
        ├── TooManyRequests   429
        └── InsufficientStorage 507 (the data directory's disk is full)
"""

from __future__ import annotations

from parsers.errors import EdiError

__all__ = [
    "BadRequest",
    "Conflict",
    "EdiError",
    "Forbidden",
    "InsufficientStorage",
    "InvalidRequest",
    "NotFound",
    "Problem",
    "StorageError",
    "TooLarge",
    "TooManyRequests",
    "Unauthorized",
    "Unsupported",
]


class StorageError(EdiError):
    """The file store cannot take or give back a file."""


class Problem(EdiError):
    """A domain error that knows its HTTP status and how to explain itself."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class BadRequest(Problem, ValueError):
    status = 400
    title = "Bad request"


#: a request refused as given (the service's name for a 400)
InvalidRequest = BadRequest


class Unauthorized(Problem):
    status = 401
    title = "Missing or invalid API key"


class Forbidden(Problem):
    status = 403
    title = "Not allowed"


class NotFound(Problem, LookupError):
    status = 404
    title = "Not found"


class Conflict(Problem):
    status = 409
    title = "Conflict"


class TooLarge(Problem):
    status = 413
    title = "File too large"


class Unsupported(Problem):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(Problem):
    status = 429
    title = "Too many requests"


class InsufficientStorage(Problem):
    status = 507
    title = "Insufficient storage"
