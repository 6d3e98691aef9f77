"""Acceptance and denial statistics per partner, plan and period, and the queue's age."""
