"""Encounters and claims from 837P, 837I and 837D."""
