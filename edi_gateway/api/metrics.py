"""``GET /metrics``, over the counters in ``edi_gateway/metrics.py``."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..errors import Forbidden
from ..metrics import QUEUE
from .deps import Caller


async def require_ops(caller: Caller) -> None:
    if not caller.is_ops:
        raise Forbidden("The metrics need an ops key")


def install(app: FastAPI) -> None:
    """``GET /metrics`` (the request latencies are observed by ``middleware.AccessLog``)."""

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
