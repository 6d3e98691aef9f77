"""Store 835 remittances and match each claim payment to the encounter it pays."""

from __future__ import annotations

from sqlalchemy import and_, insert, update

from mappings.records import Adjustment, ClaimPayment, PaymentHeader
from parsers import Loop, SetEvent, TransactionHeader, Unit

from ..db import RowValues, bulk_insert, insert_with_ids, rows_for_values, table_of
from ..models import (
    ClaimPaymentRow,
    Encounter,
    Payment,
    PaymentAdjustment,
    PaymentDenialCode,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from ..setwriter import IngestContext, SetWriter
from ..statuses import SetStatus
from .denials import is_denial

_CHUNK = 400
#: column order of the rows built in ``RemittanceSetWriter.flush``
_CLAIM_PAYMENT_COLUMNS = (
    "payment_id",
    "encounter_id",
    "claim_id",
    "status_code",
    "charge",
    "paid",
    "patient_responsibility",
    "filing_indicator",
    "payer_claim_number",
    "facility_code",
    "frequency_code",
    "patient_last_name",
    "patient_first_name",
    "patient_member_id",
    "rendering_npi",
    "service_date_from",
    "service_date_to",
    "received_date",
    "remark_codes",
    "line",
)
_SERVICE_PAYMENT_COLUMNS = (
    "claim_payment_id",
    "procedure_qualifier",
    "procedure_code",
    "modifiers",
    "charge",
    "paid",
    "revenue_code",
    "units_paid",
    "service_date_from",
    "service_date_to",
    "line_control_number",
    "remark_codes",
    "line",
)
_ADJUSTMENT_COLUMNS = (
    "claim_payment_id",
    "service_payment_id",
    "group_code",
    "reason_code",
    "amount",
    "quantity",
)


class RemittanceSetWriter(SetWriter[ClaimPayment]):
    record_type = ClaimPayment
    kind = "835"

    def __init__(self, ctx: IngestContext, header: TransactionHeader, ordinal: int) -> None:
        super().__init__(ctx, header, ordinal)
        self.payment_id: int | None = None
        #: the 835's denial counts (payments.claims_count / claims_denied) and, per
        #: group-CARC, how many denied claims carry it (payment_denial_codes)
        self.claims_count = 0
        self.claims_denied = 0
        self.denial_codes: dict[str, int] = {}
        self.payment: PaymentHeader | None = None

    async def _ensure_payment(self, root: Loop) -> None:
        if self.payment_id is not None:
            return
        from mappings.x835 import map_payment_header

        session = self.session
        assert session is not None
        header = self.payment = map_payment_header(root)
        result = await session.execute(
            insert(Payment).returning(Payment.id),
            [
                {
                    "submission_id": self.ctx.submission.id,
                    "transaction_set_id": self.set_id,
                    "partner_id": self.ctx.partner_id,
                    "sender_id": self.header.sender_id[:15],
                    "receiver_id": self.header.receiver_id[:15],
                    "handling_code": header.handling_code,
                    "total_paid": header.total_paid,
                    "credit_debit": header.credit_debit,
                    "payment_method": header.payment_method,
                    "payment_date": header.payment_date,
                    "trace_number": header.trace_number,
                    "payer_trn_id": header.payer_id,
                    "production_date": header.production_date,
                    "payer_name": header.payer.last_name,
                    "payer_id": header.payer.identifier,
                    "payee_name": header.payee.last_name,
                    "payee_npi": header.payee.npi,
                    "payee_tax_id": header.payee.tax_id,
                }
            ],
        )
        self.payment_id = int(result.scalar_one())

    async def prepare(self, unit: Unit) -> None:
        await self._ensure_payment(unit.context[0])

    async def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        session = self.session
        assert session is not None and self.payment_id is not None
        matches = await self._match(batch)
        conn = await session.connection()
        cp_ids = await insert_with_ids(
            conn,
            table_of(ClaimPaymentRow),
            _CLAIM_PAYMENT_COLUMNS,
            [
                (
                    self.payment_id,
                    matches.get(cp.claim_id),
                    cp.claim_id[:40],
                    cp.status_code,
                    cp.charge,
                    cp.paid,
                    cp.patient_responsibility,
                    cp.filing_indicator,
                    cp.payer_claim_number,
                    cp.facility_code,
                    cp.frequency_code,
                    cp.patient.last_name if cp.patient else None,
                    cp.patient.first_name if cp.patient else None,
                    cp.patient.identifier if cp.patient else None,
                    cp.rendering.npi if cp.rendering else None,
                    cp.service_date_from,
                    cp.service_date_to,
                    cp.received_date,
                    ",".join(cp.remark_codes)[:200],
                    line,
                )
                for cp, line in batch
            ],
        )
        services: list[RowValues] = []
        service_adjustments: list[list[Adjustment]] = []
        # claim-level adjustments, then each service's once its row has a key
        adjustments: list[RowValues] = []
        for cp, _line in batch:
            self.claims_count += 1
            if is_denial(cp.status_code, cp.charge, cp.paid):
                self.claims_denied += 1
                codes = {f"{a.group_code}-{a.reason_code}" for a in cp.adjustments} | {
                    f"{a.group_code}-{a.reason_code}"
                    for svc in cp.services
                    for a in svc.adjustments
                }
                for code in codes:
                    self.denial_codes[code] = self.denial_codes.get(code, 0) + 1
        for (cp, _line), cp_id in zip(batch, cp_ids, strict=True):
            adjustments.extend(
                (cp_id, None, a.group_code, a.reason_code, a.amount, a.quantity)
                for a in cp.adjustments
            )
            for svc in cp.services:
                services.append(
                    (
                        cp_id,
                        svc.procedure_qualifier,
                        svc.procedure_code,
                        ",".join(svc.modifiers),
                        svc.charge,
                        svc.paid,
                        svc.revenue_code,
                        svc.units_paid,
                        svc.service_date_from,
                        svc.service_date_to,
                        svc.line_control_number,
                        ",".join(svc.remark_codes)[:200],
                        svc.line,
                    )
                )
                service_adjustments.append(svc.adjustments)
        service_ids = await insert_with_ids(
            conn, table_of(ServicePaymentRow), _SERVICE_PAYMENT_COLUMNS, services
        )
        for service, sid, adj in zip(services, service_ids, service_adjustments, strict=True):
            adjustments.extend(
                (service[0], sid, a.group_code, a.reason_code, a.amount, a.quantity) for a in adj
            )
        await bulk_insert(conn, table_of(PaymentAdjustment), _ADJUSTMENT_COLUMNS, adjustments)
        self.stored += len(batch)

    async def _match(self, batch: list[tuple[ClaimPayment, int]]) -> dict[str, int]:
        """CLP01 -> the encounter it pays: same CLM01, among the claims sent to the paying
        plan (the plan partner whose interchange id is this 835's ISA06; without one, the
        claims addressed to that id that no plan partner owns). Of several, the claim of
        the payee (N1*PE NPI) first, then the latest."""
        session = self.session
        assert session is not None
        payee_npi = self.payment.payee.npi if self.payment else None
        payer = self.header.sender_id[:15]
        plan = self.ctx.tenant.plan_for(payer)
        scope = (
            Encounter.plan_partner_id == plan
            if plan is not None
            else and_(Encounter.receiver_id == payer, Encounter.plan_partner_id.is_(None))
        )
        ids = sorted({cp.claim_id for cp, _ in batch})
        found: dict[str, int] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = await session.execute(
                rows_for_values(
                    [Encounter.claim_id, Encounter.id, Encounter.billing_npi],
                    Encounter.claim_id,
                    ids[start : start + _CHUNK],
                    self.dialect,
                    scope,
                    Encounter.status.in_(("active", "void")),
                )
            )
            ranked = sorted(rows.all(), key=lambda r: (r[2] == payee_npi, int(r[1])))
            found.update((c, int(i)) for c, i, _npi in ranked)  # the best one last wins
        return found

    async def complete(self, event: SetEvent) -> SetStatus:
        if event.root is None:
            return SetStatus.STORED
        from mappings.x835 import map_payment_header

        await self._ensure_payment(event.root)
        session = self.session
        assert session is not None
        await session.execute(
            update(Payment)
            .where(Payment.id == self.payment_id)
            .values(claims_count=self.claims_count, claims_denied=self.claims_denied)
        )
        if self.denial_codes:
            await session.execute(
                insert(PaymentDenialCode),
                [
                    {"payment_id": self.payment_id, "carc": code[:8], "claims": n}
                    for code, n in sorted(self.denial_codes.items())
                ],
            )
        # PLB sits in the footer, after every claim: read it from the finished set's tree.
        footer = map_payment_header(event.root)
        if footer.provider_adjustments:
            await session.execute(
                insert(ProviderAdjustmentRow),
                [
                    {
                        "payment_id": self.payment_id,
                        "provider_id": a.provider_id[:50],
                        "fiscal_period_end": a.fiscal_period_end,
                        "reason_code": a.reason_code[:2],
                        "reference": a.reference,
                        "amount": a.amount,
                    }
                    for a in footer.provider_adjustments
                ],
            )
        return SetStatus.STORED
