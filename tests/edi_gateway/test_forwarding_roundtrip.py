"""Round trip of forwarding: for every 837 in sample_edi/ and tests/corpus/ that we accept
(and generated files of each guide), the claims stored from it, written as an outbound
837 and read back by our parser, equal the stored records (on SQLite and PostgreSQL);
the outbound file passes our SNIP 1-2 and, for 837P, pyx12's X222A1 map."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from api_support import Api
from conftest import CORPUS, SAMPLES, Db
from pyx12_oracle import run_pyx12
from sqlalchemy import select

from edi_gateway.forwarding.compose import Candidate, Limits, compose
from edi_gateway.forwarding.load import claim_view, load_claims
from edi_gateway.models import Encounter
from edi_gateway.submissions.ingest import ingest_paths
from mappings.check import CheckedFile, CheckedSet, CheckedUnit, check
from mappings.records import EncounterClaim
from mappings.x837_write import Envelope, write_837
from parsers.generate import write_file

ENVELOPE = Envelope(
    sender_qualifier="ZZ",
    sender_id="OURMSO",
    receiver_qualifier="ZZ",
    receiver_id="PLANRCV",
    gs_sender_id="OURMSO",
    gs_receiver_id="PLANRCV",
    usage="T",
    interchange_control=41,
    group_control=41,
    created=dt.datetime(2026, 12, 6, 2, 30, tzinfo=dt.UTC),
    submitter_name="SYNTHETIC MSO",
    submitter_id="OURMSO",
    contact_name="EDI DESK",
    contact_email="edi@example.org",
    receiver_name="SYNTHETIC PLAN",
)

FILES = sorted([*SAMPLES.glob("837*/*.x12"), *CORPUS.glob("837*/*.x12")])


def accepted_claims(data: bytes) -> tuple[list[EncounterClaim], CheckedFile]:
    claims: list[EncounterClaim] = []
    pending: list[EncounterClaim] = []
    last: CheckedFile | None = None
    for item in check(data):
        if isinstance(item, CheckedUnit) and item.accepted:
            assert isinstance(item.record, EncounterClaim)
            pending.append(item.record)
        elif isinstance(item, CheckedSet):
            if item.accepted:
                claims += pending
            pending = []
        elif isinstance(item, CheckedFile):
            last = item
    assert last is not None
    return claims, last


async def _stored(db: Db) -> list[EncounterClaim]:
    async with db.sessionmaker() as s:
        ids = list((await s.execute(select(Encounter.id).order_by(Encounter.id))).scalars())
        return await load_claims(s, ids)


async def _round_trip(db: Db, path: Path) -> int:
    await ingest_paths(db.sessionmaker, db.settings, [path])
    stored = await _stored(db)
    by_guide: dict[str, list[EncounterClaim]] = {}
    for claim in stored:
        by_guide.setdefault(claim.guide, []).append(claim)
    for guide, claims in by_guide.items():
        # two transaction sets, to cover positions within more than one ST
        half = max(1, len(claims) // 2)
        sets = [("0001", claims[:half])] + ([("0002", claims[half:])] if claims[half:] else [])
        written = write_837(ENVELOPE, guide, sets)
        back, result = accepted_claims(written.data)
        assert result.accepted, [f.message for f in result.result.findings][:5]
        assert [claim_view(c) for c in back] == [claim_view(c) for c in claims]
        assert [(w.claim_id, w.st_control, w.position) for w in written.claims] == [
            (c.claim_id, st, n) for st, chunk in sets for n, c in enumerate(chunk, 1)
        ]
        if guide == "837P":
            oracle = run_pyx12(written.data)
            assert oracle.verdict == "accepted", oracle.errors[:5]
    return len(stored)


async def ingest_text(
    api: Api, path: Path, data: str, partner: str, *sender_ids: str
) -> list[EncounterClaim]:
    """``data`` written to ``path`` and ingested from provider ``partner`` (its ISA06
    ``sender_ids``): the claims then stored, in id order."""
    path.write_text(data)
    await api.partner(partner, "provider", *sender_ids)
    await api.ingest(path, partner)
    return await _stored(api.db)


def _with_segments(data: str, old: str, new: str) -> str:
    """A one-set file with ``old`` (found once) replaced by ``new`` and its SE count
    following the segments added."""
    assert data.count(old) == 1 and data.count("\nSE*") == 1
    segments = int(data.split("\nSE*")[1].split("*")[0])
    data = data.replace(old, new)
    added = new.count("~") - old.count("~")
    return data.replace(f"\nSE*{segments}*", f"\nSE*{segments + added}*")


def _accepted(path: Path) -> bool:
    return bool(accepted_claims(path.read_bytes())[0])


ACCEPTED = [p for p in FILES if _accepted(p)]


def test_every_accepted_file_is_covered() -> None:
    # the sample files we accept; the corpus files are all refused at SNIP 1-2 (other
    # versions, broken envelopes), which this keeps honest should that change
    assert {p.name for p in ACCEPTED} >= {
        "837p_valid_basic.x12",
        "837p_valid_multi_st.x12",
        "837i_valid_basic.x12",
        "837d_valid_dependent.x12",
        "837d_valid_subscriber_patient.x12",
    }


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_forwarded_claims_read_back_as_stored(db: Db, path: Path) -> None:
    assert await _round_trip(db, path) > 0


@pytest.mark.parametrize("kind", ["837p", "837i", "837d"])
async def test_generated_files_round_trip(db: Db, tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.x12"
    write_file(path, kind, 60, seed=17)
    assert await _round_trip(db, path) == 60


async def test_tooth_surfaces_and_oral_cavity_areas_are_stored_and_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """A dental restoration is billed per tooth and surface (TOO03), some services per
    area of the mouth (SV304): both are stored and the forwarded 837D carries them."""
    data = (SAMPLES / "837d" / "837d_valid_subscriber_patient.x12").read_bytes()
    assert b"SV3*AD:D7140*95.50****1*****1~" in data
    path = tmp_path / "dental.x12"
    path.write_bytes(
        data.replace(b"SV3*AD:D7140*95.50****1*****1~", b"SV3*AD:D7140*95.50**10:20**1*****1~", 1)
    )
    db = api.db
    await api.partner("maple-grove", "provider", "DENTSUBMIT01")
    await api.ingest(path, "maple-grove")
    stored = await _stored(db)
    teeth = [
        (ln.tooth_numbers, ln.tooth_surfaces, ln.oral_cavity_areas)
        for claim in stored
        for ln in claim.lines
    ]
    assert teeth == [
        (["3"], ["MOD"], []),
        (["30"], ["O"], []),
        (["A"], [], ["10", "20"]),
        (["B"], [], []),
        (["19"], ["OB"], []),
    ]
    written = write_837(ENVELOPE, "837D", [("0001", stored)]).data
    for segment in (b"TOO*JP*3*M:O:D~", b"TOO*JP*30*O~", b"TOO*JP*A~", b"TOO*JP*19*O:B~"):
        assert segment in written
    assert b"SV3*AD:D7140*95.5**10:20**1*****1~" in written
    back, result = accepted_claims(written)
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    # and the provider's office sees them on the encounter
    listed = await api.client.get("/v1/encounters", headers=api.auth("maple-grove"))
    seen = []
    for item in sorted(listed.json()["items"], key=lambda e: e["id"]):
        detail = await api.client.get(
            f"/v1/encounters/{item['id']}", headers=api.auth("maple-grove")
        )
        seen += [
            (ln["tooth_numbers"], ln["tooth_surfaces"], ln["oral_cavity_areas"])
            for ln in detail.json()["lines"]
        ]
    assert seen == teeth


async def test_a_drugs_prescription_number_is_stored_shown_and_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """A line's drug (2410) names its prescription (REF*XZ) or its link to another line
    (REF*VY): stored with the NDC, shown on the encounter, and written after the drug's
    CTP in the forwarded 837P."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    for line, drug in (
        (
            "SV1*HC:99213*125*UN*1***1:2~\nDTP*472*D8*20260907~\n",
            "N4*00004196501~\nCTP****7*UN~\nREF*XZ*2530001~\n",
        ),
        (
            "SV1*HC:36415*15*UN*1***1:2~\nDTP*472*D8*20260907~\n",
            "N4*63323024910~\nCTP****14*ML~\nREF*VY*0002~\n",
        ),
    ):
        data = _with_segments(data, line, line + "LIN**" + drug)
    stored = await ingest_text(api, tmp_path / "drugs.x12", data, "clinic-a", "SUBMITTER9856")
    drugs = [
        (ln.ndc, ln.ndc_quantity, ln.ndc_unit, ln.ndc_reference_qualifier, ln.ndc_reference)
        for claim in stored
        for ln in claim.lines
        if ln.ndc
    ]
    assert drugs == [
        ("00004196501", Decimal("7"), "UN", "XZ", "2530001"),
        ("63323024910", Decimal("14"), "ML", "VY", "0002"),
    ]
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data
    assert b"LIN**N4*00004196501~\nCTP****7*UN~\nREF*XZ*2530001~\n" in written
    assert b"LIN**N4*63323024910~\nCTP****14*ML~\nREF*VY*0002~\n" in written
    oracle = run_pyx12(written)  # and another engine reads it as X222A1
    assert oracle.verdict == "accepted", oracle.errors[:5]
    back, result = accepted_claims(written)
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    detail = await api.client.get(
        f"/v1/encounters/{(await _ids(api))[0]}", headers=api.auth("clinic-a")
    )
    shown = [
        (ln["ndc"], ln["ndc_reference_qualifier"], ln["ndc_reference"])
        for ln in detail.json()["lines"]
        if ln["ndc"]
    ]
    assert shown == [("00004196501", "XZ", "2530001"), ("63323024910", "VY", "0002")]


