"""Reading what was ingested over HTTP: eligibility, member search, encounters and remittances,
with the tenancy matrix, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api_support import Api
from sqlalchemy import event, select
from x12_edit import dump, insert_segment, load, set_element

from edi_gateway.models import AuditEvent
from parsers.generate import generate_bytes

PROBLEM = "application/problem+json"

# 834_valid_basic.x12 (MCALENROLL -> GPHP1EDI): three families, coverage from 2026-02-01.
FELIPE = "97445419Q"  # subscriber, open-ended HLT MCLCCS01, PCP 2166156424 WESTBROOKE
FLORA = "97453338N"  # Felipe's child (REF*23), REF*0F = Felipe's CIN
PAULA = "97469176F"  # subscriber, coverage ends 2026-12-31, PCP 1081094090 OKANDER
PAULA_CASE = "MCL18208"  # REF*1L of Paula and her child Hector
# 837p_valid_basic.x12 (SUBMITTER9856 -> GPHP1EDI): five claims, billing NPI 1551312931.
CLAIM_1 = "PCN267000032363"  # member 96994177R, rendering 1618117950, 2026-09-07, $312
CLAIM_2 = "PCN267000032364"  # member 97002096D, 2026-09-03, voided below
BILLING_NPI = "1551312931"


def _isa_id(value: str) -> str:
    return value.ljust(15)


def _write(path: Path, segs: list[str]) -> Path:
    path.write_bytes(dump(segs))
    return path


@dataclass
class World:
    api: Api
    remittance_trace: str = "EFT2289687310000"

    async def get(self, who: str | None, url: str, **params: Any) -> Any:
        headers = self.api.auth(who) if who else {}
        return await self.api.client.get(url, params=params, headers=headers)

    async def ok(self, who: str, url: str, **params: Any) -> Any:
        response = await self.get(who, url, **params)
        assert response.status_code == 200, response.text
        return response.json()

    async def ids(self, who: str, url: str, key: str = "id", **params: Any) -> list[Any]:
        return [item[key] for item in (await self.ok(who, url, **params))["items"]]


@pytest.fixture
async def world(api: Api, tmp_path: Path) -> World:
    """Partners and files:

    - dhcs (the state program, a plan partner: MCALENROLL) sends two rosters: the sample to
      GPHP1EDI and a generated one to OTHERPLAN01;
    - gphp (plan, GPHP1EDI) receives the first roster and the sample encounters, and sends an
      835 to the clinic whose first CLP pays CLAIM_1;
    - otherplan (plan, OTHERPLAN01) receives the second roster;
    - clinic (provider, SUBMITTER9856) sends the sample 837P, then voids CLAIM_2;
    - clinic2 (provider, SUBMITTER9880) sends three generated claims; ops sees everything.
    """
    await api.partner("dhcs", "plan", "MCALENROLL")
    await api.partner("gphp", "plan", "GPHP1EDI")
    await api.partner("otherplan", "plan", "OTHERPLAN01")
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("clinic2", "provider", "SUBMITTER9880")
    await api.partner("ops", "ops")

    await api.ingest(_write(tmp_path / "roster.x12", load("834")), "dhcs")
    other = tmp_path / "other_roster_raw.x12"
    other.write_bytes(generate_bytes("834", 3, seed=5))
    segs = set_element(load(other), "ISA", 1, 8, _isa_id("OTHERPLAN01"))
    segs = set_element(segs, "GS", 1, 3, "OTHERPLAN01")
    await api.ingest(_write(tmp_path / "other_roster.x12", segs), "dhcs")

    await api.ingest(_write(tmp_path / "claims.x12", load("837P")), "clinic")
    clinic2 = tmp_path / "clinic2.x12"
    clinic2.write_bytes(generate_bytes("837p", 3, seed=1))
    await api.ingest(clinic2, "clinic2")

    # A void (frequency 8) of CLAIM_2: the original becomes "voided", the new claim "void";
    # the other four claims of the resent file are rejected as duplicates.
    segs = set_element(load("837P"), "ISA", 1, 13, "514296399")
    segs = set_element(segs, "IEA", 1, 2, "514296399")
    segs = set_element(segs, f"CLM*{CLAIM_2}", 1, "05-3", "8")
    segs = insert_segment(segs, f"CLM*{CLAIM_2}", f"REF*F8*{CLAIM_2}")
    await api.ingest(_write(tmp_path / "void.x12", segs), "clinic")

    segs = set_element(load("835"), "ISA", 1, 8, _isa_id("SUBMITTER9856"))
    segs = set_element(segs, "GS", 1, 3, "SUBMITTER9856")
    segs = set_element(segs, "CLP", 1, 1, CLAIM_1)
    await api.ingest(_write(tmp_path / "remit.x12", segs), "gphp")
    return World(api)


# --- eligibility ---------------------------------------------------------------------------


async def test_eligibility_in_and_outside_the_coverage_span(world: World) -> None:
    url = f"/v1/members/{FELIPE}/eligibility"
    body = await world.ok("gphp", url, date="2026-03-15")
    assert body["active"] is True and body["date"] == "2026-03-15"
    assert body["member_id"] == FELIPE and body["is_subscriber"] is True
    assert (body["last_name"], body["first_name"], body["birth_date"]) == (
        "YARROWAY",
        "FELIPE",
        "1950-02-21",
    )
    assert body["plan"]["plan_code"] == "MCLCCS01" and body["plan"]["insurance_line"] == "HLT"
    assert body["plan"]["coverage_level"] == "IND"
    assert body["coverage"] == {"begin": "2026-02-01", "end": None}
    assert body["pcp"]["npi"] == "2166156424" and "WESTBROOKE" in body["pcp"]["name"]
    assert len(body["coverages"]) == 1

    before = await world.ok("gphp", url, date="2026-01-31")
    assert before["active"] is False and before["date"] == "2026-01-31"
    assert before["plan"] is None and before["coverage"] is None and before["pcp"] is None
    assert before["coverages"] == [] and before["member_id"] == FELIPE

    first_day = await world.ok("gphp", url, date="2026-02-01")
    assert first_day["active"] is True


async def test_eligibility_ends_with_the_span(world: World) -> None:
    url = f"/v1/members/{PAULA}/eligibility"
    last = await world.ok("gphp", url, date="2026-12-31")
    assert last["active"] is True
    assert last["coverage"] == {"begin": "2026-02-01", "end": "2026-12-31"}
    assert last["pcp"]["npi"] == "1081094090" and "OKANDER" in last["pcp"]["name"]
    after = await world.ok("gphp", url, date="2027-01-01")
    assert after["active"] is False and after["pcp"] is None


async def test_eligibility_finds_dependents_and_other_ids(world: World) -> None:
    flora = await world.ok("gphp", f"/v1/members/{FLORA}/eligibility", date="2026-06-01")
    assert flora["member_id"] == FLORA and flora["subscriber_id"] == FELIPE
    assert flora["is_subscriber"] is False and flora["relationship_code"] == "19"
    assert flora["first_name"] == "FLORA" and flora["active"] is True
    # REF*1L is shared by the family: the subscriber is the one returned.
    paula = await world.ok("gphp", f"/v1/members/{PAULA_CASE}/eligibility", date="2026-06-01")
    assert paula["member_id"] == PAULA and paula["first_name"] == "PAULA"


async def test_unknown_member_is_a_404_problem(world: World) -> None:
    response = await world.get("gphp", "/v1/members/NOSUCHCIN/eligibility", date="2026-03-01")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Not found"
    assert "NOSUCHCIN" in problem["detail"]


async def test_eligibility_reads_are_audited_without_names(world: World) -> None:
    await world.ok("gphp", f"/v1/members/{FELIPE}/eligibility", date="2026-03-15")
    async with world.api.db.sessionmaker() as s:
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.resource_type == "eligibility")))
            .scalars()
            .all()
        )
    [event] = events
    assert event.action == "read" and event.resource_id and event.resource_id.isdigit()
    assert "YARROWAY" not in f"{event.detail}{event.resource_id}"


async def test_eligibility_date_must_be_a_date(world: World) -> None:
    response = await world.get("gphp", f"/v1/members/{FELIPE}/eligibility", date="March")
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


# --- member search -------------------------------------------------------------------------


async def test_member_search_filters(world: World) -> None:
    members = "/v1/members"
    family = await world.ok("gphp", members, last_name="yarroway")
    assert {m["first_name"] for m in family["items"]} == {"FELIPE", "FLORA", "JAVIER"}
    assert family["next_cursor"] is None
    flora = next(m for m in family["items"] if m["first_name"] == "FLORA")
    assert flora["member_id"] == FLORA and flora["subscriber_id"] == FELIPE
    assert flora["identifiers"]["23"] == FLORA and flora["birth_date"] == "2018-02-05"

    by_cin = await world.ids("gphp", members, key="member_id", member_id=FELIPE)
    assert sorted(by_cin) == sorted([FELIPE, FLORA, "97461257P"])
    assert await world.ids("gphp", members, key="member_id", member_id=FLORA) == [FLORA]
    assert await world.ids("gphp", members, key="first_name", birth_date="1982-07-23") == ["PAULA"]
    # Paula and Hector's coverage ends 2026-12-31.
    active_2027 = await world.ids("gphp", members, key="member_id", active_on="2027-01-01")
    assert len(active_2027) == 4 and PAULA not in active_2027
    assert len(await world.ids("gphp", members, active_on="2026-01-15")) == 0
    assert len(await world.ids("gphp", members, plan_code="MCLCCS01")) == 6
    assert len(await world.ids("gphp", members, plan_code="MCLCCS01", active_on="2027-01-01")) == 4
    # The other plan's roster is not gphp's; ops sees both.
    everyone = await world.ids("ops", members, limit=500)
    assert len(everyone) == 9
    hmo = await world.ids("ops", members, plan_code="MCLHMO02")
    assert len(hmo) == 1 and await world.ids("gphp", members, plan_code="MCLHMO02") == []


async def test_member_search_pages(world: World) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await world.ok("gphp", "/v1/members", **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen.extend(m["id"] for m in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert pages == 3 and len(seen) == len(set(seen)) == 6
    assert seen == sorted(seen, reverse=True)
    bad = await world.get("gphp", "/v1/members", cursor="not-a-cursor")
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    too_many = await world.get("gphp", "/v1/members", limit=501)
    assert too_many.status_code == 422


# --- encounters ----------------------------------------------------------------------------


async def test_encounter_list_filters(world: World) -> None:
    url = "/v1/encounters"
    [one] = (await world.ok("clinic", url, claim_id=CLAIM_1))["items"]
    assert one["claim_id"] == CLAIM_1 and one["guide"] == "837P"
    assert one["total_charge"] == "312.00" and one["billing_npi"] == BILLING_NPI
    assert one["member_id"] == "96994177R" and one["status"] == "active"
    assert one["service_date_from"] == "2026-09-07" and one["submission_id"]

    async def claims(**params: Any) -> list[str]:
        return await world.ids("clinic", url, key="claim_id", **params)

    assert await claims(npi="1618117950") == [CLAIM_1]  # 2310B rendering
    assert len(await claims(npi=BILLING_NPI)) == 6  # five originals and the void
    assert sorted(await claims(member_id="97010015R")) == [
        "PCN267000032365",
        "PCN267000032366",
        "PCN267000032367",
    ]
    assert sorted(await claims(service_date_from="2026-09-05")) == [
        CLAIM_1,
        "PCN267000032366",
        "PCN267000032367",
    ]
    assert sorted(await claims(service_date_to="2026-09-05")) == [
        CLAIM_2,
        CLAIM_2,
        "PCN267000032365",
    ]
    assert sorted(
        await claims(service_date_from="2026-09-01", service_date_to="2026-09-08", status="active")
    ) == [CLAIM_1]
    assert await claims(status="voided") == [CLAIM_2]
    assert await claims(status="void") == [CLAIM_2]
    assert len(await claims(status="active")) == 4
    assert await claims(status="replaced") == []
    bad = await world.get("clinic", url, status="deleted")
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


async def test_encounter_list_pages(world: World) -> None:
    first = await world.ok("ops", "/v1/encounters", limit=5)
    assert len(first["items"]) == 5 and first["next_cursor"]
    second = await world.ok("ops", "/v1/encounters", limit=5, cursor=first["next_cursor"])
    assert len(second["items"]) == 4 and second["next_cursor"] is None
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(set(ids)) == 9 and ids == sorted(ids, reverse=True)


async def test_encounter_detail_with_matched_payment(world: World) -> None:
    [enc_id] = await world.ids("clinic", "/v1/encounters", claim_id=CLAIM_1)
    detail = await world.ok("clinic", f"/v1/encounters/{enc_id}")
    assert detail["claim_id"] == CLAIM_1 and detail["total_charge"] == "312.00"
    assert (detail["sender_id"], detail["receiver_id"]) == ("SUBMITTER9856", "GPHP1EDI")
    assert detail["patient"] == {
        "member_id": "96994177R",
        "relationship": detail["patient"]["relationship"],
        "last_name": "FARNSWICK",
        "first_name": "NADIA",
        "birth_date": "1961-03-16",
        "gender": "F",
    }
    lines = detail["lines"]
    assert [ln["line_number"] for ln in lines] == [1, 2, 3, 4]
    assert [ln["procedure_code"] for ln in lines] == ["81002", "99203", "99213", "36415"]
    assert [ln["charge"] for ln in lines] == ["12.00", "160.00", "125.00", "15.00"]
    assert lines[0]["diagnosis_pointers"] == [1, 2] and lines[0]["units"] == "1.00"
    assert lines[0]["service_date_from"] == "2026-09-07"
    assert [(d["sequence"], d["qualifier"], d["code"]) for d in detail["diagnoses"]] == [
        (1, "ABK", "R109"),
        (2, "ABF", "J209"),
    ]
    roles = {p["role"]: p for p in detail["parties"]}
    assert roles["billing"]["npi"] == BILLING_NPI
    assert roles["billing"]["last_name"] == "SIERRA VISTA FAMILY MEDICINE"
    assert roles["rendering"]["npi"] == "1618117950"
    assert roles["payer"]["identifier"] == "GPHP1"
    assert detail["prior_payers"] == []

    [payment] = detail["payments"]
    assert payment["status_code"] == "1" and payment["paid"] == "292.11"
    assert payment["charge"] == "394.00" and payment["trace_number"] == world.remittance_trace
    assert payment["payment_date"] == "2026-03-05"
    assert {(a["group_code"], a["reason_code"], a["amount"]) for a in payment["adjustments"]} == {
        ("CO", "45", "52.50"),
        ("CO", "45", "3.72"),
        ("CO", "45", "38.85"),
        ("CO", "45", "6.82"),
    }
    remittance = await world.ok("clinic", f"/v1/remittances/{payment['remittance_id']}")
    assert remittance["claims"][0]["encounter_id"] == enc_id

    # An encounter without a payment, and the void linked to its original.
    voids = (await world.ok("clinic", "/v1/encounters", claim_id=CLAIM_2))["items"]
    void, original = voids  # newest first
    assert (void["status"], original["status"]) == ("void", "voided")
    void_detail = await world.ok("clinic", f"/v1/encounters/{void['id']}")
    assert void_detail["replaces_id"] == original["id"] and void_detail["payments"] == []
    assert void_detail["frequency_code"] == "8"


async def test_encounter_detail_is_audited(world: World) -> None:
    [enc_id] = await world.ids("clinic", "/v1/encounters", claim_id=CLAIM_1)
    await world.ok("clinic", f"/v1/encounters/{enc_id}")
    async with world.api.db.sessionmaker() as s:
        event = (
            await s.execute(
                select(AuditEvent).where(
                    AuditEvent.resource_type == "encounter", AuditEvent.action == "read"
                )
            )
        ).scalar_one()
    assert (event.action, event.resource_id) == ("read", str(enc_id))


# --- remittances ---------------------------------------------------------------------------


async def test_remittance_list_filters(world: World) -> None:
    url = "/v1/remittances"
    [summary] = (await world.ok("gphp", url))["items"]
    assert summary["trace_number"] == world.remittance_trace
    assert summary["total_paid"] == "575.72" and summary["payment_date"] == "2026-03-05"
    assert summary["payee_npi"] == "1677328134" and summary["payment_method"] == "ACH"
    assert summary["payer_name"] == "GOLDEN POPPY HEALTH PLAN"
    rid = summary["id"]

    async def ids(**params: Any) -> list[int]:
        return await world.ids("gphp", url, **params)

    assert await ids(trace_number=world.remittance_trace) == [rid]
    assert await ids(trace_number="NOPE") == []
    assert await ids(payer_id="1942817289") == [rid]  # TRN03
    assert await ids(payee_npi="1677328134") == [rid]
    assert await ids(payee_npi=BILLING_NPI) == []
    assert await ids(payment_date_from="2026-03-05", payment_date_to="2026-03-05") == [rid]
    assert await ids(payment_date_from="2026-03-06") == []
    assert await ids(payment_date_to="2026-03-04") == []
    assert await ids(claim_id=CLAIM_1) == [rid]
    assert await ids(claim_id="PCN283000597927") == [rid]
    assert await ids(claim_id=CLAIM_2) == []


async def test_remittance_detail(world: World) -> None:
    [rid] = await world.ids("clinic", "/v1/remittances")
    detail = await world.ok("clinic", f"/v1/remittances/{rid}")
    assert detail["total_paid"] == "575.72" and detail["handling_code"] == "I"
    assert detail["credit_debit"] == "C" and detail["payer_trn_id"] == "1942817289"
    assert detail["receiver_id"] == "SUBMITTER9856"
    claims = detail["claims"]
    assert [c["claim_id"] for c in claims] == [
        CLAIM_1,
        "PCN283000597923",
        "PCN283000597924",
        "PCN283000597925",
        "PCN283000597926",
        "PCN283000597927",
    ]
    first = claims[0]
    assert (first["charge"], first["paid"], first["status_code"]) == ("394.00", "292.11", "1")
    assert first["payer_claim_number"] == "2026927622516" and first["received_date"] == "2026-01-27"
    assert first["encounter_id"] is not None and first["adjustments"] == []
    assert [s["procedure_code"] for s in first["services"]] == ["99393", "81002", "99214", "85025"]
    assert first["services"][0]["paid"] == "122.50"
    assert first["services"][0]["service_date_from"] == "2026-01-25"
    assert [
        (a["group_code"], a["reason_code"], a["amount"])
        for a in first["services"][0]["adjustments"]
    ] == [("CO", "45", "52.50")]

    second = claims[1]
    assert second["patient_responsibility"] == "5.00" and second["encounter_id"] is None
    assert [(a["group_code"], a["reason_code"], a["amount"]) for a in second["adjustments"]] == [
        ("OA", "23", "132.01")
    ]
    assert [
        (a["group_code"], a["reason_code"], a["amount"])
        for a in second["services"][1]["adjustments"]
    ] == [("CO", "45", "37.50"), ("PR", "2", "5.00")]

    denied = claims[3]
    assert denied["status_code"] == "4" and denied["paid"] == "0.00"
    assert denied["services"][2]["remark_codes"] == ["N130"]
    assert denied["services"][2]["adjustments"][0]["reason_code"] == "96"

    assert [
        (p["reason_code"], p["reference"], p["amount"], p["fiscal_period_end"])
        for p in detail["provider_adjustments"]
    ] == [("WO", "RCV385845", "5.67", "2026-12-31"), ("L6", None, "-13.53", "2026-12-31")]
    assert all(p["provider_id"] == "1677328134" for p in detail["provider_adjustments"])

    async with world.api.db.sessionmaker() as s:
        event = (
            await s.execute(
                select(AuditEvent).where(
                    AuditEvent.resource_type == "remittance", AuditEvent.action == "read"
                )
            )
        ).scalar_one()
    assert event.resource_id == str(rid)


# --- tenancy -------------------------------------------------------------------------------


async def test_providers_see_only_their_own_encounters(world: World) -> None:
    mine = await world.ids("clinic", "/v1/encounters", limit=500)
    theirs = await world.ids("clinic2", "/v1/encounters", limit=500)
    assert len(mine) == 6 and len(theirs) == 3 and not set(mine) & set(theirs)
    for guessed in theirs:
        response = await world.get("clinic", f"/v1/encounters/{guessed}")
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    response = await world.get("clinic2", f"/v1/encounters/{mine[0]}")
    assert response.status_code == 404
    assert await world.ids("clinic2", "/v1/encounters", claim_id=CLAIM_1) == []
    assert await world.ids("clinic2", "/v1/encounters", npi=BILLING_NPI) == []
    # Rosters are not the providers'.
    assert (await world.get("clinic", f"/v1/members/{FELIPE}/eligibility")).status_code == 404
    assert await world.ids("clinic", "/v1/members") == []
    # The 835 was addressed to the clinic, not to clinic2.
    [rid] = await world.ids("clinic", "/v1/remittances")
    assert await world.ids("clinic2", "/v1/remittances") == []
    assert (await world.get("clinic2", f"/v1/remittances/{rid}")).status_code == 404


async def test_plans_see_what_was_addressed_to_them(world: World) -> None:
    # gphp is ISA08 of every encounter and of the first roster, and sent the 835.
    assert len(await world.ids("gphp", "/v1/encounters", limit=500)) == 9
    assert len(await world.ids("gphp", "/v1/members", limit=500)) == 6
    assert len(await world.ids("gphp", "/v1/remittances")) == 1
    [enc_id] = await world.ids("gphp", "/v1/encounters", claim_id=CLAIM_1)
    assert (await world.ok("gphp", f"/v1/encounters/{enc_id}"))["claim_id"] == CLAIM_1
    # otherplan sees its own roster only, and no encounters or remittances.
    others = await world.ok("otherplan", "/v1/members")
    assert len(others["items"]) == 3
    other_cin = others["items"][0]["member_id"]
    assert (await world.ok("otherplan", f"/v1/members/{other_cin}/eligibility"))["member_id"]
    response = await world.get("otherplan", f"/v1/members/{FELIPE}/eligibility")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert (await world.get("gphp", f"/v1/members/{other_cin}/eligibility")).status_code == 404
    assert await world.ids("otherplan", "/v1/encounters") == []
    assert (await world.get("otherplan", f"/v1/encounters/{enc_id}")).status_code == 404
    assert await world.ids("otherplan", "/v1/remittances") == []
    # The sender of the rosters sees both (it submitted them).
    assert len(await world.ids("dhcs", "/v1/members", limit=500)) == 9


async def test_ops_sees_everything(world: World) -> None:
    assert len(await world.ids("ops", "/v1/members", limit=500)) == 9
    encounters = await world.ids("ops", "/v1/encounters", limit=500)
    assert len(encounters) == 9
    for enc_id in encounters:
        assert (await world.get("ops", f"/v1/encounters/{enc_id}")).status_code == 200
    [rid] = await world.ids("ops", "/v1/remittances")
    assert (await world.get("ops", f"/v1/remittances/{rid}")).status_code == 200
    assert (await world.ok("ops", f"/v1/members/{FELIPE}/eligibility"))["active"] is True


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/members/{FELIPE}/eligibility",
        "/v1/members",
        "/v1/encounters",
        "/v1/encounters/1",
        "/v1/remittances",
        "/v1/remittances/1",
    ],
)
async def test_no_or_invalid_key_is_a_401_problem(world: World, url: str) -> None:
    for headers in ({}, {"Authorization": "Bearer edi_not-a-key"}, {"Authorization": "Basic x"}):
        response = await world.api.client.get(url, headers=headers)
        assert response.status_code == 401, url
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == 401 and problem["title"] and problem["detail"]


async def test_detail_queries_do_not_grow_with_lines(world: World) -> None:
    """Children are read with one query per table, not one per line or claim."""
    engine = world.api.client._transport.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # the app's webhook sender sweeps for due deliveries on the same engine now and
        # then (on a loaded machine, during a request): not the request's queries
        if "webhook_deliveries" not in statement:
            statements.append(statement)

    async def queries(url: str) -> int:
        statements.clear()
        await world.ok("ops", url)
        return len(statements)

    one_line = await world.ids("ops", "/v1/encounters", claim_id="PCN267000032366")
    four_lines = await world.ids("ops", "/v1/encounters", claim_id=CLAIM_1)
    [rid] = await world.ids("ops", "/v1/remittances")
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        small = await queries(f"/v1/encounters/{one_line[0]}")
        large = await queries(f"/v1/encounters/{four_lines[0]}")
        remittance = await queries(f"/v1/remittances/{rid}")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert small == large - 1  # the matched payment's CAS, read in one more query
    assert remittance <= small + 1


async def test_openapi_documents_the_query_routes(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path, model in [
        ("/v1/members/{member_id}/eligibility", "Eligibility"),
        ("/v1/members", "MemberList"),
        ("/v1/encounters", "EncounterList"),
        ("/v1/encounters/{encounter_id}", "EncounterDetail"),
        ("/v1/remittances", "RemittanceList"),
        ("/v1/remittances/{remittance_id}", "RemittanceDetail"),
    ]:
        ok = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].endswith(f"/{model}"), path
        assert "401" in paths[path]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert schemas["EncounterSummary"]["properties"]["total_charge"]["type"] == "string"
    assert "example" in schemas["RemittanceDetail"]
    assert schemas["Eligibility"]["properties"]["active"]["description"]
    params = {p["name"] for p in paths["/v1/members/{member_id}/eligibility"]["get"]["parameters"]}
    assert "date" in params
