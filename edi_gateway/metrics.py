"""Prometheus metrics: files, segments, claims, findings, queue depth and latency."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

FILES = Counter(
    "edi_files_total", "Files processed, by transaction type and outcome", ["type", "status"]
)
SEGMENTS = Counter("edi_segments_total", "Segments read from processed files")
UNITS = Counter("edi_claims_total", "Claims, members and claim payments, by outcome", ["outcome"])
FINDINGS = Counter(
    "edi_findings_total", "Findings, by SNIP level and severity", ["snip_level", "severity"]
)
QUEUE = Gauge("edi_queue_depth", "Submissions waiting for or in processing")
LATENCY = Histogram(
    "edi_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def _timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - start)
        return response

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        worker = getattr(request.app.state, "worker", None)
        if worker is not None:
            QUEUE.set(await worker.depth())
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
