"""Our trace of a forwarded claim: the 2300 REF*D9 (claim identifier for transmission
intermediaries) we send, and reading it back from a plan's 277CA (2200D REF*D9)."""

from __future__ import annotations

__all__ = ["claim_trace", "parse_trace"]


def claim_trace(interchange_control: int, st02: str, position: int) -> str:
    """The 2300 REF*D9 (claim identifier for transmission intermediaries) we send with a
    forwarded claim: ISA13, ST02 and the claim's position in the set, all digits, which a
    plan's 277CA echoes in its 2200D REF*D9."""
    return f"{interchange_control:09d}{st02}{position:05d}"


def parse_trace(value: str | None) -> tuple[int, str, int] | None:
    """(ISA13, ST02, position) of a trace ``claim_trace`` made, else None."""
    if not value or not value.isdigit() or len(value) < 15:
        return None
    return int(value[:9]), value[9:-5], int(value[-5:])
