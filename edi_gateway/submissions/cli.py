"""``edi-gateway submissions retry|release|discard ID``: run a failed submission again,
release or discard a held 834, from the command line of a machine that reaches the
database (ops)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..commands import Subcommands


async def _retry(submission_id: str) -> int:
    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade
    from ..errors import Problem
    from ..models import Submission
    from .service import mark_for_retry
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
                await mark_for_retry(session, None, submission)
            except Problem as exc:
                print(exc.detail, file=sys.stderr)
                return 2
            await session.commit()
        if settings.effective_queue == "procrastinate":
            from ..jobs import enqueue, job_app

            app = job_app(settings.effective_database_url)
            async with app.open_async():
                await enqueue(app, submission_id)
            print(f"submission {submission_id} queued again; a worker will run it")
            return 0
        await run_one(sessionmaker, settings, submission_id)
        async with sessionmaker() as session:
            done = await session.get(Submission, submission_id)
            assert done is not None
            print(
                f"submission {submission_id}: {done.status} ({done.units_stored} stored, "
                f"{done.units_rejected} rejected)" + (f": {done.error}" if done.error else "")
            )
            return 1 if done.status == "failed" else 0
    finally:
        await engine.dispose()


def retry(args: argparse.Namespace) -> int:
    return asyncio.run(_retry(args.submission_id))


async def _resolve(submission_id: str, how: str) -> int:
    from ..config import get_settings
    from ..db import make_engine, make_sessionmaker, upgrade
    from ..errors import Problem
    from ..models import Submission
    from .holds import RELEASED, resolve_hold
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
                await resolve_hold(session, None, submission, how)
            except Problem as exc:
                print(exc.detail, file=sys.stderr)
                return 2
            await session.commit()
        if how != RELEASED:
            print(f"submission {submission_id}: discarded; nothing in it was applied")
            return 0
        if settings.effective_queue == "procrastinate":
            from ..jobs import enqueue, job_app

            app = job_app(settings.effective_database_url)
            async with app.open_async():
                await enqueue(app, submission_id)
            print(f"submission {submission_id} released; a worker will apply it")
            return 0
        await run_one(sessionmaker, settings, submission_id)
        async with sessionmaker() as session:
            done = await session.get(Submission, submission_id)
            assert done is not None
            print(
                f"submission {submission_id} released: {done.status} ({done.units_stored} "
                f"stored, {done.units_rejected} rejected)"
                + (f": {done.error}" if done.error else "")
            )
            return 1 if done.status == "failed" else 0
    finally:
        await engine.dispose()


def release(args: argparse.Namespace) -> int:
    return asyncio.run(_resolve(args.submission_id, "released"))


def discard(args: argparse.Namespace) -> int:
    return asyncio.run(_resolve(args.submission_id, "discarded"))


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