async def test_claim_attachments_and_file_information_are_stored_shown_and_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """PWK says paperwork went apart from the claim (records by mail, X-rays online) and
    names it by its attachment control number: the plan matches the two only if the
    forwarded claim still carries it. K3 carries what a state program asks for in no
    other segment: forwarded as sent."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    first = "CLM*PCN267000032363*312***11:B:1*Y*A*Y*Y~\n"
    assert first in data and data.count("\nSE*") == 1
    pwks = "PWK*OZ*BM***AC*ATT0042~\nPWK*RB*AA~\nK3*OVERRIDE CODE 7~\n"
    data = _with_segments(data, first, first + pwks)
    path = tmp_path / "attachments.x12"
    stored = await ingest_text(api, path, data, "clinic-a", "SUBMITTER9856")
    assert [
        [(a.report_type, a.transmission, a.control_number) for a in c.attachments] for c in stored
    ][:2] == [[("OZ", "BM", "ATT0042"), ("RB", "AA", None)], []]
    detail = await api.client.get(
        f"/v1/encounters/{(await _ids(api))[0]}", headers=api.auth("clinic-a")
    )
    assert detail.json()["attachments"] == [
        {"report_type": "OZ", "transmission": "BM", "control_number": "ATT0042"},
        {"report_type": "RB", "transmission": "AA", "control_number": None},
    ]
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data
    assert [c.file_information for c in stored][:2] == [["OVERRIDE CODE 7"], []]
    assert detail.json()["file_information"] == ["OVERRIDE CODE 7"]
    assert b"PWK*OZ*BM***AC*ATT0042~\nPWK*RB*AA~\n" in written
    # K3 after the claim's REFs (our trace in REF*D9), before its HI
    assert re.search(rb"\nREF\*D9\*[^~]*~\nK3\*OVERRIDE CODE 7~\nHI\*", written)
    back, result = accepted_claims(written)
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    assert run_pyx12(written).verdict == "accepted"


async def _ids(api: Api) -> list[int]:
    async with api.db.sessionmaker() as s:
        return list((await s.execute(select(Encounter.id).order_by(Encounter.id))).scalars())


async def test_a_pay_to_address_is_stored_and_forwarded(api: Api, tmp_path: Path) -> None:
    """A billing provider paid at another address (2010AB) keeps it on its claims, and the
    forwarded 837 carries it under the billing provider."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    tax_id = "REF*EI*686359625~\n"
    assert data.count(tax_id) == 1 and data.count("\nSE*") == 1
    pay_to = "NM1*87*2~\nN3*PO BOX 4410~\nN4*SAN DIEGO*CA*921124410~\n"
    data = _with_segments(data, tax_id, tax_id + pay_to)
    path = tmp_path / "pay_to.x12"
    stored = await ingest_text(api, path, data, "clinic-a", "SUBMITTER9856")
    assert len(stored) == 5
    for claim in stored:
        [paid_at] = [p for p in claim.providers if p.role == "pay_to"]
        assert (paid_at.entity_type, paid_at.address1, paid_at.city, paid_at.postal_code) == (
            "2",
            "PO BOX 4410",
            "SAN DIEGO",
            "921124410",
        )
    detail = await api.client.get(
        f"/v1/encounters/{(await _ids(api))[0]}", headers=api.auth("clinic-a")
    )
    assert "pay_to" in [p["role"] for p in detail.json()["parties"]]
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data
    # one billing provider loop for the five claims, its pay-to address after its tax id
    assert written.count(b"NM1*85*") == 1
    assert b"REF*EI*686359625~\nNM1*87*2~\nN3*PO BOX 4410~\nN4*SAN DIEGO*CA*921124410~\n" in written
    back, result = accepted_claims(written)
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    assert run_pyx12(written).verdict == "accepted"


