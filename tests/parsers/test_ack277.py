"""The 277CA writer (005010X214): every 277CA we build passes pyx12's X214 map and our own
parser, and carries back each claim's CLM01, status categories and the batch totals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pyx12_oracle import validate_ack

from parsers import SetEvent, Validator, validate
from parsers.ack277 import (
    UNKNOWN,
    Ack277Writer,
    ClaimAck,
    LineAck,
    SetAck,
    StatusCode,
    build_277ca,
)
from parsers.tree import Loop, Segment

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RECEIVED = date(2026, 11, 20)
PROCESSED = date(2026, 11, 21)


def _build(sets: list[SetAck], *, usage: str = "P", control_number: int = 42) -> bytes:
    return build_277ca(
        sets,
        sender_qualifier="ZZ",
        sender_id="MCPLAN01",
        receiver_qualifier="ZZ",
        receiver_id="SUBMITTER9856",
        control_number=control_number,
        now=NOW,
        usage=usage,
    )


def _claim(claim_id: str, accepted: bool = True, charge: str = "125.00", **kw: object) -> ClaimAck:
    fields: dict[str, object] = {
        "service_from": date(2026, 11, 2),
        "service_to": date(2026, 11, 2),
        "patient_last": "DOE",
        "patient_first": "JANE",
        "member_id": "91234567A",
        "billing_npi": "1234567893",
        "billing_name": "VALLEY CLINIC",
        "payer_claim_number": f"EG{claim_id}" if accepted else None,
    }
    if not accepted:
        fields["statuses"] = (StatusCode("A7", "255", "85"),)
        fields["message"] = "Diagnosis code invalid"
    fields.update(kw)
    return ClaimAck(claim_id, accepted, charge, **fields)  # type: ignore[arg-type]


def _set(*claims: ClaimAck, st: str = "1923") -> SetAck:
    return SetAck(
        st,
        "SUBMITTER9856",
        "ACME BILLING",
        "MCPLAN01",
        "MEDI-CAL PLAN",
        RECEIVED,
        PROCESSED,
        claims,
    )


def _segments(ack: bytes) -> list[list[str]]:
    return [s.strip().split("*") for s in ack.decode("ascii").split("~") if s.strip()]


def _named(segs: list[list[str]], seg_id: str, qualifier: str | None = None) -> list[list[str]]:
    return [s for s in segs if s[0] == seg_id and (qualifier is None or s[1] == qualifier)]


def _transaction_sets(ack: bytes) -> list[list[list[str]]]:
    out: list[list[list[str]]] = []
    for seg in _segments(ack):
        if seg[0] == "ST":
            out.append([])
        if out and (seg[0] != "GE" and seg[0] != "IEA"):
            out[-1].append(seg)
    return out


def _roots(ack: bytes) -> list[Loop]:
    """Each transaction set's tree, as our own parser reads it."""
    roots = []
    for event in Validator(units=True).events(ack):
        if isinstance(event, SetEvent):
            assert event.header.guide == "277CA"
            assert event.result.accepted, event.result
            assert event.root is not None
            roots.append(event.root)
    return roots


def _seg(loop: Loop | None, seg_id: str) -> Segment:
    assert loop is not None
    seg = loop.segment(seg_id)
    assert seg is not None, (loop.id, seg_id)
    return seg


def _cleaned(value: str) -> str:
    return re.sub(" +", " ", re.sub(r"[*:^~]", " ", value)).strip()


def _amount(claims: list[ClaimAck]) -> Decimal:
    return sum((Decimal(c.charge) for c in claims), Decimal())


