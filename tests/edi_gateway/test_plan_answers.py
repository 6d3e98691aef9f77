"""The loop closed, end to end on both databases: a provider's file is accepted and
forwarded; the plan's 999 accepts it and its 277CA (sent with POST /v1/submissions by the
plan) rejects one claim; the encounter shows accepted_by_plan / rejected_by_plan with the
plan's codes in plain English and its timeline, the provider has a queue item; a 277CA
that matches nothing is held for ops; a resent answer changes nothing twice; a 835 from
the plan moves claims to paid / denied; matching never crosses to another plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from api_support import Api
from conftest import SAMPLES
from sqlalchemy import func, select
from test_forwarding import P837, setup_plan

from edi_gateway.models import PlanAnswer, PlanStateEvent, WorkItem
from parsers import Validator
from parsers.ack277 import ClaimAck, SetAck, StatusCode, build_277ca
from parsers.acks import AckOptions, build_999

URL = "/v1/forwarding/batches"
NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


async def _submit(api: Api, who: str, data: bytes) -> dict[str, Any]:
    sent = await api.client.post(
        "/v1/submissions",
        content=data,
        headers={**api.auth(who), "content-type": "application/edi-x12"},
    )
    assert sent.status_code in (200, 202), sent.text
    await api.client._transport.app.state.worker.drain()  # type: ignore[attr-defined]
    status = await api.client.get(f"/v1/submissions/{sent.json()['id']}", headers=api.auth(who))
    return dict(status.json())


def _plans_277(batch: dict[str, Any], rejected: str, control: int, **changes: Any) -> bytes:
    """The plan's 277CA for the forwarded claims: all accepted but ``rejected``."""
    sets: dict[str, list[ClaimAck]] = {}
    for c in batch["forwarded_claims"]:
        bad = c["claim_id"] == rejected
        sets.setdefault(c["st_control"], []).append(
            ClaimAck(
                claim_id=changes.get("claim_id", c["claim_id"]),
                accepted=not bad,
                charge=changes.get("charge", c["charge"]),
                service_from=dt.date(2026, 9, 7),
                service_to=None,
                patient_last="SYNTHETIC",
                patient_first="PATIENT",
                member_id="90000000A",
                billing_npi="1234567893",
                billing_name="CLINIC",
                payer_claim_number=None if bad else f"PLN{c['position']}{c['st_control']}",
                statuses=(StatusCode("A7", "562", "85"),) if bad else (),
                message="Billing provider NPI not on file" if bad else None,
            )
        )
    acks = [
        SetAck(
            st_control_number=changes.get("trace", st),
            submitter_id="OURMSO",
            submitter_name="EDI GATEWAY",
            payer_id="GPHP1EDI",
            payer_name="GOLDPLAN",
            received=NOW.date(),
            processed=NOW.date(),
            claims=tuple(claims),
        )
        for st, claims in sets.items()
    ]
    return build_277ca(
        acks,
        sender_qualifier="ZZ",
        sender_id="GPHP1EDI",
        receiver_qualifier="ZZ",
        receiver_id="OURMSO",
        control_number=control,
        now=NOW,
        usage="T",
    )


async def _forwarded(api: Api) -> dict[str, Any]:
    await setup_plan(api, claims_per_set=3)
    await api.ingest(P837, "clinic")
    done = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    [batch] = done.json()["batches"]
    detail = (await api.client.get(f"{URL}/{batch['id']}", headers=api.auth("ops"))).json()
    data = (await api.client.get(f"{URL}/{batch['id']}/file", headers=api.auth("ops"))).content
    detail["data"] = data
    for c in detail["forwarded_claims"]:
        enc = await api.client.get(f"/v1/encounters/{c['encounter_id']}", headers=api.auth("ops"))
        c["charge"] = enc.json()["total_charge"]
    return dict(detail)


async def _encounter(api: Api, encounter_id: int, who: str = "clinic") -> dict[str, Any]:
    found = await api.client.get(f"/v1/encounters/{encounter_id}", headers=api.auth(who))
    assert found.status_code == 200, found.text
    return dict(found.json())


