"""Signing webhook payloads, and verifying them as a receiver does.

The signature is an HMAC-SHA256, keyed with the webhook's secret, over the delivery's
timestamp (Unix seconds), a dot and the exact body bytes. It travels in
``Edi-Gateway-Signature: t=<timestamp>,v1=<hex digest>``; the timestamp is part of what is
signed, so a receiver that refuses old timestamps cannot be sent a captured delivery again.
For a while after a rotation (``webhook_secret_grace_hours``) the header carries a second
``v1``, made with the previous secret, so a receiver still holding it keeps verifying.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

__all__ = [
    "ATTEMPT_HEADER",
    "EVENT_HEADER",
    "EVENT_ID_HEADER",
    "SECRET_PREFIX",
    "SIGNATURE_HEADER",
    "new_secret",
    "sign",
    "signature_header",
    "verify",
]

SIGNATURE_HEADER = "Edi-Gateway-Signature"
EVENT_ID_HEADER = "Edi-Gateway-Event-Id"
EVENT_HEADER = "Edi-Gateway-Event"
ATTEMPT_HEADER = "Edi-Gateway-Delivery-Attempt"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(
    secret: str, body: bytes, timestamp: int | None = None, also: Sequence[str] = ()
) -> str:
    """``t=<timestamp>,v1=<digest>``, with one more ``v1`` per secret in ``also`` (the
    previous secret during its grace period after a rotation)."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={sign(s, t, body)}" for s in (secret, *also))])


def verify(
    secret: str, header: str, body: bytes, tolerance: float = 300, now: float | None = None
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for v in fields.get("v1", []))
