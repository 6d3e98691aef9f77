"""Hostile input, for the property tests (tests/parsers/test_fuzz.py), the atheris harnesses
(fuzz/) and the crash regressions (tests/regressions/).

``exercise(data)`` runs bytes through everything a submission goes through outside the
database: the tokenizer, then the check stream (``mappings.check``: the validator with
units, the mappers and the companion guides, as the pipeline runs it), and the
TA1/999/277CA builders; then checks what must hold for any input. A mapper may refuse a
unit with one of ``mappings.check.MAPPER_REFUSALS`` (the stream turns that into a ``MAP``
finding); any other exception is a bug.

``mutate(seed, ops)`` applies a list of mutation operations (see ``OPS``) to valid X12.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mappings.check import CheckedSet, CheckedUnit, check
from mappings.guides import GuideChecks
from mappings.records import EncounterClaim
from parsers import FileResult, Finding, Level, TransactionHeader, Unit, Validator, validate
from parsers.ack277 import ClaimAck, SetAck, StatusCode, build_277ca
from parsers.acks import AckOptions, build_999, build_ta1, build_unusable_ta1
from parsers.generate import generate_bytes
from parsers.tokenizer import read_delimiters, tokenize

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "tests" / "regressions"


_NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
_OPTS = AckOptions(control_number=42, now=_NOW)
_RECEIPT = dt.date(2026, 11, 23)
_PLANS = {
    "834": "example-health-plan-834",
    "835": "example-health-plan-835",
    "837P": "medi-cal-encounters-837",
    "837I": "medi-cal-encounters-837",
    "837D": "medi-cal-encounters-837",
}


def seed_files() -> list[Path]:
    """The valid samples and the public corpus (acknowledgments included: they are X12)."""
    samples = [p for p in (ROOT / "sample_edi").rglob("*.x12") if "valid" in p.name]
    corpus = [p for p in (ROOT / "tests" / "corpus").rglob("*.x12") if "broken" not in p.parts]
    return sorted(samples + corpus)


def seeds() -> list[bytes]:
    """Seed inputs: the files above and small ``parsers.generate`` files of every kind."""
    out = [p.read_bytes() for p in seed_files()]
    out += [generate_bytes(kind, 3, seed=7) for kind in ("834", "835", "837p", "837i", "837d")]
    return out


# --- mutations ----------------------------------------------------------------------------

#: characters a mutation may put in a value: controls, delimiters, Latin-1, a long one
ODD = "\x00\x01\x07\x09\x0a\x0b\x0c\x0d\x1b\x1c\x1d\x1e\x1f\x7f\x85\xa0\xff*:^~|>!\\' \u00d1"


@dataclass(frozen=True)
class Op:
    """One mutation: ``kind`` with two positions (fractions 0..1 scaled to the input)
    and a parameter (a count, a byte, or text)."""

    kind: str
    at: float = 0.0
    to: float = 0.0
    arg: int = 0
    text: bytes = b""


def _segments(data: bytes) -> tuple[bytes, list[bytes]]:
    """The terminator (when an ISA declares one) and the segments with their terminator."""
    head = data.lstrip()[:200].decode("latin-1")
    delims, _ = read_delimiters(head)
    if delims is None:
        return b"~", [data]
    term = delims.segment.encode("latin-1")
    parts = data.split(term)
    return term, [p + term for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _index(n: int, frac: float) -> int:
    return min(n - 1, max(0, int(frac * n))) if n else 0


def _apply(data: bytes, op: Op) -> bytes:
    n = len(data)
    i, j = _index(n, op.at), _index(n, op.to)
    if op.kind == "flip" and n:
        return data[:i] + bytes([data[i] ^ ((op.arg & 0xFF) or 1)]) + data[i + 1 :]
    if op.kind == "set" and n:
        return data[:i] + bytes([op.arg & 0xFF]) + data[i + 1 :]
    if op.kind == "delete":
        lo, hi = sorted((i, j))
        return data[:lo] + data[hi + 1 :]
    if op.kind == "insert":
        return data[:i] + op.text + data[i:]
    if op.kind == "truncate":
        return data[:i]
    if op.kind == "swap_delimiter" and n > 3:
        # replace one delimiter everywhere (a consistent file with another separator)
        old = data[min(n - 1, (3, 82, 104, 105)[op.arg % 4])]
        new = op.text[:1] or b"|"
        return data.replace(bytes([old]), new)
    term, segs = _segments(data)
    if not segs:
        return data
    s = _index(len(segs), op.at)
    if op.kind == "duplicate":
        count = 1 + op.arg % 2000  # deep repetition of one segment
        return b"".join(segs[: s + 1] + [segs[s]] * count + segs[s + 1 :])
    if op.kind == "repeat_block":
        e = _index(len(segs), op.to)
        lo, hi = sorted((s, e))
        block = segs[lo : min(hi + 1, lo + 40)]
        return b"".join(segs[: hi + 1] + block * (1 + op.arg % 60) + segs[hi + 1 :])
    if op.kind == "drop_segment":
        return b"".join(segs[:s] + segs[s + 1 :])
    if op.kind == "truncate_segment":
        seg = segs[s]
        return b"".join([*segs[:s], seg[: _index(len(seg), op.to)], *segs[s + 1 :]])
    if op.kind == "move_segment":
        seg = segs.pop(s)
        segs.insert(_index(len(segs) + 1, op.to), seg)
        return b"".join(segs)
    if op.kind in ("element", "huge"):
        seg = segs[s]
        body = seg[: -len(term)] if seg.endswith(term) else seg
        ele = body[3:4] if body[:3] == b"ISA" else (b"*" if b"*" in body else body[3:4] or b"*")
        parts = body.split(ele)
        k = _index(len(parts), op.to)
        value = op.text if op.kind == "element" else b"X" * (1 + op.arg * 997)
        parts[k] = value
        segs[s] = ele.join(parts) + (term if seg.endswith(term) else b"")
        return b"".join(segs)
    return data


def mutate(data: bytes, ops: list[Op]) -> bytes:
    for op in ops:
        data = _apply(data, op)
    return data


OPS = (
    "flip",
    "set",
    "delete",
    "insert",
    "truncate",
    "swap_delimiter",
    "duplicate",
    "repeat_block",
    "drop_segment",
    "truncate_segment",
    "move_segment",
    "element",
    "huge",
)


# --- the whole path -----------------------------------------------------------------------


class _PlanPerType:
    """The guides the stream applies: the base guides plus the example plan guide of each
    transaction type (a ``mappings.check.Guides``)."""

    acceptance_threshold = None
    threshold_guide = None

    def __init__(self) -> None:
        self.by_guide: dict[str, GuideChecks] = {}

    def for_header(self, header: TransactionHeader) -> GuideChecks:
        from mappings.guides import load_guide

        checks = self.by_guide.get(header.guide)
        if checks is None:
            plan = load_guide(_PLANS[header.guide]) if header.guide in _PLANS else None
            if plan is not None and header.guide not in plan.transactions:
                plan = None
            checks = self.by_guide[header.guide] = GuideChecks(plan, _RECEIPT)
        return checks

    def prefetch(self, units: Sequence[Unit]) -> None:
        if units:
            self.for_header(units[0].header).prefetch(units)

    @property
    def names(self) -> list[str]:
        return sorted({n for c in self.by_guide.values() for n in c.names})


def _text_fields(f: Finding) -> Iterator[str]:
    for value in (
        f.code,
        f.message,
        f.segment_id,
        f.loop,
        f.element,
        f.data_element,
        f.value,
        f.claim_id,
        f.member_id,
        f.interchange_control_number,
        f.group_control_number,
        f.transaction_control_number,
        f.rule_id,
        f.guide,
        f.fix,
    ):
        if value is not None:
            yield value


def check_finding(f: Finding) -> None:
    """Printable text only (storable on PostgreSQL, safe in logs), and small."""
    for text in _text_fields(f):
        assert isinstance(text, str) and text.isprintable(), (text, f)
    assert f.value is None or len(f.value) <= 256, f.value
    assert len(f.message) <= 1024, f.message


def check_ack(ack: bytes, kind: str) -> FileResult | None:
    """Valid X12 we wrote: printable ASCII, one segment a line, nothing stray in elements,
    and our own validator reads it back without envelope or structure errors."""
    if not ack:
        return None
    assert all(32 <= b < 127 or b == 10 for b in ack), (kind, ack)
    text = ack.decode("ascii")
    assert text.endswith("~\n"), (kind, text[-50:])
    lines = text.split("~\n")[:-1]
    for line in lines:
        assert "~" not in line and "\n" not in line, (kind, line)
        sid, *elements = line.split("*")
        assert 2 <= len(sid) <= 3 and sid.isalnum(), (kind, line)
        if sid == "ISA":
            assert len(line) == 105 and len(elements) == 16, (kind, line)
            continue
        for element in elements:
            assert element == element.strip() or sid == "TA1", (kind, line)
    result = validate(ack)
    assert result.usable, (kind, ack)
    errors = [f for f in result.all_findings() if f.is_error]
    # Only values echoed from a broken file (AK101 GS01, AK201 ST01, a short ST02...) may
    # be questioned when the acknowledgment is read back, and what follows from them.
    if not any(f.segment_id in ("AK1", "AK2") for f in errors):
        assert errors == [], (kind, errors, text)
    for f in errors:
        # ... including, on a 999 of thousands of IK3/IK4, the note that the findings were
        # cut off at the per-set limit (parsers.engine) once the AK1/AK2 is questioned
        cut_off = f.level is Level.TRANSACTION and f.message.startswith("More than")
        assert f.level in (Level.SEGMENT, Level.ELEMENT) or cut_off, (kind, f, text)
    return result


@dataclass
class Outcome:
    """What ``exercise`` saw: the file's result, the mapped records and the refusals."""

    result: FileResult
    records: list[Any]
    refused: list[BaseException]
    acks: dict[str, bytes]


