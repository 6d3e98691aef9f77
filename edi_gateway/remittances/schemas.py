"""Response bodies for remittances (835): payments, claim payments, service lines, CAS, PLB.
Amounts are decimal strings ("125.00"), dates ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..models import ClaimPaymentRow, Payment, ProviderAdjustmentRow, ServicePaymentRow


def split_codes(value: object) -> object:
    """Codes stored comma-separated ("M15,N130") as a list."""
    if isinstance(value, str):
        return [code for code in value.split(",") if code]
    return value


Codes = Annotated[list[str], BeforeValidator(split_codes)]


def columns(row: object, model: type[BaseModel], *nested: str) -> dict[str, Any]:
    """The row's attributes for the model's fields, except the ``nested`` children."""
    return {f: getattr(row, f) for f in model.model_fields if f not in nested}


class Adjustment(BaseModel):
    """One CAS adjustment: group, reason (CARC), amount and quantity."""

    model_config = ConfigDict(from_attributes=True)

    group_code: str = Field(description="CAS01: CO, PR, OA, PI, CR")
    reason_code: str = Field(description="CAS02 claim adjustment reason code (CARC)")
    amount: Decimal = Field(description="CAS03; positive reduces the payment")
    quantity: Decimal | None = Field(description="CAS04")


class ServicePayment(BaseModel):
    """2110 SVC: one service line as adjudicated."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    procedure_qualifier: str | None = Field(description="SVC01-1: HC, AD, NU...")
    procedure_code: str | None = Field(description="SVC01-2")
    modifiers: Codes = Field(description="SVC01-3..6")
    charge: Decimal | None = Field(description="SVC02 line charge")
    paid: Decimal | None = Field(description="SVC03 line paid")
    revenue_code: str | None = Field(description="SVC04 (institutional)")
    units_paid: Decimal | None = Field(description="SVC05")
    service_date_from: date | None = Field(description="DTM*472 / 150")
    service_date_to: date | None = Field(description="DTM*151")
    line_control_number: str | None = Field(description="REF*6R: the 837 REF*6R echoed")
    remark_codes: Codes = Field(description="LQ*HE remittance advice remark codes (RARC)")
    adjustments: list[Adjustment] = Field(description="Line-level CAS")

    @classmethod
    def from_row(cls, row: ServicePaymentRow, adjustments: list[Adjustment]) -> ServicePayment:
        return cls.model_validate({**columns(row, cls, "adjustments"), "adjustments": adjustments})


