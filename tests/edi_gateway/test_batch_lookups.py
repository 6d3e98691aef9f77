"""A batch's look-ups (duplicate claims and service lines) find exactly the rows they are
asked for, with their conditions (status, tenant) applied, on SQLite and PostgreSQL; on
PostgreSQL each value is probed through its key's index only, so a probe costs the same
however many rows the run has stored (issue 19: seconds per claim linear in the file)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import Db
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql

from edi_gateway.db import child_rows_for_values, rows_for_values
from edi_gateway.models import Encounter, EncounterLine, Member
from edi_gateway.submissions.ingest import ingest_paths
from parsers.generate import write_file


async def _stored(db: Db, tmp_path: Path) -> list[tuple[int, str, str]]:
    """300 claims stored, every third one voided; (id, CLM01, member id) of each."""
    path = tmp_path / "claims.x12"
    write_file(path, "837p", 300, seed=21)
    [done] = await ingest_paths(db.sessionmaker, db.settings, [path])
    assert done.submission.units_stored == 300
    async with db.sessionmaker() as s, s.begin():
        rows = (
            await s.execute(
                select(Encounter.id, Encounter.claim_id, Encounter.member_id).order_by(Encounter.id)
            )
        ).all()
        voided = [r[0] for r in rows[::3]]
        await s.execute(update(Encounter).where(Encounter.id.in_(voided)).values(status="void"))
    return [(int(i), str(c), str(m)) for i, c, m in rows]


async def _plan(db: Db, stmt: object) -> str:
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        compiled = stmt.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
        params = [compiled.params[k] for k in compiled.positiontup]
        rows = await raw.driver_connection.fetch("EXPLAIN " + str(compiled), *params)
    return "\n".join(r[0] for r in rows)


async def test_claim_probe_applies_its_conditions_and_reads_only_the_key(
    db: Db, tmp_path: Path
) -> None:
    stored = await _stored(db, tmp_path)
    asked = [c for _, c, _ in stored[:60]] + ["NOSUCHCLAIM"]
    stmt = rows_for_values(
        [Encounter.claim_id, Encounter.partner_id],
        Encounter.claim_id,
        asked,
        db.kind,
        Encounter.status == "active",
        Encounter.partner_id.is_(None),
    )
    async with db.sessionmaker() as s:
        found = sorted(c for c, _ in (await s.execute(stmt)).all())
    assert found == sorted(c for n, (_, c, _) in enumerate(stored[:60]) if n % 3)
    async with db.sessionmaker() as s:
        other = rows_for_values(
            [Encounter.claim_id], Encounter.claim_id, asked, db.kind, Encounter.partner_id == 99
        )
        assert (await s.execute(other)).all() == []
    if db.kind == "postgresql":
        plan = await _plan(db, stmt)
        assert "ix_encounters_claim" in plan
        assert "ix_encounters_partner_id" not in plan and "Seq Scan" not in plan, plan


async def test_member_lines_probe_reads_each_claims_lines_by_index(db: Db, tmp_path: Path) -> None:
    stored = await _stored(db, tmp_path)
    members = sorted({m for _, _, m in stored[:90]})
    stmt = child_rows_for_values(
        [Encounter.member_id, Encounter.id],
        Encounter.member_id,
        members,
        db.kind,
        Encounter.status == "active",
        Encounter.partner_id.is_(None),
        parent_id=Encounter.id,
        child_columns=[EncounterLine.line_number],
        child_parent_id=EncounterLine.encounter_id,
    )
    async with db.sessionmaker() as s:
        got = sorted((m, int(i), int(n)) for m, i, n in (await s.execute(stmt)).all())
        expected = sorted(
            (m, int(i), int(n))
            for m, i, n in (
                await s.execute(
                    select(Encounter.member_id, Encounter.id, EncounterLine.line_number)
                    .join(EncounterLine, EncounterLine.encounter_id == Encounter.id)
                    .where(Encounter.member_id.in_(members), Encounter.status == "active")
                )
            ).all()
        )
    assert got == expected and len({i for _, i, _ in got}) >= 60
    if db.kind == "postgresql":
        plan = await _plan(db, stmt)
        assert "ix_encounters_member_date" in plan and "ix_encounter_lines_encounter_id" in plan
        assert "ix_encounters_partner_id" not in plan and "Seq Scan" not in plan, plan


async def test_member_probe_reads_the_plans_member_key_index(db: Db) -> None:
    """A condition on the column leading the key's index (the plan before the member key)
    stays in the probe: each member is found through that index, not by reading them all."""
    async with db.sessionmaker() as s, s.begin():
        for plan in ("PLANA", "PLANB"):
            s.add_all(
                Member(plan_sender_id=plan, subscriber_id=f"9{n:07d}A", member_key=f"9{n:07d}A")
                for n in range(200)
            )
    keys = [f"9{n:07d}A" for n in range(0, 400, 3)]
    stmt = rows_for_values(
        [Member.member_key, Member.plan_sender_id],
        Member.member_key,
        keys,
        db.kind,
        within=[Member.plan_sender_id == "PLANB"],
    )
    async with db.sessionmaker() as s:
        found = sorted((await s.execute(stmt)).all())
    assert found == [(k, "PLANB") for k in keys if int(k[1:8]) < 200]
    if db.kind == "postgresql":
        plan = await _plan(db, stmt)
        assert "uq_members_plan_sender_id_member_key" in plan and "Seq Scan" not in plan, plan


async def test_original_lookup_reads_only_the_claims_it_names(db: Db, tmp_path: Path) -> None:
    """A replacement's original (REF*F8 as a CLM01, our claim number or the plan's number)
    is found through the indexes of what names it: with 300 claims stored, the look-up
    reads no claim it does not name (it read all of them, 35 ms a look-up at 200,000)."""
    from edi_gateway.encounters.originals import (
        Named,
        find_original,
        original_probes,
        our_claim_number,
    )
    from edi_gateway.partners.tenancy import load_tenant_and_guides

    stored = await _stored(db, tmp_path)
    async with db.sessionmaker() as s:
        tenant, _guides = await load_tenant_and_guides(s, None)
        npi_of = dict((await s.execute(select(Encounter.id, Encounter.billing_npi))).all())
        enc_id, clm01 = stored[1][0], stored[1][1]
        npi = npi_of[enc_id]
        assert await find_original(s, tenant, claim_id="NEW1", reference=clm01, npi=npi) == enc_id
        mine = our_claim_number(stored[2][0])
        assert (
            await find_original(
                s, tenant, claim_id="NEW1", reference=mine, npi=npi_of[stored[2][0]]
            )
            == (stored[2][0])
        )
        assert await find_original(s, tenant, claim_id=clm01, reference=None, npi=npi) == enc_id
        # voided (every third claim) or another provider's: not an original to replace
        assert (
            await find_original(s, tenant, claim_id=stored[0][1], reference=None, npi=npi) is None
        )
        assert await find_original(s, tenant, claim_id=clm01, reference=None, npi="1") is None
    if db.kind != "postgresql":
        return
    plans: list[str] = []
    by_clm01, by_number = original_probes(db.kind, [Named(clm01, our_claim_number(enc_id), npi)])
    for stmt in [*by_clm01, *by_number]:
        compiled = stmt.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
        params = [compiled.params[k] for k in compiled.positiontup]
        async with db.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            await raw.execute("SET enable_seqscan = off")  # as with a large table: indexes
            rows = await raw.fetch("EXPLAIN (ANALYZE, FORMAT TEXT) " + str(compiled), *params)
            await raw.execute("RESET enable_seqscan")
        plans.append("\n".join(r[0] for r in rows))
    plan = "\n".join(plans)
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    assert removed <= 1, plan
    assert "ix_encounters_claim" in plan, plan
    assert "ix_claim_payments_payer_claim_number" in plan, plan
    assert "ix_forwarded_claims_plan_claim_number" in plan, plan


async def test_originals_asked_in_a_batch_are_those_asked_one_by_one(
    db: Db, tmp_path: Path
) -> None:
    """A batch of replacements and voids finds, for each, the originals it would find
    asked alone: by CLM01 or our claim number, never a voided claim, another provider's
    (wrong NPI) or itself."""
    from edi_gateway.encounters.originals import (
        Named,
        find_original,
        find_originals,
        our_claim_number,
    )
    from edi_gateway.partners.tenancy import load_tenant_and_guides

    stored = await _stored(db, tmp_path)
    async with db.sessionmaker() as s:
        tenant, _guides = await load_tenant_and_guides(s, None)
        npi_of = dict((await s.execute(select(Encounter.id, Encounter.billing_npi))).all())
        named: list[Named] = []
        for n, (enc_id, clm01, _member) in enumerate(stored[:90]):
            npi = npi_of[enc_id]
            named += [
                Named(clm01, None, npi),  # keeps the original's CLM01
                Named(f"NEW{n}", clm01, npi),  # names it in REF*F8
                Named(f"NEW{n}", our_claim_number(enc_id), "1999999999"),  # our number
                Named(clm01, None, "1999999999"),  # another provider's CLM01
                Named(clm01, None, npi, besides=enc_id),  # itself
            ]
        batch = await find_originals(s, tenant, named)
        alone = [
            await find_original(
                s, tenant, claim_id=n.claim_id, reference=n.reference, npi=n.npi, besides=n.besides
            )
            for n in named
        ]
    assert [ids[0] if ids else None for ids in batch] == alone
    active = {enc_id for enc_id, _, _ in stored[:90]} - {enc_id for enc_id, _, _ in stored[::3]}
    found = {i for i in alone if i is not None}
    assert found == active  # each active original found, no voided one
    assert alone[3::5] == [None] * 90 and alone[4::5] == [None] * 90