def _claim_ack(record: Any, findings: list[Finding]) -> ClaimAck:
    """A ClaimAck as edi_gateway.submissions.acks277 builds it, from a mapped 837 claim."""
    errors = [f for f in findings if f.is_error]
    return ClaimAck(
        claim_id=record.claim_id,
        accepted=not errors,
        charge=str(record.total_charge),
        service_from=record.service_date_from,
        service_to=record.service_date_to,
        patient_last=record.patient.last_name,
        patient_first=record.patient.first_name,
        member_id=record.member_id,
        billing_npi=record.billing.npi,
        billing_name=record.billing.last_name,
        payer_claim_number=None,
        statuses=tuple(StatusCode("A7", "21", None) for _ in errors[:3]),
        message=errors[0].message if errors else None,
        type_of_bill=record.type_of_bill,
    )


def exercise(data: bytes, chunk_size: int = 1 << 20) -> Outcome:
    """Everything that reads the bytes, with what must hold for any input asserted."""
    # The tokenizer alone, on the delimiters its ISA declares.
    head = data.lstrip(b" \t\r\n")[:4096].decode("latin-1")
    delims, _problem = read_delimiters(head)
    if delims is not None:
        for batch in tokenize(io.BytesIO(data), delims, chunk_size=chunk_size):
            for i in range(len(batch.segments)):
                assert batch.offset(i) >= 0

    guides = _PlanPerType()  # fresh: the guides remember claims (duplicates) across calls
    result: FileResult | None = None
    records: list[Any] = []
    refused: list[BaseException] = []
    claims: dict[int, list[ClaimAck]] = {}
    headers: dict[int, Any] = {}
    validator = Validator(units=True, chunk_size=chunk_size)
    for item in check(data, guides, validator=validator):
        for f in item.findings:
            check_finding(f)
        if isinstance(item, CheckedUnit):
            unit = item.unit
            header = unit.header
            if header.guide == "834":
                from mappings.x834 import map_enrollment_header

                map_enrollment_header(unit.context[0])
            elif header.guide == "835":
                from mappings.x835 import map_payment_header

                map_payment_header(unit.context[0])
            if item.error is not None:
                refused.append(item.error)
            if item.record is None:
                continue
            records.append(item.record)
            if isinstance(item.record, EncounterClaim):
                acked = _claim_ack(item.record, item.findings)
                claims.setdefault(header.set_index, []).append(acked)
                headers[header.set_index] = header
        elif isinstance(item, CheckedSet):
            event = item.event
            if event.root is not None and event.header.guide == "835":
                from mappings.x835 import map_payment_header

                map_payment_header(event.root)
        else:
            result = item.result
    assert result is not None
    for f in result.all_findings():
        check_finding(f)
    assert validate(data).accepted == result.accepted

    acks: dict[str, bytes] = {}
    if result.usable:
        acks["ta1"] = build_ta1(result, _OPTS)
        acks["ta1-always"] = build_ta1(result, _OPTS, always=True)
        acks["999"] = build_999(result, _OPTS)
    else:
        note = next((f.code for f in result.findings if f.is_error), "024")
        acks["ta1"] = build_unusable_ta1("UNKNOWN", "GPHP1EDI", note, _OPTS)
    sets = [
        SetAck(
            st_control_number=headers[index].st_control_number,
            submitter_id=headers[index].sender_id,
            submitter_name=headers[index].sender_id,
            payer_id=headers[index].receiver_id,
            payer_name=headers[index].receiver_id,
            received=_RECEIPT,
            processed=_RECEIPT,
            claims=tuple(acked),
        )
        for index, acked in sorted(claims.items())
    ]
    isa = result.interchanges[0] if result.interchanges else None
    acks["277ca"] = build_277ca(
        sets,
        sender_qualifier=isa.receiver_qualifier if isa else "ZZ",
        sender_id=isa.receiver_id if isa else "GPHP1EDI",
        receiver_qualifier=isa.sender_qualifier if isa else "ZZ",
        receiver_id=isa.sender_id if isa else "UNKNOWN",
        control_number=42,
        now=_NOW,
        usage=isa.usage if isa else "P",
    )
    for kind, ack in acks.items():
        check_ack(ack, kind)
    if acks["277ca"]:
        back = validate(acks["277ca"])
        assert back.accepted, [f for f in back.all_findings() if f.is_error]
    return Outcome(result, records, refused, acks)