async def test_institutional_procedure_occurrence_value_and_condition_codes_are_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """An inpatient stay's ICD-10-PCS procedures, occurrence, value and condition codes
    and DRG (HI composites that are not diagnoses) are stored and forwarded in the 837I's
    HI order: DRG before the other diagnoses, then procedures, occurrences, values,
    conditions. So is its discharge hour (DTP*096)."""
    data = (SAMPLES / "837i" / "837i_valid_basic.x12").read_text()
    admitting, others = "HI*ABJ:I214~\n", "HI*ABF:E785*ABF:R109*ABF:N390~\n"
    assert data.count(admitting + others) == 1 and data.count("\nSE*") == 1
    added = (
        "HI*BBR:0FT44ZZ:D8:20261123~\nHI*BBQ:0DTJ4ZZ:D8:20261124*BBQ:0JH60DZ:D8:20261124~\n"
        "HI*BH:11:D8:20261123~\nHI*BE:80:::2~\nHI*BG:07*BG:39~\n"
    )
    data = _with_segments(data, admitting + others, admitting + "HI*DR:871~\n" + others + added)
    path = tmp_path / "inpatient.x12"
    stored = await ingest_text(api, path, data, "hospital", *_sender(data))
    [stay] = [c for c in stored if c.other_codes]
    assert stay.other_codes == [
        ["DR", "871"],
        ["BBR", "0FT44ZZ", "D8", "20261123"],
        ["BBQ", "0DTJ4ZZ", "D8", "20261124"],
        ["BBQ", "0JH60DZ", "D8", "20261124"],
        ["BH", "11", "D8", "20261123"],
        ["BE", "80", "", "", "2"],
        ["BG", "07"],
        ["BG", "39"],
    ]
    assert [d.qualifier for d in stay.diagnoses] == ["ABK", "ABJ", "ABF", "ABF", "ABF"]
    assert stay.discharge_hour == "1430"  # DTP*096, the inpatient stay's discharge hour
    ids = await _ids(api)
    details = [
        (await api.client.get(f"/v1/encounters/{i}", headers=api.auth("hospital"))).json()
        for i in ids
    ]
    assert [d["other_codes"] for d in details if d["other_codes"]] == [stay.other_codes]
    written = write_837(ENVELOPE, "837I", [("0001", stored)]).data
    assert b"DTP*096*TM*1430~\nDTP*434*RD8*20261123-20261124~\n" in written
    assert (
        b"HI*ABJ:I214~\nHI*DR:871~\nHI*ABF:E785*ABF:R109*ABF:N390~\n"
        b"HI*BBR:0FT44ZZ:D8:20261123~\nHI*BBQ:0DTJ4ZZ:D8:20261124*BBQ:0JH60DZ:D8:20261124~\n"
        b"HI*BH:11:D8:20261123~\nHI*BE:80:::2~\nHI*BG:07*BG:39~\n"
    ) in written
    back, result = accepted_claims(written)
    assert result.accepted, [f.message for f in result.result.findings][:5]
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]


