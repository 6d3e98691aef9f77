"""Twenty kinds of business-rule defect injected into a generated 837P, one per claim.

A 60-claim 837P is generated with a fixed seed; each of 20 defect kinds is injected into a
different claim by editing the text of that claim's own segments (its 2300/2310/2400 loops,
or its subscriber loop when the subscriber has no other claim), and the other 40 claims are
left as generated. The base guide (x12-837-base) and the Medi-Cal encounter guide then run
over the file with the file's own ISA09 date as the receipt date, so nothing depends on today.

Every defective claim must get a finding of the expected rule, at the expected segment (line)
and element, for that claim; a few edits necessarily trip a second rule too (a date of service
before 2015 is also more than a year old), listed as ``also``. The clean claims get no finding
at all, and SNIP 1-2 still accepts the file: every defect here is a business rule only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import x12_edit as x
from guide_support import Segs, bad_npi, isa_date, run_evaluator

from mappings.guides import GuideChecks, load_guide
from parsers import Finding, Severity, validate
from parsers.generate import generate_bytes

CLAIMS, SEED = 60, 11
MEDI_CAL = "medi-cal-encounters-837"


# --- the claims of the generated file ---------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One 2300 loop: ``start`` is its first owned segment (its subscriber HL when it is the
    subscriber's first claim), ``clm`` its CLM, ``end`` one past its last segment."""

    ordinal: int
    start: int
    clm: int
    end: int
    billing: int  # index of its billing provider HL (HL*..*20)
    alone: bool  # the only claim of its subscriber: subscriber segments are its own
    rendering: bool  # has a 2310B rendering provider (NM1*82 and PRV*PE)


def find_claims(segs: Segs) -> list[Claim]:
    ids = [x.seg_id(s) for s in segs]
    clms = [i for i, sid in enumerate(ids) if sid == "CLM"]
    out: list[Claim] = []
    for n, clm in enumerate(clms):
        end = clm + 1
        while ids[end] not in ("CLM", "HL", "SE"):
            end += 1
        hl = max(i for i in range(clm) if ids[i] == "HL")
        billing = max(i for i in range(clm) if segs[i].endswith("*20*1"))
        first = not any(hl < i < clm for i in clms)
        alone = first and ids[end] != "CLM"
        rendering = any(segs[i].startswith("NM1*82*") for i in range(clm, end))
        out.append(Claim(n, hl if first else clm, clm, end, billing, alone, rendering))
    return out


# --- defects ------------------------------------------------------------------------------------

#: an edit of one claim: the edited file and the index of the segment at fault
Inject = Callable[[Segs, Claim], tuple[Segs, int]]


def _at(segs: Segs, c: Claim, sel: str, *, subscriber: bool = False) -> int:
    i = x.find(segs, sel, 1, after=(c.start if subscriber else c.clm) - 1)
    assert i < c.end, f"{sel} not in claim {c.ordinal}"
    return i


def setting(sel: str, ref: str | int, value: str | Callable[[str], str], **kw: bool) -> Inject:
    """Element ``ref`` of the claim's first ``sel`` set to ``value`` (or ``value(old)``)."""

    def inject(segs: Segs, c: Claim) -> tuple[Segs, int]:
        i = _at(segs, c, sel, **kw)
        new = value(x.get_element(segs, i, 1, ref)) if callable(value) else value
        return x.set_element(segs, i, 1, ref, new), i

    return inject


def inserting_before(sel: str, text: str) -> Inject:
    def inject(segs: Segs, c: Claim) -> tuple[Segs, int]:
        i = _at(segs, c, sel)
        return x.insert_segment(segs, i, text, before=True), i

    return inject


def inserting_after(sel: str, text: str) -> Inject:
    def inject(segs: Segs, c: Claim) -> tuple[Segs, int]:
        i = _at(segs, c, sel)
        return x.insert_segment(segs, i, text), i + 1

    return inject


