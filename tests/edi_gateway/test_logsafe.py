"""No PHI in application logs: a failure is logged by type and code location only."""

from __future__ import annotations

import logging

import pytest

from edi_gateway.logsafe import describe


def test_describe_never_includes_the_message() -> None:
    try:
        raise ValueError("member FARNSWICK NADIA 96994177R born 19610316")
    except ValueError as exc:
        text = describe(exc)
    assert text.startswith("ValueError at test_logsafe.py:")
    assert "FARNSWICK" not in text and "96994177R" not in text and "19610316" not in text


async def test_a_failed_submission_logs_no_phi(
    db,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from edi_gateway.submissions import worker

    async def boom(*_args: object) -> None:
        raise ValueError("patient FARNSWICK 96994177R")

    monkeypatch.setattr(worker, "process_submission", boom)
    from edi_gateway.models import StoredFile, Submission

    async with db.sessionmaker() as s, s.begin():
        s.add(StoredFile(sha256="0" * 64, size=1, path="x"))
        await s.flush()
        s.add(Submission(id="a" * 32, sha256="0" * 64, source="api", status="received", size=1))
    with caplog.at_level(logging.INFO):
        await worker.run_one(db.sessionmaker, db.settings, "a" * 32)
    assert "FARNSWICK" not in caplog.text and "96994177R" not in caplog.text
    assert "ValueError" in caplog.text
    async with db.sessionmaker() as s:
        sub = await s.get(Submission, "a" * 32)
    assert sub is not None and sub.status == "failed" and "FARNSWICK" not in (sub.error or "")
