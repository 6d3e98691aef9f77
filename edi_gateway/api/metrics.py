"""``GET /metrics`` and the request-latency middleware, over the counters in
``edi_gateway/metrics.py``."""

from __future__ import annotations

import time

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import Forbidden
from ..metrics import LATENCY, QUEUE
from .deps import Caller
from .middleware import route_template


async def require_ops(caller: Caller) -> None:
    if not caller.is_ops:
        raise Forbidden("The metrics need an ops key")


class RequestTiming:
    """Each request's duration by method and route template. Plain ASGI: Starlette's
    ``@app.middleware("http")`` would run every request in a task of its own and pass the
    response through a stream (about a tenth of ``serve``'s CPU for an upload)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            elapsed = time.perf_counter() - start
            LATENCY.labels(scope["method"], route_template(scope)).observe(elapsed)


def install(app: FastAPI) -> None:
    app.add_middleware(RequestTiming)

    keyed = app.state.settings.metrics_require_key

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics" + (" (an ops key)" if keyed else ""),
        response_class=Response,
        dependencies=[Depends(require_ops)] if keyed else [],
        responses={
            200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}},
            **({403: {"description": "The key is not an ops key"}} if keyed else {}),
        },
    )
    async def metrics(request: Request) -> Response:
        worker = getattr(request.app.state, "worker", None)
        if worker is not None:
            QUEUE.set(await worker.depth())
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
