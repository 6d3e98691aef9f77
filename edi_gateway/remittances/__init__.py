"""Payments from 835 remittances."""
