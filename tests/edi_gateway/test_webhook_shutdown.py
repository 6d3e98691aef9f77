"""The webhook sender stops when the service stops, whatever it was doing: a stop that
comes in the same moment as a wake-up (a new delivery, a drain) is not lost. (On Python
3.11, ``asyncio.wait_for`` returns the awaited result and drops a cancellation that
arrives just as the awaited thing finishes; the sender's sweep loop then ran on and the
service's shutdown waited for it forever.)"""

from __future__ import annotations

import asyncio

from conftest import Db

from edi_gateway.webhooks.delivery import WebhookSender


async def test_a_stop_arriving_with_a_wake_up_stops_the_sender(db: Db) -> None:
    settings = db.settings.model_copy(update={"webhook_poll_seconds": 30.0})
    for _ in range(5):
        sender = WebhookSender(db.sessionmaker, settings)
        await sender.start()
        try:
            task = sender.loop_task
            assert task is not None
            for _ in range(10):
                await asyncio.sleep(0.05)  # the loop's sweep done, it waits to be woken
            # woken and cancelled in the same turn of the event loop
            sender.wake.set()
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=5)
            assert done, "the sender's loop ran on after it was cancelled"
            assert task.cancelled()
        finally:
            await asyncio.wait_for(sender.stop(), timeout=10)
