"""Every rule of every shipped companion guide, shown firing on a minimally edited valid sample.

Each case edits one thing in a valid base file (``tests/x12_edit.py``, helpers in
``tests/guide_support.py``) and states where the rule must report: the segment (by selector,
in the edited file), the element, the claim or member, the severity and the SNIP level. The
same rule must stay silent on the unedited file and, where given, on a "clean" variant (the
same edit done right, e.g. an inserted provider with a valid NPI). Receipt dates are explicit
(the file's ISA09 unless a case says otherwise), so nothing depends on today. Rules that ask
the gateway's history get a fake ``history`` callable.

Broken guide files must fail to load with a clear ``GuideError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import x12_edit as x
from guide_support import (
    Edit,
    Segs,
    bad_npi,
    both,
    delete,
    eligible_except,
    good_npi,
    hcpcs_lists,
    ins,
    isa_date,
    originals_on_file,
    run_guide,
    run_segs,
    seen_claims,
    setel,
)

from mappings.codesets.catalog import CodeLists
from mappings.guides import Guide, GuideError, check_guide_file, list_guides, load_guide
from parsers import Finding, Level
from parsers.generate import generate_bytes

HistoryFn = Callable[..., bool | None]

# Business-unit ids in the base files.
P1, P2, P3, P4, P5 = (f"PCN26700003236{i}" for i in range(3, 8))
I1, I2, I3, I4 = (f"PCN15300088936{i}" for i in range(5, 9))
D1, D2, DEP = "PCN1001", "PCN1002", "PCN2001"
R1, R4 = "PCN283000597922", "PCN283000597925"
M1, M2, M3 = "97445419Q", "97469176F", "97485014B"  # REF*0F: members 1-3, 4-5, 6
DEPENDENT = "837d/837d_valid_dependent.x12"

BASE_837, BASE_834, BASE_835 = "x12-837-base", "x12-834-base", "x12-835-base"
MEDI_CAL, PLAN_834, PLAN_835 = (
    "medi-cal-encounters-837",
    "example-health-plan-834",
    "example-health-plan-835",
)
REJECT_FILE, REJECT_SET, REJECT_CLAIM, WARNING = (
    "reject_file",
    "reject_transaction",
    "reject_claim",
    "warning",
)


@dataclass(frozen=True)
class At:
    """One expected finding: reported on the nth ``sel`` of the edited file, for ``unit``."""

    sel: str
    nth: int = 1
    unit: str | None = None


NO_LINE = At("")  # a finding without a line (envelope values)


@dataclass(frozen=True)
class Case:
    guide: str
    rule: str
    base: str
    edit: Edit
    at: tuple[At, ...]
    element: str | None
    severity: str
    snip: int
    loop: str | None = None
    clean: Edit | None = None  # the same edit done right: the rule stays silent
    receipt: dt.date | None = None  # default: the base file's ISA09
    history: HistoryFn | None = None
    clean_history: HistoryFn | None = None
    tag: str = ""  # tells apart several cases of one rule
    value: str | None = None  # the finding's value, when worth pinning
    words: tuple[str, ...] = field(default=())  # text the message must contain
    lists: CodeLists | None = None  # imported code lists the guide judges with


def c(
    guide: str,
    rule: str,
    base: str,
    edit: Edit,
    at: At | tuple[At, ...],
    element: str | None,
    severity: str,
    snip: int,
    **kw: Any,
) -> Case:
    where = at if isinstance(at, tuple) else (at,)
    return Case(guide, rule, base, edit, where, element, severity, snip, **kw)


# --- edits that build COB loops, extra providers and big sets --------------------------------


def cob_837p(amt_d: str = "20", svd: str = "20", sbr01: str = "S") -> Edit:
    """Claim P4 (one $25 line) with another payer (2320/2330A/2330B) that paid $20 on the line
    (2430 SVD) after a $5 contractual adjustment."""
    return both(
        ins(
            "HI",
            f"SBR*{sbr01}*18*******MC",
            f"AMT*D*{amt_d}",
            "NM1*IL*1*ZELLANDO*EDUARDO****MI*OTH12345",
            "NM1*PR*2*OTHER HEALTH PLAN*****PI*OTHER1",
            nth=4,
        ),
        ins(
            "DTP*472", f"SVD*OTHER1*{svd}*HC:90471**1", "CAS*CO*45*5", "DTP*573*D8*20260920", nth=9
        ),
    )


def cob_837i(svd: str = "150") -> Edit:
    """Claim I1 (one $180 line) with another payer that paid $150 after a $30 adjustment."""
    return both(
        ins(
            "PRV*AT",
            "SBR*S*18*******MC",
            "AMT*D*150",
            "NM1*IL*1*FARNSWICK*DAVID****MI*OTH12345",
            "NM1*PR*2*OTHER HEALTH PLAN*****PI*OTHER1",
        ),
        ins("DTP*472", f"SVD*OTHER1*{svd}*HC:93005**1", "CAS*CO*45*30", "DTP*573*D8*20261205"),
    )


def cob_837d(svd: str = "150") -> Edit:
    """Claim D1 line 1 ($185) with another payer that paid $150 after a $35 adjustment."""
    return both(
        ins(
            "PRV*PE",
            "SBR*S*18*GRP9******CI",
            "AMT*D*150",
            "NM1*IL*1*SAMPLE*ALEX****MI*OTH12345",
            "NM1*PR*2*OTHER DENTAL PLAN*****PI*OTHER1",
        ),
        ins("TOO*JP*3", f"SVD*OTHER1*{svd}*AD:D2393**1", "CAS*CO*45*35", "DTP*573*D8*20240112"),
    )


def provider(after: str, entity: str, npi: str, *extra: str, nth: int = 1) -> Edit:
    """A provider NM1 (NM108 XX) inserted after the nth ``after``."""
    return ins(after, f"NM1*{entity}*1*PROVIDER*PAT****XX*{npi}", *extra, nth=nth)


def many_claims(n: int) -> Edit:
    """Claim P4 (CLM, HI, LX, SV1, DTP) repeated ``n`` more times with new CLM01 values."""

    def edit(s: Segs) -> Segs:
        i = x.find(s, "CLM", 4)
        block = s[i : i + 5]
        extra = [seg.replace(P4, f"PCNX{k:09d}") for k in range(n) for seg in block]
        return s[: i + 5] + extra + s[i + 5 :]

    return edit


def npi_case(
    rule: str, base: str, edit: Callable[[str], Edit], sel: str, unit: str, loop: str
) -> Case:
    return c(
        BASE_837,
        rule,
        base,
        edit(bad_npi()),
        At(sel, 1, unit),
        "NM109",
        REJECT_CLAIM,
        5,
        loop=loop,
        clean=edit(good_npi()),
        value=bad_npi(),
    )


def nothing(s: Segs) -> Segs:
    return s


FACILITY_ADDRESS = ("N3*1 MAIN ST", "N4*SAN DIEGO*CA*921041563")
OLD_STATEMENT = "20251101-20251101"
SECOND_TOOTH = ins("TOO*JP*3", "TOO*JP*4")


# --- the cases ----------------------------------------------------------------------------------
# One case per entry: guide, rule, base file, edit, where it fires (At: selector in the edited
# file, nth, claim/member), element, severity, SNIP level, then optional details.

# fmt: off
CASES_837_BASE = [
    # SNIP 3 balancing
    c(BASE_837, "B3-CLM02-SV1", "837P", setel("CLM", 1, 2, "313"),
      At("CLM", 1, P1), "CLM02", REJECT_CLAIM, 3, loop="2300", words=("313", "312.00", "1.00")),
    c(BASE_837, "R39-CLM02-SV2", "837I", setel("CLM", 1, 2, "181"),
      At("CLM", 1, I1), "CLM02", REJECT_CLAIM, 3, loop="2300", words=("181", "180.00")),
    c(BASE_837, "R39-CLM02-SV3", "837D", setel("CLM", 1, 2, "306"),
      At("CLM", 1, D1), "CLM02", REJECT_CLAIM, 3, loop="2300", words=("306", "305.00")),
    c(BASE_837, "B3-COB-PAID", "837P", cob_837p(amt_d="21"),
      At("AMT*D", 1, P4), "AMT02", REJECT_CLAIM, 3, loop="2320", clean=cob_837p(),
      words=("21", "20.00")),
    c(BASE_837, "B3-COB-LINE-SV1", "837P", cob_837p(svd="19"),
      At("SVD", 1, P4), "SVD02", REJECT_CLAIM, 3, loop="2430", clean=cob_837p(),
      words=("19", "20.00")),
    c(BASE_837, "B3-COB-LINE-SV2", "837I", cob_837i(svd="149"),
      At("SVD", 1, I1), "SVD02", REJECT_CLAIM, 3, loop="2430", clean=cob_837i(),
      words=("149", "150.00")),
    c(BASE_837, "B3-COB-LINE-SV3", "837D", cob_837d(svd="149"),
      At("SVD", 1, D1), "SVD02", REJECT_CLAIM, 3, loop="2430", clean=cob_837d(),
      words=("149", "150.00")),
    # SNIP 4 situational rules
    c(BASE_837, "R16-F8-required", "837P", setel("CLM", 1, "05-3", "7"),
      At("CLM", 1, P1), "REF02", REJECT_CLAIM, 4, loop="2300",
      clean=both(setel("CLM", 1, "05-3", "7"), ins("CLM", "REF*F8*2026927622516"))),
    c(BASE_837, "R16-F8-on-file", "837P",
      both(setel("CLM", 1, "05-3", "7"), ins("CLM", "REF*F8*EG0000000042")),
      At("REF*F8", 1, P1), "REF02", REJECT_CLAIM, 4, loop="2300", value="EG0000000042",
      history=originals_on_file(), clean_history=originals_on_file("EG0000000042"),
      clean=both(setel("CLM", 1, "05-3", "7"), ins("CLM", "REF*F8*EG0000000042")),
      words=("replacement", P1)),
    c(BASE_837, "R16-F8-forbidden", "837P", ins("CLM", "REF*F8*2026927622516"),
      At("REF*F8", 1, P1), "REF02", REJECT_CLAIM, 4, loop="2300", value="2026927622516",
      clean=both(setel("CLM", 1, "05-3", "8"), ins("CLM", "REF*F8*2026927622516"))),
    # distinct over */SBR01 meets the claim's own loops (2320) before its context (2000B), so
    # the subscriber's SBR is the one reported (see the report to the lead)
    c(BASE_837, "R21-payer-sequence", "837P", cob_837p(sbr01="P"),
      At("SBR", 3, P4), "SBR01", REJECT_CLAIM, 4, loop="2000B", clean=cob_837p(), value="P"),
    c(BASE_837, "B4-DMG-subscriber", "837P", delete("DMG"),
      At("CLM", 1, P1), "DMG02", REJECT_CLAIM, 4, loop="2010BA"),
    c(BASE_837, "B4-PRV-rendering", "837P", delete("PRV*PE"),
      At("CLM", 1, P1), "PRV03", WARNING, 4, loop="2310B"),
    c(BASE_837, "B4-DOS-future-line", "837P", setel("DTP*472", 1, 3, "20261008"),
      At("DTP*472", 1, P1), "DTP03", REJECT_CLAIM, 4, loop="2400",
      words=("2026-10-08", "2026-10-07")),
    c(BASE_837, "B4-DOS-future-claim", "837D", setel("DTP*472", 1, 3, "20240116"),
      At("DTP*472", 1, D1), "DTP03", REJECT_CLAIM, 4, loop="2300"),
    c(BASE_837, "B4-statement-future", "837I", setel("DTP*434", 1, 3, "20261213-20261213"),
      At("DTP*434", 1, I1), "DTP03", REJECT_CLAIM, 4, loop="2300"),
    # one finding per line date the birth date is after (four lines on claim P1)
    c(BASE_837, "B4-DOB-DOS-line", "837P", setel("DMG", 1, 2, "20260908"),
      At("DMG", 1, P1), "DMG02", REJECT_CLAIM, 4, loop="2010BA",
      words=("2026-09-08", "2026-09-07")),
    # the subscriber has two claims
    c(BASE_837, "B4-DOB-DOS-statement", "837I", setel("DMG", 1, 2, "20261201"),
      (At("DMG", 1, I1), At("DMG", 1, I2)), "DMG02", REJECT_CLAIM, 4, loop="2010BA"),
    c(BASE_837, "B4-DOB-DOS-claim", "837D", setel("DMG", 1, 2, "20240111"),
      At("DMG", 1, D1), "DMG02", REJECT_CLAIM, 4, loop="2010BA"),
    # the billing provider is context of every claim under it: one finding per claim
    c(BASE_837, "B4-ZIP9-billing", "837P", setel("N4", 1, 3, "92104"),
      tuple(At("N4", 1, p) for p in (P1, P2, P3, P4, P5)), "N403", REJECT_CLAIM, 4,
      loop="2010AA", value="92104"),
    c(BASE_837, "R27-ICD10-DOS-line", "837P", setel("DTP*472", 1, 3, "20150930"),
      At("DTP*472", 1, P1), "DTP03", REJECT_CLAIM, 4, loop="2400", words=("2015-09-30",)),
    c(BASE_837, "R27-ICD10-statement", "837I", setel("DTP*434", 1, 3, "20150930-20150930"),
      At("DTP*434", 1, I1), "DTP03", REJECT_CLAIM, 4, loop="2300"),
    c(BASE_837, "R27-ICD10-DOS-claim", "837D", setel("DTP*472", 1, 3, "20150930"),
      At("DTP*472", 1, D1), "DTP03", REJECT_CLAIM, 4, loop="2300"),
    # SNIP 5: NPI check digits
    c(BASE_837, "R30-NPI-85", "837P", setel("NM1*85", 1, 9, "1551312932"),
      tuple(At("NM1*85", 1, p) for p in (P1, P2, P3, P4, P5)), "NM109", REJECT_CLAIM, 5,
      loop="2010AA", value="1551312932"),
    c(BASE_837, "R30-NPI-82", "837P", setel("NM1*82", 1, 9, "1618117951"),
      At("NM1*82", 1, P1), "NM109", REJECT_CLAIM, 5, loop="2310B", value="1618117951"),
    c(BASE_837, "R30-NPI-71", "837I", setel("NM1*71", 1, 9, "2171116794"),
      At("NM1*71", 1, I1), "NM109", REJECT_CLAIM, 5, loop="2310A", value="2171116794"),
    npi_case("R30-NPI-72", "837I", lambda n: provider("PRV*AT", "72", n), "NM1*72", I1, "2310B"),
    npi_case("R30-NPI-ZZ", "837I", lambda n: provider("PRV*AT", "ZZ", n), "NM1*ZZ", I1, "2310C"),
    npi_case("R30-NPI-77", "837P", lambda n: provider("PRV*PE", "77", n, *FACILITY_ADDRESS),
             "NM1*77", P1, "2310C"),
    npi_case("R30-NPI-DN", "837P", lambda n: provider("HI", "DN", n), "NM1*DN", P1, "2310A"),
    npi_case("R30-NPI-P3", "837P", lambda n: provider("HI", "P3", n), "NM1*P3", P1, "2310A"),
    npi_case("R30-NPI-DQ", "837P", lambda n: provider("PRV*PE", "DQ", n), "NM1*DQ", P1, "2310D"),
    npi_case("R30-NPI-DD", "837D", lambda n: provider("PRV*PE", "DD", n), "NM1*DD", D1, "2310D"),
    npi_case("R30-NPI-DK", "837P", lambda n: provider("DTP*472", "DK", n), "NM1*DK", P1, "2420E"),
    npi_case("R30-NPI-QB", "837P", lambda n: provider("DTP*472", "QB", n), "NM1*QB", P1, "2420B"),
    # SNIP 5: diagnoses, procedures and other codes
    c(BASE_837, "R29-ICD10CM-format", "837P", setel("HI", 1, "01-2", "R10.9"),
      At("HI", 1, P1), "HI01", REJECT_CLAIM, 5, loop="2300", value="ABK:R10.9",
      words=("R10.9",)),
    c(BASE_837, "R28-ICD10CM-billable", "837P", setel("HI", 1, "01-2", "R10"),
      At("HI", 1, P1), "HI01", REJECT_CLAIM, 5, loop="2300", value="ABK:R10",
      words=("R10", "2026-09-07")),
    c(BASE_837, "B5-ICD10PCS-format", "837I", ins("HI*ABF", "HI*BBR:0DTJ4Z:D8:20261123"),
      At("HI*BBR", 1, I2), "HI01", REJECT_CLAIM, 5, loop="2300", words=("0DTJ4Z",),
      clean=ins("HI*ABF", "HI*BBR:0DTJ4ZZ:D8:20261123")),
    c(BASE_837, "B5-HCPCS-CPT-SV1", "837P", setel("SV1", 1, "01-2", "9920"),
      At("SV1", 1, P1), "SV101-2", REJECT_CLAIM, 5, loop="2400", value="9920"),
    c(BASE_837, "B5-HCPCS-CPT-SV2", "837I", setel("SV2", 1, "02-2", "9300"),
      At("SV2", 1, I1), "SV202-2", REJECT_CLAIM, 5, loop="2400", value="9300"),
    c(BASE_837, "R28-ICD10CM-release", "837P", lambda s: [
        seg.replace("D8*20260907", "D8*20261005") for seg in s],
      At("HI", 1, P1), "HI01", WARNING, 5, loop="2300", receipt=dt.date(2026, 10, 20),
      words=("ICD-10-CM FY2027", "edi-gateway codesets import icd10cm_order_2027.txt")),
    c(BASE_837, "B5-HCPCS-installed-SV1", "837P", setel("SV1", 1, "01-2", "J1885"),
      At("SV1", 1, P1), "SV101-2", WARNING, 5, loop="2400", words=("J1885", "CPT")),
    c(BASE_837, "B5-HCPCS-installed-SV2", "837I", setel("SV2", 1, "02-2", "J1885"),
      At("SV2", 1, I1), "SV202-2", WARNING, 5, loop="2400", words=("J1885", "CPT")),
    c(BASE_837, "B5-HCPCS-list-SV1", "837P", setel("SV1", 1, "01-2", "J0000"),
      At("SV1", 1, P1), "SV101-2", REJECT_CLAIM, 5, loop="2400",
      lists=hcpcs_lists(("J1885", None), ("J0000", dt.date(2025, 12, 31))),
      clean=setel("SV1", 1, "01-2", "J1885"), words=("J0000", "2026 January")),
    c(BASE_837, "B5-HCPCS-list-SV2", "837I", setel("SV2", 1, "02-2", "J0000"),
      At("SV2", 1, I1), "SV202-2", REJECT_CLAIM, 5, loop="2400",
      lists=hcpcs_lists(("J1885", None), ("J0000", dt.date(2025, 12, 31))),
      clean=setel("SV2", 1, "02-2", "J1885"), words=("J0000",)),
    c(BASE_837, "B7-NDC-SV1", "837P", setel("SV1", 1, "01-2", "J1885"),
      At("LX", 1, P1), "LIN03", REJECT_CLAIM, 7, loop="2410", words=("J1885", "NDC"),
      clean=both(setel("SV1", 1, "01-2", "J1885"),
                 ins("DTP*472", "LIN**N4*00409487801", "CTP****2*ML"))),
    c(BASE_837, "B7-NDC-SV1", "837P", both(setel("SV1", 1, "01-2", "J1885"),
                                           ins("DTP*472", "LIN**N4*409487801", "CTP****2*ML")),
      At("LIN", 1, P1), "LIN03", REJECT_CLAIM, 7, loop="2410", tag="short",
      value="409487801", words=("not 11 digits",)),
    c(BASE_837, "B7-NDC-qty-SV1", "837P", both(setel("SV1", 1, "01-2", "J1885"),
                                               ins("DTP*472", "LIN**N4*00409487801")),
      At("LX", 1, P1), "CTP04", REJECT_CLAIM, 7, loop="2410", words=("quantity",),
      clean=both(setel("SV1", 1, "01-2", "J1885"),
                 ins("DTP*472", "LIN**N4*00409487801", "CTP****2*ML"))),
    c(BASE_837, "B7-NDC-SV2", "837I", setel("SV2", 1, "02-2", "J1885"),
      At("LX", 1, I1), "LIN03", REJECT_CLAIM, 7, loop="2410", words=("J1885",),
      clean=both(setel("SV2", 1, "02-2", "J1885"),
                 ins("DTP*472", "LIN**N4*00409487801", "CTP****2*ML"))),
    c(BASE_837, "B7-NDC-qty-SV2", "837I", both(setel("SV2", 1, "02-2", "J1885"),
                                               ins("DTP*472", "LIN**N4*00409487801")),
      At("LX", 1, I1), "CTP04", REJECT_CLAIM, 7, loop="2410"),
    c(BASE_837, "B5-CDT-SV3", "837D", setel("SV3", 1, "01-2", "2393"),
      At("SV3", 1, D1), "SV301-2", REJECT_CLAIM, 5, loop="2400", value="2393"),
    c(BASE_837, "B5-POS-claim", "837P", setel("CLM", 1, "05-1", "30"),
      At("CLM", 1, P1), "CLM05-1", REJECT_CLAIM, 5, loop="2300", value="30"),
    c(BASE_837, "B5-POS-line", "837P", setel("SV1", 1, 5, "30"),
      At("SV1", 1, P1), "SV105", REJECT_CLAIM, 5, loop="2400", value="30"),
    c(BASE_837, "B5-type-of-bill", "837I", setel("CLM", 1, "05-1", "19"),
      At("CLM", 1, I1), "CLM05-1", REJECT_CLAIM, 5, loop="2300", value="19"),
    c(BASE_837, "B5-bill-frequency", "837I", setel("CLM", 1, "05-3", "6"),
      At("CLM", 1, I1), "CLM05-3", REJECT_CLAIM, 5, loop="2300", value="6"),
    c(BASE_837, "B5-revenue-code", "837I", setel("SV2", 1, 1, "0002"),
      At("SV2", 1, I1), "SV201", REJECT_CLAIM, 5, loop="2400", value="0002"),
    c(BASE_837, "R35-patient-status", "837I", setel("CL1", 1, 3, "08"),
      At("CL1", 1, I1), "CL103", REJECT_CLAIM, 5, loop="2300", value="08"),
    c(BASE_837, "R33-taxonomy-format", "837P", setel("PRV*PE", 1, 3, "207R0000"),
      At("PRV*PE", 1, P1), "PRV03", REJECT_CLAIM, 5, loop="2310B", value="207R0000"),
    c(BASE_837, "B5-state", "837P", setel("N4", 2, 2, "XX"),
      At("N4", 2, P1), "N402", REJECT_CLAIM, 5, loop="2010BA", value="XX"),
    c(BASE_837, "B5-zip", "837P", setel("N4", 2, 3, "9580"),
      At("N4", 2, P1), "N403", REJECT_CLAIM, 5, loop="2010BA", value="9580"),
    # SNIP 6
    c(BASE_837, "B6-admission-date", "837I", delete("DTP*435"),
      At("CLM", 2, I2), "DTP03", REJECT_CLAIM, 6, loop="2300"),
    c(BASE_837, "B6-prosthesis-date", DEPENDENT, delete("DTP*441"),
      At("LX", 2, DEP), "DTP03", REJECT_CLAIM, 6, loop="2400"),
    c(BASE_837, "B6-tooth-count", "837D", both(setel("SV3", 1, 6, "2"), SECOND_TOOTH),
      At("TOO", 2, D1), "TOO", REJECT_CLAIM, 6, loop="2400", words=("2",), clean=SECOND_TOOTH),
    c(BASE_837, "B6-predetermination-dates", "837D", setel("CLM", 1, 19, "PB"),
      At("DTP*472", 1, D1), "DTP03", REJECT_CLAIM, 6, loop="2300", value="20240110"),
]

CASES_835_BASE = [
    c(BASE_835, "R40-BPR-balance", "835", setel("BPR", 1, 2, "575.73"),
      At("BPR", 1), "BPR02", REJECT_SET, 3, loop=None, words=("575.73", "575.72")),
    c(BASE_835, "R41-claim-balance", "835", setel("CLP", 1, 4, "292.12"),
      At("CLP", 1, R1), "CLP03", REJECT_SET, 3, loop="2100", words=("394", "394.01")),
    c(BASE_835, "R41-line-balance", "835", setel("SVC", 1, 3, "122.4"),
      At("SVC", 1, R1), "SVC02", REJECT_SET, 3, loop="2110", words=("175", "174.90")),
    c(BASE_835, "R37-CARC", "835", setel("CAS", 1, 2, "999"),
      At("CAS", 1, R1), "CAS02", WARNING, 5, loop="2110", value="999"),
    c(BASE_835, "R37-RARC-LQ", "835", setel("LQ", 1, 2, "N9999"),
      At("LQ", 1, R4), "LQ02", WARNING, 5, loop="2110", value="N9999"),
    c(BASE_835, "R37-RARC-MOA", "835", ins("NM1*QC", "MOA***M999"),
      At("MOA", 1, R1), "MOA03", WARNING, 5, loop="2100", value="M999",
      clean=ins("NM1*QC", "MOA***MA01")),
]

CASES_834_BASE = [
    c(BASE_834, "R48-maintenance-type", "834", setel("INS", 1, 3, "002"),
      At("INS", 1, M1), "INS03", REJECT_CLAIM, 2, loop="2000", value="002"),
    c(BASE_834, "R50-termination-end-date", "834", setel("INS", 1, 3, "024"),
      At("INS", 1, M1), "DTP03", REJECT_CLAIM, 7, loop="2300",
      clean=both(setel("INS", 1, 3, "024"), ins("DTP*356", "DTP*357*D8*20260331"))),
    c(BASE_834, "R50-coverage-end-order", "834", setel("DTP*349", 1, 3, "20260101"),
      At("DTP*349", 1, M2), "DTP03", REJECT_CLAIM, 7, loop="2300",
      words=("2026-01-01", "2026-02-01")),
    c(BASE_834, "R50-eligibility-end-order", "834", ins("DTP*356", "DTP*357*D8*20260101"),
      At("DTP*357", 1, M1), "DTP03", REJECT_CLAIM, 7, loop="2000",
      clean=ins("DTP*356", "DTP*357*D8*20260331")),
    c(BASE_834, "R30-NPI-PCP", "834", setel("NM1*P3", 1, 9, "2166156425"),
      At("NM1*P3", 1, M1), "NM109", REJECT_CLAIM, 5, loop="2310", value="2166156425"),
]

TERMINATED = both(setel("INS", 1, 3, "024"), setel("INS", 1, 4, "07"))
ALL_MEMBERS = tuple(At("INS", n, m) for n, m in enumerate((M1, M1, M1, M2, M2, M3), 1))

CASES_834_PLAN = [
    c(PLAN_834, "R43-CIN-0F", "834", setel("REF*0F", 1, 2, "12345678"),
      At("REF*0F", 1, "12345678"), "REF02", REJECT_CLAIM, 7, loop="2000", value="12345678"),
    c(PLAN_834, "R43-CIN-23", "834", setel("REF*23", 1, 2, "97453338"),
      At("REF*23", 1, M1), "REF02", REJECT_CLAIM, 7, loop="2000", value="97453338"),
    c(PLAN_834, "R47-full-file", "834", setel("BGN", 1, 8, "4"),
      At("BGN", 1, None), "BGN08", WARNING, 7, loop="HEADER", value="4"),
    c(PLAN_834, "R48-change-file", "834", setel("INS", 1, 3, "030"),
      At("INS", 1, M1), "INS03", WARNING, 7, loop="2000", value="030"),
    c(PLAN_834, "R48-full-file", "834", setel("BGN", 1, 8, "RX"),
      ALL_MEMBERS, "INS03", WARNING, 7, loop="2000", value="021"),
    c(PLAN_834, "R49-termination-reason", "834", setel("INS", 1, 3, "024"),
      At("INS", 1, M1), "INS04", WARNING, 7, loop="2000", clean=TERMINATED, value="28"),
    c(PLAN_834, "R49-addition-reason", "834", setel("INS", 1, 4, "25"),
      At("INS", 1, M1), "INS04", WARNING, 7, loop="2000", value="25"),
    c(PLAN_834, "R49-change-reason", "834", setel("INS", 1, 3, "001"),
      At("INS", 1, M1), "INS04", WARNING, 7, loop="2000", value="28",
      clean=both(setel("INS", 1, 3, "001"), setel("INS", 1, 4, "25"))),
    c(PLAN_834, "R50-retro-termination", "834",
      both(TERMINATED, ins("DTP*348", "DTP*349*D8*20251031")),
      At("DTP*349", 1, M1), "DTP03", WARNING, 7, loop="2300", words=("2025-10-31", "118 days"),
      clean=both(TERMINATED, ins("DTP*348", "DTP*349*D8*20260228"))),
]

RENDERING_835 = "NM1*82*1*DOC*JANE****XX*"

CASES_835_PLAN = [
    c(PLAN_835, "R30-payee-NPI", "835", setel("N1*PE", 1, 4, "1677328135"),
      At("N1*PE", 1, None), "N104", REJECT_SET, 5, loop="1000B", value="1677328135"),
    c(PLAN_835, "R30-rendering-NPI", "835", ins("NM1*QC", RENDERING_835 + bad_npi()),
      At("NM1*82", 1, R1), "NM109", WARNING, 5, loop="2100", value=bad_npi(),
      clean=ins("NM1*QC", RENDERING_835 + good_npi())),
    c(PLAN_835, "R44-patient-id", "835", setel("NM1*QC", 1, 9, "A1234567"),
      At("NM1*QC", 1, R1), "NM109", WARNING, 7, loop="2100", value="A1234567"),
]

CASES_MEDI_CAL = [
    # envelope values carry no segment: these findings have no line (see the report)
    c(MEDI_CAL, "R03-GS02", "837P", setel("GS", 1, 2, "OTHERSUB"),
      NO_LINE, "GS02", REJECT_FILE, 7, value="OTHERSUB", words=("SUBMITTER9856",)),
    c(MEDI_CAL, "R04-ISA08", "837P", setel("ISA", 1, 8, "OTHERPLAN      "),
      NO_LINE, "ISA08", REJECT_FILE, 7, value="OTHERPLAN"),
    c(MEDI_CAL, "R04-GS03", "837P", setel("GS", 1, 3, "OTHERPLAN"),
      NO_LINE, "GS03", REJECT_FILE, 7, value="OTHERPLAN"),
    c(MEDI_CAL, "R10-claims-per-set", "837P", many_claims(4996),
      At("ST"), None, REJECT_SET, 7, clean=many_claims(4995), words=("5001", "5000")),
    c(MEDI_CAL, "R15-duplicate-claim", "837P", setel("CLM", 2, 1, P1),
      At("CLM", 2, P1), "CLM01", REJECT_CLAIM, 7, loop="2300", tag="in-file",
      words=("earlier in this file",),
      clean=both(setel("CLM", 2, 1, P1), setel("CLM", 2, "05-3", "7"))),
    c(MEDI_CAL, "R15-duplicate-claim", "837P", nothing,
      At("CLM", 3, P3), "CLM01", REJECT_CLAIM, 7, loop="2300", tag="history",
      history=seen_claims(P3), clean_history=seen_claims(), words=("in an earlier file",)),
    c(MEDI_CAL, "R17-frequency", "837P", setel("CLM", 1, "05-3", "5"),
      At("CLM", 1, P1), "CLM05-3", REJECT_CLAIM, 7, loop="2300", value="5"),
    c(MEDI_CAL, "R22-lag-line", "837P", setel("DTP*472", 1, 3, "20260701"),
      At("DTP*472", 1, P1), "DTP03", WARNING, 7, loop="2400", words=("98 days",)),
    c(MEDI_CAL, "R22-lag-statement", "837I", setel("DTP*434", 1, 3, "20260801-20260801"),
      At("DTP*434", 1, I1), "DTP03", WARNING, 7, loop="2300", words=("133 days",)),
    c(MEDI_CAL, "R25-delay-reason-line", "837P", setel("DTP*472", 1, 3, "20250901"),
      At("DTP*472", 1, P1), "DTP03", REJECT_CLAIM, 7, loop="2400",
      clean=both(setel("DTP*472", 1, 3, "20250901"), setel("CLM", 1, 20, "1"))),
    c(MEDI_CAL, "R25-delay-reason-statement", "837I", setel("DTP*434", 1, 3, OLD_STATEMENT),
      At("DTP*434", 1, I1), "DTP03", REJECT_CLAIM, 7, loop="2300",
      clean=both(setel("DTP*434", 1, 3, OLD_STATEMENT), setel("CLM", 1, 20, "1"))),
    c(MEDI_CAL, "R26-no-ICD9", "837P", setel("HI", 1, "02-1", "BF"),
      At("HI", 1, P1), "HI02", REJECT_CLAIM, 7, loop="2300", value="BF:J209"),
    c(MEDI_CAL, "R29-no-dot", "837P", setel("HI", 1, "02-2", "J20.9"),
      At("HI", 1, P1), "HI02", REJECT_CLAIM, 7, loop="2300", value="ABF:J20.9"),
    c(MEDI_CAL, "R31-local-codes-SV1", "837P", setel("SV1", 1, "01-2", "Z1234"),
      At("SV1", 1, P1), "SV101-2", REJECT_CLAIM, 7, loop="2400", value="Z1234"),
    c(MEDI_CAL, "R31-local-codes-SV2", "837I", setel("SV2", 1, "02-2", "X1234"),
      At("SV2", 1, I1), "SV202-2", REJECT_CLAIM, 7, loop="2400", value="X1234"),
    c(MEDI_CAL, "R36-zero-charge", "837P", setel("CLM", 4, 2, "0"),
      At("CLM", 4, P4), "CLM02", REJECT_CLAIM, 7, loop="2300", value="0",
      clean=both(setel("CLM", 4, 2, "0"), setel("BHT", 1, 6, "RP"))),
    c(MEDI_CAL, "R43-CIN", "837P", setel("NM1*IL", 1, 9, "96994177"),
      At("NM1*IL", 1, P1), "NM109", REJECT_CLAIM, 7, loop="2010BA", value="96994177"),
    c(MEDI_CAL, "R46-eligible-line", "837P", nothing,
      At("NM1*IL", 1, P1), "NM109", WARNING, 7, loop="2010BA",
      history=eligible_except("96994177R"), clean_history=eligible_except(),
      words=("96994177R", "2026-09-07")),
    # the member has two claims
    c(MEDI_CAL, "R46-eligible-statement", "837I", nothing,
      (At("NM1*IL", 1, I1), At("NM1*IL", 1, I2)), "NM109", WARNING, 7, loop="2010BA",
      history=eligible_except("98516904M"), clean_history=eligible_except(),
      words=("98516904M", "2026-11-")),
]
# fmt: on

CASES = [
    *CASES_837_BASE,
    *CASES_835_BASE,
    *CASES_834_BASE,
    *CASES_834_PLAN,
    *CASES_835_PLAN,
    *CASES_MEDI_CAL,
]
_LEVEL = {
    "file": Level.INTERCHANGE,
    "set": Level.TRANSACTION,
    "claim": Level.CLAIM,
    "line": Level.CLAIM,
}


def _case_id(case: Case) -> str:
    return f"{case.guide}:{case.rule}" + (f":{case.tag}" if case.tag else "")


def _segs(case: Case) -> tuple[Segs, Segs]:
    base = x.load(case.base)
    return base, case.edit(base)


def _receipt(case: Case, base: Segs) -> dt.date:
    return case.receipt or isa_date(x.dump(base))


def _fired(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_fires_where_the_edit_is(case: Case) -> None:
    guide = load_guide(case.guide)
    rule = next(r for r in guide.rules if r.id == case.rule)
    base, edited = _segs(case)
    found = _fired(
        run_segs(guide, edited, _receipt(case, base), case.history, case.lists), case.rule
    )
    want = sorted((x.line_of(edited, a.sel, a.nth) if a.sel else 0, a.unit) for a in case.at)
    got = sorted((f.line or 0, f.claim_id or f.member_id) for f in found)
    assert got == want, [f.message for f in found]
    for f in found:
        assert f.code == f.rule_id == case.rule
        assert f.guide == case.guide
        assert f.element == case.element
        assert f.severity.value == case.severity == rule.severity
        assert f.snip_level == case.snip == rule.snip
        assert f.level is _LEVEL[rule.scope]
        assert f.fix == rule.fix
        if case.loop is not None:
            assert f.loop == case.loop
        if case.value is not None:
            assert f.value == case.value
        assert "{" not in f.message and "}" not in f.message, f.message
        for word in case.words:
            assert word in f.message, f.message
        unit = f.claim_id or f.member_id
        if rule.scope in ("claim", "line"):
            assert unit is not None
            assert (f.member_id is not None) == (case.guide in (BASE_834, PLAN_834))
        else:
            assert unit is None


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_is_silent_on_the_unedited_file(case: Case) -> None:
    guide = load_guide(case.guide)
    base, _ = _segs(case)
    history = case.clean_history or case.history
    receipt = _receipt(case, base)
    assert _fired(run_segs(guide, base, receipt, history, case.lists), case.rule) == []
    if case.clean is not None:
        clean = case.clean(base)
        assert _fired(run_segs(guide, clean, receipt, history, case.lists), case.rule) == []


def test_every_rule_of_every_guide_has_a_case() -> None:
    have = {(case.guide, case.rule) for case in CASES}
    want = {(name, r.id) for name in list_guides() for r in load_guide(name).rules}
    assert want - have == set(), "rules without a test case"
    assert have - want == set(), "cases for rules that do not exist"


def test_the_guides_cover_at_least_thirty_reference_rules() -> None:
    import re

    # a rule of the reference is named in the rule's id (R22-lag-line) or in the label of
    # a citation (its sources are URLs a reader opens)
    covered = {
        m
        for name in list_guides()
        for r in load_guide(name).rules
        for m in re.findall(r"\bR\d\d\b", f"{r.id.split('-')[0]} {r.source}")
    }
    assert len(covered) >= 30, sorted(covered)


def test_rules_that_reject_claims_say_what_to_put_in_the_277ca() -> None:
    for name in list_guides():
        guide = load_guide(name)
        if not set(guide.transactions) & {"837P", "837I", "837D"}:
            continue
        for r in guide.rules:
            if r.scope in ("claim", "line"):
                assert r.stc is not None and r.stc["category"] in ("A3", "A6", "A7", "A8"), r.id


def test_every_rule_has_words_for_the_billing_office() -> None:
    for name in list_guides():
        for r in load_guide(name).rules:
            assert r.title != r.id and r.message and r.fix and r.source, (name, r.id)


# --- valid files pass -------------------------------------------------------------------------

VALID = {
    "837P": ["837P", "837p/837p_valid_multi_st.x12"],
    "837I": ["837I"],
    "837D": ["837D", DEPENDENT],
    "834": ["834"],
    "835": ["835"],
}
GENERATED = {"837P": "837p", "837I": "837i", "837D": "837d", "834": "834", "835": "835"}


def _guide_samples() -> list[tuple[str, str]]:
    return [
        (name, sample)
        for name in list_guides()
        for t in load_guide(name).transactions
        for sample in [*VALID[t], f"generated:{GENERATED[t]}"]
    ]


@pytest.mark.parametrize(("name", "sample"), _guide_samples())
def test_valid_files_pass_every_rule(name: str, sample: str) -> None:
    if sample.startswith("generated:"):
        data = generate_bytes(sample.split(":")[1], 40, seed=3)
    else:
        data = x.dump(x.load(sample))
    guide = load_guide(name)
    # what the gateway has installed (list_installed: a release not installed for services
    # after the newest one) is not the file's doing
    about_lists = {r.id for r in guide.rules if r.kind == "list_installed"}
    found = run_guide(guide, data, isa_date(data), eligible_except())
    assert [(f.rule_id, f.line, f.message) for f in found if f.rule_id not in about_lists] == []


def test_eligibility_is_asked_for_the_first_date_of_service() -> None:
    asked: list[dict[str, str]] = []

    def history(question: str, **args: str) -> bool | None:
        asked.append({"question": question, **args})
        return True

    segs = setel("DTP*472", 2, 3, "20260901")(x.load("837P"))
    run_segs(load_guide(MEDI_CAL), segs, dt.date(2026, 10, 7), history)
    first = next(a for a in asked if a["question"] == "member_eligible")
    assert first == {"question": "member_eligible", "member_id": "96994177R", "date": "2026-09-01"}


def test_guides_serve_their_receivers() -> None:
    from mappings.guides import guide_for_receiver

    assert guide_for_receiver("GPHP1EDI", "837P") == load_guide(MEDI_CAL)
    assert guide_for_receiver("DHCS", "837I") == load_guide(MEDI_CAL)
    assert guide_for_receiver("GPHP1EDI", "834") == load_guide(PLAN_834)
    assert guide_for_receiver("DHCS", "837D") is None
    assert {n for n in list_guides() if load_guide(n).base} == {BASE_834, BASE_835, BASE_837}


# --- broken guide files -----------------------------------------------------------------------

GOOD_RULE = """\
  - id: T1
    title: Claim total is not zero
    snip: 7
    severity: reject_claim
    scope: claim
    kind: pattern
    params: {field: 2300/CLM02, regex: '[1-9].*'}
    message: "CLM02 {value} is zero"
    fix: Report the charge.
