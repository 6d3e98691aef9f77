"""The SQL of webhooks, their deliveries and attempts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update

from ..models import Partner, Webhook, WebhookAttempt, WebhookDelivery
from ..repository import Page, Repository, is_row_id
from ..statuses import DeliveryStatus

__all__ = ["DeliveryRepository", "WebhookRepository"]


class WebhookRepository(Repository[Webhook]):
    model = Webhook

    def listed(self, partner_id: int | None) -> Select[Webhook]:
        """A partner's webhooks, or everyone's (``None``, for ops)."""
        stmt = select(Webhook)
        if partner_id is not None:
            stmt = stmt.where(Webhook.partner_id == partner_id)
        return stmt

    async def get(self, webhook_id: int) -> Webhook | None:
        if not is_row_id(webhook_id):
            return None
        return await self.session.get(Webhook, webhook_id)

    async def count_of(self, partner_id: int) -> int:
        stmt = select(func.count()).select_from(Webhook).where(Webhook.partner_id == partner_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def partner_names(self, ids: Collection[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Partner.id, Partner.name).where(Partner.id.in_(sorted(ids)))
        )
        return {int(pid): name for pid, name in rows.all()}


class DeliveryRepository(Repository[WebhookDelivery]):
    model = WebhookDelivery

    async def page_of(
        self, webhook_id: int, status: str | None, limit: int, after: int | None
    ) -> Page[WebhookDelivery]:
        stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        if status is not None:
            stmt = stmt.where(WebhookDelivery.status == status)
        return await self.get_page(stmt, limit, after)

    async def attempts_of(self, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
        out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
        if not delivery_ids:
            return out
        rows = await self.session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
        )
        for attempt in rows.scalars():
            out[attempt.delivery_id].append(attempt)
        return out

    async def claim(self, delivery_id: int, now: datetime, lease_until: datetime) -> bool:
        """Take a due pending delivery for one attempt (counted now), leased until
        ``lease_until``; False when it is not pending, not due or taken by another."""
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def target(self, delivery_id: int) -> tuple[WebhookDelivery, Webhook] | None:
        row = (
            await self.session.execute(
                select(WebhookDelivery, Webhook)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    async def due(self, now: datetime, limit: int, besides: Collection[int] = ()) -> list[int]:
        stmt = select(WebhookDelivery.id).where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        if besides:
            stmt = stmt.where(WebhookDelivery.id.not_in(sorted(besides)))
        rows = await self.session.execute(
            stmt.order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        )
        return [int(i) for i in rows.scalars()]

    async def next_due_at(self) -> datetime | None:
        return (
            await self.session.execute(
                select(func.min(WebhookDelivery.next_attempt_at)).where(
                    WebhookDelivery.status == DeliveryStatus.PENDING
                )
            )
        ).scalar_one_or_none()

    async def selected(
        self, ids: Collection[int] | None, statuses: Collection[str], limit: int
    ) -> list[int]:
        """Deliveries in these states (optionally only these ids), oldest first."""
        stmt = select(WebhookDelivery.id).where(WebhookDelivery.status.in_(sorted(statuses)))
        if ids:
            stmt = stmt.where(WebhookDelivery.id.in_(sorted(ids)))
        rows = await self.session.execute(stmt.order_by(WebhookDelivery.id).limit(limit))
        return [int(i) for i in rows.scalars()]

    async def prune(self, finished_before: datetime) -> int:
        """Remove delivered and failed deliveries finished before this time (their
        attempts go with them); returns how many."""
        result = await self.session.execute(
            delete(WebhookDelivery)
            .where(
                WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)),
                WebhookDelivery.finished_at < finished_before,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def make_due(self, ids: Collection[int], now: datetime) -> None:
        """Due now: pending ones waiting for their next attempt, and failed ones again;
        never one whose attempt is running (its latest attempt has no duration yet)."""
        if not ids:
            return
        running = (
            select(WebhookAttempt.id)
            .where(
                WebhookAttempt.delivery_id == WebhookDelivery.id,
                WebhookAttempt.number == WebhookDelivery.attempts,
                WebhookAttempt.duration_ms.is_(None),
            )
            .exists()
        )
        await self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(sorted(ids)),
                WebhookDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)),
                ~running,
            )
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now, finished_at=None)
            .execution_options(synchronize_session=False)
        )