def _sender(data: str) -> list[str]:
    """The file's ISA06 (the sender id a provider partner is registered with)."""
    return [data.split("*")[6].strip()]


async def test_dental_orthodontic_months_and_tooth_status_are_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """A dental claim's DN1 (orthodontic months) and DN2 (missing or to-be-extracted
    teeth, which a bridge or denture is judged by) are stored and forwarded as sent."""
    data = (SAMPLES / "837d" / "837d_valid_subscriber_patient.x12").read_text()
    dates = "DTP*472*D8*20240110~\n"
    assert data.count(dates) == 1 and data.count("\nSE*") == 1
    status = "DN1*24*12**Y~\nDN2*3*M****JP~\nDN2*14*E****JP~\n"
    data = _with_segments(data, dates, dates + status)
    path = tmp_path / "dental_status.x12"
    stored = await ingest_text(api, path, data, "maple-grove", "DENTSUBMIT01")
    assert [c.dental_status for c in stored] == [
        [
            ["DN1", "24", "12", "", "Y"],
            ["DN2", "3", "M", "", "", "", "JP"],
            ["DN2", "14", "E", "", "", "", "JP"],
        ],
        [],
    ]
    detail = await api.client.get(
        f"/v1/encounters/{(await _ids(api))[0]}", headers=api.auth("maple-grove")
    )
    assert detail.json()["dental_status"] == stored[0].dental_status
    written = write_837(ENVELOPE, "837D", [("0001", stored)]).data
    assert b"DTP*472*D8*20240110~\n" + status.encode() in written
    back, result = accepted_claims(written)
    assert result.accepted, [f.message for f in result.result.findings][:5]
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]


