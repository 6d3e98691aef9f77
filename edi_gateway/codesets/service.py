"""Importing a publisher's file as a new version of a code list, and reading the imported
lists back for the guides (``CodeLists``) and for ``codesets list``, ``/readyz`` and the
start-up warnings (``ListInfo``).

A version's codes are kept in its row, compressed; each process keeps the versions it has
read (a version never changes once imported), so a file's check costs one small query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import zlib
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.codesets.catalog import (
    CodeLists,
    DatedList,
    ListInfo,
    shipped_lists,
    stale_lists,
)
from mappings.codesets.importers import ParsedList

from ..audit import audit
from ..errors import Problem
from ..models import CodeListVersion
from .repository import CodeListRepository

__all__ = [
    "CodeListExists",
    "import_list",
    "list_infos",
    "load_code_lists",
    "stale_warnings",
    "warn_stale_code_lists",
]


class CodeListExists(Problem):
    status = 409
    title = "Code list version already imported"


def encode(parsed: ParsedList) -> bytes:
    lines = (
        "\t".join(
            (code, start.isoformat() if start else "", stop.isoformat() if stop else "", text)
        )
        for code, start, stop, text in parsed.entries
    )
    return zlib.compress("\n".join(lines).encode("utf-8"), 6)


def decode(content: bytes) -> dict[str, tuple[int, int]]:
    """code -> (first day, last day) as ordinals, 0 for an open end."""
    out: dict[str, tuple[int, int]] = {}
    for line in zlib.decompress(content).decode("utf-8").split("\n"):
        code, start, stop, _ = line.split("\t", 3)
        out[code] = (
            dt.date.fromisoformat(start).toordinal() if start else 0,
            dt.date.fromisoformat(stop).toordinal() if stop else 0,
        )
    return out


async def import_list(
    session: AsyncSession, parsed: ParsedList, data: bytes, file_name: str
) -> CodeListVersion:
    """Store ``parsed`` as a new version (audited as the gateway's ``import`` of a
    ``code_list``); CodeListExists when that list already has that version."""
    repo = CodeListRepository(session)
    known = await repo.get_version(parsed.name, parsed.version)
    digest = hashlib.sha256(data).hexdigest()
    if known is not None:
        same = " from the same file" if known.sha256 == digest else ""
        raise CodeListExists(
            f"{parsed.name} version {parsed.version!r} was already imported{same} "
            f"(on {known.imported_at:%Y-%m-%d}); give another --version to keep both"
        )
    row = CodeListVersion(
        name=parsed.name,
        version=parsed.version,
        source=parsed.source[:500],
        effective_from=parsed.effective_from,
        effective_to=parsed.effective_to,
        entries=len(parsed.entries),
        content=encode(parsed),
        sha256=digest,
    )
    repo.add(row)
    await session.flush()
    await audit(
        session,
        None,
        "import",
        "code_list",
        f"{parsed.name}:{parsed.version}",
        f"{len(parsed.entries)} codes from {file_name}, in effect from "
        f"{parsed.effective_from.isoformat()}",
    )
    return row


_log = logging.getLogger("edi_gateway.codesets")
_CODES: dict[int, dict[str, tuple[int, int]]] = {}
_LOCK = threading.Lock()


async def load_code_lists(session: AsyncSession) -> CodeLists:
    """Every imported version, for the guides; codes read once per process per version."""
    repo = CodeListRepository(session)
    headers = await repo.headers()
    with _LOCK:
        missing = [h.id for h in headers if h.id not in _CODES]
    fetched = await repo.content_of(missing)
    decoded = {i: decode(c) for i, c in fetched.items()}
    with _LOCK:
        _CODES.update(decoded)
        return CodeLists(
            DatedList(h.name, h.version, h.source, h.effective_from, h.effective_to, _CODES[h.id])
            for h in headers
            if h.id in _CODES
        )


async def list_infos(session: AsyncSession) -> list[ListInfo]:
    """What ``codesets list`` shows: the shipped lists, then every imported version."""
    imported = [
        ListInfo(
            h.name,
            h.version,
            h.entries,
            h.source,
            _schedule(h.name),
            h.effective_from,
            h.effective_to,
            "imported",
        )
        for h in await CodeListRepository(session).headers()
    ]
    return shipped_lists() + imported


def _schedule(name: str) -> str:
    from mappings.codesets.catalog import IMPORTED_SCHEDULES

    return IMPORTED_SCHEDULES.get(name, "none")


def stale_warnings(infos: Sequence[ListInfo], today: dt.date) -> list[dict[str, str]]:
    """The current lists past their scheduled update, as ``/readyz`` shows them."""
    return [
        {
            "list": i.name,
            "version": i.version,
            "update_due": i.next_update.isoformat() if i.next_update else "",
            "warning": i.warning(),
        }
        for i in stale_lists(infos, today)
    ]


async def warn_stale_code_lists(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """At ``serve`` start-up: one warning line (stderr) per list past its update."""
    async with sessionmaker() as session:
        infos = await list_infos(session)
    for stale in stale_lists(infos, dt.date.today()):
        _log.warning("%s", stale.warning())
