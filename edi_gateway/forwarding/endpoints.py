"""HTTP routes of forwarding: run it for a plan (ops), list batches, one batch with its
claims, the file byte for byte. Ops sees every batch; a plan its own; nobody else any."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from fastapi.responses import FileResponse

from ..api.deps import Caller, Session
from ..api.pagination import PROBLEMS, Cursor, Limit, after_id, next_cursor
from ..audit import audit
from ..config import Settings
from ..errors import Forbidden, NotFound
from ..models import ForwardingBatch, Partner, PlanAnswer, StoredFile
from ..partners.service import Principal
from ..repository import MAX_ROW_ID, is_row_id
from ..submissions.filestore import FileStore
from .delivery import deliver, file_name
from .held import release_answer, rematch_answer
from .repository import AnswerRepository, BatchRepository
from .schemas import (
    AnswerRelease,
    AnswerRematch,
    BatchClaim,
    BatchDetail,
    BatchList,
    BatchOut,
    ForwardOut,
    ForwardRequest,
    HeldBackClaim,
    OutboundIn,
    OutboundOut,
    PlanAnswerList,
    PlanAnswerOut,
)
from .service import forward
from .settings import (
    OutboundChange,
    OutboundError,
    OutboundView,
    get_outbound,
    plan_partner,
    set_outbound,
)

router = APIRouter(prefix="/v1", tags=["forwarding"])

_URL = "/v1/forwarding/batches"
AnswerId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The plan answer's id")]


def _out(batch: ForwardingBatch, plan: str) -> BatchOut:
    return BatchOut(
        id=batch.id,
        plan=plan,
        guide=batch.guide,
        interchange_control=batch.interchange_control,
        sets=batch.sets,
        claims=batch.claims,
        size=batch.size,
        sha256=batch.sha256,
        status=batch.status,
        attempts=batch.attempts,
        created_at=batch.created_at,
        delivered_at=batch.delivered_at,
        last_error=batch.last_error,
        ta1_status=batch.ta1_status,
        ack_status=batch.ack_status,
        file_url=f"{_URL}/{batch.id}/file",
    )


@router.post(
    "/forwarding/batches",
    response_model=ForwardOut,
    status_code=201,
    summary="Forward a plan's accepted encounters now (ops only)",
    responses={
        **PROBLEMS,
        400: {"description": "Not a plan, or no outbound settings"},
        403: {"description": "Not an ops key"},
        404: {"description": "No such partner"},
    },
)
async def create_batches(
    body: ForwardRequest, request: Request, caller: Caller, background: BackgroundTasks
) -> ForwardOut:
    if not caller.is_ops:
        raise Forbidden("Only an ops key may forward encounters to a plan")
    settings = request.app.state.settings
    sessionmaker = request.app.state.sessionmaker
    # its own transaction, committed before delivery starts
    async with sessionmaker() as session, session.begin():
        result = await forward(session, settings, body.plan, dry_run=body.dry_run)
        batches = [await session.get(ForwardingBatch, batch_id) for batch_id in result.batch_ids]
        if not body.dry_run:
            await audit(
                session,
                caller,
                "forward",
                "forwarding_batch",
                ",".join(str(b) for b in result.batch_ids) or None,
                f"plan {result.plan}, {result.claims} claims",
            )
    for batch_id in result.batch_ids:
        background.add_task(deliver, sessionmaker, settings, batch_id)
    outs = [_out(b, result.plan) for b in batches if b is not None]
    if body.dry_run:
        outs = [
            BatchOut(
                id=None,
                plan=result.plan,
                guide=f.written.guide,
                interchange_control=f.interchange_control,
                sets=len(f.written.st_controls),
                claims=len(f.placed),
                size=len(f.written.data),
                status="dry_run",
            )
            for f in result.files
        ]
    return ForwardOut(
        plan=result.plan,
        dry_run=result.dry_run,
        claims=result.claims,
        batches=outs,
        held_back=[
            HeldBackClaim(
                encounter_id=h.candidate.encounter_id,
                claim_id=h.candidate.claim.claim_id,
                reasons=list(h.reasons),
            )
            for h in result.held_back
        ],
    )


async def _visible(
    session: Session, caller: Principal, batch_id: int
) -> tuple[ForwardingBatch, str]:
    batch = await session.get(ForwardingBatch, batch_id) if is_row_id(batch_id) else None
    if batch is None or not (caller.is_ops or batch.plan_partner_id == caller.partner_id):
        raise NotFound(f"No forwarding batch {batch_id}")
    plan = await session.get(Partner, batch.plan_partner_id)
    assert plan is not None
    return batch, plan.name


@router.get(
    "/forwarding/batches",
    response_model=BatchList,
    summary="Outbound files, newest first (ops: every plan's; a plan: its own)",
    responses={
        **PROBLEMS,
        400: {"description": "Not a plan"},
        404: {"description": "No such plan"},
    },
)
async def list_batches(
    session: Session,
    caller: Caller,
    plan: Annotated[str | None, Query(max_length=100, description="Plan partner name")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> BatchList:
    plan_id: int | None = None
    if plan is not None:
        plan_id = (await plan_partner(session, plan)).id
        if not caller.is_ops and plan_id != caller.partner_id:
            raise NotFound(f"No plan {plan!r}")
    elif not caller.is_ops:
        plan_id = caller.partner_id
    repo = BatchRepository(session)
    page = await repo.get_page(repo.listing(plan_id), limit, after_id(cursor))
    names = await repo.plan_names()
    return BatchList(
        items=[_out(b, names.get(b.plan_partner_id, "")) for b in page.items],
        next_cursor=next_cursor(page.items, page.more),
    )


@router.get(
    "/forwarding/batches/{batch_id}",
    response_model=BatchDetail,
    summary="One outbound file with each claim's place in it and its plan state",
    responses={**PROBLEMS, 404: {"description": "No such batch (or not yours)"}},
)
async def get_batch(batch_id: int, session: Session, caller: Caller) -> BatchDetail:
    batch, plan = await _visible(session, caller, batch_id)
    claims = await BatchRepository(session).claims_of(batch.id)
    await audit(session, caller, "read", "forwarding_batch", str(batch.id), None)
    return BatchDetail(
        **_out(batch, plan).model_dump(),
        forwarded_claims=[
            BatchClaim(
                encounter_id=c.encounter_id,
                submission_id=c.submission_id,
                claim_id=c.claim_id,
                st_control=c.st_control,
                position=c.position,
                state=c.state,
                plan_claim_number=c.plan_claim_number,
            )
            for c in claims
        ],
    )


@router.get(
    "/forwarding/batches/{batch_id}/file",
    summary="The outbound file, byte for byte",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/edi-x12": {}}},
        **PROBLEMS,
        404: {"description": "No such batch (or not yours)"},
    },
)
async def get_batch_file(
    batch_id: int, request: Request, session: Session, caller: Caller
) -> FileResponse:
    batch, plan = await _visible(session, caller, batch_id)
    stored = await session.get(StoredFile, batch.sha256)
    assert stored is not None
    await audit(session, caller, "download", "forwarding_batch", str(batch.id), None)
    return FileResponse(
        FileStore(request.app.state.settings.data_dir).path(stored.path),
        media_type="application/edi-x12",
        filename=file_name(plan, batch),
        headers={"X-Content-SHA256": batch.sha256},
    )


@router.get(
    "/forwarding/answers",
    response_model=PlanAnswerList,
    summary="Plans' TA1, 999, 277CA and 835 answers and what they matched (ops only)",
    responses={
        **PROBLEMS,
        400: {"description": "Not a plan"},
        403: {"description": "Not an ops key"},
        404: {"description": "No plan of that name (application/problem+json)"},
    },
)
async def list_answers(
    session: Session,
    caller: Caller,
    status: Annotated[
        Literal["matched", "partly", "held", "released"] | None,
        Query(description="held: matched nothing, kept for ops; released: closed by ops"),
    ] = None,
    plan: Annotated[str | None, Query(max_length=100, description="Plan partner name")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PlanAnswerList:
    if not caller.is_ops:
        raise Forbidden("Only ops keys read the plans' answers")
    plan_id = (await plan_partner(session, plan)).id if plan is not None else None
    repo = AnswerRepository(session)
    page = await repo.get_page(repo.listing(status, plan_id), limit, after_id(cursor))
    names = await BatchRepository(session).plan_names()
    return PlanAnswerList(
        items=[_answer_out(a, names) for a in page.items],
        next_cursor=next_cursor(page.items, page.more),
    )


def _answer_out(a: PlanAnswer, names: dict[int, str]) -> PlanAnswerOut:
    return PlanAnswerOut(
        id=a.id,
        submission_id=a.submission_id,
        plan=names.get(a.plan_partner_id, ""),
        kind=a.kind,
        received_at=a.received_at,
        status=a.status,
        matched=a.matched,
        unmatched=a.unmatched,
        detail=a.detail,
    )


_ANSWER_ERRORS: dict[int | str, dict[str, object]] = {
    **PROBLEMS,
    403: {"description": "Not an ops key"},
    404: {"description": "No such answer, or no plan of that name (application/problem+json)"},
    409: {"description": "The answer is matched or released already"},
}


@router.post(
    "/forwarding/answers/{answer_id}/rematch",
    response_model=PlanAnswerOut,
    summary="Match a held answer again, against the plan that sent it or another plan (ops)",
    responses=_ANSWER_ERRORS,
)
async def post_rematch(
    answer_id: AnswerId, body: AnswerRematch, request: Request, session: Session, caller: Caller
) -> PlanAnswerOut:
    settings: Settings = request.app.state.settings
    answer = await rematch_answer(session, settings, caller, answer_id, body.plan)
    return _answer_out(answer, await BatchRepository(session).plan_names())


@router.post(
    "/forwarding/answers/{answer_id}/release",
    response_model=PlanAnswerOut,
    summary="Close a held answer without applying it, with a note saying why (ops)",
    responses=_ANSWER_ERRORS,
)
async def post_release(
    answer_id: AnswerId, body: AnswerRelease, session: Session, caller: Caller
) -> PlanAnswerOut:
    answer = await release_answer(session, caller, answer_id, body.note)
    return _answer_out(answer, await BatchRepository(session).plan_names())


def _outbound_out(view: OutboundView) -> OutboundOut:
    s = view.settings
    return OutboundOut(
        plan=view.plan,
        sender_qualifier=s.sender_qualifier,
        sender_id=s.sender_id,
        gs_sender_id=s.gs_sender_id,
        receiver_qualifier=s.receiver_qualifier,
        receiver_id=s.receiver_id,
        gs_receiver_id=s.gs_receiver_id,
        usage=s.usage,
        payer_ids=view.payer_ids,
        guides=view.guides,
        submitter_name=s.submitter_name,
        contact_name=s.contact_name,
        contact_email=s.contact_email,
        claims_per_set=s.claims_per_set,
        sets_per_file=s.sets_per_file,
        bytes_per_file=s.bytes_per_file,
        destination=s.destination,
        url=s.url,
        directory=s.directory,
        every_minutes=s.every_minutes,
        first_interchange_control=s.first_interchange_control,
        next_interchange_control=view.next_control,
        auth=s.auth,
        auth_env=s.auth_env,
        client_cert=s.client_cert,
        client_key=s.client_key,
        ca_file=s.ca_file,
        updated_at=s.updated_at,
    )


_OUTBOUND = "/partners/{name}/outbound"


@router.put(
    _OUTBOUND,
    response_model=OutboundOut,
    summary="Set a plan's outbound settings (ops only), as `partners outbound set`",
    responses={
        **PROBLEMS,
        400: {"description": "Not a plan, or a setting that cannot be right"},
        403: {"description": "Not an ops key"},
        404: {"description": "No such partner"},
    },
)
async def put_outbound(
    name: str, body: OutboundIn, session: Session, caller: Caller
) -> OutboundOut:
    if not caller.is_ops:
        raise Forbidden("Only an ops key may change a plan's outbound settings")
    if body.destination == "https" and not body.url:
        raise OutboundError("destination https needs a url")
    if body.destination == "directory" and not body.directory:
        raise OutboundError("destination directory needs a directory")
    if body.destination == "download" and (body.url or body.directory):
        raise OutboundError("destination download takes no url or directory")
    view = await set_outbound(
        session,
        name,
        OutboundChange(
            receiver_id=body.receiver_id,
            sender_id=body.sender_id,
            payer_ids=body.payer_ids,
            guide=body.guide,
            url=body.url,
            directory=body.directory,
            download=body.destination == "download",
            sender_qualifier=body.sender_qualifier,
            receiver_qualifier=body.receiver_qualifier,
            gs_sender_id=body.gs_sender_id,
            gs_receiver_id=body.gs_receiver_id,
            usage=body.usage,
            submitter_name=body.submitter_name,
            contact_name=body.contact_name,
            contact_email=body.contact_email,
            claims_per_set=body.claims_per_set,
            sets_per_file=body.sets_per_file,
            bytes_per_file=body.bytes_per_file,
            every_minutes=body.every_minutes,
            first_interchange_control=body.first_interchange_control,
            auth=body.auth,
            auth_env=body.auth_env,
            client_cert=body.client_cert,
            client_key=body.client_key,
            ca_file=body.ca_file,
        ),
    )
    await audit(session, caller, "update", "outbound_settings", str(view.settings.partner_id))
    return _outbound_out(view)


@router.get(
    _OUTBOUND,
    response_model=OutboundOut,
    summary="A plan's outbound settings (ops, or the plan itself)",
    responses={
        **PROBLEMS,
        400: {"description": "Not a plan"},
        404: {"description": "No such plan, no settings, or not yours"},
    },
)
async def get_outbound_settings(name: str, session: Session, caller: Caller) -> OutboundOut:
    plan = await plan_partner(session, name)
    if not (caller.is_ops or caller.partner_id == plan.id):
        raise NotFound(f"No plan {name!r}")
    return _outbound_out(await get_outbound(session, name))
