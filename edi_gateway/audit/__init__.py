"""The audit trail, readable: who read, sent or changed what, when (ids only, never PHI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from ..models import AuditEvent

if TYPE_CHECKING:
    from ..partners.service import Principal


async def audit(
    session: AsyncSession,
    who: Principal | None,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            partner_id=who.partner_id if who else None,
            key_prefix=who.key_prefix if who else None,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            detail=detail[:500] if detail else None,
        )
    )
