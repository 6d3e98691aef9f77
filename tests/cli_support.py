"""Running `edi-gateway` commands in the test process against a test database: the
command line reads its settings from the environment, as on a server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import anyio
import pytest
from conftest import Db

Cli = Callable[..., Awaitable[tuple[int, str, str]]]


@contextmanager
def command_line(
    db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """``cli(*argv)`` -> (exit code, stdout, stderr) of ``edi-gateway *argv`` on ``db``
    (in-process queue), run in a thread so the test's event loop keeps going."""
    from edi_gateway.cli import main
    from edi_gateway.config import get_settings

    monkeypatch.setenv("EDI_GATEWAY_DATABASE_URL", db.url)
    monkeypatch.setenv("EDI_GATEWAY_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.setenv("EDI_GATEWAY_QUEUE", "inprocess")
    get_settings.cache_clear()

    async def cli(*argv: str) -> tuple[int, str, str]:
        code = await anyio.to_thread.run_sync(lambda: main(list(argv)))
        out = capsys.readouterr()
        return code, out.out, out.err

    try:
        yield cli
    finally:
        get_settings.cache_clear()
