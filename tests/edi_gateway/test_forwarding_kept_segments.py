"""A claim's and a service line's segments and elements that have no field of their own
(contract information CN1, the medical record number REF*EA, the accident, last-seen and
onset dates, the repricing HCP, a line's DME supplier data SV5, its notes and its 2440
forms; CLM11 related causes and CLM20 delay reason, SV109 emergency, SV111 EPSDT, SV305
prosthesis) are stored as sent, shown on the encounter and forwarded in the guide's order,
on SQLite and PostgreSQL (our check and pyx12 accept the forwarded 837P)."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import Api
from conftest import SAMPLES
from pyx12_oracle import run_pyx12
from test_forwarding_roundtrip import (
    ENVELOPE,
    _ids,
    _stored,
    _with_segments,
    accepted_claims,
    ingest_text,
)

from edi_gateway.forwarding.load import claim_view
from mappings.records import EncounterClaim
from mappings.x837_write import write_837


def _ids_in(written: str, first: str, last: str) -> list[str]:
    """The segments from the one starting ``first`` to the next starting ``last``, as
    their id and first element."""
    start = written.index(first)
    segments = written[start : written.index(last, start)].split("~\n")
    return ["*".join(s.split("*")[:2]) for s in segments if s]


def _reads_back(written: str, stored: list[EncounterClaim]) -> list[EncounterClaim]:
    """The forwarded file passes our check with every claim as stored, and pyx12's map;
    the claims read back from it."""
    back, result = accepted_claims(written.encode())
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(c) for c in stored]
    oracle = run_pyx12(written.encode())
    assert oracle.verdict == "accepted", oracle.errors[:5]
    return back


def _basic_837p(*edits: tuple[str, str]) -> str:
    """The sample 837P with each (old, new) edit made (see ``_with_segments``)."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    for old, new in edits:
        data = _with_segments(data, old, new)
    return data


async def _details(api: Api, partner: str) -> list[dict[str, object]]:
    found = []
    for encounter_id in await _ids(api):
        response = await api.client.get(f"/v1/encounters/{encounter_id}", headers=api.auth(partner))
        assert response.status_code == 200
        found.append(response.json())
    return found