class ClaimPayment(BaseModel):
    """2100 CLP: one claim as adjudicated, with its service lines and adjustments."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    claim_id: str = Field(description="CLP01: the provider's claim id (837 CLM01)")
    encounter_id: int | None = Field(description="The encounter this pays, when matched")
    status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 4 denied, 22 reversal")
    charge: Decimal = Field(description="CLP03 total claim charge")
    paid: Decimal = Field(description="CLP04 claim payment amount")
    patient_responsibility: Decimal | None = Field(description="CLP05")
    filing_indicator: str | None = Field(description="CLP06")
    payer_claim_number: str | None = Field(description="CLP07 payer claim control number")
    facility_code: str | None = Field(description="CLP08")
    frequency_code: str | None = Field(description="CLP09")
    patient_last_name: str | None = Field(description="NM1*QC")
    patient_first_name: str | None
    patient_member_id: str | None = Field(description="NM1*QC NM109")
    rendering_npi: str | None = Field(description="NM1*82")
    service_date_from: date | None = Field(description="DTM*232")
    service_date_to: date | None = Field(description="DTM*233")
    received_date: date | None = Field(description="DTM*050")
    remark_codes: Codes = Field(description="MIA/MOA remark codes")
    adjustments: list[Adjustment] = Field(description="Claim-level CAS")
    services: list[ServicePayment]

    @classmethod
    def from_row(
        cls, row: ClaimPaymentRow, adjustments: list[Adjustment], services: list[ServicePayment]
    ) -> ClaimPayment:
        return cls.model_validate(
            {
                **columns(row, cls, "adjustments", "services"),
                "adjustments": adjustments,
                "services": services,
            }
        )


class ProviderAdjustment(BaseModel):
    """PLB: an adjustment to the payment not tied to one claim (positive reduces it)."""

    model_config = ConfigDict(from_attributes=True)

    provider_id: str = Field(description="PLB01")
    fiscal_period_end: date | None = Field(description="PLB02")
    reason_code: str = Field(description="PLB03-1: WO, L6, FB, 72...")
    reference: str | None = Field(description="PLB03-2")
    amount: Decimal = Field(description="PLB04")


_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "trace_number": "EFT2289687310000",
    "payment_date": "2026-03-05",
    "total_paid": "575.72",
    "credit_debit": "C",
    "payment_method": "ACH",
    "handling_code": "I",
    "payer_name": "GOLDEN POPPY HEALTH PLAN",
    "payer_id": None,
    "payee_name": "RIVERBEND HEALTH CENTER",
    "payee_npi": "1677328134",
    "sender_id": "GPHP1EDI",
    "receiver_id": "SUBMITTER5862",
    "submission_id": "6f1c0a2e9b7d4c3e8a5f1b2c3d4e5f60",
}


class RemittanceSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": _SUMMARY_EXAMPLE})

    id: int = Field(description="Gateway id of the remittance (one 835 transaction set)")
    trace_number: str | None = Field(description="TRN02 check or EFT trace number")
    payment_date: date | None = Field(description="BPR16")
    total_paid: Decimal = Field(description="BPR02")
    credit_debit: str | None = Field(description="BPR03")
    payment_method: str | None = Field(description="BPR04: ACH, CHK, NON...")
    handling_code: str = Field(description="BPR01: I remittance only / C payment with advice...")
    payer_name: str | None = Field(description="1000A N1*PR")
    payer_id: str | None = Field(description="1000A N1*PR N104, else REF*2U")
    payee_name: str | None = Field(description="1000B N1*PE")
    payee_npi: str | None = Field(description="1000B N1*PE XX")
    sender_id: str = Field(description="ISA06")
    receiver_id: str = Field(description="ISA08")
    submission_id: str


class RemittanceList(BaseModel):
    items: list[RemittanceSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class RemittanceDetail(RemittanceSummary):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                **_SUMMARY_EXAMPLE,
                "payer_trn_id": "1942817289",
                "production_date": "2026-03-03",
                "payee_tax_id": None,
                "created_at": "2026-03-03T14:40:00Z",
                "claims": [
                    {
                        "id": 31,
                        "claim_id": "PCN283000597922",
                        "encounter_id": 12,
                        "status_code": "1",
                        "charge": "394.00",
                        "paid": "292.11",
                        "patient_responsibility": None,
                        "filing_indicator": "MC",
                        "payer_claim_number": "2026927622516",
                        "facility_code": "11",
                        "frequency_code": "1",
                        "patient_last_name": "ULLASTRO",
                        "patient_first_name": "HANNAH",
                        "patient_member_id": "99297909L",
                        "rendering_npi": None,
                        "service_date_from": None,
                        "service_date_to": None,
                        "received_date": "2026-01-27",
                        "remark_codes": [],
                        "adjustments": [],
                        "services": [
                            {
                                "id": 90,
                                "procedure_qualifier": "HC",
                                "procedure_code": "99393",
                                "modifiers": [],
                                "charge": "175.00",
                                "paid": "122.50",
                                "revenue_code": None,
                                "units_paid": "1.00",
                                "service_date_from": "2026-01-25",
                                "service_date_to": None,
                                "line_control_number": None,
                                "remark_codes": [],
                                "adjustments": [
                                    {
                                        "group_code": "CO",
                                        "reason_code": "45",
                                        "amount": "52.50",
                                        "quantity": None,
                                    }
                                ],
                            }
                        ],
                    }
                ],
                "provider_adjustments": [
                    {
                        "provider_id": "1677328134",
                        "fiscal_period_end": "2026-12-31",
                        "reason_code": "WO",
                        "reference": "RCV385845",
                        "amount": "5.67",
                    }
                ],
            }
        },
    )

    payer_trn_id: str | None = Field(description="TRN03 payer identifier")
    production_date: date | None = Field(description="DTM*405")
    payee_tax_id: str | None = Field(description="1000B REF*TJ")
    created_at: datetime = Field(description="When the gateway stored it")
    claims: list[ClaimPayment]
    provider_adjustments: list[ProviderAdjustment] = Field(description="PLB segments")

    @classmethod
    def from_row(
        cls,
        row: Payment,
        claims: list[ClaimPayment],
        provider_adjustments: list[ProviderAdjustmentRow],
    ) -> RemittanceDetail:
        return cls.model_validate(
            {
                **columns(row, cls, "claims", "provider_adjustments"),
                "claims": claims,
                "provider_adjustments": [
                    ProviderAdjustment.model_validate(a) for a in provider_adjustments
                ],
            }
        )
