"""Webhooks: partners' subscriptions to events, signed deliveries with retries."""
