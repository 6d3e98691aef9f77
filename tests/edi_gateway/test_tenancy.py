"""Write-side tenancy: a file from one partner never changes, blocks or reveals what another
partner owns, on SQLite and PostgreSQL, through the HTTP API.

Partners: two plans (gphp, GPHP1EDI; otherplan, OTHERPLAN01), two providers (clinic, the
billing provider 1551312931 of the sample 837P; rival, who may bill any NPI), a clearinghouse
acting for the clinic's NPI, and ops.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_support import Api
from sqlalchemy import select
from x12_edit import dump, insert_segment, load, set_element

from edi_gateway.models import Encounter, FindingRow, Member, Submission

CLAIM_1 = "PCN267000032363"  # member 96994177R, 2026-09-07
CLAIM_2 = "PCN267000032364"
CLINIC_NPI = "1551312931"
OTHER_NPI = "1234567893"  # a valid NPI listed on nobody
FELIPE = "97445419Q"  # subscriber of the sample 834

_control = iter(range(700000001, 799999999))


def as_sender(segs: list[str], sender: str, receiver: str | None = None) -> list[str]:
    """The file sent under another ISA06/GS02 (and ISA08/GS03), with a fresh ISA13."""
    control = str(next(_control))
    segs = set_element(segs, "ISA", 1, 6, sender.ljust(15))
    segs = set_element(segs, "GS", 1, 2, sender)
    if receiver is not None:
        segs = set_element(segs, "ISA", 1, 8, receiver.ljust(15))
        segs = set_element(segs, "GS", 1, 3, receiver)
    segs = set_element(segs, "ISA", 1, 13, control)
    return set_element(segs, "IEA", 1, 2, control)


def frequency(segs: list[str], claim: str, code: str, ref: str) -> list[str]:
    """Make ``claim`` a replacement (7) or void (8) of ``ref`` (REF*F8)."""
    segs = set_element(segs, f"CLM*{claim}", 1, "05-3", code)
    return insert_segment(segs, f"CLM*{claim}", f"REF*F8*{ref}")


class Tenants:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def submit(self, who: str, segs: list[str], **params: str) -> dict[str, Any]:
        api = self.api
        response = await api.client.post(
            "/v1/submissions",
            content=dump(segs),
            params=params,
            headers={**api.auth(who), "content-type": "application/edi-x12"},
        )
        assert response.status_code == 202, response.text
        await api.client._transport.app.state.worker.drain()  # type: ignore[attr-defined]
        status = await api.client.get(
            f"/v1/submissions/{response.json()['id']}", headers=api.auth("ops")
        )
        assert status.status_code == 200
        return dict(status.json())

    async def encounters(self, claim_id: str) -> list[tuple[int | None, str, str | None]]:
        """(partner, status, billing NPI) of every stored encounter with this CLM01."""
        async with self.api.db.sessionmaker() as s:
            rows = await s.execute(
                select(Encounter.partner_id, Encounter.status, Encounter.billing_npi)
                .where(Encounter.claim_id == claim_id)
                .order_by(Encounter.id)
            )
            return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    async def findings(self, submission_id: str) -> list[FindingRow]:
        async with self.api.db.sessionmaker() as s:
            rows = await s.execute(
                select(FindingRow).where(FindingRow.submission_id == submission_id)
            )
            return list(rows.scalars())

    async def partner_id(self, name: str) -> int:
        from edi_gateway.partners.service import partner_by_name

        async with self.api.db.sessionmaker() as s:
            partner = await partner_by_name(s, name)
            assert partner is not None
            return partner.id

    async def ack(self, submission_id: str, kind: str) -> str:
        response = await self.api.client.get(
            f"/v1/submissions/{submission_id}/acks/{kind}", headers=self.api.auth("ops")
        )
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
async def tenants(api: Api) -> Tenants:
    from edi_gateway.partners.service import add_providers, partner_by_name

    await api.partner("gphp", "plan", "GPHP1EDI")
    await api.partner("otherplan", "plan", "OTHERPLAN01")
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("rival", "provider", "RIVAL01")
    await api.partner("ch", "clearinghouse", "CLEARING01")
    await api.partner("ops", "ops")
    async with api.db.sessionmaker() as s, s.begin():
        for name in ("clinic", "ch"):
            partner = await partner_by_name(s, name)
            assert partner is not None
            await add_providers(s, partner, [CLINIC_NPI])
    return Tenants(api)


def _texts(findings: list[FindingRow]) -> str:
    return " ".join(f"{f.message} {f.value or ''}" for f in findings)


# --- 837: voids, replacements and duplicates -------------------------------------------------


@pytest.mark.parametrize("code", ["7", "8"])
async def test_another_provider_cannot_void_or_replace_a_claim(tenants: Tenants, code: str) -> None:
    clinic = await tenants.submit("clinic", load("837P"))
    assert clinic["counts"]["claims_accepted"] == 5
    # rival sends the clinic's billing NPI and points REF*F8 at the clinic's claim
    segs = frequency(as_sender(load("837P"), "RIVAL01"), CLAIM_2, code, CLAIM_2)
    rival = await tenants.submit("rival", segs)
    clinic_id = await tenants.partner_id("clinic")
    rival_id = await tenants.partner_id("rival")
    stored = await tenants.encounters(CLAIM_2)  # (partner, status, billing NPI)
    assert (clinic_id, "active", CLINIC_NPI) in stored
    assert all(status == "active" for partner, status, _ in stored if partner == clinic_id)
    # rival's replacement or void is rejected: no original of its own is on file ...
    assert rival_id not in {partner for partner, _, _ in stored}
    findings = await tenants.findings(rival["id"])
    orig = [f for f in findings if f.code == "R16-F8-on-file"]
    assert [(f.claim_id, f.severity) for f in orig] == [(CLAIM_2, "reject_claim")]
    assert f"which is not on file\nfor billing provider {CLINIC_NPI}".replace("\n", " ") in (
        orig[0].message
    )
    # ... and it is told nothing about the clinic's claim
    assert "clinic" not in _texts(findings).lower()


async def test_duplicates_are_judged_within_the_partner(tenants: Tenants) -> None:
    # rival sends the clinic's claims first (same CLM01s, NPI, members, dates, codes) ...
    rival = await tenants.submit("rival", as_sender(load("837P"), "RIVAL01"))
    assert rival["counts"]["claims_accepted"] == 5
    # ... which neither blocks the clinic's genuine claims nor tells rival they exist
    clinic = await tenants.submit("clinic", load("837P"))
    assert clinic["counts"]["claims_accepted"] == 5
    assert clinic["counts"]["claims_rejected"] == 0
    clinic_findings = await tenants.findings(clinic["id"])
    assert not [f for f in clinic_findings if f.code == "DUP"]
    # the clinic's own resend is still a duplicate of its own claims
    again = await tenants.submit("clinic", as_sender(load("837P"), "SUBMITTER9856"))
    assert again["counts"]["claims_accepted"] == 0
    dups = [f for f in await tenants.findings(again["id"]) if f.code == "DUP"]
    assert len(dups) == 5 and all(CLINIC_NPI in f.message for f in dups)


async def test_a_clearinghouse_acts_for_its_listed_providers_only(tenants: Tenants) -> None:
    await tenants.submit("clinic", load("837P"))
    # a void from the clinic's clearinghouse reaches the clinic's claim
    segs = as_sender(load("837P"), "CLEARING01")
    ch = await tenants.submit("ch", frequency(segs, CLAIM_2, "8", CLAIM_2))
    clinic_id = await tenants.partner_id("clinic")
    assert (clinic_id, "voided", CLINIC_NPI) in await tenants.encounters(CLAIM_2)
    # the other four claims are duplicates of what the clinic sent directly
    dups = [f for f in await tenants.findings(ch["id"]) if f.code == "DUP"]
    assert sorted(f.claim_id for f in dups) == sorted(
        ["PCN267000032363", "PCN267000032365", "PCN267000032366", "PCN267000032367"]
    )
    # a claim for a billing NPI not listed on the clearinghouse is rejected, by name
    segs = set_element(as_sender(load("837P"), "CLEARING01"), "NM1*85", 1, 9, OTHER_NPI)
    other = await tenants.submit("ch", segs)
    assert other["counts"]["claims_accepted"] == 0 and other["counts"]["claims_rejected"] == 5
    auth = [f for f in await tenants.findings(other["id"]) if f.code == "AUTH"]
    assert len(auth) == 5
    assert auth[0].loop == "2010AA" and auth[0].element == "NM109" and auth[0].value == OTHER_NPI
    ack = await tenants.ack(other["id"], "277ca")
    assert "STC*A7" in ack


async def test_a_provider_with_listed_npis_sends_only_for_them(tenants: Tenants) -> None:
    segs = set_element(load("837P"), "NM1*85", 1, 9, OTHER_NPI)
    status = await tenants.submit("clinic", segs)
    assert status["counts"]["claims_accepted"] == 0
    rejections = [f for f in await tenants.findings(status["id"]) if f.severity != "warning"]
    assert {f.code for f in rejections} == {"AUTH"} and len(rejections) == 5
    assert await tenants.encounters(CLAIM_1) == []


# --- roles: who may send what ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sender", "kind"),
    [
        ("clinic", "SUBMITTER9856", "834"),
        ("clinic", "SUBMITTER9856", "835"),
        ("ch", "CLEARING01", "834"),
        ("gphp", "GPHP1EDI", "837P"),
    ],
)
async def test_a_role_sends_only_its_transaction_sets(
    tenants: Tenants, who: str, sender: str, kind: str
) -> None:
    status = await tenants.submit(who, as_sender(load(kind), sender))
    assert status["status"] == "rejected"
    ack = await tenants.ack(status["id"], "999")
    assert "IK5*R*1" in ack and "AK9*R*1*1*0" in ack
    findings = await tenants.findings(status["id"])
    [role] = [f for f in findings if f.code == "1" and f.level == "transaction"]
    assert f"{kind} is not accepted from this trading partner" in role.message
    async with tenants.api.db.sessionmaker() as s:
        assert (await s.execute(select(Member.id))).first() is None
        assert (await s.execute(select(Encounter.id))).first() is None


async def test_ops_sends_on_behalf_of_a_partner(tenants: Tenants) -> None:
    segs = as_sender(load("834"), "GPHP1EDI", "SUBMITTER9856")
    status = await tenants.submit("ops", segs, on_behalf_of="gphp")
    assert status["status"] == "completed"
    async with tenants.api.db.sessionmaker() as s:
        sub = await s.get(Submission, status["id"])
        assert sub is not None
        assert sub.partner_id == await tenants.partner_id("gphp")
        assert sub.sent_by_partner_id == await tenants.partner_id("ops")
        owners = set((await s.execute(select(Member.plan_partner_id))).scalars())
    assert owners == {await tenants.partner_id("gphp")}
    # the plan sees it as its own submission
    mine = await tenants.api.client.get(
        f"/v1/submissions/{status['id']}", headers=tenants.api.auth("gphp")
    )
    assert mine.status_code == 200
    # and only ops may send on someone's behalf
    refused = await tenants.api.client.post(
        "/v1/submissions",
        content=dump(segs),
        params={"on_behalf_of": "gphp"},
        headers={**tenants.api.auth("clinic"), "content-type": "application/edi-x12"},
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


# --- 834: one plan's roster never changes another's -----------------------------------------


async def test_one_plans_roster_never_changes_another_plans_members(tenants: Tenants) -> None:
    api = tenants.api
    await tenants.submit("gphp", as_sender(load("834"), "GPHP1EDI", "SUBMITTER9856"))

    async def felipe(who: str) -> dict[str, Any]:
        response = await api.client.get(
            f"/v1/members/{FELIPE}/eligibility",
            params={"date": "2026-06-01"},
            headers=api.auth(who),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    before = {who: await felipe(who) for who in ("gphp", "clinic")}
    assert before["gphp"]["last_name"] == "YARROWAY" and before["gphp"]["active"]
    # otherplan renames Felipe, terminates him, then sends a full file without him
    renamed = set_element(load("834"), "NM1*IL", 1, 3, "FORGED")
    await tenants.submit("otherplan", as_sender(renamed, "OTHERPLAN01", "OTHERRCVR"))
    term = set_element(load("834"), "INS", 1, 3, "024")
    term = insert_segment(term, "REF*0F", "DTP*357*D8*20260301")
    await tenants.submit("otherplan", as_sender(term, "OTHERPLAN01", "OTHERRCVR"))
    full = set_element(load("834"), "BGN", 1, 8, "4")
    full = set_element(full, "REF*0F", 1, 2, "90000001A")
    await tenants.submit("otherplan", as_sender(full, "OTHERPLAN01", "OTHERRCVR"))
    for who in ("gphp", "clinic"):
        after = await felipe(who)
        assert after == before[who]
    # otherplan sees only its own roster's Felipe
    assert (await felipe("otherplan"))["last_name"] != "YARROWAY"


# --- 835: payments attach only to claims sent to the paying plan -----------------------------


def _remit(sender: str) -> list[str]:
    segs = as_sender(load("835"), sender, "SUBMITTER9856")
    segs = set_element(segs, "CLP", 1, 1, CLAIM_1)
    return set_element(segs, "N1*PE", 1, 4, CLINIC_NPI)


async def _payments(tenants: Tenants) -> list[str]:
    api = tenants.api
    listed = await api.client.get(
        "/v1/encounters", params={"claim_id": CLAIM_1}, headers=api.auth("clinic")
    )
    [item] = listed.json()["items"]
    detail = await api.client.get(f"/v1/encounters/{item['id']}", headers=api.auth("clinic"))
    return [p["paid"] for p in detail.json()["payments"]]


async def test_an_835_pays_only_claims_sent_to_its_plan(tenants: Tenants) -> None:
    await tenants.submit("clinic", load("837P"))  # addressed to GPHP1EDI
    forged = await tenants.submit("otherplan", _remit("OTHERPLAN01"))
    assert forged["status"] == "completed"
    assert await _payments(tenants) == []
    await tenants.submit("gphp", _remit("GPHP1EDI"))
    assert len(await _payments(tenants)) == 1


# --- R46: eligibility against the roster of the claim's plan ---------------------------------


def _roster_with(member: str, sender: str) -> list[str]:
    segs = load("834")
    for nth in (1, 2, 3):  # Felipe's family carries his CIN
        segs = set_element(segs, "REF*0F", nth, 2, member)
    return as_sender(segs, sender, "SUBMITTER9856")


async def _r46(tenants: Tenants) -> list[str | None]:
    status = await tenants.submit("clinic", as_sender(load("837P"), "SUBMITTER9856"))
    return [
        f.claim_id
        for f in await tenants.findings(status["id"])
        if (f.rule_id or "").startswith("R46")
    ]


async def test_eligibility_rule_reads_only_the_claims_plan_roster(tenants: Tenants) -> None:
    # otherplan's roster has the claim's member 96994177R; the claim is for gphp, whose
    # roster (held) does not: the member is not enrolled with the claim's plan
    await tenants.submit("otherplan", _roster_with("96994177R", "OTHERPLAN01"))
    await tenants.submit("gphp", as_sender(load("834"), "GPHP1EDI", "SUBMITTER9856"))
    assert CLAIM_1 in await _r46(tenants)


async def test_eligibility_rule_passes_on_the_claims_plan_roster(tenants: Tenants) -> None:
    await tenants.submit("gphp", _roster_with("96994177R", "GPHP1EDI"))
    assert CLAIM_1 not in await _r46(tenants)
