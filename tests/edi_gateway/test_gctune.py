"""While files are ingested the collector runs less often; afterwards the process (the API
server, a worker) gets its own garbage-collection settings back, even when an ingest fails
or several overlap."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
from conftest import SAMPLES, Db

from edi_gateway.submissions import pipeline
from edi_gateway.submissions.gctune import INGEST_THRESHOLD, fewer_collections
from edi_gateway.submissions.ingest import ingest_paths


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_overlapping_ingests_keep_the_raise_until_the_last_ends(
    thresholds: tuple[int, int, int],
) -> None:
    with fewer_collections():
        assert gc.get_threshold() == (INGEST_THRESHOLD, 10, 10)
        with fewer_collections():
            assert gc.get_threshold()[0] == INGEST_THRESHOLD
        assert gc.get_threshold()[0] == INGEST_THRESHOLD
    assert gc.get_threshold() == thresholds


def test_a_failed_ingest_puts_the_settings_back(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("database went away")
    assert gc.get_threshold() == thresholds


def test_a_higher_setting_of_the_process_is_kept() -> None:
    before = gc.get_threshold()
    gc.set_threshold(INGEST_THRESHOLD * 2, 5, 5)
    try:
        with fewer_collections():
            assert gc.get_threshold() == (INGEST_THRESHOLD * 2, 5, 5)
    finally:
        gc.set_threshold(*before)


async def test_ingest_raises_the_threshold_and_restores_it(
    db: Db, thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = pipeline._finish

    async def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.get_threshold()[0])
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_finish", spy)
    path = SAMPLES / "837p" / "837p_valid_basic.x12"
    a, b = await asyncio.gather(
        ingest_paths(db.sessionmaker, db.settings, [path]),
        ingest_paths(db.sessionmaker, db.settings, [SAMPLES / "834" / "834_valid_basic.x12"]),
    )
    assert a[0].submission.status == "completed" and b[0].submission.status == "completed"
    assert seen == [INGEST_THRESHOLD, INGEST_THRESHOLD]
    assert gc.get_threshold() == thresholds
