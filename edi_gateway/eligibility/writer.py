"""Apply 834 members to the roster: coverage history kept, full files reconciled."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Row, bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from mappings.records import CoverageLine, MemberRecord
from mappings.x834 import implied_end
from parsers import SetEvent, Severity, TransactionHeader, Unit

from ..db import RowValues, bulk_insert, insert_with_ids, rows_for_values, table_of
from ..models import CoverageSpan, HeldFile, Member, MemberIdentifier
from ..setwriter import IngestContext, SetWriter
from ..statuses import SetStatus
from .terminations import (
    EXPLICIT,
    IMPLIED,
    Ended,
    active_in_scope,
    end_member_status,
    explicit_end,
    is_explicit_termination,
    store_terminations,
)

_CHUNK = 400
#: columns of a member row that a later roster updates, in the order ``flush`` builds them
_UPDATED = (
    "plan_partner_id",
    "receiver_id",
    "subscriber_id",
    "is_subscriber",
    "relationship_code",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "gender",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "phone",
    "language",
    "status",
    "updated_at",
    "last_submission_id",
)
_MEMBER_COLUMNS = ("plan_sender_id", "member_key", *_UPDATED)
_SPAN_FIELDS = (
    "insurance_line",
    "plan_code",
    "coverage_level",
    "aid_code",
    "policy_number",
    "begin_date",
    "end_date",
    "pcp_npi",
    "pcp_name",
    "pcp_begin",
    "pcp_end",
    "roster_scope",
)


def member_key(m: MemberRecord) -> str:
    sub = m.subscriber_id or ""
    if m.is_subscriber:
        return sub
    own = m.member_ids.get("23") or m.member_ids.get("17") or m.member_ids.get("ZZ")
    if own:
        return f"{sub}/{own}"
    return f"{sub}/{(m.first_name or '').upper()}|{m.birth_date or ''}"


#: a stored coverage span read back as a row of ``coverage_spans`` (every column)
SpanRow = Row[tuple[object, ...]]


def _span_values(cov: CoverageLine, member: MemberRecord, scope: str) -> dict[str, object]:
    pcp = cov.pcp
    end = cov.end
    if member.maintenance_type == "024" and end is None:
        end = member.eligibility_end
    return {
        "insurance_line": cov.insurance_line,
        "plan_code": cov.plan_code,
        "coverage_level": cov.coverage_level,
        "aid_code": cov.aid_code,
        "policy_number": cov.policy_number,
        "begin_date": cov.begin or member.eligibility_begin,
        "end_date": end,
        "pcp_npi": pcp.npi if pcp else None,
        "pcp_name": pcp.name if pcp else None,
        "pcp_begin": pcp.begin if pcp else None,
        "pcp_end": pcp.end if pcp else None,
        "roster_scope": scope,
    }


_SPAN_COLUMNS = (
    "member_id",
    "submission_id",
    "maintenance_type",
    "reason",
    "line",
    "recorded_at",
    *_SPAN_FIELDS,
)


async def _insert_spans(session: AsyncSession, spans: list[dict[str, object]]) -> None:
    await bulk_insert(
        await session.connection(),
        table_of(CoverageSpan),
        _SPAN_COLUMNS,
        [tuple([span[c] for c in _SPAN_COLUMNS]) for span in spans],
    )


_REASONS = {
    "021": "addition",
    "001": "change",
    "024": "termination",
    "025": "reinstatement",
    "030": "audit",
}


class EnrollmentSetWriter(SetWriter[MemberRecord]):
    record_type = MemberRecord
    kind = "834"

    def __init__(self, ctx: IngestContext, header: TransactionHeader, ordinal: int) -> None:
        super().__init__(ctx, header, ordinal)
        self.seen: set[str] = set()
        self.held_reason = ""
        self.held_counts = (0, 0)
        self.file_date: date | None = None
        #: the plan's roster this file belongs to (sponsor, master policy, payer)
        self.scope = ""
        #: members this set ends, explicitly or (full files) by absence
        self.ended: list[Ended] = []

    async def prepare(self, unit: Unit) -> None:
        if self.file_date is None:
            from mappings.x834 import map_enrollment_header

            self.info = map_enrollment_header(unit.context[0])
            self.file_date = self.info.effective_date
            self.scope = self.info.roster_scope[:200]

    async def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        session = self.session
        assert session is not None
        plan = self.header.sender_id[:15]
        now = datetime.now(UTC)
        keyed = {member_key(m): (m, line) for m, line in batch}
        self.seen.update(keyed)
        existing: dict[str, int] = {}
        keys = sorted(keyed)
        for start in range(0, len(keys), _CHUNK):
            rows = await session.execute(
                rows_for_values(
                    [Member.member_key, Member.id],
                    Member.member_key,
                    keys[start : start + _CHUNK],
                    self.dialect,
                    within=[Member.plan_sender_id == plan],
                )
            )
            existing.update((k, int(i)) for k, i in rows.all())
        receiver, submission_id = self.header.receiver_id[:15], self.ctx.submission.id
        new_keys: list[str] = []
        new: list[RowValues] = []  # _MEMBER_COLUMNS
        old: list[dict[str, object]] = []
        for key, (m, _line) in keyed.items():
            values = (
                self.ctx.partner_id,
                receiver,
                (m.subscriber_id or "")[:80],
                m.is_subscriber,
                m.relationship,
                m.last_name,
                m.first_name,
                m.middle_name,
                m.birth_date,
                m.gender,
                m.address1,
                m.address2,
                m.city,
                m.state,
                m.postal_code,
                m.phone,
                m.language,
                "terminated" if m.maintenance_type == "024" else "active",
                now,
                submission_id,
            )
            if key in existing:
                old.append({"b_id": existing[key], **dict(zip(_UPDATED, values, strict=True))})
            else:
                new_keys.append(key)
                new.append((plan, key[:200], *values))
        conn = await session.connection()
        new_ids = await insert_with_ids(conn, table_of(Member), _MEMBER_COLUMNS, new)
        existing.update(zip(new_keys, new_ids, strict=True))
        if old:
            members = table_of(Member)
            await conn.execute(update(members).where(members.c.id == bindparam("b_id")), old)
            # the identifiers of members already stored are replaced by this file's
            known = [row["b_id"] for row in old]
            await session.execute(
                delete(MemberIdentifier).where(MemberIdentifier.member_id.in_(known))
            )
        await bulk_insert(
            conn,
            table_of(MemberIdentifier),
            ("member_id", "qualifier", "value"),
            [
                (existing[key], q[:3], v[:80])
                for key, (m, _) in keyed.items()
                for q, v in m.member_ids.items()
                if v
            ],
        )
        await self._apply_coverage(session, keyed, existing, now)
        self.stored += len(keyed)
        self.ended.extend(
            Ended(
                key,
                m.subscriber_id,
                m.last_name,
                m.first_name,
                explicit_end(m, self.file_date),
                EXPLICIT,
                line,
                existing[key],
            )
            for key, (m, line) in keyed.items()
            if is_explicit_termination(m)
        )

    async def _apply_coverage(
        self,
        session: AsyncSession,
        keyed: dict[str, tuple[MemberRecord, int]],
        member_ids: dict[str, int],
        now: datetime,
    ) -> None:
        ids = [member_ids[k] for k in keyed]
        current: dict[int, list[SpanRow]] = {}
        for start in range(0, len(ids), _CHUNK):
            for span in await self._open_spans(session, ids[start : start + _CHUNK]):
                current.setdefault(span.member_id, []).append(span)
        supersede: list[int] = []
        inserts: list[dict[str, object]] = []
        for key, (m, line) in keyed.items():
            mid = member_ids[key]
            spans = current.get(mid, [])
            reason = _REASONS.get(m.maintenance_type, m.maintenance_type)
            coverages = m.coverages
            if m.maintenance_type == "024" and not coverages:
                # Terminate every open coverage at the member's end date.
                end = m.eligibility_end or self.file_date
                for span in spans:
                    if span.roster_scope not in (self.scope, None):
                        continue  # another of the plan's rosters covers the member there
                    if span.end_date is None or (end and span.end_date > end):
                        supersede.append(span.id)
                        inserts.append(self._version(span, mid, {"end_date": end}, reason, line))
                continue
            for cov in coverages:
                values = _span_values(cov, m, self.scope)
                line_spans = [s for s in spans if s.insurance_line == values["insurance_line"]]
                match = next(
                    (s for s in line_spans if s.roster_scope == self.scope),
                    next((s for s in line_spans if s.roster_scope is None), None),
                )
                if match is not None and all(getattr(match, f) == values[f] for f in _SPAN_FIELDS):
                    continue
                if match is not None:
                    supersede.append(match.id)
                    spans.remove(match)
                inserts.append(
                    {
                        "member_id": mid,
                        "submission_id": self.ctx.submission.id,
                        "maintenance_type": cov.maintenance_type or m.maintenance_type,
                        "reason": reason,
                        "line": line,
                        "recorded_at": now,
                        **values,
                    }
                )
        if supersede:
            await session.execute(
                update(CoverageSpan).where(CoverageSpan.id.in_(supersede)).values(superseded_at=now)
            )
        await _insert_spans(session, inserts)

    async def _open_spans(self, session: AsyncSession, member_ids: list[int]) -> list[SpanRow]:
        """The coverage spans in force (not superseded) of these members, as rows."""
        spans = table_of(CoverageSpan)
        return list(
            await session.execute(
                rows_for_values(
                    list(spans.c),
                    spans.c.member_id,
                    member_ids,
                    self.dialect,
                    spans.c.superseded_at.is_(None),
                )
            )
        )

    def _version(
        self, span: SpanRow, mid: int, change: dict[str, object], reason: str, line: int
    ) -> dict[str, object]:
        values = {f: getattr(span, f) for f in _SPAN_FIELDS}
        values.update(change)
        return {
            "member_id": mid,
            "submission_id": self.ctx.submission.id,
            "maintenance_type": "024",
            "reason": reason,
            "line": line,
            "recorded_at": datetime.now(UTC),
            **values,
        }

    def _implied_end_rule(self) -> str | None:
        """The plan guide's ``implied_end`` (how absence from a full file dates the end)."""
        guides = self.ctx.guides
        checks = guides.for_header(self.header) if guides is not None else None
        plan = getattr(checks, "plan", None)
        return getattr(plan, "implied_end", None)

    async def complete(self, event: SetEvent) -> SetStatus:
        info = getattr(self, "info", None)
        if info is None or not info.is_full_file:
            return SetStatus.STORED
        session = self.session
        assert session is not None
        plan = self.header.sender_id[:15]
        end = implied_end(self.file_date or date.today(), self._implied_end_rule())
        active_rows = (await session.execute(active_in_scope(plan, self.scope, end))).all()
        active = {str(r.member_key): r for r in active_rows}
        missing = {k: r for k, r in active.items() if k not in self.seen}
        self.ended.extend(
            Ended(k, r.subscriber_id, r.last_name, r.first_name, end, IMPLIED, 0, int(r.id))
            for k, r in sorted(missing.items())
        )
        share = len(missing) / len(active) if active else 0.0
        limit = self.ctx.settings.max_termination_share
        released = self.ctx.submission.resolution == "released"
        if missing and share > limit and not released:
            self.held_counts = (len(active), len(missing))
            self.held_reason = (
                f"Full-file roster (BGN08={info.action}) would terminate {len(missing)} of "
                f"{len(active)} active members ({share:.0%}), more than the {limit:.0%} limit; "
                "held for review, nothing applied (the report lists every member it would end)"
            )
            self.finding(
                event.result.line,
                self.held_reason,
                code="HELD",
                segment_id="BGN",
                severity=Severity.REJECT_TRANSACTION,
                element="BGN08",
                value=info.action,
            )
            return SetStatus.HELD
        now = datetime.now(UTC)
        ids = [int(r.id) for r in missing.values()]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            spans = await self._open_spans(session, chunk)
            open_spans = [
                s
                for s in spans
                if (s.end_date is None or s.end_date > end) and s.roster_scope in (self.scope, None)
            ]
            if open_spans:
                await session.execute(
                    update(CoverageSpan)
                    .where(CoverageSpan.id.in_([s.id for s in open_spans]))
                    .values(superseded_at=now)
                )
                await _insert_spans(
                    session,
                    [
                        self._version(
                            s,
                            s.member_id,
                            {"end_date": end},
                            "absent from full-file roster",
                            event.result.line,
                        )
                        for s in open_spans
                    ],
                )
            await end_member_status(session, chunk, end, now)
        if missing:
            self.finding(
                event.result.line,
                f"Full-file roster: {len(missing)} members absent from the file were "
                f"terminated as of {end.isoformat()} (listed under terminations)",
                code="RECON",
                segment_id="BGN",
                severity=Severity.WARNING,
            )
        return SetStatus.STORED

    async def before_commit(self, session: AsyncSession) -> None:
        await store_terminations(
            session, self.ctx.submission.id, self.ordinal, self.ended, applied=True
        )

    async def on_held(self, session: AsyncSession) -> None:
        active, would = self.held_counts
        await session.execute(
            insert(HeldFile),
            [
                {
                    "submission_id": self.ctx.submission.id,
                    "set_ordinal": self.ordinal,
                    "reason": self.held_reason,
                    "active_members": active,
                    "would_terminate": would,
                    "as_of": self.file_date,
                }
            ],
        )
        # nothing of the set was kept: members it would add have no row to point to
        plan = self.header.sender_id[:15]
        keys = sorted({e.member_key for e in self.ended if e.how == EXPLICIT})
        stored: dict[str, int] = {}
        for start in range(0, len(keys), _CHUNK):
            rows = await session.execute(
                rows_for_values(
                    [Member.member_key, Member.id],
                    Member.member_key,
                    keys[start : start + _CHUNK],
                    self.dialect,
                    within=[Member.plan_sender_id == plan],
                )
            )
            stored.update((k, int(i)) for k, i in rows.all())
        for e in self.ended:
            if e.how == EXPLICIT:
                e.member_id = stored.get(e.member_key)
        await store_terminations(
            session, self.ctx.submission.id, self.ordinal, self.ended, applied=False
        )


__all__ = ["EnrollmentSetWriter", "member_key"]
