"""Parsed X12 transactions to normalized records, and companion guides as data."""

__all__: list[str] = []
