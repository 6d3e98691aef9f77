"""``edi-gateway submissions retry|release|discard ID``: run a failed submission again,
release or discard a held 834, from the command line of a machine that reaches the
database (ops)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..commands import Subcommands

if TYPE_CHECKING:  # the command line imports no database library until a command runs
    from sqlalchemy.ext.asyncio import AsyncSession

    from ..models import Submission


async def _run_again(
    submission_id: str, change: Callable[..., Awaitable[bool]], done: str, ran: str = ""
) -> int:
    """Apply ``change(session, submission)`` (it raises a Problem when the submission is
    not in a state for it; returns whether the file is to be run again), then run the
    submission here, or queue it for a worker on PostgreSQL. Exit 2 on a refusal, 1 when
    the run failed."""
    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade
    from ..errors import Problem
    from ..models import Submission
    from .worker import run_one

    settings = get_settings()
    if settings.should_migrate:
        await asyncio.to_thread(upgrade, settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            submission = await session.get(Submission, submission_id)
            if submission is None:
                print(f"no submission {submission_id}", file=sys.stderr)
                return 2
            try:
                again = await change(session, submission)
            except Problem as exc:
                print(exc.detail, file=sys.stderr)
                return 2
            await session.commit()
        if not again:
            print(f"submission {submission_id}: {done}; nothing in it was applied")
            return 0
        if settings.effective_queue == "procrastinate":
            from ..jobs import enqueue, job_app

            app = job_app(settings.effective_database_url)
            async with app.open_async():
                await enqueue(app, submission_id)
            print(f"submission {submission_id} {done}; a worker will run it")
            return 0
        await run_one(sessionmaker, settings, submission_id)
        async with sessionmaker() as session:
            final = await session.get(Submission, submission_id)
            assert final is not None
            print(
                f"submission {submission_id}{ran}: {final.status} ({final.units_stored} "
                f"stored, {final.units_rejected} rejected)"
                + (f": {final.error}" if final.error else "")
            )
            return 1 if final.status == "failed" else 0
    finally:
        await engine.dispose()


async def _mark_for_retry(session: AsyncSession, submission: Submission) -> bool:
    from .service import mark_for_retry

    await mark_for_retry(session, None, submission)
    return True


def _resolving(how: str) -> Callable[[AsyncSession, Submission], Awaitable[bool]]:
    async def change(session: AsyncSession, submission: Submission) -> bool:
        from .holds import RELEASED, resolve_hold

        await resolve_hold(session, None, submission, how)
        return how == RELEASED

    return change


def retry(args: argparse.Namespace) -> int:
    return asyncio.run(_run_again(args.submission_id, _mark_for_retry, "queued again"))


def release(args: argparse.Namespace) -> int:
    return asyncio.run(
        _run_again(args.submission_id, _resolving("released"), "released", " released")
    )


def discard(args: argparse.Namespace) -> int:
    return asyncio.run(_run_again(args.submission_id, _resolving("discarded"), "discarded"))


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "submissions", help="submissions: run a failed one again, release or discard a held 834"
    )
    psub = p.add_subparsers(dest="submissions_command", required=True)
    r = psub.add_parser(
        "retry",
        help="run a failed submission again (what was stored is kept, nothing twice)",
    )
    r.add_argument("submission_id")
    r.set_defaults(func=retry)
    rel = psub.add_parser(
        "release",
        help="apply a held 834 (the members it ends are ended, once; audited)",
    )
    rel.add_argument("submission_id")
    rel.set_defaults(func=release)
    dis = psub.add_parser(
        "discard", help="set a held 834 aside: nothing in it is applied (audited)"
    )
    dis.add_argument("submission_id")
    dis.set_defaults(func=discard)