def deleting_dmg(segs: Segs, c: Claim) -> tuple[Segs, int]:
    # A missing segment is reported on the claim itself (its CLM), one segment earlier now.
    i = _at(segs, c, "DMG", subscriber=True)
    return x.delete_segment(segs, i), c.clm - 1


def unbalancing(segs: Segs, c: Claim) -> tuple[Segs, int]:
    return setting("CLM", 2, lambda v: str(Decimal(v) + 1))(segs, c)


def duplicating_clm01(segs: Segs, c: Claim) -> tuple[Segs, int]:
    # The first claim of the file (always clean, same billing provider) keeps its number.
    first = x.get_element(segs, "CLM", 1, 1)
    return setting("CLM", 1, first)(segs, c)


def _days_before_receipt(days: int) -> Callable[[str], str]:
    return lambda _old: (RECEIPT - dt.timedelta(days=days)).strftime("%Y%m%d")


@dataclass(frozen=True)
class Defect:
    name: str
    rule_id: str
    element: str
    inject: Inject
    needs: str = ""  # "alone", "rendering" or "first_billing" (see Claim)
    also: frozenset[str] = field(default_factory=frozenset)
    segment: str | None = None  # the finding's segment id, when not the one at ``index``
    snip12: bool = False  # an invalid code value: a SNIP 2 error as well


GENERATED = generate_bytes("837p", CLAIMS, SEED)
RECEIPT = isa_date(GENERATED)
BAD_NPI = bad_npi("123456789")

DEFECTS = [
    Defect("claim total out of balance", "B3-CLM02-SV1", "CLM02", unbalancing),
    Defect(
        "rendering NPI check digit",
        "R30-NPI-82",
        "NM109",
        setting("NM1*82", 9, BAD_NPI),
        needs="rendering",
    ),
    Defect(
        "referring NPI check digit",
        "R30-NPI-DN",
        "NM109",
        inserting_after("HI", f"NM1*DN*1*QUILLMORE*ROSA****XX*{BAD_NPI}"),
    ),
    Defect(
        "diagnosis with a dot",
        "R29-no-dot",
        "HI01",
        setting("HI", "01-2", "J06.9"),
        # a dotted code is not ICD-10-CM shaped either (base guide)
        also=frozenset({"R29-ICD10CM-format"}),
    ),
    Defect(
        "diagnosis not ICD-10 shaped",
        "R29-ICD10CM-format",
        "HI01",
        setting("HI", "01-2", "4019"),
        # nor, then, a billable ICD-10-CM code on the date of service (base guide)
        also=frozenset({"R28-ICD10CM-billable"}),
    ),
    Defect("ICD-9 qualifier", "R26-no-ICD9", "HI01", setting("HI", "01-1", "BK")),
    Defect("procedure code shape", "B5-HCPCS-CPT-SV1", "SV101-2", setting("SV1", "01-2", "9920")),
    Defect(
        "Medi-Cal local code",
        "R31-local-codes-SV1",
        "SV101-2",
        setting("SV1", "01-2", "Z1234"),
        # W-Z codes are not national HCPCS either (base guide)
        also=frozenset({"B5-HCPCS-CPT-SV1"}),
    ),
    Defect(
        "claim place of service",
        "B5-POS-claim",
        "CLM05-1",
        setting("CLM", "05-1", "30"),
        snip12=True,
    ),
    Defect("claim frequency 5", "R17-frequency", "CLM05-3", setting("CLM", "05-3", "5")),
    Defect(
        "replacement without REF*F8",
        "R16-F8-required",
        "REF02",
        setting("CLM", "05-3", "7"),
        segment="REF",  # missing: reported on the claim's CLM line, naming the REF
    ),
    Defect(
        "REF*F8 on an original claim",
        "R16-F8-forbidden",
        "REF02",
        inserting_before("HI", "REF*F8*ORIG0001234"),
    ),
    Defect(
        "subscriber DMG missing",
        "B4-DMG-subscriber",
        "DMG02",
        deleting_dmg,
        needs="alone",
        segment="DMG",  # missing: reported on the claim's CLM line, naming the DMG
    ),
    Defect(
        "birth date after service",
        "B4-DOB-DOS-line",
        "DMG02",
        setting("DMG", 2, _days_before_receipt(-30), subscriber=True),
        needs="alone",
    ),
    Defect(
        "subscriber id not a CIN",
        "R43-CIN",
        "NM109",
        setting("NM1*IL", 9, "91234567890123", subscriber=True),
        needs="alone",
    ),
    Defect(
        "subscriber state code",
        "B5-state",
        "N402",
        setting("N4", 2, "XX", subscriber=True),
        needs="alone",
        snip12=True,
    ),
    Defect(
        "rendering taxonomy shape",
        "R33-taxonomy-format",
        "PRV03",
        setting("PRV*PE", 3, "207Q0000"),
        needs="rendering",
    ),
    Defect(
        "ICD-10 before 2015-10-01",
        "R27-ICD10-DOS-line",
        "DTP03",
        setting("DTP*472", 3, "20150930"),
        # the same date is also years old: no delay reason (R25) and a late encounter (R22)
        also=frozenset({"R25-delay-reason-line", "R22-lag-line"}),
    ),
    Defect(
        "service over a year old, no delay reason",
        "R25-delay-reason-line",
        "DTP03",
        setting("DTP*472", 3, _days_before_receipt(400)),
        also=frozenset({"R22-lag-line"}),
    ),
    Defect(
        "duplicate CLM01",
        "R15-duplicate-claim",
        "CLM01",
        duplicating_clm01,
        needs="first_billing",
    ),
]