async def test_professional_claim_and_line_segments_are_kept_and_forwarded_in_order(
    api: Api, tmp_path: Path
) -> None:
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    data = _with_segments(
        data,
        "CLM*PCN267000032363*312***11:B:1*Y*A*Y*Y~\nHI*ABK:R109*ABF:J209~\n",
        # an auto accident in California (CLM11), sent late for a reason (CLM20)
        "CLM*PCN267000032363*312***11:B:1*Y*A*Y*Y*P*AA:::CA*********1~\n"
        "DTP*439*D8*20260819~\nDTP*304*D8*20260901~\nDTP*431*D8*20260820~\nCN1*05~\n"
        "REF*EA*MR0042~\nREF*X4*05D0123456~\nHI*ABK:R109*ABF:J209~\nHCP*00*312~\n",
    )
    data = _with_segments(
        data,
        "SV1*HC:81002*12*UN*1***1:2~\nDTP*472*D8*20260907~\n",
        # an emergency (SV109) EPSDT screening (SV111)
        "SV1*HC:81002*12*UN*1***1:2**Y**Y~\nSV5*HC:E0100*DA*3*50*40*4~\nDTP*472*D8*20260907~\n"
        "AMT*T*1.5~\nNTE*ADD*FASTING SPECIMEN~\nLQ*UT*01.02~\nFRM*1A*Y~\n",
    )
    path = tmp_path / "837p_kept.x12"

    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    assert len(stored) == 5
    first = stored[0]
    assert first.claim_elements == {10: "P", 11: ["AA", "", "", "CA"], 20: "1"}
    assert first.lines[0].service_elements == {9: "Y", 11: "Y"}
    assert first.other_segments == [
        ["DTP", "439", "D8", "20260819"],
        ["DTP", "304", "D8", "20260901"],
        ["DTP", "431", "D8", "20260820"],
        ["CN1", "05"],
        ["REF", "EA", "MR0042"],
        ["REF", "X4", "05D0123456"],
        ["HCP", "00", "312"],
    ]
    assert first.lines[0].other_segments == [
        ["SV5", ["HC", "E0100"], "DA", "3", "50", "40", "4"],
        ["AMT", "T", "1.5"],
        ["NTE", "ADD", "FASTING SPECIMEN"],
        ["LQ", "UT", "01.02"],
        ["FRM", "1A", "Y"],
    ]
    assert [(c.other_segments, c.claim_elements) for c in stored[1:]] == [([], {})] * 4
    assert [ln.other_segments for ln in first.lines[1:]] == [[]] * 3

    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    # in the guide's order, among the segments written from fields (REF*D9 is our trace)
    assert "CLM*PCN267000032363*312***11:B:1*Y*A*Y*Y*P*AA:::CA*********1~" in written
    assert "SV1*HC:81002*12*UN*1***1:2**Y**Y~" in written
    assert _ids_in(written, "CLM*PCN267000032363", "NM1*") == [
        "CLM*PCN267000032363",
        "DTP*439",
        "DTP*304",
        "DTP*431",
        "CN1*05",
        "REF*D9",
        "REF*EA",
        "REF*X4",
        "HI*ABK:R109",
        "HCP*00",
    ]
    assert _ids_in(written, "LX*1~", "LX*2~") == [
        "LX*1",
        "SV1*HC:81002",
        "SV5*HC:E0100",
        "DTP*472",
        "AMT*T",
        "NTE*ADD",
        "LQ*UT",
        "FRM*1A",
    ]
    _reads_back(written, stored)

    # and the billing office sees them on the encounter
    shown = await _details(api, "sierra-vista")
    assert shown[0]["claim_elements"] == {"10": "P", "11": ["AA", "", "", "CA"], "20": "1"}
    assert shown[0]["lines"][0]["service_elements"] == {"9": "Y", "11": "Y"}
    assert shown[0]["other_segments"][3:5] == [["CN1", "05"], ["REF", "EA", "MR0042"]]
    assert shown[0]["lines"][0]["other_segments"][0] == [
        "SV5",
        ["HC", "E0100"],
        "DA",
        "3",
        "50",
        "40",
        "4",
    ]
    assert shown[1]["other_segments"] == []


async def test_institutional_notes_after_the_first_and_the_medical_record_number(
    api: Api, tmp_path: Path
) -> None:
    data = (SAMPLES / "837i" / "837i_valid_basic.x12").read_text()
    assert data.count("\nSE*") == 1
    data = _with_segments(
        data,
        "CL1**1*01~\nHI*ABK:J069~\n",
        "CL1**1*01~\nREF*EA*MR77~\nNTE*ADD*FIRST NOTE~\nNTE*DCP*SECOND NOTE~\nHI*ABK:J069~\n",
    )
    path = tmp_path / "837i_kept.x12"
    first = (await ingest_text(api, path, data, "salinas", "SUBMITTER5419"))[0]
    assert (first.note_code, first.note) == ("ADD", "FIRST NOTE")
    assert first.other_segments == [["REF", "EA", "MR77"], ["NTE", "DCP", "SECOND NOTE"]]
    written = write_837(ENVELOPE, "837I", [("0001", [first])]).data.decode()
    assert _ids_in(written, "CLM*PCN153000889365", "NM1*") == [
        "CLM*PCN153000889365",
        "DTP*434",
        "CL1*",
        "REF*D9",
        "REF*EA",
        "NTE*ADD",
        "NTE*DCP",
        "HI*ABK:J069",
    ]
    back, result = accepted_claims(written.encode())
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(first)]


