"""Publishing an event writes one delivery per subscribed webhook of that partner, in the
caller's transaction (the outbox), and hands the deliveries on only after commit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from conftest import Db
from sqlalchemy import select

from edi_gateway.events import bind, publish, publish_many
from edi_gateway.models import Webhook, WebhookDelivery
from edi_gateway.partners.service import create_partner
from edi_gateway.statuses import EventType


async def _setup(db: Db) -> tuple[int, int, dict[str, int]]:
    async with db.sessionmaker() as s, s.begin():
        a, _ = await create_partner(s, "clinic-a", "provider", ["SUBMITTERA"], None)
        b, _ = await create_partner(s, "clinic-b", "provider", ["SUBMITTERB"], None)
        hooks = {
            "a-both": Webhook(
                partner_id=a.id,
                url="https://a.example/one",
                events=["submission.completed", "claim.rejected"],
                secret="whsec_a1",
                secret_prefix="whsec_a1",
            ),
            "a-closed": Webhook(
                partner_id=a.id,
                url="https://a.example/two",
                events=["rejection.closed"],
                secret="whsec_a2",
                secret_prefix="whsec_a2",
            ),
            "a-off": Webhook(
                partner_id=a.id,
                url="https://a.example/off",
                events=["submission.completed"],
                secret="whsec_a3",
                secret_prefix="whsec_a3",
                active=False,
            ),
            "b-all": Webhook(
                partner_id=b.id,
                url="https://b.example/",
                events=[e.value for e in EventType],
                secret="whsec_b",
                secret_prefix="whsec_b",
            ),
        }
        s.add_all(hooks.values())
        await s.flush()
        return a.id, b.id, {name: h.id for name, h in hooks.items()}


async def _deliveries(db: Db) -> list[WebhookDelivery]:
    async with db.sessionmaker() as s:
        return list(
            (await s.execute(select(WebhookDelivery).order_by(WebhookDelivery.id))).scalars()
        )


async def test_one_delivery_per_subscribed_webhook_of_the_partner(db: Db) -> None:
    a, _b, hooks = await _setup(db)
    async with db.sessionmaker() as s, s.begin():
        await publish(s, EventType.SUBMISSION_COMPLETED, a, {"submission_id": "abc", "n": 2})
    [d] = await _deliveries(db)
    # only clinic-a's active webhook that asked for the event; clinic-b's never
    assert d.webhook_id == hooks["a-both"] and d.partner_id == a
    assert (d.event, d.status, d.attempts) == ("submission.completed", "pending", 0)
    assert d.next_attempt_at is not None and d.event_id.startswith("evt_")
    body = json.loads(d.body)
    assert body == {
        "id": d.event_id,
        "type": "submission.completed",
        "created_at": body["created_at"],
        "data": {"submission_id": "abc", "n": 2},
    }


async def test_one_event_id_for_every_webhook_it_goes_to(db: Db) -> None:
    a, _b, hooks = await _setup(db)
    async with db.sessionmaker() as s, s.begin():
        s.add(
            Webhook(
                partner_id=a,
                url="https://a.example/three",
                events=["claim.rejected"],
                secret="whsec_a4",
                secret_prefix="whsec_a4",
            )
        )
    async with db.sessionmaker() as s, s.begin():
        n = await publish_many(
            s, EventType.CLAIM_REJECTED, a, [{"claim_id": "C1"}, {"claim_id": "C2"}]
        )
    assert n == 4
    rows = await _deliveries(db)
    by_event: dict[str, set[int]] = {}
    for d in rows:
        by_event.setdefault(d.event_id, set()).add(d.webhook_id)
    assert len(by_event) == 2
    assert all(len(ids) == 2 and hooks["a-both"] in ids for ids in by_event.values())
    assert {json.loads(d.body)["data"]["claim_id"] for d in rows} == {"C1", "C2"}


async def test_a_rollback_leaves_no_delivery_and_notifies_nothing(db: Db) -> None:
    a, b, _hooks = await _setup(db)
    told: list[Sequence[int]] = []

    async def notify(ids: Sequence[int]) -> None:
        told.append(list(ids))

    bind(db.sessionmaker, notify)
    async with db.sessionmaker() as s:
        await publish(s, EventType.REJECTION_CLOSED, b, {"item_id": 1})
        await s.rollback()
        assert await _deliveries(db) == [] and told == []
        # the same session again: only what its next transaction commits is told
        async with s.begin():
            await publish(s, EventType.REJECTION_CLOSED, a, {"item_id": 2})
    for _ in range(50):
        if told:
            break
        await asyncio.sleep(0.01)
    [d] = await _deliveries(db)
    assert d.partner_id == a and told == [[d.id]]


async def test_nothing_is_written_without_a_subscription(db: Db) -> None:
    a, _b, _hooks = await _setup(db)
    async with db.sessionmaker() as s, s.begin():
        await publish(s, EventType.ENCOUNTER_PLAN_STATE_CHANGED, a, {"encounter_id": 1})
    assert await _deliveries(db) == []
