"""Forwarding for ops: the outbound files to the plans (newest first, paged, by plan) with
their delivery and the plans' TA1/999 on them, and the plans' answers that matched nothing
(held) or only partly, each with the forms that re-match it (against the plan that sent
it or another) or release it with a note. The same repositories and services as
/v1/forwarding, audited as they are."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from ..audit import audit
from ..errors import BadRequest, Forbidden
from ..forwarding.held import OPEN_ANSWER_STATES, release_answer, rematch_answer
from ..forwarding.repository import AnswerRepository, BatchRepository
from .params import number_param
from .web import ConsoleRoute, DbSession, Form, User, render, see_other

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

PAGE_SIZE = 25


def _ops(user: User) -> None:
    if not user.principal.is_ops:
        raise Forbidden("Only ops works on forwarding")


@router.get("/forwarding")
async def forwarding_page(request: Request, session: DbSession, user: User) -> Response:
    _ops(user)
    params = request.query_params
    batches = BatchRepository(session)
    names = await batches.plan_names()
    plan_name = (params.get("plan") or "").strip() or None
    plan_id = next((i for i, n in names.items() if n == plan_name), None)
    if plan_name is not None and plan_id is None:
        raise BadRequest(f"plan must be one of: {', '.join(sorted(names.values())) or 'none'}")
    after = number_param(params, "cursor", 1, 2**63 - 1)
    page = await batches.get_page(batches.listing(plan_id), PAGE_SIZE, after)
    answers = AnswerRepository(session)
    waiting = [
        a
        for status in OPEN_ANSWER_STATES
        for a in await answers.get_all(answers.listing(status, plan_id))
    ]
    waiting.sort(key=lambda a: a.id, reverse=True)
    await audit(
        session, user.principal, "search", "forwarding_batch", None, f"{len(page.items)} results"
    )
    return render(
        request,
        "console/forwarding.html",
        user,
        batches=page.items,
        answers=waiting,
        names=names,
        plans=sorted(names.values()),
        plan=plan_name,
        filters={"plan": plan_name} if plan_name else {},
        next_cursor=str(page.items[-1].id) if page.more and page.items else None,
        paged=after is not None,
        done=params.get("done"),
    )


@router.post("/forwarding/answers/{answer_id}")
async def answer_form(
    request: Request, session: DbSession, user: User, form: Form, answer_id: int
) -> Response:
    """Re-match (``action=rematch``, optional ``plan``) or release (``action=release``,
    ``note``) one held answer."""
    _ops(user)
    action = form.get("action")
    if action == "rematch":
        plan = str(form.get("plan") or "").strip() or None
        answer = await rematch_answer(
            session, request.app.state.settings, user.principal, answer_id, plan
        )
        done = f"Answer {answer_id} re-matched: {answer.status}, {answer.matched} matched"
    elif action == "release":
        answer = await release_answer(
            session, user.principal, answer_id, str(form.get("note") or "")
        )
        done = f"Answer {answer_id} released"
    else:
        raise BadRequest("action must be rematch or release")
    return see_other(f"/console/forwarding?{urlencode({'done': done})}")
