"""Generated 834 benefit enrollment (005010X220A1): members of a state roster sent to a plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .context import SEG_END, Context, Doc, Out, Person, d8
from .vocabulary import LANGUAGES, PLAN_NAME, PROF_TAXONOMIES, SPONSOR_NAME

__all__ = ["generate_834"]


def _member_834(
    ctx: Context,
    out: Out,
    p: Person,
    sub_cin: str,
    rel: str,
    group: str,
    plan: str,
    pcp: Doc,
    start: dt.date,
    end: dt.date | None,
) -> None:
    rng = ctx.rng
    if rel == "18":
        out.seg("INS", "Y", "18", "021", "28", "A", "", "", "FT")
    else:
        out.seg("INS", "N", rel, "021", "28", "A")
    out.seg("REF", "0F", sub_cin)
    out.seg("REF", "1L", group)
    if rel != "18":
        out.seg("REF", "23", p.cin)
    out.seg("DTP", "356", "D8", d8(start))
    out.seg("NM1", "IL", "1", p.last, p.first, p.middle)
    if rel == "18":
        out.seg(
            "PER",
            "IP",
            "",
            "HP",
            f"{rng.choice(('209', '559', '916', '510'))}555{rng.randrange(100, 200):04d}",
        )
    out.seg("N3", p.street)
    out.seg("N4", p.city, "CA", p.zip9)
    out.seg("DMG", "D8", d8(p.dob), p.sex)
    if rng.random() < 0.7:
        out.seg("LUI", "LE", rng.choice(LANGUAGES), "", "7")
    out.seg("HD", "021", "", "HLT", plan, "IND")
    out.seg("DTP", "348", "D8", d8(start))
    if end is not None:
        out.seg("DTP", "349", "D8", d8(end))
    out.seg("LX", "1")
    out.seg("NM1", "P3", "1", pcp.last, pcp.first, "", "", "", "XX", pcp.npi, "25")


def generate_834(ctx: Context, counts: list[int]) -> Iterator[bytes]:
    rng = ctx.rng
    out = Out()
    pcps = [ctx.doc(PROF_TAXONOMIES) for _ in range(15)]
    plans = ("MCLHMO01", "MCLHMO02", "MCLCCS01")
    cov_start = ctx.file_date.replace(day=1)
    out.raw(ctx.isa(), 0)
    out.raw(ctx.gs(), 0)
    for st_index, n_members in enumerate(counts):
        st02 = f"{ctx.st_base + st_index:04d}"
        out.count = 0
        out.seg("ST", "834", st02, "005010X220A1")
        out.seg(
            "BGN",
            "00",
            f"ENR{ctx.isa13}{st_index:03d}",
            d8(ctx.file_date),
            ctx.file_time,
            "",
            "",
            "",
            "2",
        )
        out.seg("REF", "38", f"MCLMC{ctx.seed % 100000:05d}")
        out.seg("DTP", "007", "D8", d8(cov_start))
        out.seg("N1", "P5", SPONSOR_NAME, "FI", "680000001")
        out.seg("N1", "IN", PLAN_NAME, "FI", ctx.payer_ein)
        left = n_members
        while left > 0:
            n_dep = min(left - 1, rng.choices((0, 1, 2, 3), weights=(55, 20, 15, 10))[0])
            sub = ctx.person(min_age=19, max_age=80)
            group = f"MCL{rng.randrange(10000, 100000)}"
            plan = rng.choice(plans)
            end = dt.date(2026, 12, 31) if rng.random() < 0.15 else None
            pcp = rng.choice(pcps)
            _member_834(ctx, out, sub, sub.cin, "18", group, plan, pcp, cov_start, end)
            home = (sub.street, sub.city, sub.zip9)
            for _ in range(n_dep):
                spouse = rng.random() < 0.3
                dep = ctx.person(
                    min_age=19 if spouse else 0,
                    max_age=75 if spouse else 18,
                    last=sub.last,
                    address=home,
                )
                _member_834(
                    ctx,
                    out,
                    dep,
                    sub.cin,
                    "01" if spouse else "19",
                    group,
                    plan,
                    pcp,
                    cov_start,
                    end,
                )
            left -= 1 + n_dep
            if out.full():
                yield out.take()
        out.seg("SE", str(out.count + 1), st02)
    out.raw(f"GE*{len(counts)}*{ctx.gs06}{SEG_END}IEA*1*{ctx.isa13}{SEG_END}", 0)
    yield out.take()