# --- the file -----------------------------------------------------------------------------------


@dataclass
class Injected:
    defect: Defect
    claim: Claim
    index: int  # segment at fault, in the final file

    @property
    def line(self) -> int:
        return self.index + 1


def assign(claims: list[Claim], defects: list[Defect]) -> list[tuple[Defect, Claim]]:
    """Each defect to its own claim: every third claim first, never the first claim."""
    order = sorted(claims[1:], key=lambda c: (c.ordinal % 3 != 1, c.ordinal))
    used: set[int] = set()
    out = []
    for d in defects:
        for c in order:
            if c.ordinal in used:
                continue
            if d.needs == "alone" and not c.alone:
                continue
            if d.needs == "rendering" and not c.rendering:
                continue
            if d.needs == "first_billing" and c.billing != claims[0].billing:
                continue
            used.add(c.ordinal)
            out.append((d, c))
            break
        else:
            raise AssertionError(f"no claim for {d.name}")
    return out


def inject(segs: Segs, defects: list[Defect]) -> tuple[Segs, list[Injected]]:
    """Apply each defect to its claim, last claim first so earlier indices stay valid."""
    claims = find_claims(segs)
    done: list[Injected] = []
    for d, c in sorted(assign(claims, defects), key=lambda p: -p[1].ordinal):
        before = len(segs)
        segs, index = d.inject(segs, c)
        shift = len(segs) - before
        for j in done:  # every earlier injection is in a later claim
            j.index += shift
        done.append(Injected(d, c, index))
    return segs, sorted(done, key=lambda j: j.claim.ordinal)


def run(data: bytes) -> list[Finding]:
    return run_evaluator(GuideChecks(load_guide(MEDI_CAL), RECEIPT), data)


def owner(claims: list[Claim], line: int | None) -> Claim | None:
    """The claim whose own segments hold ``line``."""
    if line is None:
        return None
    for c in claims:
        if c.start < line <= c.end:
            return c
    return None


@dataclass
class Run:
    segs: Segs
    data: bytes
    claims: list[Claim]
    injected: list[Injected]
    findings: list[Finding]


@pytest.fixture(scope="module")
def defective() -> Run:
    clean = _segments(GENERATED)
    segs, injected = inject(clean, DEFECTS)
    data = x.dump(segs)
    return Run(segs, data, find_claims(segs), injected, run(data))


