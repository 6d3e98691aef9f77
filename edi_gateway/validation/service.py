"""Run the parser on a file and shape the outcome for people and programs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from edi_gateway.submissions.gctune import fewer_collections
from mappings.check import CheckedFile, FileVerdict, Guides, GuideSelection, check
from mappings.codesets.catalog import CodeLists
from parsers import FileResult, Finding
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


def ordered_findings(result: FileResult, extra: list[Finding] | None = None) -> list[Finding]:
    """Findings in file order (by line), the blocking envelope ones first on ties."""
    return sorted(
        [*result.all_findings(), *(extra or [])],
        key=lambda f: (f.line or 0, f.segment_position or 0),
    )


def result_dict(
    result: FileResult, name: str, guided: GuidedResult | None = None
) -> dict[str, Any]:
    findings = ordered_findings(result, guided.guide_findings if guided else None)
    return {
        "file": name,
        "accepted": guided.accepted if guided else result.accepted,
        "guides": guided.guides if guided else [],
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
    """SNIP 1-2 only: the check stream without guides or mapping."""
    return check_file(source, None, map_units=False).result


@dataclass
class GuidedResult:
    """SNIP 1-2 results plus the findings of the companion guides (SNIP 3-7) and the
    unit-level decisions of the check stream (claims that cannot be read, the threshold)."""

    result: FileResult
    guide_findings: list[Finding]
    guides: list[str]
    verdict: FileVerdict

    @property
    def accepted(self) -> bool:
        return self.verdict is FileVerdict.ACCEPTED


def check_file(
    source: bytes | str | BinaryIO, guides: Guides | None, *, map_units: bool = True
) -> GuidedResult:
    """Run the check stream over a whole file and keep its findings and verdict (with the
    ingest's garbage-collection setting: the default one walked the claims held for the
    envelope's verdict again and again, a third of the time of ``validate --guide``)."""
    findings: list[Finding] = []
    last: CheckedFile | None = None
    with fewer_collections():
        for item in check(source, guides, map_units=map_units):
            if isinstance(item, CheckedFile):
                last = item
            findings.extend(item.findings)
    assert last is not None
    return GuidedResult(last.result, findings, last.guides, last.verdict)


def validate_with_guide(
    source: bytes | str | BinaryIO,
    guide_name: str | None,
    receipt_date: date | None = None,
    code_lists: CodeLists | None = None,
) -> GuidedResult:
    """Validate with the base guides plus the named plan guide (raises
    ``mappings.guides.GuideError`` for an unknown name), judging codes with the imported
    ``code_lists`` where given."""
    from mappings.guides import load_guide

    plan = load_guide(guide_name) if guide_name else None
    return check_file(source, GuideSelection(plan, receipt_date, code_lists=code_lists))


def acknowledgments(result: FileResult, our_id: str = "EDIGATEWAY") -> Acks:
    opts = AckOptions(now=datetime.now(UTC))
    if not result.usable:
        note = next((f.code for f in result.findings if f.is_error), "024")
        return Acks(build_unusable_ta1("UNKNOWN", our_id, note, opts), b"")
    return Acks(build_ta1(result, opts), build_999(result, opts))


def exit_code(results: list[FileResult], accepted: list[bool] | None = None) -> int:
    """0 all accepted, 1 something rejected, 2 a file is not usable X12."""
    if any(not r.usable for r in results):
        return 2
    verdicts = accepted if accepted is not None else [r.accepted for r in results]
    return 0 if all(verdicts) else 1


def text_report(result: FileResult, name: str, guided: GuidedResult | None = None) -> str:
    lines: list[str] = []
    accepted = guided.accepted if guided else result.accepted
    verdict = "ACCEPTED" if accepted else ("NOT X12" if not result.usable else "REJECTED")
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
    if guided:
        lines.append(f"  guides: {', '.join(guided.guides)}")
    for f in ordered_findings(result, guided.guide_findings if guided else None):
        who = (
            f" claim {f.claim_id}"
            if f.claim_id
            else (f" member {f.member_id}" if f.member_id else "")
        )
        kind = "warning" if not f.is_error else "error"
        loc = f.location()
        val = f" (value {f.value!r})" if f.value else ""
        rule = f" [{f.guide} {f.rule_id}]" if f.rule_id else ""
        lines.append(
            f"  {kind} SNIP {f.snip_level} {f.level.value} {f.code} at {loc}{who}: "
            f"{f.message}{val}{rule}"
        )
        if f.fix:
            lines.append(f"      how to fix: {f.fix}")
    return "\n".join(lines)
