"""Validate X12 files and acknowledge them (TA1, 999) without storing anything."""