"""


def _guide_text(name: str = "broken", rule: str = GOOD_RULE, head: str = "") -> str:
    return (
        f"guide: {name}\ntitle: A test guide\nversion: '1'\ntransactions: [837P]\n{head}"
        f"rules:\n{rule}"
    )


BROKEN = [
    (
        "unknown-kind",
        _guide_text(rule=GOOD_RULE.replace("kind: pattern", "kind: regex")),
        "unknown rule kind 'regex'",
    ),
    (
        "bad-reference",
        _guide_text(rule=GOOD_RULE.replace("2300/CLM02", "2300-CLM02")),
        "'2300-CLM02' is not a value reference",
    ),
    (
        "envelope-element-not-read",
        _guide_text(rule=GOOD_RULE.replace("2300/CLM02", "ISA/09")),
        "'ISA/09' is not an envelope value guides can read; use ISA/06, ISA/08, ISA/13",
    ),
    (
        "bad-when",
        _guide_text(rule=GOOD_RULE + "    when: {field: CLM05-3, in: ['7']}\n"),
        "'CLM05-3' is not a value reference",
    ),
    (
        "missing-message",
        _guide_text(rule=GOOD_RULE.replace('    message: "CLM02 {value} is zero"\n', "")),
        "missing required key 'message'",
    ),
    (
        "missing-param",
        _guide_text(rule=GOOD_RULE.replace("field: 2300/CLM02, ", "")),
        "params for kind pattern: \"missing 'field'\"",
    ),
    (
        "missing-rules",
        "guide: broken\ntitle: A test guide\nversion: '1'\ntransactions: [837P]\n",
        "missing required key 'rules'",
    ),
    (
        "name-mismatch",
        _guide_text(name="another-name"),
        "guide name 'another-name' must equal the file name 'broken'",
    ),
    (
        "bad-severity",
        _guide_text(rule=GOOD_RULE.replace("reject_claim", "deny")),
        "severity must be one of",
    ),
    (
        "bad-scope",
        _guide_text(rule=GOOD_RULE.replace("scope: claim", "scope: member")),
        "scope must be one of",
    ),
    (
        "bad-snip",
        _guide_text(rule=GOOD_RULE.replace("snip: 7", "snip: 9")),
        "snip must be a WEDI SNIP level",
    ),
    ("unknown-key", _guide_text(rule=GOOD_RULE + "    level: 7\n"), "unknown keys ['level']"),
    ("bad-transaction", _guide_text().replace("[837P]", "[837X]"), "transactions must be"),
    ("duplicate-id", _guide_text(rule=GOOD_RULE + GOOD_RULE), "rule ids must be unique: ['T1']"),
    (
        "bad-stc",
        _guide_text(rule=GOOD_RULE + "    stc: {status: '21'}\n"),
        "stc needs at least a category",
    ),
    (
        "bad-threshold",
        _guide_text(head="acceptance_threshold: 95\n"),
        "acceptance_threshold is a share between 0 and 1",
    ),
    ("bad-date", _guide_text(head="effective: {from: '2026-13-01'}\n"), "is not a date"),
    (
        "bad-check",
        _guide_text(
            rule=GOOD_RULE.replace("kind: pattern", "kind: format").replace(
                "regex: '[1-9].*'", "check: luhn"
            )
        ),
        "check must be one of",
    ),
    (
        "bad-days",
        _guide_text(
            rule=GOOD_RULE.replace("kind: pattern", "kind: date_window").replace(
                "regex: '[1-9].*'", "max_days_before_receipt: soon"
            )
        ),
        "max_days_before_receipt must be a number of days, got 'soon'",
    ),
    (
        "bad-not-before",
        _guide_text(
            rule=GOOD_RULE.replace("kind: pattern", "kind: date_window").replace(
                "regex: '[1-9].*'", "not_before: '2015-10-32'"
            )
        ),
        "not_before must be a date (YYYY-MM-DD), got '2015-10-32'",
    ),
    ("not-yaml", "guide: broken\nrules: [\n", "not valid YAML"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in BROKEN], ids=[i for i, _, _ in BROKEN]
)
def test_broken_guide_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(GuideError) as err:
        check_guide_file(path)
    assert expected in str(err.value)
    assert str(err.value).startswith("broken.yaml")


def test_a_good_test_guide_loads(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(_guide_text())
    guide: Guide = check_guide_file(path)
    assert [r.id for r in guide.rules] == ["T1"]


def test_shipped_guides_load_and_check() -> None:
    for name in list_guides():
        guide = load_guide(name)
        assert guide.path is not None
        assert check_guide_file(guide.path).rules == guide.rules
