"""One typed settings object, read from ``EDI_GATEWAY_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EDI_GATEWAY_", extra="ignore")

    environment: str = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    #: database connections of the HTTP service (each worker has its own): kept open, extra
    #: at peaks, and how long a request waits for one before it gets a 503 (Retry-After)
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout: float = 15.0
    host: str = "127.0.0.1"
    port: int = 8000
    #: `serve` processes answering on the one port (uvicorn's workers); more than one needs
    #: the PostgreSQL job queue (the in-process worker of SQLite runs in one process only)
    serve_processes: int = 1
    max_upload_bytes: int = 1 << 30
    #: Our own interchange id, used as the sender of acknowledgments.
    interchange_id: str = "EDIGATEWAY"
    log_level: str = "info"
    #: failed API-key attempts allowed from one client address within the window; past
    #: that the address is answered 429 (with Retry-After) until the window has passed
    auth_failure_limit: int = 10
    auth_failure_window_seconds: float = 60.0
    #: a key seen by a `serve` process is trusted for this many seconds without asking the
    #: database again: a revoked key (`partners revoke`/`rotate`), or a change to its
    #: partner's role or sender ids, takes effect in every running process at most this long
    #: after it is committed (0: every request looks its key up)
    auth_cache_seconds: float = 5.0
    #: `GET /metrics` needs an ops key
    metrics_require_key: bool = False
    #: serve HTTPS directly (no proxy): PEM certificate chain and private key
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: An ISA13 reused by the same sender within this many days is a duplicate (TA1 025).
    duplicate_window_days: int = 365
    #: A full-file 834 that would terminate more than this share of active members is held.
    max_termination_share: float = 0.30
    #: in-process workers that process submissions (the embedded default)
    #: run the migrations at start-up: default on for the embedded SQLite database, off
    #: for PostgreSQL (run `edi-gateway db upgrade` as a deployment step there)
    auto_migrate: bool | None = None
    #: how submissions are processed: "inprocess" (worker tasks in the service) or
    #: "procrastinate" (a PostgreSQL job queue run by `edi-gateway worker` processes).
    #: Default: in-process on SQLite, the job queue on PostgreSQL.
    queue: str | None = None
    workers: int = 1
    run_workers: bool = True
    #: job queue: runs of a submission after the first failed one, waiting
    #: retry_base_seconds ** n between them (2, 4, 8, 16 s by default)
    job_retries: int = 4
    retry_base_seconds: float = 2.0
    #: a worker beats every heartbeat_seconds; a job whose worker has not beaten for
    #: stalled_after_seconds (killed, host lost) is queued again by the other workers,
    #: which look every recovery_interval_seconds
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 60.0
    recovery_interval_seconds: float = 30.0
    #: job queue: a transaction set of more claims than this is stored in work units of
    #: about this many claims, which every worker takes part in (0: one job per file)
    unit_claims: int = 2000
    #: ... and only when at least this many workers are alive (heartbeats within
    #: stalled_after_seconds): one worker stores a file faster in one job (0: always)
    unit_min_workers: int = 2
    #: a console session not used for this many minutes is over (sign in again)
    console_idle_minutes: float = 30.0
    #: webhooks: attempts per delivery, waiting webhook_retry_seconds * 2 ** (n - 1) after
    #: the n-th failed one (30 s, 1, 2, 4 ... 32 min: about an hour in all by default)
    webhook_attempts: int = 8
    webhook_retry_seconds: float = 30.0
    webhook_timeout_seconds: float = 10.0
    #: deliveries sent at once by one process
    webhook_concurrency: int = 4
    #: the in-process sender looks for due deliveries at least this often
    webhook_poll_seconds: float = 5.0
    #: let webhooks use plain http to a loopback address (tests, local receivers); never
    #: in production, where every webhook URL must be https
    webhook_allow_http_loopback: bool = False
    #: after a rotation, the previous secret still signs (a second v1) for this long
    webhook_secret_grace_hours: float = 24.0
    #: delivered and failed deliveries (with their attempts) are kept this many days
    webhook_keep_days: float = 30.0

    @property
    def effective_queue(self) -> str:
        if self.queue:
            return self.queue
        return "inprocess" if self.effective_database_url.startswith("sqlite") else "procrastinate"

    @property
    def should_migrate(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.effective_database_url.startswith("sqlite")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'edi_gateway.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
