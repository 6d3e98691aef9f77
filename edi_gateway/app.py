"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from . import __version__
from .config import Settings, get_settings
from .validation.endpoints import router as validation_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from parsers import load_map

        for key in ("837P", "837I", "837D", "834", "835"):
            load_map(key)  # compile the guides before the first request
        yield

    app = FastAPI(
        title="edi_gateway",
        version=__version__,
        summary="X12 5010 exchange for Medi-Cal managed care: 834, 835, 837P/I/D",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(validation_router)
    return app
