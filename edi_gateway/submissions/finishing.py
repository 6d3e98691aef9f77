"""The end of a submission's run, in two steps that need different things.

``record_file`` needs the whole file's SNIP 1-2 result (the check stream's last item):
the TA1 and 999, the file-level findings, the interchanges. ``conclude`` needs only
stored rows: the 277CA (from the claim outcomes), the counts and the submission's status.
A run in one job does both in one transaction; a run in work units records the file when
it has read it (the planning job) and concludes when its last unit is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from mappings.check import CheckedFile
from parsers.acks import AckOptions, build_999, build_ta1, build_unusable_ta1

from ..config import Settings
from ..forwarding.answers import record_answers
from ..models import Submission
from ..rejections.service import record_outcome
from ..statuses import SetStatus, SubmissionStatus
from ..webhooks.announce import submission_finished
from .acks277 import store_277ca_for
from .control_numbers import draw, numbers_for_file
from .interchanges import release_rejected
from .repository import (
    AcknowledgmentRepository,
    InterchangeRepository,
    SubmissionRunRepository,
    TransactionSetRepository,
)
from .results_repository import FindingRepository

__all__ = ["conclude", "finish_file", "record_file"]


async def finish_file(
    session: AsyncSession,
    settings: Settings,
    submission_id: str,
    checked: CheckedFile,
    *,
    earlier: bool = True,
    role: str | None = None,
) -> Submission:
    """``record_file`` then ``conclude`` in the caller's transaction (a run in one job),
    the TA1's, 999's and 277CA's control numbers drawn at once. ``earlier``: False on a
    submission's first run (no earlier run left acknowledgments, findings or work items
    to replace, so none are looked for); ``role``: the submitting partner's, if known."""
    needed = sum(numbers_for_file(checked.result))
    first = await draw(session, needed + 1)
    submission = await record_file(
        session, settings, submission_id, checked, first, earlier=earlier
    )
    # held from here on, so that the session's look-ups by id find it without reading it
    return await conclude(
        session, settings, submission.id, first + needed, earlier=earlier, role=role
    )


async def record_file(
    session: AsyncSession,
    settings: Settings,
    submission_id: str,
    checked: CheckedFile,
    first: int | None = None,
    *,
    earlier: bool = True,
) -> Submission:
    """Validation findings, interchanges, TA1 and 999 of the whole file; returns the
    submission with its counts of segments and sets. ``first``: the first of the control
    numbers drawn for them (drawn here when not given); ``earlier``: whether an earlier
    run may have recorded the file (its rows are then replaced)."""
    from .. import metrics

    result = checked.result
    for_ta1, for_999 = numbers_for_file(result)
    if first is None:
        first = await draw(session, for_ta1 + for_999)
    opts = AckOptions(control_number=first)
    if result.usable:
        ta1 = build_ta1(result, opts)
        x999 = build_999(result, AckOptions(control_number=first + for_ta1))
    else:
        note = next((f.code for f in result.findings if f.is_error), "024")
        ta1 = build_unusable_ta1("UNKNOWN", settings.interchange_id, note, opts)
        x999 = b""
    findings = FindingRepository(session)
    if earlier:
        await findings.delete_file_level(submission_id)
    await findings.add_all(submission_id, [*checked.findings, *result.all_findings()], None)
    await InterchangeRepository(session).replace_all_of(
        submission_id, result.interchanges, earlier=earlier
    )
    await release_rejected(session, submission_id)
    await AcknowledgmentRepository(session).replace_all_of(
        submission_id, {"ta1": ta1, "999": x999}, earlier=earlier
    )
    submission = await SubmissionRunRepository(session).get_by_id(submission_id)
    assert submission is not None
    submission.segments = result.segments
    submission.segments_done = result.segments
    submission.sets_total = len(list(result.transaction_sets()))
    metrics.SEGMENTS.inc(result.segments)
    for f in result.all_findings():
        metrics.FINDINGS.labels(str(f.snip_level), f.severity.value).inc()
    return submission


async def conclude(
    session: AsyncSession,
    settings: Settings,
    submission_id: str,
    control_number: int | None = None,
    *,
    earlier: bool = True,
    role: str | None = None,
) -> Submission:
    """The 277CA from the stored outcomes, the counts and the status (after
    ``record_file``). ``control_number``: the 277CA's ISA13 (drawn here when not given);
    ``earlier``: whether an earlier run may have concluded (its 277CA and work items are
    then replaced or kept); ``role``: the submitting partner's, if known (a plan's file is
    read for answers to forwarded claims)."""
    from .. import metrics

    # held from here on, so that the look-ups by id below find it in the session
    submission = await SubmissionRunRepository(session).get_by_id(submission_id)
    assert submission is not None
    if control_number is None:
        control_number = await draw(session, 1)
    # these read other tables than the submission's: its changes (``record_file``'s, those
    # below) are written once, not flushed before each read
    with session.no_autoflush:
        sets = await TransactionSetRepository(session).get_all_of(submission_id)
        await store_277ca_for(
            session, submission_id, control_number, settings.interchange_id, sets, earlier=earlier
        )
    types = sorted({s.transaction_type for s in sets})
    submission.transaction_type = ",".join(types)[:10] or None
    submission.sets_accepted = sum(
        1 for s in sets if s.status in (SetStatus.STORED, SetStatus.HELD)
    )
    submission.sets_rejected = submission.sets_total - submission.sets_accepted
    submission.units_total = sum(s.units for s in sets)
    submission.units_stored = sum(s.units_stored for s in sets)
    submission.units_rejected = sum(s.units_rejected for s in sets)
    submission.sets_done = submission.sets_total
    if any(s.status == SetStatus.HELD for s in sets):
        submission.status = SubmissionStatus.HELD
    elif submission.sets_accepted == 0 or (submission.units_total and not submission.units_stored):
        submission.status = SubmissionStatus.REJECTED
    elif submission.sets_rejected or submission.units_rejected:
        submission.status = SubmissionStatus.PARTIALLY_ACCEPTED
    else:
        submission.status = SubmissionStatus.COMPLETED
    submission.completed_at = datetime.now(UTC)
    _opened, closed = await record_outcome(session, submission, types, sets, earlier=earlier)
    await record_answers(session, settings, submission, role=role)
    await submission_finished(session, submission, settings.data_dir, closed_any=closed > 0)
    metrics.FILES.labels(submission.transaction_type or "unknown", submission.status).inc()
    metrics.UNITS.labels("stored").inc(submission.units_stored)
    metrics.UNITS.labels("rejected").inc(submission.units_rejected)
    return submission
