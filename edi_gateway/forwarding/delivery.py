"""Delivering a stored outbound file to its plan, after the run that wrote it committed:
an HTTPS POST (httpx, retried with backoff on network errors, 429 and 5xx; with the plan's
bearer token or basic credentials from an environment variable, and our client certificate
for mutual TLS, when its settings ask for them) or a drop
directory an operator's SFTP agent picks up (written whole, then renamed into place).
Files kept for download need nothing. Every attempt is counted on the batch; a batch
that could not be delivered is ``failed`` with the reason (never file content) and is
tried again by the next scheduled run."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..config import Settings
from ..models import ForwardingBatch, OutboundSettings, Partner, StoredFile
from ..submissions.filestore import FileStore, durable_replace, make_directories

__all__ = ["deliver", "drop_file", "file_name", "undelivered"]

log = logging.getLogger("edi_gateway.forwarding")

ATTEMPTS = 4
BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 60.0


def file_name(plan: str, batch: ForwardingBatch) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in plan)
    return f"{safe}_{batch.guide}_{batch.interchange_control:09d}.x12"


async def undelivered(session: AsyncSession, plan_partner_id: int) -> list[int]:
    rows = await session.execute(
        select(ForwardingBatch.id).where(
            ForwardingBatch.plan_partner_id == plan_partner_id,
            ForwardingBatch.status.in_(("pending", "failed")),
        )
    )
    return list(rows.scalars())


class DeliveryConfigError(Exception):
    """The plan's delivery cannot be set up on this machine (a secret or file missing);
    its message names what is missing, never a secret."""


def _client_options(outbound: OutboundSettings) -> tuple[dict[str, str], ssl.SSLContext | bool]:
    """The Authorization header and the TLS context of a plan's HTTPS delivery."""
    headers: dict[str, str] = {}
    if outbound.auth in ("bearer", "basic"):
        name = outbound.auth_env or ""
        secret = os.environ.get(name)
        if not secret:
            raise DeliveryConfigError(
                f"environment variable {name} (the {outbound.auth} secret) is not set on "
                "this machine"
            )
        if outbound.auth == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        else:
            if ":" not in secret:
                raise DeliveryConfigError(f"environment variable {name} must hold user:password")
            token = base64.b64encode(secret.encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
    if not (outbound.client_cert or outbound.ca_file):
        return headers, True
    try:
        context = ssl.create_default_context(cafile=outbound.ca_file or None)
        if outbound.client_cert:
            context.load_cert_chain(outbound.client_cert, outbound.client_key or None)
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryConfigError(
            f"TLS files of the plan cannot be used: {type(exc).__name__}: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    return headers, context


async def _post(
    url: str, data: bytes, name: str, control: int, outbound: OutboundSettings
) -> tuple[bool, int, str | None]:
    """(delivered, attempts made, last error)."""
    try:
        auth_headers, verify = _client_options(outbound)
    except DeliveryConfigError as exc:
        return False, 0, str(exc)
    error: str | None = None
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, verify=verify) as client:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await client.post(
                    url,
                    content=data,
                    headers={
                        "Content-Type": "application/edi-x12",
                        "Content-Disposition": f'attachment; filename="{name}"',
                        "X-Interchange-Control-Number": f"{control:09d}",
                        **auth_headers,
                    },
                )
            except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
                # (a TLS 1.3 server refuses a client certificate after the handshake: the
                # alert comes as an ssl.SSLError on the first read)
                error = f"{type(exc).__name__}" + (
                    f": {exc.reason}" if isinstance(exc, ssl.SSLError) and exc.reason else ""
                )
            else:
                if response.is_success:
                    return True, attempt, None
                error = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    return False, attempt, error  # the plan refuses it: retrying won't help
            if attempt < ATTEMPTS:
                await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
    return False, ATTEMPTS, error


def drop_file(directory: str, name: str, data: bytes) -> None:
    """Write a file for a plan into its drop directory: whole or not at all, and once this
    returns it survives a crash (the bytes and the directory naming them are fsynced)."""
    target = Path(directory)
    make_directories(target)
    partial = target / f".{name}.partial"
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    durable_replace(partial, target / name)


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, batch_id: int
) -> str:
    """Deliver one batch; returns its status afterwards (delivered, failed, written)."""
    async with sessionmaker() as session:
        row = (
            await session.execute(
                select(ForwardingBatch, OutboundSettings, Partner.name, StoredFile.path)
                .join(
                    OutboundSettings, OutboundSettings.partner_id == ForwardingBatch.plan_partner_id
                )
                .join(Partner, Partner.id == ForwardingBatch.plan_partner_id)
                .join(StoredFile, StoredFile.sha256 == ForwardingBatch.sha256)
                .where(ForwardingBatch.id == batch_id)
            )
        ).first()
        if row is None:
            raise LookupError(f"no forwarding batch {batch_id}")
        batch, outbound, plan, path = row
        if batch.status == "delivered" or outbound.destination == "download":
            return batch.status
        destination, url, directory = outbound.destination, outbound.url, outbound.directory
        name = file_name(plan, batch)
        control = batch.interchange_control
    data = FileStore(settings.data_dir).path(path).read_bytes()
    attempts, error = 1, None
    delivered = False
    if destination == "https" and url:
        delivered, attempts, error = await _post(url, data, name, control, outbound)
    elif destination == "directory" and directory:
        try:
            await asyncio.to_thread(drop_file, directory, name, data)
            delivered = True
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc.strerror}"
    else:
        error = "no destination configured"
    async with sessionmaker() as session, session.begin():
        done = await session.get(ForwardingBatch, batch_id)
        assert done is not None
        batch = done
        batch.attempts += attempts
        batch.status = "delivered" if delivered else "failed"
        batch.delivered_at = datetime.now(UTC) if delivered else None
        batch.last_error = error
        status = batch.status
    log.info("forwarding batch %s to %s: %s (%s attempts)", batch_id, destination, status, attempts)
    return status