def _segments(data: bytes) -> Segs:
    return [s.strip("\r\n") for s in data.decode("latin-1").split(x.TERM) if s.strip()]


# --- tests --------------------------------------------------------------------------------------


def test_generated_file_is_clean() -> None:
    assert run(GENERATED) == []
    assert validate(GENERATED).accepted


def test_twenty_kinds_on_twenty_claims(defective: Run) -> None:
    assert len(DEFECTS) == 20
    assert len({d.rule_id for d in DEFECTS}) == 20
    assert len({j.claim.ordinal for j in defective.injected}) == 20
    assert len(defective.claims) == CLAIMS


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.rule_id for d in DEFECTS])
def test_defect_found_at_claim_and_element(defective: Run, defect: Defect) -> None:
    (j,) = [j for j in defective.injected if j.defect is defect]
    claim = defective.claims[j.claim.ordinal]
    claim_id = x.get_element(defective.segs, claim.clm, 1, 1)
    hits = [
        f
        for f in defective.findings
        if f.rule_id == defect.rule_id and owner(defective.claims, f.line) == claim
    ]
    assert hits, f"{defect.name}: {defect.rule_id} did not fire on claim {claim_id}"
    assert [(f.line, f.element, f.claim_id) for f in hits] == [
        (j.line, defect.element, claim_id)
    ], defect.name
    (hit,) = hits
    assert hit.severity is not Severity.WARNING
    assert hit.segment_id == (defect.segment or x.seg_id(defective.segs[j.index]))


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.rule_id for d in DEFECTS])
def test_defect_alone(defect: Defect) -> None:
    """Each edit on its own: its rule (and only its ``also`` rules) fires, once per rule."""
    segs, (j,) = inject(_segments(GENERATED), [defect])
    findings = run(x.dump(segs))
    assert sorted({f.rule_id or "" for f in findings} - defect.also) == [defect.rule_id]
    (hit,) = [f for f in findings if f.rule_id == defect.rule_id]
    assert (hit.line, hit.element) == (j.line, defect.element)


def test_defective_claims_get_only_their_rules(defective: Run) -> None:
    by_claim = {j.claim.ordinal: j.defect for j in defective.injected}
    for f in defective.findings:
        c = owner(defective.claims, f.line)
        assert c is not None, f"finding outside any claim: {f.rule_id} line {f.line}"
        assert c.ordinal in by_claim, f"clean claim {c.ordinal} flagged: {f.rule_id}"
        d = by_claim[c.ordinal]
        assert f.rule_id in {d.rule_id, *d.also}, f"{d.name}: unexpected {f.rule_id}"


def test_clean_claims_not_flagged(defective: Run) -> None:
    bad = {j.claim.ordinal for j in defective.injected}
    clean = [c for c in defective.claims if c.ordinal not in bad]
    assert len(clean) == CLAIMS - 20
    # no finding of any severity on a clean claim's segments (the duplicate CLM01 shares its
    # number with the clean first claim, so claims are told apart by line, not by CLM01)
    assert [f for f in defective.findings if owner(defective.claims, f.line) in clean] == []
    ids = {x.get_element(defective.segs, c.clm, 1, 1) for c in defective.claims}
    assert {f.claim_id for f in defective.findings} <= ids


def test_snip12_errors_only_for_code_values(defective: Run) -> None:
    """Two defects are invalid code values, which SNIP 2 reports too, at the same place."""
    errors = [f for f in validate(defective.data).all_findings() if f.is_error]
    expected = [j for j in defective.injected if j.defect.snip12]
    assert [(f.line, f.element) for f in errors] == [(j.line, j.defect.element) for j in expected]


def test_snip12_accepts_business_rule_defects() -> None:
    """Without those two, every defect is a business rule only: SNIP 1-2 accepts the file."""
    business = [d for d in DEFECTS if not d.snip12]
    segs, injected = inject(_segments(GENERATED), business)
    assert len(injected) == 18
    result = validate(x.dump(segs))
    assert result.accepted
    assert [f for f in result.all_findings() if f.is_error] == []
