"""Generated 837 professional, institutional and dental claims (005010X222A1, X223A2, X224A2)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from .context import SEG_END, VERSIONS, Context, Doc, Org, Out, Person, d8, money
from .vocabulary import (
    ANTERIOR_TEETH,
    ATTENDING_TAXONOMIES,
    CDT_LINES,
    CLINIC_NAMES,
    CLINIC_TAXONOMY,
    CPT_LINES,
    DENTAL_NAMES,
    DENTIST_TAXONOMY,
    HOSPITAL_NAMES,
    HOSPITAL_TAXONOMY,
    ICD10,
    ICD10_DENTAL,
    ICD10_INPATIENT,
    PLAN_NAME,
    PLAN_PAYER_ID,
    POSTERIOR_TEETH,
    PROF_TAXONOMIES,
    QUADRANTS,
    REV_INPATIENT,
    REV_OUTPATIENT,
    SURFACES_POSTERIOR,
    SYNTHETIC_NDC,
)

__all__ = ["generate_837"]


def _837_header(ctx: Context, out: Out, st02: str, st_index: int) -> None:
    _, st01, version = VERSIONS[ctx.kind]
    out.seg("ST", st01, st02, version)
    out.seg(
        "BHT",
        "0019",
        "00",
        f"{ctx.isa13[-6:]}{st_index:04d}",
        d8(ctx.file_date),
        ctx.file_time,
        "CH",
    )
    out.seg(
        "NM1", "41", "2", "SYNTHETIC CLAIMS CLEARINGHOUSE", "", "", "", "", "46", ctx.submitter_id
    )
    out.seg("PER", "IC", "EDI SUPPORT", "TE", f"916555{ctx.rng.randrange(100, 200):04d}")
    out.seg("NM1", "40", "2", PLAN_NAME, "", "", "", "", "46", PLAN_PAYER_ID)


def _billing_provider(out: Out, prov: Org, hl: int, with_prv: bool) -> None:
    out.seg("HL", str(hl), "", "20", "1")
    if with_prv:
        out.seg("PRV", "BI", "PXC", prov.taxonomy)
    out.seg("NM1", "85", "2", prov.name, "", "", "", "", "XX", prov.npi)
    out.seg("N3", prov.street)
    out.seg("N4", prov.city, "CA", prov.zip9)
    out.seg("REF", "EI", prov.ein)


def _subscriber(out: Out, p: Person, hl: int, parent: int) -> None:
    out.seg("HL", str(hl), str(parent), "22", "0")
    out.seg("SBR", "P", "18", "", "", "", "", "", "", "MC")
    out.seg("NM1", "IL", "1", p.last, p.first, p.middle, "", "", "MI", p.cin)
    out.seg("N3", p.street)
    out.seg("N4", p.city, "CA", p.zip9)
    out.seg("DMG", "D8", d8(p.dob), p.sex)
    out.seg("NM1", "PR", "2", PLAN_NAME, "", "", "", "", "PI", PLAN_PAYER_ID)


def _diagnoses(rng: random.Random, codes: tuple[str, ...], n_max: int) -> list[str]:
    return rng.sample(codes, rng.randint(1, n_max))


def _claim_837p(ctx: Context, out: Out, rendering: list[Doc]) -> None:
    rng = ctx.rng
    dx = _diagnoses(rng, ICD10, 4)
    n_lines = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    day = ctx.service_date()
    lines: list[tuple[str, int, int, str]] = []
    for _ in range(n_lines):
        code, cents, units_choices = rng.choice(CPT_LINES)
        units = rng.choice(units_choices)
        pointers = ":".join(str(i + 1) for i in sorted(rng.sample(range(len(dx)), min(len(dx), 2))))
        lines.append((code, cents * units, units, pointers))
    total = sum(line[1] for line in lines)
    out.seg("CLM", ctx.next_pcn(), money(total), "", "", "11:B:1", "Y", "A", "Y", "Y")
    out.seg("HI", *[("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(dx)])
    if rng.random() < 0.3:
        doc = rng.choice(rendering)
        out.seg("NM1", "82", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
        out.seg("PRV", "PE", "PXC", doc.taxonomy)
    for i, (code, cents, units, pointers) in enumerate(lines, 1):
        out.seg("LX", str(i))
        out.seg("SV1", f"HC:{code}", money(cents), "UN", str(units), "", "", pointers)
        out.seg("DTP", "472", "D8", d8(day))


def _claim_837i(ctx: Context, out: Out, attendings: list[Doc]) -> None:
    rng = ctx.rng
    inpatient = rng.random() < 0.25
    lines: list[tuple[str, str, int, str, int]] = []  # rev, hcpcs, cents, unit, qty
    if inpatient:
        los = rng.randint(1, 6)
        # a stay that overlaps none of this person's other claims
        for _ in range(20):
            discharge = ctx.file_date - dt.timedelta(days=rng.randrange(3, 30))
            admit = discharge - dt.timedelta(days=los)
            stay = {admit + dt.timedelta(days=i) for i in range(los + 1)}
            if not stay & ctx.used_days:
                break
        ctx.used_days.update(stay)
        lines.append(("0120", "", 240000 * los, "DA", los))
        for rev, hcpcs, cents in rng.sample(REV_INPATIENT, rng.randint(1, 3)):
            lines.append((rev, hcpcs, cents, "UN", 1))
        dx = [rng.choice(ICD10_INPATIENT), *rng.sample(ICD10, rng.randint(0, 3))]
        admitting = rng.choice(ICD10_INPATIENT)
        start, end = admit, discharge
    else:
        day = ctx.service_date()
        for rev, hcpcs, cents in rng.sample(REV_OUTPATIENT, rng.randint(1, 4)):
            lines.append((rev, hcpcs, cents, "UN", 1))
        dx = _diagnoses(rng, ICD10, 3)
        admitting = ""
        start = end = day
    total = sum(line[2] for line in lines)
    tob = "11:A:1" if inpatient else "13:A:1"
    out.seg("CLM", ctx.next_pcn(), money(total), "", "", tob, "", "A", "Y", "Y")
    if inpatient:
        out.seg("DTP", "096", "TM", f"{rng.randrange(9, 17):02d}{rng.choice(('00', '30'))}")
    out.seg("DTP", "434", "RD8", f"{d8(start)}-{d8(end)}")
    if inpatient:
        admit_time = f"{rng.randrange(0, 24):02d}{rng.randrange(60):02d}"
        out.seg("DTP", "435", "DT", f"{d8(start)}{admit_time}")
        out.seg("CL1", rng.choice(("1", "2", "3")), rng.choice(("1", "7")), "01")
    else:
        out.seg("CL1", "", rng.choice(("1", "2")), "01")
    out.seg("HI", f"ABK:{dx[0]}")
    if inpatient:
        out.seg("HI", f"ABJ:{admitting}")
    if len(dx) > 1:
        out.seg("HI", *[f"ABF:{c}" for c in dx[1:]])
    doc = rng.choice(attendings)
    out.seg("NM1", "71", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
    out.seg("PRV", "AT", "PXC", doc.taxonomy)
    for i, (rev, hcpcs, cents, unit, qty) in enumerate(lines, 1):
        out.seg("LX", str(i))
        out.seg("SV2", rev, f"HC:{hcpcs}" if hcpcs else "", money(cents), unit, str(qty))
        if not inpatient or hcpcs:
            out.seg("DTP", "472", "D8", d8(start if not inpatient else end))
        if hcpcs.startswith("J"):  # a physician-administered drug: its NDC (Medi-Cal)
            out.seg("LIN", "", "N4", SYNTHETIC_NDC)
            out.seg("CTP", "", "", "", str(qty), "UN")


def _claim_837d(ctx: Context, out: Out, dentists: list[Doc], child: bool) -> None:
    rng = ctx.rng
    day = ctx.service_date()
    n_lines = rng.choices((1, 2, 3, 4), weights=(30, 35, 20, 15))[0]
    picks = rng.sample(CDT_LINES, n_lines)
    with_dx = rng.random() < 0.35
    dx = _diagnoses(rng, ICD10_DENTAL, 2) if with_dx else []
    total = sum(p[1] for p in picks)
    out.seg("CLM", ctx.next_pcn(), money(total), "", "", "11:B:1", "Y", "A", "Y", "Y")
    out.seg("DTP", "472", "D8", d8(day))
    if dx:
        out.seg("HI", *[("ABK:" if i == 0 else "ABF:") + c for i, c in enumerate(dx)])
    if rng.random() < 0.5:
        doc = rng.choice(dentists)
        out.seg("NM1", "82", "1", doc.last, doc.first, "", "", "", "XX", doc.npi)
        out.seg("PRV", "PE", "PXC", doc.taxonomy)
    for i, (code, cents, tooth_kind) in enumerate(picks, 1):
        out.seg("LX", str(i))
        area = rng.choice(QUADRANTS) if tooth_kind == "Q" else ""
        pointer = "1" if dx else ""
        out.seg("SV3", f"AD:{code}", money(cents), "", area, "", "", "", "", "", "", pointer)
        if tooth_kind in ("T", "S"):
            if child and tooth_kind == "T" and code == "D7140":
                tooth = rng.choice("ABIJKLST")
            elif tooth_kind == "S":
                tooth = rng.choice(POSTERIOR_TEETH)
            else:
                tooth = rng.choice(POSTERIOR_TEETH + ANTERIOR_TEETH)
            if tooth_kind == "S":
                if code in ("D2391", "D2140"):
                    surfaces = rng.choice(SURFACES_POSTERIOR)
                else:
                    surfaces = rng.choice(("M:O", "O:D", "O:B", "O:L"))
                out.seg("TOO", "JP", tooth, surfaces)
            else:
                out.seg("TOO", "JP", tooth)


def generate_837(ctx: Context, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    kind = ctx.kind
    out = Out()
    if kind == "837p":
        providers = [ctx.org(n, CLINIC_TAXONOMY) for n in CLINIC_NAMES]
        docs = [ctx.doc(PROF_TAXONOMIES) for _ in range(12)]
    elif kind == "837i":
        providers = [ctx.org(n, HOSPITAL_TAXONOMY) for n in HOSPITAL_NAMES]
        docs = [ctx.doc(ATTENDING_TAXONOMIES) for _ in range(12)]
    else:
        providers = [ctx.org(n, DENTIST_TAXONOMY) for n in DENTAL_NAMES]
        docs = [ctx.doc((DENTIST_TAXONOMY,)) for _ in range(8)]
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_claims in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        out.count = 0
        _837_header(ctx, out, st02, st_index)
        hl = 0
        left = n_claims
        while left > 0:
            prov = rng.choice(providers)
            hl += 1
            prov_hl = hl
            _billing_provider(out, prov, prov_hl, with_prv=kind != "837i" or rng.random() < 0.5)
            for _ in range(rng.randint(3, 40)):
                if left <= 0:
                    break
                child = kind == "837d" and rng.random() < 0.4
                person = ctx.person(min_age=2 if child else 19, max_age=17 if child else 89)
                hl += 1
                _subscriber(out, person, hl, prov_hl)
                n = min(left, rng.choices((1, 2, 3, 4), weights=(50, 25, 15, 10))[0])
                for _ in range(n):
                    if kind == "837p":
                        _claim_837p(ctx, out, docs)
                    elif kind == "837i":
                        _claim_837i(ctx, out, docs)
                    else:
                        _claim_837d(ctx, out, docs, child)
                left -= n
                if out.full():
                    yield out.take()
        out.seg("SE", str(out.count + 1), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{SEG_END}IEA*1*{ctx.isa13}{SEG_END}", 0)
    yield out.take()
