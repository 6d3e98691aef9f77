"""The FastAPI application factory: engines and workers live in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from . import __version__, console
from .api import docs, metrics, middleware, openapi, problems, static
from .api.ratelimit import FailureLimiter
from .audit.endpoints import router as audit_router
from .codesets.service import list_infos, stale_warnings, warn_stale_code_lists
from .config import Settings, get_settings
from .db import current_revision_is_head, make_engine, make_sessionmaker, upgrade
from .eligibility.endpoints import router as eligibility_router
from .encounters.endpoints import router as encounters_router
from .forwarding.endpoints import router as forwarding_router
from .partners.endpoints import router as partners_router
from .partners.service import KeyCache
from .reference import router as reference_router
from .rejections.endpoints import router as rejections_router
from .remittances.endpoints import router as remittances_router
from .reports.endpoints import router as reports_router
from .stats.endpoints import router as stats_router
from .submissions.endpoints import router as submissions_router
from .submissions.filestore import FileStore
from .submissions.worker import InProcessWorker
from .validation.endpoints import router as validation_router
from .webhooks.delivery import WebhookSender
from .webhooks.endpoints import router as webhooks_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from parsers import load_map

        for key in ("837P", "837I", "837D", "834", "835"):
            load_map(key)  # compile the guides before the first request
        if settings.should_migrate:
            await anyio.to_thread.run_sync(upgrade, settings.effective_database_url)
        FileStore(settings.data_dir).remove_stale_incoming()  # uploads cut off by a stop
        engine = make_engine(
            settings.effective_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        await warn_stale_code_lists(app.state.sessionmaker)
        worker: Any
        if settings.effective_queue == "procrastinate":
            from .events import bind
            from .jobs import JobQueueDispatcher
            from .webhooks.tasks import job_notifier

            worker = JobQueueDispatcher(settings)
            await worker.start()
            bind(app.state.sessionmaker, job_notifier(worker.app))
        else:
            worker = InProcessWorker(app.state.sessionmaker, settings, settings.workers)
            if settings.run_workers:
                await worker.start()
        app.state.worker = worker
        webhooks = WebhookSender(app.state.sessionmaker, settings)
        if settings.effective_queue != "procrastinate" and settings.run_workers:
            await webhooks.start()
        app.state.webhooks = webhooks
        try:
            yield
        finally:
            await webhooks.stop()
            await worker.stop()
            await engine.dispose()

    app = FastAPI(
        title="edi_gateway",
        version=__version__,
        summary="X12 5010 exchange for Medi-Cal managed care: 834, 835, 837P/I/D",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.auth_failures = FailureLimiter(
        settings.auth_failure_limit, settings.auth_failure_window_seconds
    )
    app.state.key_cache = KeyCache(settings.auth_cache_seconds)
    problems.install(app)
    metrics.install(app)
    docs.install(app)
    openapi.install(app)
    middleware.install(app)

    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness: database reachable and migrations at head; code lists past their "
        "scheduled update are listed (still ready)",
        responses={503: {"description": "Not ready"}},
    )
    async def readyz() -> JSONResponse:
        try:
            async with app.state.engine.connect() as conn:
                at_head = await conn.run_sync(current_revision_is_head)
        except Exception as exc:  # any database failure means "not ready"
            return problems.problem_response(
                503, "Not ready", f"The database is not reachable ({type(exc).__name__})", "/readyz"
            )
        if not at_head:
            return problems.problem_response(
                503,
                "Not ready",
                "The database schema is not at the latest migration; run `edi-gateway db upgrade`",
                "/readyz",
            )
        # a list past its scheduled update is a warning, not unreadiness
        async with app.state.sessionmaker() as session:
            stale = stale_warnings(await list_infos(session), date.today())
        return JSONResponse({"status": "ready", "code_lists": {"stale": stale}})

    app.include_router(validation_router)
    app.include_router(submissions_router)
    app.include_router(eligibility_router)
    app.include_router(encounters_router)
    app.include_router(remittances_router)
    app.include_router(reports_router)
    app.include_router(rejections_router)
    app.include_router(stats_router)
    app.include_router(forwarding_router)
    app.include_router(audit_router)
    app.include_router(webhooks_router)
    app.include_router(reference_router)
    static.install(app)
    console.install(app)
    app.include_router(partners_router)
    return app