def test_a_kept_value_holding_our_separator_is_refused_with_the_element_named() -> None:
    """A provider's file with other separators can send a ":" in a text; it cannot be
    written in ours, and the error names the element without repeating the value."""
    claim = accepted_claims((SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes())[0][0]
    claim.other_segments = [["REF", "EA", "MR:00042"]]
    with pytest.raises(ValueError, match=r"^REF02 holds an X12 separator \(\*:\^~\)$"):
        write_837(ENVELOPE, "837P", [("0001", [claim])])


async def test_a_dental_replacement_keeps_its_prosthesis_code(api: Api) -> None:
    """SV305 says whether a crown or bridge is the first one (I) or replaces another (R);
    plans limit replacements, so the forwarded line must still say so."""
    path = SAMPLES / "837d" / "837d_valid_dependent.x12"
    assert path.read_bytes().count(b"SV3*AD:D2740*1150***R*1*****1~") == 1
    await api.partner("maple-grove", "provider", "DENTSUBMIT01")
    await api.ingest(path, "maple-grove")
    stored = await _stored(api.db)
    crowns = [ln for c in stored for ln in c.lines if ln.procedure_code == "D2740"]
    assert [ln.service_elements for ln in crowns] == [{5: "R"}]
    written = write_837(ENVELOPE, "837D", [("0001", stored)]).data
    assert written.count(b"SV3*AD:D2740*1150***R*1*****1~") == 1


async def test_a_name_suffix_and_a_second_address_line_are_kept(api: Api, tmp_path: Path) -> None:
    data = _basic_837p(
        (
            "NM1*IL*1*FARNSWICK*NADIA****MI*96994177R~\nN3*2184 OAK MEADOW LN~\n",
            "NM1*IL*1*FARNSWICK*NADIA***III*MI*96994177R~\nN3*2184 OAK MEADOW LN*UNIT 4~\n",
        )
    )
    path = tmp_path / "837p_suffix.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    first = stored[0]
    assert (first.subscriber.suffix, first.subscriber.address2) == ("III", "UNIT 4")
    assert (stored[1].subscriber.suffix, stored[1].subscriber.address2) == (None, None)
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert "NM1*IL*1*FARNSWICK*NADIA***III*MI*96994177R~\nN3*2184 OAK MEADOW LN*UNIT 4~" in written
    _reads_back(written, stored)
    shown = (await _details(api, "sierra-vista"))[0]["parties"]
    subscriber = next(p for p in shown if p["role"] == "subscriber")
    assert (subscriber["suffix"], subscriber["address2"]) == ("III", "UNIT 4")


async def test_an_address_outside_the_united_states_keeps_its_country(
    api: Api, tmp_path: Path
) -> None:
    """A subscriber living in Mexico: N404 country and N407 subdivision (no N402 state)
    are stored, shown and forwarded (they were dropped)."""
    data = _basic_837p(
        (
            "N3*2184 OAK MEADOW LN~\nN4*SACRAMENTO*CA*958004137~\n",
            "N3*2184 OAK MEADOW LN~\nN4*MEXICALI**21000*MX***BC~\n",
        )
    )
    stored = await ingest_text(api, tmp_path / "abroad.x12", data, "sierra-vista", "SUBMITTER9856")
    home = stored[0].subscriber
    assert (home.city, home.state, home.country, home.country_subdivision) == (
        "MEXICALI",
        None,
        "MX",
        "BC",
    )
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert "N3*2184 OAK MEADOW LN~\nN4*MEXICALI**21000*MX***BC~" in written
    oracle = run_pyx12(written.encode())  # and another engine reads it as X222A1
    assert oracle.verdict == "accepted", oracle.errors[:5]
    assert "N4*SACRAMENTO*CA*958004137~" not in written.split("NM1*IL")[1].split("CLM*")[0]
    _reads_back(written, stored)
    shown = (await _details(api, "sierra-vista"))[0]["parties"]
    subscriber = next(p for p in shown if p["role"] == "subscriber")
    assert (subscriber["country"], subscriber["country_subdivision"]) == ("MX", "BC")


async def test_other_coverage_is_forwarded_as_the_provider_sent_it(
    api: Api, tmp_path: Path
) -> None:
    """Medi-Cal pays last: a member's other health coverage (2320/2330) goes to the plan
    with its relationship, group, claim filing indicator and the other subscriber as sent
    (they were written as "18", no group, "ZZ" and our own subscriber)."""
    other = (
        "SBR*S*01*GR00786******CI~\nAMT*D*10~\nOI***Y*P**Y~\n"
        "NM1*IL*1*FARNSWICK*TOMAS****MI*OHC12345~\nN3*2184 OAK MEADOW LN~\n"
        "N4*SACRAMENTO*CA*958004137~\nNM1*PR*2*OTHER HEALTH PLAN*****PI*OHP01~\n"
    )
    data = _with_segments(
        (SAMPLES / "837p" / "837p_valid_basic.x12").read_text(),
        "PRV*PE*PXC*207R00000X~\nLX*1~\nSV1*HC:81002*",
        f"PRV*PE*PXC*207R00000X~\n{other}LX*1~\nSV1*HC:81002*",
    )
    # the other payer paid the first line under another code (SVD03), after adjusting it
    paid = "SVD*OHP01*10*HC:81003**1~\nCAS*CO*45*2~\nDTP*573*D8*20260915~\n"
    data = _with_segments(
        data,
        "DTP*472*D8*20260907~\nLX*2~\nSV1*HC:99203*",
        f"DTP*472*D8*20260907~\n{paid}LX*2~\nSV1*HC:99203*",
    )
    path = tmp_path / "837p_other_coverage.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    [prior] = stored[0].prior_payers
    assert (prior.sequence, prior.payer_id, prior.paid_amount) == ("S", "OHP01", 10)
    assert prior.segments[0] == ["SBR", "S", "01", "GR00786", "", "", "", "", "", "CI"]
    assert [s[0] for s in prior.segments] == ["SBR", "AMT", "OI", "NM1", "N3", "N4", "NM1"]
    assert stored[0].lines[0].adjudications == [
        ["SVD", "OHP01", "10", ["HC", "81003"], "", "1"],
        ["CAS", "CO", "45", "2"],
        ["DTP", "573", "D8", "20260915"],
    ]
    assert (prior.line_paid, prior.adjudication_date.isoformat()) == ({1: 10}, "2026-09-15")
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert "PRV*PE*PXC*207R00000X~\n" + other + "LX*1~" in written
    assert "DTP*472*D8*20260907~\n" + paid + "LX*2~" in written
    _reads_back(written, stored)


async def test_plan_assigned_provider_ids_and_the_payer_address_are_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """A plan that pays its providers under its own ids reads them in REF*G2 of the
    rendering provider (2310B); the payer's address (2010BB N3/N4) and the billing
    provider's licence (REF*0B) go back as sent too."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    data = _with_segments(
        data,
        "NM1*82*1*DORVANTE*RAFAEL****XX*1618117950~\nPRV*PE*PXC*207R00000X~\nLX*1~\n",
        "NM1*82*1*DORVANTE*RAFAEL****XX*1618117950~\nPRV*PE*PXC*207R00000X~\n"
        "REF*G2*GPHP-PROV-77~\nLX*1~\n",
    )
    data = _with_segments(data, "REF*EI*686359625~\n", "REF*EI*686359625~\nREF*0B*A12345~\n")
    payer = "NM1*PR*2*GOLDEN POPPY HEALTH PLAN*****PI*GPHP1~\nCLM*PCN267000032363"
    data = _with_segments(
        data, payer, payer.replace("~\n", "~\nN3*PO BOX 7~\nN4*SACRAMENTO*CA*958140007~\n")
    )
    path = tmp_path / "837p_ids.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    first = stored[0]
    rendering = next(p for p in first.providers if p.role == "rendering")
    assert rendering.secondary_ids == {"G2": "GPHP-PROV-77"}
    assert first.billing.secondary_ids == {"EI": "686359625", "0B": "A12345"}
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert "REF*EI*686359625~\nREF*0B*A12345~\nHL*2*1*22*0~" in written
    assert "PRV*PE*PXC*207R00000X~\nREF*G2*GPHP-PROV-77~\nLX*1~" in written
    assert written.count("N3*PO BOX 7~\nN4*SACRAMENTO*CA*958140007~\nCLM*PCN267000032363") == 1
    _reads_back(written, stored)
    parties = (await _details(api, "sierra-vista"))[0]["parties"]
    shown = next(p for p in parties if p["role"] == "rendering")
    assert shown["secondary_ids"] == {"G2": "GPHP-PROV-77"}


async def test_a_pay_to_plan_is_forwarded(api: Api, tmp_path: Path) -> None:
    """2010AC: on a subrogation claim the plan that is to be paid, with its address and
    ids (it was dropped)."""
    plan = (
        "NM1*PE*2*POPPY SUBROGATION UNIT*****PI*GPHP9~\nN3*PO BOX 9~\n"
        "N4*SACRAMENTO*CA*958140009~\nREF*EI*123456789~\n"
    )
    data = _with_segments(
        (SAMPLES / "837p" / "837p_valid_basic.x12").read_text(),
        "REF*EI*686359625~\nHL*2*1*22*0~\n",
        f"REF*EI*686359625~\n{plan}HL*2*1*22*0~\n",
    )
    path = tmp_path / "837p_pay_to_plan.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    pay_to_plan = [p for c in stored for p in c.providers if p.role == "pay_to_plan"]
    assert [(p.last_name, p.identifier, p.tax_id) for p in pay_to_plan] == [
        ("POPPY SUBROGATION UNIT", "GPHP9", "123456789")
    ] * len(stored)
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert written.count(f"REF*EI*686359625~\n{plan}HL*") == 1
    _reads_back(written, stored)


async def test_a_line_rendered_by_another_provider_is_forwarded_with_its_name_and_ids(
    api: Api, tmp_path: Path
) -> None:
    """A group's claim where one service was performed by another clinician of the group:
    the line's own 2420A (name, NPI, taxonomy, plan-assigned id) is what the plan pays that
    line against, so the forwarded line names that clinician, not an NPI alone."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    second_line = "LX*2~\nSV1*HC:99203*160*UN*1***1:2~\nDTP*472*D8*20260907~\n"
    own = "NM1*82*1*QUILLAN*MARISOL*T***XX*1962471334~\nPRV*PE*PXC*207Q00000X~\nREF*G2*LIC77~\n"
    data = _with_segments(data, second_line, second_line + own)
    path = tmp_path / "837p_line_rendering.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    lines = stored[0].lines
    rendering = lines[1].rendering
    assert rendering is not None
    assert (rendering.last_name, rendering.first_name, rendering.middle_name) == (
        "QUILLAN",
        "MARISOL",
        "T",
    )
    assert (rendering.npi, rendering.taxonomy, rendering.secondary_ids) == (
        "1962471334",
        "207Q00000X",
        {"G2": "LIC77"},
    )
    shown = (await _details(api, "sierra-vista"))[0]
    on_line = [
        (p["role"], p["npi"], p["service_line"]) for p in shown["parties"] if p["service_line"]
    ]
    assert on_line == [("rendering", "1962471334", lines[1].line)]

    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert _ids_in(written, "LX*2~", "LX*3~") == [
        "LX*2",
        "SV1*HC:99203",
        "DTP*472",
        "NM1*82",
        "PRV*PE",
        "REF*G2",
    ]
    assert (
        "NM1*82*1*QUILLAN*MARISOL*T***XX*1962471334~\nPRV*PE*PXC*207Q00000X~\nREF*G2*LIC77~\nLX*3~"
        in written
    )
    # every rendering provider sent (2310B, the 2420A), each written once
    assert written.count("NM1*82*") == data.count("NM1*82*") == 3
    _reads_back(written, stored)


async def test_a_referring_and_a_primary_care_provider_are_both_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """2310A repeats: the referring provider (DN) and the member's primary care provider
    (P3), whom Medi-Cal plans check against their assignment. Both are kept under their
    own entity code, on the claim and on a line (2420F)."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    referrers = (
        "NM1*DN*1*REFERMAN*ROSA****XX*1245319599~\nREF*G2*REF55~\n"
        "NM1*P3*1*PRIMAVERA*PAULO****XX*1003000126~\n"
    )
    data = _with_segments(data, "HI*ABK:R109*ABF:J209~\n", "HI*ABK:R109*ABF:J209~\n" + referrers)
    third_line = "LX*3~\nSV1*HC:99213*125*UN*1***1:2~\nDTP*472*D8*20260907~\n"
    line_pcp = "NM1*P3*1*PRIMAVERA*PAULO****XX*1003000126~\n"
    data = _with_segments(data, third_line, third_line + line_pcp)
    path = tmp_path / "837p_referrers.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    first = stored[0]
    assert [(p.role, p.last_name, p.npi) for p in first.providers] == [
        ("referring", "REFERMAN", "1245319599"),
        ("primary_care", "PRIMAVERA", "1003000126"),
        ("rendering", "DORVANTE", "1618117950"),
    ]
    assert first.providers[0].secondary_ids == {"G2": "REF55"}
    assert [(p.role, p.npi) for p in first.lines[2].providers] == [("primary_care", "1003000126")]

    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert (
        "HI*ABK:R109*ABF:J209~\nNM1*DN*1*REFERMAN*ROSA****XX*1245319599~\nREF*G2*REF55~\n"
        "NM1*P3*1*PRIMAVERA*PAULO****XX*1003000126~\nNM1*82*1*DORVANTE*RAFAEL****XX*1618117950~"
    ) in written
    assert _ids_in(written, "LX*3~", "LX*4~") == [
        "LX*3",
        "SV1*HC:99213",
        "DTP*472",
        "NM1*P3",
    ]
    _reads_back(written, stored)


async def test_the_billing_office_contact_is_forwarded(api: Api, tmp_path: Path) -> None:
    """2010AA PER: whom the plan calls about the provider's claims. In the file the MSO
    forwards, the submitter (1000A) is the MSO, so the billing office's own contact is
    only where the provider put it."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    per = "PER*IC*BILLING DESK*TE*9165550100*EM*BILLING@SIERRAVISTA.EXAMPLE~\n"
    data = _with_segments(data, "REF*EI*686359625~\n", "REF*EI*686359625~\n" + per)
    path = tmp_path / "837p_billing_contact.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    contact = ["PER", "IC", "BILLING DESK", "TE", "9165550100", "EM", "BILLING@SIERRAVISTA.EXAMPLE"]
    assert [c.billing.contacts for c in stored] == [[contact]] * 5
    shown = (await _details(api, "sierra-vista"))[0]
    billing = [p for p in shown["parties"] if p["role"] == "billing"]
    assert [p["contacts"] for p in billing] == [[contact]]

    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    # once, in the billing provider's loop, after its tax id
    assert written.count("PER*IC*BILLING DESK*") == 1
    assert "REF*EI*686359625~\n" + per in written
    back = _reads_back(written, stored)
    assert [c.billing.contacts for c in back] == [[contact]] * 5


async def test_a_dental_line_keeps_its_own_dentist_and_specialty(api: Api, tmp_path: Path) -> None:
    """837D 2420A: the dentist who did one procedure, with the specialty (PRV) the plan
    prices it by (an oral surgeon's extraction in a general dentist's claim)."""
    data = (SAMPLES / "837d" / "837d_valid_dependent.x12").read_text()
    own = "NM1*82*1*MOLARIS*DANA****XX*1962471334~\nPRV*PE*PXC*1223S0112X~\n"
    data = _with_segments(data, "DTP*441*D8*20150610~\n", "DTP*441*D8*20150610~\n" + own)
    path = tmp_path / "837d_line_rendering.x12"
    stored = await ingest_text(api, path, data, "maple-grove", "DENTSUBMIT01")
    [claim] = [c for c in stored if any(ln.rendering and ln.rendering.last_name for ln in c.lines)]
    written = write_837(ENVELOPE, "837D", [("0001", [claim])]).data.decode()
    assert "DTP*441*D8*20150610~\n" + own in written
    back, result = accepted_claims(written.encode())
    assert result.accepted
    assert [claim_view(c) for c in back] == [claim_view(claim)]
    rendering = back[0].lines[1].rendering
    assert rendering is not None and rendering.taxonomy == "1223S0112X"


async def test_the_subscriber_pregnancy_group_name_and_currency_are_forwarded(
    api: Api, tmp_path: Path
) -> None:
    """2000B PAT09 says the member (the patient) is pregnant, which Medi-Cal plans read for
    pregnancy-related services; SBR04 names the group; 2000A CUR the currency. None of them
    has a field: they are kept as sent with the claim and written in their loops."""
    data = _basic_837p(
        (
            "SBR*P*18*******MC~\nNM1*IL*1*FARNSWICK",
            "SBR*P*18**MEDI-CAL MANAGED CARE*****MC~\nPAT*****D8*20261001*01*150*Y~\n"
            "NM1*IL*1*FARNSWICK",
        ),
        ("PRV*BI*PXC*261QF0400X~\n", "PRV*BI*PXC*261QF0400X~\nCUR*85*USD~\n"),
    )
    path = tmp_path / "837p_pregnancy.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    first = stored[0]
    assert first.hierarchy_segments == {
        "2000A": [["CUR", "85", "USD"]],
        "2000B": [
            ["SBR", "P", "18", "", "MEDI-CAL MANAGED CARE", "", "", "", "", "MC"],
            ["PAT", "", "", "", "", "D8", "20261001", "01", "150", "Y"],
        ],
    }
    assert [c.hierarchy_segments.get("2000B") for c in stored[1:]] == [None] * 4
    shown = (await _details(api, "sierra-vista"))[0]
    assert shown["hierarchy_segments"]["2000B"][1][-1] == "Y"

    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert written.count("CUR*85*USD~") == 1  # one billing provider: one 2000A
    assert (
        "SBR*P*18**MEDI-CAL MANAGED CARE*****MC~\nPAT*****D8*20261001*01*150*Y~\n"
        "NM1*IL*1*FARNSWICK*NADIA****MI*96994177R~"
    ) in written
    assert written.count("PAT*") == 1
    _reads_back(written, stored)


def test_a_dependents_pat_beyond_the_relationship_is_forwarded() -> None:
    """2000C PAT05-09 (the patient's date of death, weight, pregnancy) when the patient is
    not the subscriber: kept as sent and written in place of the relationship alone."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    # the last subscriber's claims become her daughter's (2000C), who is pregnant
    data = _with_segments(
        data, "HL*4*1*22*0~\nSBR*P*18*******MC~\n", "HL*4*1*22*1~\nSBR*P********MC~\n"
    )
    data = _with_segments(
        data,
        "CLM*PCN267000032365",
        "HL*5*4*23*0~\nPAT*19********Y~\nNM1*QC*1*ZELLANDO*LUCIA~\nN3*7497 WILLOW CREEK PL~\n"
        "N4*OAKLAND*CA*946809814~\nDMG*D8*20080316*F~\nCLM*PCN267000032365",
    )
    claims, result = accepted_claims(data.encode())
    assert result.accepted
    dependent = [c for c in claims if c.patient.first_name == "LUCIA"]
    assert [c.claim_id for c in dependent] == [
        "PCN267000032365",
        "PCN267000032366",
        "PCN267000032367",
    ]
    assert [c.hierarchy_segments for c in dependent] == [
        {"2000C": [["PAT", "19", "", "", "", "", "", "", "", "Y"]]}
    ] * 3
    written = write_837(ENVELOPE, "837P", [("0001", claims)]).data.decode()
    assert "PAT*19********Y~\nNM1*QC*1*ZELLANDO*LUCIA" in written
    _reads_back(written, claims)


async def test_the_service_facility_contact_is_forwarded(api: Api, tmp_path: Path) -> None:
    """837P 2310C PER: whom the plan calls at the place the service was given."""
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_text()
    facility = (
        "NM1*77*2*SIERRA VISTA ANNEX*****XX*1245319599~\nN3*10 ANNEX RD~\n"
        "N4*SAN DIEGO*CA*921041563~\nPER*IC*FRONT DESK*TE*6195550100~\n"
    )
    data = _with_segments(
        data, "PRV*PE*PXC*207R00000X~\nLX*1~", "PRV*PE*PXC*207R00000X~\n" + facility + "LX*1~"
    )
    path = tmp_path / "837p_facility_contact.x12"
    stored = await ingest_text(api, path, data, "sierra-vista", "SUBMITTER9856")
    [place] = [p for p in stored[0].providers if p.role == "service_facility"]
    assert place.contacts == [["PER", "IC", "FRONT DESK", "TE", "6195550100"]]
    written = write_837(ENVELOPE, "837P", [("0001", stored)]).data.decode()
    assert facility + "LX*1~" in written
    _reads_back(written, stored)