async def test_plan_999_and_277ca_close_the_loop(api: Api) -> None:
    batch = await _forwarded(api)
    await api.partner("otherplan", "plan", "OTHERPLANEDI")
    waiting = await api.client.get(
        "/v1/stats", params={"pending_days": 0}, headers=api.auth("clinic")
    )
    [figures] = waiting.json()["forwarding"]
    assert (figures["forwarded"], figures["pending"], figures["pending_over_days"]) == (5, 5, 5)
    claims = batch["forwarded_claims"]
    first = claims[0]
    rejected = claims[1]

    # the plan's 999, built by our own 999 writer as the plan's gateway would, accepts both sets
    result = None
    for event in Validator().events(batch["data"]):
        result = getattr(event, "result", result)
    x999 = build_999(result, AckOptions(control_number=501, now=NOW))  # type: ignore[arg-type]
    assert b"AK1*HC*1*" in x999 and b"IK5*A" in x999
    answered = await _submit(api, "goldplan", x999)
    assert answered["status"] == "completed", answered
    detail = (await api.client.get(f"{URL}/{batch['id']}", headers=api.auth("ops"))).json()
    assert detail["ack_status"] == "accepted"
    assert {c["state"] for c in detail["forwarded_claims"]} == {"forwarded"}

    x277 = _plans_277(batch, rejected["claim_id"], 502)
    answered = await _submit(api, "goldplan", x277)
    assert answered["status"] == "completed", answered

    accepted = await _encounter(api, first["encounter_id"])
    tracking = accepted["plan_tracking"]
    assert tracking["state"] == "accepted_by_plan" and tracking["plan"] == "goldplan"
    assert tracking["plan_claim_number"] == f"PLN1{first['st_control']}"
    assert [s["state"] for s in tracking["timeline"]] == ["forwarded", "accepted_by_plan"]
    assert tracking["timeline"][1]["answer_kind"] == "277CA"

    refused = (await _encounter(api, rejected["encounter_id"]))["plan_tracking"]
    assert refused["state"] == "rejected_by_plan"
    [code] = refused["timeline"][-1]["codes"]
    assert code["code"] == "A7:562:85"
    assert "rejected for invalid information" in code["meaning"]
    assert "NPI not on file" in (refused["timeline"][-1]["detail"] or "")

    # the provider's queue holds the plan's rejection; the plan's other tenants do not see it
    queue = await api.client.get(
        "/v1/rejections", params={"kind": "rejected_by_plan"}, headers=api.auth("clinic")
    )
    [item] = queue.json()["items"]
    assert item["claim_id"] == rejected["claim_id"] and item["plan"] == "goldplan"
    assert "rejected this claim" in item["findings"][0]["message"]

    # ... and its correction report for the file names the claim with the plan's reason
    report = await api.client.get(
        f"/v1/submissions/{rejected['submission_id']}/report",
        params={"format": "json"},
        headers=api.auth("clinic"),
    )
    assert report.status_code == 200
    [listed] = [
        c for c in report.json()["rejected_claims"] if c["claim_id"] == rejected["claim_id"]
    ]
    assert "NPI not on file" in str(listed["findings"])

    # resent in a new interchange: matched again, nothing changes twice
    again = await _submit(api, "goldplan", _plans_277(batch, rejected["claim_id"], 503))
    assert again["status"] == "completed"
    async with api.db.sessionmaker() as s:
        events = (await s.execute(select(func.count()).select_from(PlanStateEvent))).scalar()
        items = (await s.execute(select(func.count()).select_from(WorkItem))).scalar()
        answers = list((await s.execute(select(PlanAnswer).order_by(PlanAnswer.id))).scalars())
    assert events == len(claims) * 2 and items == 1
    assert [(a.kind, a.status) for a in answers] == [
        ("999", "matched"),
        ("277CA", "matched"),
        ("277CA", "matched"),
    ]

    # later the plan's 835 pays one accepted claim and denies another
    third = claims[2]
    x835 = (SAMPLES / "835" / "835_valid_basic.x12").read_bytes()
    x835 = x835.replace(b"CLP*PCN283000597922*", f"CLP*{first['claim_id']}*".encode())
    x835 = x835.replace(b"CLP*PCN283000597925*", f"CLP*{third['claim_id']}*".encode())
    paid = await _submit(api, "goldplan", x835)
    assert paid["status"] == "completed", paid
    assert (await _encounter(api, first["encounter_id"]))["plan_tracking"]["state"] == "paid"
    denied = (await _encounter(api, third["encounter_id"]))["plan_tracking"]
    assert [s["state"] for s in denied["timeline"]] == ["forwarded", "accepted_by_plan", "denied"]
    assert denied["timeline"][-1]["answer_kind"] == "835"

    stats = await api.client.get(
        "/v1/stats", params={"pending_days": 0}, headers=api.auth("goldplan")
    )
    [figures] = stats.json()["forwarding"]
    assert figures == {
        "plan": "goldplan",
        "forwarded": 5,
        "accepted_by_plan": 2,
        "rejected_by_plan": 1,
        "paid": 1,
        "denied": 1,
        "pending": 0,
        "pending_over_days": 0,
        "pending_days": 0,
        "plan_rejection_rate": 0.2,
    }
    assert (await api.client.get("/v1/stats", headers=api.auth("otherplan"))).json()[
        "forwarding"
    ] == []