def _check(sets: list[SetAck], *, usage: str = "P", control_number: int = 42) -> bytes:
    """Build the 277CA, then prove it: pyx12 clean, our parser accepts it, content agrees."""
    ack = _build(sets, usage=usage, control_number=control_number)
    assert validate_ack(ack) == []
    result = validate(ack)
    assert result.accepted
    assert list(result.all_findings()) == []
    roots = _roots(ack)
    assert len(roots) == len(sets) == len(_transaction_sets(ack))
    for ack_set, root, segs in zip(sets, roots, _transaction_sets(ack), strict=True):
        # 2200B: the 837's ST02 and the batch totals.
        [batch] = [lp for lp in root.walk() if lp.id == "2000B"]
        trace = batch.loop("2200B")
        assert trace is not None
        assert _seg(trace, "TRN")[2] == _cleaned(ack_set.st_control_number)
        accepted = [c for c in ack_set.claims if c.accepted]
        rejected = [c for c in ack_set.claims if not c.accepted]
        _check_totals(trace, accepted, rejected, ("90", "AA"))
        [stc] = trace.segments_of("STC")
        assert stc[1] == "A1:19" and stc[3] == "WQ"
        assert Decimal(stc[4]) == _amount(accepted + rejected)
        # 2000C per billing NPI, 2000D per claim, in input order.
        claims_seen: list[tuple[str, list[str]]] = []
        providers = batch.loops_of("2000C")
        npis = list(dict.fromkeys(c.billing_npi for c in ack_set.claims))
        names = [p.loop("2100C") for p in providers]
        assert [_seg(n, "NM1")[9] for n in names] == [n or UNKNOWN for n in npis]
        for provider, npi in zip(providers, npis, strict=True):
            mine = [c for c in ack_set.claims if c.billing_npi == npi]
            provider_trace = provider.loop("2200C")
            assert provider_trace is not None
            _check_totals(
                provider_trace,
                [c for c in mine if c.accepted],
                [c for c in mine if not c.accepted],
                ("QA", "QC"),
            )
            for patient in provider.loops_of("2000D"):
                claim_loop = patient.loop("2200D")
                assert claim_loop is not None
                categories = [
                    part.split(":")[0]
                    for s in claim_loop.segments_of("STC")
                    for part in (s[1], s[10], s[11])
                    if part
                ]
                claims_seen.append((_seg(claim_loop, "TRN")[2], categories))
        expected = [
            (
                _cleaned(c.claim_id),
                (["A2"] if c.accepted else [])
                + [s.category for s in c.statuses]
                + ([] if c.accepted or c.statuses else ["A3"]),
            )
            for npi in npis
            for c in ack_set.claims
            if c.billing_npi == npi
        ]
        assert claims_seen == expected
        # Envelope arithmetic.
        assert segs[-1][0] == "SE" and int(segs[-1][1]) == len(segs)
        assert segs[-1][2] == segs[0][2]
        # No value carries a delimiter: every component split is what we wrote.
        for seg in segs:
            assert all("^" not in e and "~" not in e for e in seg)
    segs = _segments(ack)
    assert len(ack.decode().split("\n")[0]) == 106  # ISA, terminator included
    control = control_number
    assert segs[1][6] == str(control)
    assert segs[-2] == ["GE", str(len(sets)), str(control)]
    assert segs[-1] == ["IEA", "1", f"{control:09d}"] and segs[0][13] == f"{control:09d}"
    return ack


def _check_totals(
    loop: Loop, accepted: list[ClaimAck], rejected: list[ClaimAck], qualifiers: tuple[str, str]
) -> None:
    qty = {s[1]: s[2] for s in loop.segments_of("QTY")}
    amt = {s[1]: s[2] for s in loop.segments_of("AMT")}
    expected_qty = {
        q: str(len(c)) for q, c in zip(qualifiers, (accepted, rejected), strict=True) if c
    }
    assert qty == expected_qty
    expected_amt = {
        q: _amount(c) for q, c in zip(("YU", "YY"), (accepted, rejected), strict=True) if c
    }
    assert {q: Decimal(v) for q, v in amt.items()} == expected_amt


# --- scenarios: each validates with pyx12 and our parser -----------------------------------

FOUR_FINDINGS = (
    StatusCode("A7", "255", "85"),
    StatusCode("A6", "21", "IL"),
    StatusCode("A8", "400"),
    StatusCode("A3", "562", "QC"),
)

