"""What a run of a partner's file knows of the partner, read in one statement
(``load_tenant_and_guides``), on SQLite and PostgreSQL: the role, the ids it may send
under, the billing NPIs listed on it and the other partners listing the same NPIs (whose
claims its files may replace or void), the plans' envelope ids and the guides set."""

from __future__ import annotations

import pytest
from conftest import Db

from edi_gateway.partners.guides import set_guide
from edi_gateway.partners.service import create_partner
from edi_gateway.partners.tenancy import load_tenant_and_guides

NPI_SHARED = "1551312931"
NPI_OWN = "1234567893"
NPI_ELSEWHERE = "1111111112"


async def test_a_partners_tenant_and_guides(db: Db) -> None:
    async with db.sessionmaker() as s, s.begin():
        plan, _ = await create_partner(s, "gphp", "plan", ["GPHP1EDI", "GPHP2EDI"])
        other_plan, _ = await create_partner(s, "otherplan", "plan", ["OTHERPLAN01"])
        clinic, _ = await create_partner(
            s, "clinic", "provider", ["SUBMITTER9856", "SUBMITTER9857"], [NPI_SHARED, NPI_OWN]
        )
        ch, _ = await create_partner(s, "ch", "clearinghouse", ["CLEARING01"], [NPI_SHARED])
        await create_partner(s, "elsewhere", "provider", ["ELSE01"], [NPI_ELSEWHERE])
        quiet, _ = await create_partner(s, "quiet", "provider", [])
        await set_guide(s, clinic, "837P", "medi-cal-encounters-837")
        await set_guide(s, clinic, "837I", "medi-cal-encounters-837")
        ids = {p.name: p.id for p in (plan, other_plan, clinic, ch, quiet)}

    async with db.sessionmaker() as s:
        tenant, guides = await load_tenant_and_guides(s, ids["clinic"])
        assert tenant.partner_id == ids["clinic"] and tenant.role == "provider"
        assert tenant.sender_ids == {"SUBMITTER9856", "SUBMITTER9857"}
        assert tenant.npis == {NPI_SHARED, NPI_OWN}
        # the clearinghouse listing the shared NPI; nobody else lists the clinic's own
        assert tenant.peers == {NPI_SHARED: frozenset({ids["ch"]})}
        assert tenant.plans == {
            "GPHP1EDI": ids["gphp"],
            "GPHP2EDI": ids["gphp"],
            "OTHERPLAN01": ids["otherplan"],
        }
        assert tenant.plan_senders == {
            ids["gphp"]: frozenset({"GPHP1EDI", "GPHP2EDI"}),
            ids["otherplan"]: frozenset({"OTHERPLAN01"}),
        }
        assert guides == {"837I": "medi-cal-encounters-837", "837P": "medi-cal-encounters-837"}

        # and from the clearinghouse's side: the clinic is its peer for that NPI
        ch_tenant, ch_guides = await load_tenant_and_guides(s, ids["ch"])
        assert ch_tenant.role == "clearinghouse" and ch_tenant.sender_ids == {"CLEARING01"}
        assert ch_tenant.peers == {NPI_SHARED: frozenset({ids["clinic"]})}
        assert ch_guides == {}

        # a partner with nothing listed, and a local file (no partner): only the plans
        bare, bare_guides = await load_tenant_and_guides(s, ids["quiet"])
        assert (bare.role, bare.sender_ids, bare.npis, bare.peers) == (
            "provider",
            frozenset(),
            frozenset(),
            {},
        )
        assert bare_guides == {} and bare.plans == tenant.plans
        local, local_guides = await load_tenant_and_guides(s, None)
        assert local.partner_id is None and local.role is None and local_guides == {}
        assert local.plan_senders == tenant.plan_senders

        with pytest.raises(LookupError, match="no partner"):
            await load_tenant_and_guides(s, max(ids.values()) + 100)