async def test_unmatched_answer_is_held_and_matching_stays_with_the_plan(api: Api) -> None:
    batch = await _forwarded(api)
    await api.partner("otherplan", "plan", "OTHERPLANEDI")
    # another plan answering our claims' ids: it matches nothing of its own, so it is held
    x277 = _plans_277(batch, batch["forwarded_claims"][0]["claim_id"], 601)
    x277 = x277.replace(b"GPHP1EDI       ", b"OTHERPLANEDI   ").replace(
        b"GPHP1EDI", b"OTHERPLANEDI"
    )
    other = await _submit(api, "otherplan", x277)
    assert other["status"] == "completed", other
    # the plan's own 277CA for a claim it was never sent: held too
    ghost = _plans_277(batch, "", 602, claim_id="NEVERSENT1", trace="999999999")
    await _submit(api, "goldplan", ghost)
    async with api.db.sessionmaker() as s:
        held = list((await s.execute(select(PlanAnswer).order_by(PlanAnswer.id))).scalars())
    assert [(a.status, a.matched) for a in held] == [("held", 0), ("held", 0)]
    assert "277CA claim NEVERSENT1" in (held[1].detail or "")
    states = {
        (await _encounter(api, c["encounter_id"], "ops"))["plan_tracking"]["state"]
        for c in batch["forwarded_claims"]
    }
    assert states == {"forwarded"}
    listed = await api.client.get(
        "/v1/forwarding/answers", params={"status": "held"}, headers=api.auth("ops")
    )
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2
    refused = await api.client.get("/v1/forwarding/answers", headers=api.auth("clinic"))
    assert refused.status_code == 403


async def test_replacements_carry_the_plans_claim_number(api: Api, tmp_path: Path) -> None:
    """A replacement (CLM05-3 = 7) of a claim the plan accepted goes out with the plan's own
    claim number (277CA REF*1K) in REF*F8; one the plan never numbered keeps the
    provider's."""
    batch = await _forwarded(api)
    rejected = batch["forwarded_claims"][1]["claim_id"]
    await _submit(api, "goldplan", _plans_277(batch, rejected, 701))
    text = _replacing(P837.read_bytes())
    replacement = tmp_path / "replacement.x12"
    replacement.write_bytes(text)
    assert (await _submit(api, "clinic", text))["status"] == "completed"
    done = await api.client.post(URL, json={"plan": "goldplan"}, headers=api.auth("ops"))
    [second] = done.json()["batches"]
    assert second["claims"] == 5 and second["interchange_control"] == 2
    data = (await api.client.get(f"{URL}/{second['id']}/file", headers=api.auth("ops"))).content
    refs = [s for s in data.decode().split("~\n") if s.startswith("REF*F8*")]
    numbers = {
        f"REF*F8*PLN{c['position']}{c['st_control']}"
        for c in batch["forwarded_claims"]
        if c["claim_id"] != rejected
    }
    assert set(refs) == numbers | {f"REF*F8*{rejected}"} and len(refs) == 5
    assert data.count(b"*11:B:7*") == 5


def _replacing(original: bytes) -> bytes:
    """The same claims as replacements (CLM05-3 = 7) naming their CLM01 in REF*F8, in a
    new interchange."""
    out: list[str] = []
    claim_id = None
    for segment in original.decode().split("~\n"):
        if segment.startswith("CLM*"):
            claim_id = segment.split("*")[1]
            segment = segment.replace("*11:B:1*", "*11:B:7*")
        elif segment.startswith("HI*") and claim_id:
            out.append(f"REF*F8*{claim_id}")
            claim_id = None
        elif segment.startswith("SE*"):
            count = int(segment.split("*")[1]) + original.count(b"\nCLM*")
            segment = f"SE*{count}*{segment.split('*')[2]}"
        out.append(segment)
    return "~\n".join(out).replace("514296314", "514296399").encode()