SCENARIOS: dict[str, list[SetAck]] = {
    "all_accepted": [_set(_claim("C1"), _claim("C2", charge="80.5"), _claim("C3", charge="0"))],
    "all_rejected": [
        _set(
            _claim("R1", False),
            _claim("R2", False, statuses=(StatusCode("A6", "21", "IL"),)),
            _claim("R3", False, statuses=(), message=None),
        )
    ],
    "mixed": [
        _set(
            _claim("C1"),
            _claim("R1", False, charge="300"),
            _claim("C2", charge="19.99"),
            _claim("R2", False, statuses=(StatusCode("A8", "400"), StatusCode("A7", "254"))),
        )
    ],
    "several_providers": [
        _set(
            _claim("C1"),
            _claim("R1", False, billing_npi="1999999984", billing_name="SECOND GROUP"),
            _claim("C2", billing_npi="1999999984", billing_name="SECOND GROUP"),
            _claim("C3", billing_npi="1111111112", billing_name="THIRD"),
            _claim("R2", False),
        )
    ],
    "several_sets": [
        _set(_claim("C1"), _claim("R1", False), st="0001"),
        _set(_claim("C2", charge="10"), st="0002"),
        _set(_claim("R2", False, charge="5.25"), st="0003"),
    ],
    "institutional": [
        _set(
            _claim("I1", type_of_bill="111", service_to=date(2026, 11, 6)),
            _claim("I2", False, type_of_bill="131", payer_claim_number="IGNORED"),
        )
    ],
    "four_findings": [_set(_claim("R4", False, statuses=FOUR_FINDINGS))],
    "seven_findings": [
        _set(
            _claim(
                "R7",
                False,
                statuses=(
                    *FOUR_FINDINGS,
                    StatusCode("A7", "732"),
                    StatusCode("A6", "673", "82"),
                    StatusCode("A7", "232", "71"),
                ),
            )
        )
    ],
    "accepted_with_warning": [_set(_claim("W1", statuses=(StatusCode("A7", "732"),)))],
    "delimiters": [
        _set(
            _claim(
                "CLM*1:2",
                False,
                charge="42",
                patient_last="O'NEIL~SMITH",
                patient_first="ANN^MARIE",
                member_id="91*234:567",
                billing_name="A*B:C^D~E CLINIC",
                message="CLM*01 value ~bad: check^this",
            ),
            _claim("CLM^3~4", billing_npi="1234567893"),
            st="19*23",
        )
    ],
    "missing_data": [
        _set(
            _claim(
                "M1",
                False,
                service_from=None,
                service_to=None,
                patient_last=None,
                patient_first=None,
                member_id=None,
                billing_npi=None,
                billing_name=None,
                statuses=(),
                message=None,
            ),
            _claim("M2", service_from=None, service_to=date(2026, 10, 31), patient_first=""),
        )
    ],
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_277ca_validates_and_reads_back(name: str) -> None:
    _check(SCENARIOS[name])


def test_test_usage_and_other_control_number() -> None:
    ack = _check(SCENARIOS["mixed"], usage="T", control_number=999_999_999)
    isa = _segments(ack)[0]
    assert isa[13] == "999999999" and isa[15] == "T"


# --- content details ---------------------------------------------------------------------


def test_exact_output_for_one_accepted_and_one_rejected_claim() -> None:
    ack = _build([_set(_claim("C1"), _claim("R1", False, charge="75"))])
    assert ack.decode().splitlines() == [
        "ISA*00*          *00*          *ZZ*MCPLAN01       *ZZ*SUBMITTER9856  *261123*0930*^*00501*000000042*0*P*:~",  # noqa: E501
        "GS*HN*MCPLAN01*SUBMITTER9856*20261123*0930*42*X*005010X214~",
        "ST*277*0001*005010X214~",
        "BHT*0085*08*420001*20261123*0930*TH~",
        "HL*1**20*1~",
        "NM1*PR*2*MEDI-CAL PLAN*****46*MCPLAN01~",
        "TRN*1*420001~",
        "DTP*050*D8*20261120~",
        "DTP*009*D8*20261121~",
        "HL*2*1*21*1~",
        "NM1*41*2*ACME BILLING*****46*SUBMITTER9856~",
        "TRN*2*1923~",
        "STC*A1:19*20261121*WQ*200~",
        "QTY*90*1~",
        "QTY*AA*1~",
        "AMT*YU*125~",
        "AMT*YY*75~",
        "HL*3*2*19*1~",
        "NM1*85*2*VALLEY CLINIC*****XX*1234567893~",
        "TRN*1*420001-1~",
        "STC*A1:19:85**WQ*200~",
        "QTY*QA*1~",
        "QTY*QC*1~",
        "AMT*YU*125~",
        "AMT*YY*75~",
        "HL*4*3*PT~",
        "NM1*QC*1*DOE*JANE****MI*91234567A~",
        "TRN*2*C1~",
        "STC*A2:20*20261121*WQ*125.00~",
        "REF*1K*EGC1~",
        "DTP*472*D8*20261102~",
        "HL*5*3*PT~",
        "NM1*QC*1*DOE*JANE****MI*91234567A~",
        "TRN*2*R1~",
        "STC*A7:255:85*20261121*U*75********Diagnosis code invalid~",
        "DTP*472*D8*20261102~",
        "SE*35*0001~",
        "GE*1*42~",
        "IEA*1*000000042~",
    ]
    assert validate_ack(ack) == []


def test_more_than_three_findings_start_another_stc() -> None:
    ack = _build(SCENARIOS["seven_findings"])
    stcs = [s for s in _named(_segments(ack), "STC") if s[3] == "U"]
    assert [(s[1], s[10:12]) for s in stcs] == [
        ("A7:255:85", ["A6:21:IL", "A8:400"]),
        ("A3:562:QC", ["A7:732", "A6:673:82"]),
        ("A7:232:71", []),
    ]
    # Each repeats the date, the action and the claim charge; only the first has the message.
    assert {(s[2], s[3], s[4]) for s in stcs} == {("20261121", "U", "125.00")}
    assert stcs[0][12] == "Diagnosis code invalid"
    assert all(len(s) <= 12 for s in stcs[1:])


def test_accepted_claim_with_warning_keeps_a2_first() -> None:
    ack = _build(SCENARIOS["accepted_with_warning"])
    [stc] = [s for s in _named(_segments(ack), "STC") if s[1].startswith("A2")]
    assert stc[1:5] == ["A2:20", "20261121", "WQ", "125.00"] and stc[10] == "A7:732"


def test_rejected_claim_without_statuses_is_a3_21() -> None:
    ack = _build(SCENARIOS["all_rejected"])
    stcs = [s for s in _named(_segments(ack), "STC") if s[3] == "U"]
    assert [s[1] for s in stcs] == ["A7:255:85", "A6:21:IL", "A3:21"]
    # Rejected claims carry no REF*1K, even when a number is given.
    assert _named(_segments(ack), "REF", "1K") == []


def test_institutional_bill_type_and_payer_claim_number() -> None:
    ack = _build(SCENARIOS["institutional"])
    segs = _segments(ack)
    assert _named(segs, "REF", "BLT") == [["REF", "BLT", "111"], ["REF", "BLT", "131"]]
    assert _named(segs, "REF", "1K") == [["REF", "1K", "EGI1"]]
    assert _named(segs, "DTP", "472") == [
        ["DTP", "472", "RD8", "20261102-20261106"],
        ["DTP", "472", "D8", "20261102"],
    ]


def test_delimiters_in_values_are_replaced() -> None:
    ack = _build(SCENARIOS["delimiters"])
    segs = _segments(ack)
    assert _named(segs, "TRN", "2") == [
        ["TRN", "2", "19 23"],
        ["TRN", "2", "CLM 1 2"],
        ["TRN", "2", "CLM 3 4"],
    ]
    [provider] = _named(segs, "NM1", "85")
    assert provider[3] == "A B C D E CLINIC"
    patient = _named(segs, "NM1", "QC")[0]
    assert patient[3:5] == ["O'NEIL SMITH", "ANN MARIE"] and patient[9] == "91 234 567"
    [rejected] = [s for s in _named(segs, "STC") if s[3] == "U"]
    assert rejected[12] == "CLM 01 value bad check this"
    # Every segment has exactly the elements we wrote: the text splits cleanly.
    assert all(len(s) <= 13 for s in _named(segs, "STC"))
    assert all(len(s) == 10 for s in _named(segs, "NM1"))


def test_missing_values_get_stand_ins() -> None:
    ack = _build(SCENARIOS["missing_data"])
    segs = _segments(ack)
    assert _named(segs, "NM1", "85")[0] == [
        "NM1",
        "85",
        "2",
        UNKNOWN,
        "",
        "",
        "",
        "",
        "SV",
        UNKNOWN,
    ]
    assert _named(segs, "NM1", "QC")[0] == [
        "NM1",
        "QC",
        "1",
        UNKNOWN,
        "",
        "",
        "",
        "",
        "MI",
        UNKNOWN,
    ]
    # No service date at all: the received date; one date only: D8 of that date.
    assert _named(segs, "DTP", "472") == [
        ["DTP", "472", "D8", "20261120"],
        ["DTP", "472", "D8", "20261031"],
    ]


def test_non_ascii_long_values_and_odd_charges() -> None:
    claim = _claim(
        "X" * 60,
        False,
        charge="1E+2",
        patient_last="Muñoz-Peña " + "Z" * 80,
        patient_first="José\tLuis",
        billing_name="Clínica\nDel Valle " + "Q" * 70,
        message="Código inválido " + "m" * 400,
        statuses=(StatusCode("A7", "255", "ZZZ"), StatusCode("A7", "254", "ZZ")),
    )
    sets = [_set(claim, _claim("C1", charge="NaN"), _claim("C2", charge="12."))]
    ack = _build(sets)
    assert validate_ack(ack) == []
    assert validate(ack).accepted
    segs = _segments(ack)
    [trn] = [s for s in _named(segs, "TRN", "2") if s[2].startswith("X")]
    assert trn[2] == "X" * 50
    nm1 = _named(segs, "NM1", "QC")[0]
    assert nm1[3].startswith("Munoz-Pena Z") and len(nm1[3]) == 60 and nm1[4] == "Jose Luis"
    assert _named(segs, "NM1", "85")[0][3].startswith("Clinica Del Valle Q")
    [rejected] = [s for s in _named(segs, "STC") if s[3] == "U"]
    assert rejected[12].startswith("Codigo invalido m") and len(rejected[12]) == 264
    # An entity code outside X214's STC01-3 list is dropped there; STC10 keeps its own.
    assert rejected[1] == "A7:255" and rejected[10] == "A7:254:ZZ"
    # "1E+2" and "12." are not X12 amounts: normalised; "NaN" counts as 0.
    assert rejected[4] == "100"
    assert [s[4] for s in _named(segs, "STC") if s[3] == "WQ"][2:] == ["0", "12"]
    assert _named(segs, "AMT", "YY")[0] == ["AMT", "YY", "100"]
    assert _named(segs, "AMT", "YU")[0] == ["AMT", "YU", "12"]


def test_hierarchy_parents() -> None:
    ack = _build(SCENARIOS["several_providers"])
    hls = [s[1:] for s in _named(_segments(ack), "HL")]
    assert hls == [
        ["1", "", "20", "1"],
        ["2", "1", "21", "1"],
        ["3", "2", "19", "1"],
        ["4", "3", "PT"],
        ["5", "3", "PT"],
        ["6", "2", "19", "1"],
        ["7", "6", "PT"],
        ["8", "6", "PT"],
        ["9", "2", "19", "1"],
        ["10", "9", "PT"],
    ]


def test_no_sets_no_277ca_and_bad_input_raises() -> None:
    assert _build([]) == b""
    with pytest.raises(ValueError, match="no claims"):
        _build([_set()])
    with pytest.raises(ValueError, match="control number"):
        _build([_set(_claim("C1"))], control_number=0)


def test_same_input_same_bytes() -> None:
    sets = SCENARIOS["several_sets"]
    first = _build(sets)
    assert _build(list(sets)) == first
    other = replace(sets[0], processed=date(2026, 11, 22))
    assert _build([other]) != first


# --- 2220D: rejected service lines ----------------------------------------------------------


def _line(code: str | None, **kw: object) -> LineAck:
    fields: dict[str, object] = {
        "qualifier": "HC",
        "procedure": code,
        "modifiers": (),
        "charge": "160",
        "revenue_code": None,
        "control_number": None,
        "service_from": date(2026, 11, 2),
        "service_to": date(2026, 11, 2),
        "statuses": (StatusCode("A7", "454"),),
    }
    fields.update(kw)
    return LineAck(**fields)  # type: ignore[arg-type]


def test_rejected_lines_get_a_2220d_loop_each() -> None:
    lines = (
        _line("ZZZZZ", modifiers=("25", "59"), control_number="LINE-2"),
        _line(
            None,
            qualifier="HC",
            revenue_code="0450",
            charge="75.5",
            service_to=date(2026, 11, 4),
            statuses=(StatusCode("A7", "455"), StatusCode("A7", "187", "QC")),
        ),
    )
    only_lines = _claim(
        "L1", False, charge="235.5", statuses=(StatusCode("A7", "454"),), lines=lines
    )
    ack = _check([_set(only_lines, _claim("C2"))])
    [root] = _roots(ack)
    [claim_loop] = [lp for lp in root.walk() if lp.id == "2200D" and _seg(lp, "TRN")[2] == "L1"]
    assert [s[1] for s in claim_loop.segments_of("STC")] == ["A7:454"]
    loops = claim_loop.loops_of("2220D")
    assert [[_seg(lp, "SVC")[i] for i in range(1, 5)] for lp in loops] == [
        ["HC:ZZZZZ:25:59", "160", "", ""],
        ["NU:0450", "75.5", "", "0450"],
    ]
    stcs = [_seg(lp, "STC") for lp in loops]
    assert [(s[1], s[2], s[3]) for s in stcs] == [
        ("A7:454", "20261121", "U"),
        ("A7:455", "20261121", "U"),
    ]
    assert stcs[1][10] == "A7:187:QC"
    assert [(s[1], s[2]) for lp in loops for s in lp.segments_of("REF")] == [("FJ", "LINE-2")]
    assert [[_seg(lp, "DTP")[i] for i in (1, 2, 3)] for lp in loops] == [
        ["472", "D8", "20261102"],
        ["472", "RD8", "20261102-20261104"],
    ]


def test_accepted_claims_have_no_line_loops() -> None:
    accepted = _claim("C1", lines=(_line("99213"),))
    ack = _check([_set(accepted)])
    assert b"SVC*" not in ack


def test_written_a_set_at_a_time_is_the_same_interchange() -> None:
    """A large file's 277CA is written set by set from stored rows: the same bytes."""
    sets = SCENARIOS["several_sets"]
    writer = Ack277Writer(
        sender_qualifier="ZZ",
        sender_id="MCPLAN01",
        receiver_qualifier="ZZ",
        receiver_id="SUBMITTER9856",
        control_number=42,
        now=NOW,
    )
    pieces = [writer.head(), *(writer.transaction_set(s) for s in sets), writer.tail()]
    assert len(sets) > 1 and writer.sets == len(sets)
    assert b"".join(pieces) == _build(list(sets))
    assert pieces[-1] == f"GE*{len(sets)}*42~\nIEA*1*000000042~\n".encode()
