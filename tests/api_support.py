"""Fixtures for HTTP tests: the app on the test database, partners with API keys, and
files ingested on behalf of a partner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from conftest import Db

from edi_gateway.app import create_app
from edi_gateway.partners.service import create_partner, partner_by_name
from edi_gateway.submissions.ingest import ingest_paths


@dataclass
class Api:
    db: Db
    client: httpx.AsyncClient
    keys: dict[str, str] = field(default_factory=dict)  # partner name -> API key
    app: Any = None  # the FastAPI application (its state: key cache, worker, engine)

    async def partner(self, name: str, role: str, *sender_ids: str) -> str:
        async with self.db.sessionmaker() as s, s.begin():
            _, key = await create_partner(s, name, role, list(sender_ids), None)
        self.keys[name] = key
        return key

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def ingest(self, path: Path, partner: str | None = None) -> str:
        """Ingest a file as ``partner`` (through the pipeline); returns the submission id."""
        partner_name = partner
        if partner is not None:
            async with self.db.sessionmaker() as s:
                assert await partner_by_name(s, partner) is not None
        [outcome] = await ingest_paths(self.db.sessionmaker, self.db.settings, [path], partner_name)
        return outcome.submission.id


async def open_api(db: Db) -> AsyncIterator[Api]:
    app = create_app(db.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(db, client, app=app)
