"""The audit trail, readable: who read, sent or changed what, when (ids only, never PHI)."""
