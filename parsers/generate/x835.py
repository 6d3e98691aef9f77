"""Generated 835 remittance advice (005010X221A1): claim payments from a plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .context import CHUNK_BYTES, SEG_END, Context, Out, d8, money
from .vocabulary import CLINIC_NAMES, CLINIC_TAXONOMY, CPT_LINES, PLAN_NAME

__all__ = ["generate_835"]


def _claim_835(ctx: Context, body: Out) -> int:
    """Write one CLP loop into ``body``; return its CLP04 (cents)."""
    rng = ctx.rng
    status = rng.choices(("1", "2", "4", "22"), weights=(78, 8, 10, 4))[0]
    day = ctx.service_date(60)
    n_lines = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
    # per line: code, charge, paid, [(group, reason, amount)], remark
    lines: list[tuple[str, int, int, list[tuple[str, str, int]], str]] = []
    for _ in range(n_lines):
        code, cents, _units = rng.choice(CPT_LINES)
        adjustments: list[tuple[str, str, int]] = []
        remark = ""
        if status == "4":
            reason = rng.choice(("16", "29", "96", "197", "204"))
            adjustments.append(("CO", reason, cents))
            paid = 0
            if reason in ("96", "204") and rng.random() < 0.6:
                remark = "N130"
        else:
            allowed = cents * rng.randrange(55, 91) // 100
            patient = 0
            if rng.random() < 0.15:
                patient = min(allowed, rng.choice((500, 1000, 1500)))
            paid = allowed - patient
            if cents - allowed:
                adjustments.append(("CO", "45", cents - allowed))
            if patient:
                adjustments.append(("PR", rng.choice(("1", "2", "3")), patient))
            if rng.random() < 0.03:
                remark = "N130"
        lines.append((code, cents, paid, adjustments, remark))
    charge = sum(line[1] for line in lines)
    line_paid = sum(line[2] for line in lines)
    patient_resp = sum(a[2] for line in lines for a in line[3] if a[0] == "PR")
    claim_adj = 0
    if status == "2" and line_paid > 0:
        claim_adj = line_paid * rng.randrange(20, 60) // 100
    paid = line_paid - claim_adj
    sign = -1 if status == "22" else 1
    m = money
    body.seg(
        "CLP",
        ctx.next_pcn(),
        status,
        m(sign * charge),
        m(sign * paid),
        m(sign * patient_resp) if patient_resp else "",
        "MC",
        f"{ctx.file_date.year}{rng.randrange(10**9):09d}",
        "11",
        "1",
    )
    if claim_adj:
        body.seg("CAS", "OA", "23", m(sign * claim_adj))
    p = ctx.person(min_age=1, max_age=89)
    body.seg("NM1", "QC", "1", p.last, p.first, p.middle, "", "", "MR", p.cin)
    body.seg("DTM", "050", d8(day + dt.timedelta(days=2)))
    for code, cents, lpaid, adjustments, remark in lines:
        body.seg("SVC", f"HC:{code}", m(sign * cents), m(sign * lpaid), "", "1")
        body.seg("DTM", "472", d8(day))
        for group in ("CO", "PR"):
            parts: list[str] = []
            for g, reason, amount in adjustments:
                if g == group:
                    parts += [reason, m(sign * amount), ""]
            if parts:
                body.seg("CAS", group, *parts)
        if remark:
            body.seg("LQ", "HE", remark)
    return sign * paid


def generate_835(ctx: Context, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    out = Out()
    payees = [ctx.org(n, CLINIC_TAXONOMY) for n in CLINIC_NAMES]
    payer_street, payer_city, payer_zip = ctx.address()
    routing_payer = f"12100{rng.randrange(1000, 10000)}"
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_claims in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        payee = payees[(st_index + ctx.seed) % len(payees)]
        pay_date = ctx.file_date + dt.timedelta(days=2)
        body = Out()
        body.seg("LX", "1")
        total_paid = 0
        for _ in range(n_claims):
            total_paid += _claim_835(ctx, body)
        plb: list[tuple[str, str, int]] = []
        if rng.random() < 0.4 and total_paid > 10000:
            plb.append(
                ("WO", f"RCV{rng.randrange(10**6):06d}", total_paid * rng.randint(1, 8) // 100)
            )
            if rng.random() < 0.5:
                plb.append(("L6", "", -rng.randrange(100, 2500)))
        if plb:
            parts: list[str] = []
            for code, ref, amount in plb:
                parts += [f"{code}:{ref}" if ref else code, money(amount)]
            body.seg("PLB", payee.npi, "20261231", *parts)
        bpr02 = total_paid - sum(a for _, _, a in plb)
        out.count = 0
        out.seg("ST", "835", st02, "005010X221A1")
        if bpr02 > 0:
            out.seg(
                "BPR",
                "I",
                money(bpr02),
                "C",
                "ACH",
                "CCP",
                "01",
                routing_payer,
                "DA",
                f"{rng.randrange(10**9, 10**10)}",
                f"1{ctx.payer_ein}",
                "",
                "01",
                f"12200{rng.randrange(1000, 10000)}",
                "DA",
                f"{rng.randrange(10**8, 10**9)}",
                d8(pay_date),
            )
        else:
            out.seg(
                "BPR",
                "H",
                "0",
                "C",
                "NON",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                d8(pay_date),
            )
        out.seg("TRN", "1", f"EFT{ctx.isa13}{st_index:04d}", f"1{ctx.payer_ein}")
        out.seg("DTM", "405", d8(ctx.file_date))
        out.seg("N1", "PR", PLAN_NAME)
        out.seg("N3", payer_street)
        out.seg("N4", payer_city, "CA", payer_zip)
        out.seg("PER", "BL", "PROVIDER EDI SERVICES", "TE", "8005550142")
        out.seg("N1", "PE", payee.name, "XX", payee.npi)
        out.seg("N3", payee.street)
        out.seg("N4", payee.city, "CA", payee.zip9)
        out.seg("REF", "TJ", payee.ein)
        yield out.take()
        # body chunks: ~1 MB at most per yield
        batch: list[str] = []
        size = 0
        for part in body.parts:
            batch.append(part)
            size += len(part)
            if size >= 4 * CHUNK_BYTES:
                yield "".join(batch).encode("ascii")
                batch, size = [], 0
        if batch:
            yield "".join(batch).encode("ascii")
        n_segments = 1 + out.count + body.count  # ST..header, body, SE
        out.count = 0
        body = Out()
        out.seg("SE", str(n_segments), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{SEG_END}IEA*1*{ctx.isa13}{SEG_END}", 0)
    yield out.take()
