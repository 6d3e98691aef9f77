"""Prometheus metrics: files, segments, claims, findings, queue depth and latency.

Only the counters: the pipeline counts here without importing the web framework (the
command-line ingest does not load it); ``api/metrics.py`` serves them over HTTP.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

FILES = Counter(
    "edi_files_total", "Files processed, by transaction type and outcome", ["type", "status"]
)
SEGMENTS = Counter("edi_segments_total", "Segments read from processed files")
UNITS = Counter("edi_claims_total", "Claims, members and claim payments, by outcome", ["outcome"])
FINDINGS = Counter(
    "edi_findings_total", "Findings, by SNIP level and severity", ["snip_level", "severity"]
)
WEBHOOK_ATTEMPTS = Counter(
    "edi_webhook_attempts_total",
    "Webhook delivery attempts, by event and what the delivery became",
    ["event", "status"],
)
WEBHOOK_SECONDS = Histogram(
    "edi_webhook_attempt_seconds",
    "Webhook delivery attempts: from request to the receiver's answer (or error)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE = Gauge("edi_queue_depth", "Submissions waiting for or in processing")
LATENCY = Histogram(
    "edi_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