async def test_line_providers_are_stored_and_forwarded_before_the_line_adjudication(
    api: Api, tmp_path: Path
) -> None:
    """A lab test's ordering provider (2420E) and the lab that performed it (2420B
    purchased service) belong to the service line: stored with it, listed on the
    encounter, forwarded in the guide's 2420 order."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    first_line = "LX*1~\nSV1*HC:81002*12*UN*1***1:2~\nDTP*472*D8*20260907~\n"
    assert data.count(first_line) == 1 and data.count("\nSE*") == 1
    # 2420B names the lab by its NPI only (NM103 is not used)
    lab_npi = "NM1*QB*2******XX*1245319599~\n"
    providers = lab_npi + "NM1*DK*1*ORDERLY*OSCAR****XX*1003000126~\n"
    data = _with_segments(data, first_line, first_line + providers)
    path = tmp_path / "line_providers.x12"
    stored = await ingest_text(api, path, data, "clinic-a", "SUBMITTER9856")
    lab = stored[0].lines[0]
    assert [(p.role, p.last_name, p.npi) for p in lab.providers] == [
        ("purchased_service", None, "1245319599"),
        ("ordering", "ORDERLY", "1003000126"),
    ]
    assert all(not ln.providers for c in stored for ln in c.lines[1:])
    detail = await api.client.get(
        f"/v1/encounters/{(await _ids(api))[0]}", headers=api.auth("clinic-a")
    )
    on_line = [
        (p["role"], p["service_line"]) for p in detail.json()["parties"] if p["service_line"]
    ]
    assert on_line == [("purchased_service", lab.line), ("ordering", lab.line)]
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data
    assert (
        b"DTP*472*D8*20260907~\nNM1*QB*2******XX*1245319599~\n"
        b"NM1*DK*1*ORDERLY*OSCAR****XX*1003000126~\nLX*2~"
    ) in written
    back, result = accepted_claims(written)
    assert result.accepted, [f.message for f in result.result.findings][:5]
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    assert run_pyx12(written).verdict == "accepted"


async def test_a_claim_holding_one_of_our_separators_is_held_back_not_fatal(
    api: Api,
) -> None:
    """A provider's file may use other separators than ours, so a stored value (a K3 text,
    a name) can hold our "*": that claim is held back with the element named (not its
    value, which may be a name or member id) and the others are forwarded."""
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.ingest(SAMPLES / "837p" / "837p_valid_basic.x12", "clinic-a")
    stored = await _stored(api.db)
    stored[1].file_information = ["SHARE*OF COST"]
    candidates = [Candidate(i, "s1", None, c) for i, c in enumerate(stored, 1)]
    files, held = compose(
        ENVELOPE, "837P", candidates, Limits(5000, 10, 10_000_000), None, 7, dt.date(2026, 12, 6)
    )
    assert [h.candidate.encounter_id for h in held] == [2]
    [reason] = held[0].reasons
    assert reason == "cannot be written: K301 holds an X12 separator (*:^~)"
    [out] = files
    assert [c.encounter_id for c, _ in out.placed] == [1, 3, 4, 5]
    assert b"SHARE" not in out.written.data
