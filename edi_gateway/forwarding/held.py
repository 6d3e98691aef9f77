"""What ops does with a plan's answer that matched nothing (``held``) or only part
(``partly``): re-match it, against the plan that sent it or against another plan (an
answer sent under an id of the plan that was not yet registered), or release it with a
note (nothing of ours to apply: a test file, an answer to another vendor's claims).

Both are ops-only and audited. Re-matching runs the same matching as on receipt
(``forwarding.answers.record_answers``), so it applies nothing twice: claims an earlier
match moved stay where they are.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import audit
from ..config import Settings
from ..errors import BadRequest, Conflict, Forbidden, NotFound
from ..models import PlanAnswer
from ..partners.service import Principal
from ..submissions.repository import SubmissionRunRepository
from .answers import record_answers
from .repository import AnswerRepository
from .settings import plan_partner

__all__ = ["OPEN_ANSWER_STATES", "release_answer", "rematch_answer"]

#: answers that still wait for ops
OPEN_ANSWER_STATES = ("held", "partly")


def _actor(who: Principal | None) -> str:
    return who.name if who is not None else "the command line"


async def _open_answer(session: AsyncSession, who: Principal | None, answer_id: int) -> PlanAnswer:
    """The answer, when it still waits for ops; ``who`` None is the command line."""
    if who is not None and not who.is_ops:
        raise Forbidden("Only ops keys re-match or release the plans' answers")
    answer = await AnswerRepository(session).get_by_id(answer_id)
    if answer is None:
        raise NotFound(f"No plan answer {answer_id}")
    if answer.status not in OPEN_ANSWER_STATES:
        raise Conflict(f"Plan answer {answer_id} is {answer.status}: nothing is left to do")
    return answer


async def rematch_answer(
    session: AsyncSession,
    settings: Settings,
    who: Principal | None,
    answer_id: int,
    plan: str | None = None,
) -> PlanAnswer:
    """Match the held answer again, among the files forwarded to ``plan`` (a plan's
    name; the plan that sent it when None). The answer's row is replaced by the new
    match's (its status says what matched now)."""
    answer = await _open_answer(session, who, answer_id)
    target = await plan_partner(session, plan) if plan is not None else None
    submission = await SubmissionRunRepository(session).get_by_id(answer.submission_id)
    if submission is None:
        raise NotFound(f"The submission of plan answer {answer_id} is gone")
    before = f"{answer.status}, {answer.matched} matched"
    await session.delete(answer)
    await session.flush()
    again = await record_answers(session, settings, submission, as_plan=target)
    if again is None:
        raise Conflict(f"Plan answer {answer_id} holds nothing to match")
    note = f"re-matched by {_actor(who)}" + (f" as {plan}" if plan is not None else "")
    again.detail = (f"{note}; " + (again.detail or ""))[:1000]
    await session.flush()
    await audit(
        session,
        who,
        "plan_answer.rematch",
        "plan_answer",
        str(again.id),
        f"answer {answer_id} ({before}) -> {again.status}, {again.matched} matched"
        + (f", as {plan}" if plan is not None else ""),
    )
    return again


async def release_answer(
    session: AsyncSession, who: Principal | None, answer_id: int, note: str
) -> PlanAnswer:
    """Close a held answer without applying it, saying why."""
    note = note.strip()
    if not note:
        raise BadRequest("Say why the answer is released (a note)")
    answer = await _open_answer(session, who, answer_id)
    answer.status = "released"
    answer.detail = (f"released by {_actor(who)}: {note}; " + (answer.detail or ""))[:1000]
    await session.flush()
    await audit(session, who, "plan_answer.release", "plan_answer", str(answer_id), note[:200])
    return answer
