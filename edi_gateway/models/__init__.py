"""All ORM models, on one metadata so Alembic sees the whole schema."""

from .base import Base
from .codesets import CodeListVersion
from .console import ConsoleSession
from .eligibility import CoverageSpan, Member, MemberIdentifier, MemberTermination
from .encounters import (
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterParty,
    PriorPayerAdjustment,
    PriorPayerRow,
)
from .forwarding import (
    ForwardedClaim,
    ForwardingBatch,
    OutboundPayerId,
    OutboundSettings,
    PlanAnswer,
    PlanStateEvent,
)
from .partners import (
    ApiKey,
    AuditEvent,
    Partner,
    PartnerGuide,
    PartnerIdentifier,
    PartnerProvider,
)
from .rejections import WorkItem, WorkItemEvent
from .remittances import (
    ClaimPaymentRow,
    Payment,
    PaymentAdjustment,
    PaymentDenialCode,
    ProviderAdjustmentRow,
    ServicePaymentRow,
)
from .submissions import (
    Acknowledgment,
    AcknowledgmentPart,
    ClaimOutcome,
    ControlCounter,
    FindingRow,
    HeldFile,
    Interchange,
    InterchangeKey,
    StoredFile,
    Submission,
    TransactionSet,
    WorkUnit,
)
from .webhooks import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "Acknowledgment",
    "AcknowledgmentPart",
    "ApiKey",
    "AuditEvent",
    "Base",
    "ClaimOutcome",
    "ClaimPaymentRow",
    "CodeListVersion",
    "ConsoleSession",
    "ControlCounter",
    "CoverageSpan",
    "Encounter",
    "EncounterDiagnosis",
    "EncounterLine",
    "EncounterParty",
    "FindingRow",
    "ForwardedClaim",
    "ForwardingBatch",
    "HeldFile",
    "Interchange",
    "InterchangeKey",
    "Member",
    "MemberIdentifier",
    "MemberTermination",
    "OutboundPayerId",
    "OutboundSettings",
    "Partner",
    "PartnerGuide",
    "PartnerIdentifier",
    "PartnerProvider",
    "Payment",
    "PaymentAdjustment",
    "PaymentDenialCode",
    "PlanAnswer",
    "PlanStateEvent",
    "PriorPayerAdjustment",
    "PriorPayerRow",
    "ProviderAdjustmentRow",
    "ServicePaymentRow",
    "StoredFile",
    "Submission",
    "TransactionSet",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WorkItem",
    "WorkItemEvent",
    "WorkUnit",
]
