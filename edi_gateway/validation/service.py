"""Run the parser on a file and shape the outcome for people and programs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from parsers import FileResult, Finding, validate
from parsers.acks import AckOptions, build_999, build_ta1, build_unusable_ta1

FINDING_FIELDS = (
    "snip_level",
    "severity",
    "level",
    "code",
    "segment_id",
    "segment_position",
    "line",
    "offset",
    "loop",
    "element",
    "value",
    "message",
    "claim_id",
    "member_id",
    "interchange_control_number",
    "group_control_number",
    "transaction_control_number",
    "rule_id",
    "guide",
)


@dataclass(frozen=True, slots=True)
class Acks:
    ta1: bytes
    x999: bytes


def finding_dict(f: Finding) -> dict[str, Any]:
    full = f.to_dict()
    return {k: full[k] for k in FINDING_FIELDS}


def ordered_findings(result: FileResult) -> list[Finding]:
    """Findings in file order (by line), the blocking envelope ones first on ties."""
    return sorted(result.all_findings(), key=lambda f: (f.line or 0, f.segment_position or 0))


def result_dict(result: FileResult, name: str) -> dict[str, Any]:
    findings = ordered_findings(result)
    return {
        "file": name,
        "accepted": result.accepted,
        "usable": result.usable,
        "bytes": result.size,
        "segments": result.segments,
        "interchanges": [
            {
                "control_number": isa.control_number,
                "sender_id": isa.sender_id,
                "receiver_id": isa.receiver_id,
                "accepted": not isa.rejected and isa.complete,
                "groups": [
                    {
                        "control_number": gs.control_number,
                        "functional_id": gs.functional_id,
                        "version": gs.version,
                    }
                    for gs in isa.groups
                ],
            }
            for isa in result.interchanges
        ],
        "transaction_sets": [
            {
                "interchange_control_number": isa.control_number,
                "group_control_number": gs.control_number,
                **st.to_dict(),
            }
            for isa in result.interchanges
            for gs in isa.groups
            for st in gs.transaction_sets
        ],
        "errors": [finding_dict(f) for f in findings if f.is_error],
        "warnings": [finding_dict(f) for f in findings if not f.is_error],
    }


def validate_file(source: bytes | str | BinaryIO) -> FileResult:
    return validate(source)


def acknowledgments(result: FileResult, our_id: str = "EDIGATEWAY") -> Acks:
    opts = AckOptions(now=datetime.now(UTC))
    if not result.usable:
        note = next((f.code for f in result.findings if f.is_error), "024")
        return Acks(build_unusable_ta1("UNKNOWN", our_id, note, opts), b"")
    return Acks(build_ta1(result, opts), build_999(result, opts))


def exit_code(results: list[FileResult]) -> int:
    """0 all accepted, 1 something rejected, 2 a file is not usable X12."""
    if any(not r.usable for r in results):
        return 2
    return 0 if all(r.accepted for r in results) else 1


def text_report(result: FileResult, name: str) -> str:
    lines: list[str] = []
    verdict = "ACCEPTED" if result.accepted else ("NOT X12" if not result.usable else "REJECTED")
    lines.append(f"{name}: {verdict} ({result.size} bytes, {result.segments} segments)")
    for isa in result.interchanges:
        for gs in isa.groups:
            for st in gs.transaction_sets:
                state = "accepted" if st.accepted else "rejected"
                lines.append(
                    f"  ISA {isa.control_number} GS {gs.control_number} ST {st.control_number} "
                    f"{st.guide or st.st01} {st.version}: {state}, {st.units} units, "
                    f"{st.segment_count} segments"
                )
    for f in ordered_findings(result):
        who = (
            f" claim {f.claim_id}"
            if f.claim_id
            else (f" member {f.member_id}" if f.member_id else "")
        )
        kind = "warning" if not f.is_error else "error"
        loc = f.location()
        val = f" (value {f.value!r})" if f.value else ""
        lines.append(
            f"  {kind} SNIP {f.snip_level} {f.level.value} {f.code} at {loc}{who}: {f.message}{val}"
        )
    return "\n".join(lines)
