"""`edi-gateway answers list|rematch|release`: the plans' answers to what we forwarded, and
what ops does with one that matched nothing (see ``forwarding.held``)."""

from __future__ import annotations

import argparse
from typing import Any

from .cli import run
from .held import OPEN_ANSWER_STATES, release_answer, rematch_answer
from .repository import AnswerRepository, BatchRepository


def _line(answer: Any, names: dict[int, str]) -> str:
    return (
        f"{answer.id}\t{names.get(answer.plan_partner_id, '?')}\t{answer.kind}\t"
        f"{answer.status}\t{answer.matched} matched, {answer.unmatched} not\t"
        f"{answer.submission_id}\t{answer.detail or ''}"
    )


def answers(args: argparse.Namespace) -> int:
    from ..config import get_settings

    async def go(session: Any) -> int:
        names = await BatchRepository(session).plan_names()
        if args.answers_command == "list":
            repo = AnswerRepository(session)
            rows = [
                a
                for status in ([args.status] if args.status else OPEN_ANSWER_STATES)
                for a in await repo.get_all(repo.listing(status, None))
            ]
            for a in sorted(rows, key=lambda a: a.id):
                print(_line(a, names))
            if not rows:
                print("no plan answers " + (args.status or "held or partly matched"))
            return 0
        if args.answers_command == "rematch":
            a = await rematch_answer(session, get_settings(), None, args.id, args.plan)
        else:
            a = await release_answer(session, None, args.id, args.note)
        print(_line(a, names))
        return 0

    return run(go)


def register(sub: Any) -> None:
    a = sub.add_parser("answers", help="plans' answers that matched nothing: list, re-match")
    asub = a.add_subparsers(dest="answers_command", required=True)
    ls = asub.add_parser("list", help="held and partly matched answers (or --status)")
    ls.add_argument("--status", choices=("matched", "partly", "held", "released"))
    ls.set_defaults(func=answers)
    r = asub.add_parser("rematch", help="match a held answer again (audited)")
    r.add_argument("id", type=int, help="the answer's id (answers list)")
    r.add_argument(
        "--plan", metavar="NAME", help="match among the files forwarded to this plan instead"
    )
    r.set_defaults(func=answers)
    rel = asub.add_parser("release", help="close a held answer without applying it (audited)")
    rel.add_argument("id", type=int)
    rel.add_argument("--note", required=True, help="why it is not applied")
    rel.set_defaults(func=answers)
