"""The work queue: processing opens an item for each claim, set or file it rejects, and
the corrected claim, accepted from the same submitter, closes it by itself; another
tenant's file never closes or reveals it."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLES, Db
from sqlalchemy import select

from edi_gateway.models import Encounter, WorkItem, WorkItemEvent
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.ingest import ingest_paths

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
CLAIM = b"CLM*PCN267000032363*312*"


def _file(tmp_path: Path, name: str, *edits: tuple[bytes, bytes]) -> Path:
    data = BASIC.read_bytes()
    for old, new in edits:
        assert old in data
        data = data.replace(old, new)
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def _partners(db: Db) -> None:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic-a", "provider", ["SUBMITTER9856"], None)
        await create_partner(s, "clinic-b", "provider", ["SUBMITTER9857"], None)


async def _items(db: Db) -> list[WorkItem]:
    async with db.sessionmaker() as s:
        return list((await s.execute(select(WorkItem).order_by(WorkItem.id))).scalars())


async def test_a_rejected_claim_opens_an_item_that_says_why(db: Db, tmp_path: Path) -> None:
    await _partners(db)
    bad = _file(tmp_path, "bad.x12", (CLAIM, b"CLM*PCN267000032363*313*"))
    [o] = await ingest_paths(db.sessionmaker, db.settings, [bad], "clinic-a")
    [item] = await _items(db)
    assert (item.kind, item.subject, item.state) == ("rejected_by_gateway", "claim", "open")
    assert (item.claim_id, item.billing_npi, str(item.amount)) == (
        "PCN267000032363",
        "1551312931",
        "313.00",
    )
    assert item.submission_id == o.submission.id and item.transaction_type == "837P"
    assert str(item.service_date) == "2026-09-07" and item.line == 21
    [f] = [f for f in item.findings if f["element"] == "CLM02"]
    assert (f["snip_level"], f["severity"], f["guide"]) == (3, "reject_claim", "x12-837-base")
    assert item.rule_id == f["rule_id"]
    async with db.sessionmaker() as s:
        [event] = (await s.execute(select(WorkItemEvent))).scalars()
    assert (event.item_id, event.actor, event.action) == (item.id, "gateway", "created")


async def test_the_corrected_claim_closes_the_item(db: Db, tmp_path: Path) -> None:
    """The same submitter sends the claim again, corrected: the item is closed by the
    resubmission, linked to the accepted encounter, with the change in its history."""
    await _partners(db)
    bad = _file(tmp_path, "bad.x12", (CLAIM, b"CLM*PCN267000032363*313*"))
    await ingest_paths(db.sessionmaker, db.settings, [bad], "clinic-a")
    fixed = _file(tmp_path, "fixed.x12", (b"514296314", b"514296315"))
    [o] = await ingest_paths(db.sessionmaker, db.settings, [fixed], "clinic-a")
    items = await _items(db)
    first = items[0]
    assert first.state == "closed_by_resubmission"
    assert first.closed_by_submission_id == o.submission.id
    assert first.closed_by_encounter_id is not None and first.closed_at is not None
    # the four claims sent again unchanged are duplicates: each an item of its own
    assert sorted((i.claim_id, i.state, i.code) for i in items[1:]) == [
        (c, "open", "DUP")
        for c in ("PCN267000032364", "PCN267000032365", "PCN267000032366", "PCN267000032367")
    ]
    async with db.sessionmaker() as s:
        history = (
            await s.execute(
                select(WorkItemEvent.action, WorkItemEvent.new_value)
                .where(WorkItemEvent.item_id == first.id)
                .order_by(WorkItemEvent.id)
            )
        ).all()
    assert [tuple(h) for h in history] == [
        ("created", "open"),
        ("closed", "closed_by_resubmission"),
    ]


async def test_another_partners_claim_never_closes_the_item(db: Db, tmp_path: Path) -> None:
    await _partners(db)
    bad = _file(tmp_path, "bad.x12", (CLAIM, b"CLM*PCN267000032363*313*"))
    await ingest_paths(db.sessionmaker, db.settings, [bad], "clinic-a")
    other = _file(tmp_path, "other.x12", (b"SUBMITTER9856", b"SUBMITTER9857"))
    await ingest_paths(db.sessionmaker, db.settings, [other], "clinic-b")
    [item] = [i for i in await _items(db) if i.claim_id == "PCN267000032363"]
    assert item.state == "open" and item.partner_id is not None


async def test_a_file_that_is_not_x12_is_one_item(db: Db, tmp_path: Path) -> None:
    junk = tmp_path / "junk.x12"
    junk.write_bytes(b"this is not an interchange")
    [o] = await ingest_paths(db.sessionmaker, db.settings, [junk])
    [item] = await _items(db)
    assert (item.subject, item.state, item.submission_id) == ("file", "open", o.submission.id)
    assert item.findings and item.code == item.findings[0]["code"]


async def test_a_set_the_999_rejects_is_one_item(db: Db, tmp_path: Path) -> None:
    data = BASIC.read_bytes()
    se = next(seg.strip() for seg in data.split(b"~") if seg.strip().startswith(b"SE*"))
    broken = _file(tmp_path, "se.x12", (se, b"SE*999*" + se.split(b"*")[2]))
    await ingest_paths(db.sessionmaker, db.settings, [broken])
    [item] = await _items(db)
    assert (item.subject, item.set_ordinal, item.transaction_type) == (
        "transaction_set",
        1,
        "837P",
    )
    assert any(f["segment_id"] == "SE" for f in item.findings)
    assert data.count(b"CLM*") == 5  # its five claims are not items of their own


REMIT = SAMPLES / "835" / "835_valid_basic.x12"


async def test_a_denial_opens_an_item_and_a_later_payment_closes_it(db: Db, tmp_path: Path) -> None:
    """The plan's 835 denies two claims (CLP02 = 4): an item each, with the CARCs; a later
    835 from the same plan paying one of them closes that item, not the other."""
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "gphp", "plan", ["GPHP1EDI"], None)
    await ingest_paths(db.sessionmaker, db.settings, [REMIT], "gphp")
    items = {i.claim_id: i for i in await _items(db)}
    assert set(items) == {"PCN283000597925", "PCN283000597926"}
    first = items["PCN283000597925"]
    assert (first.kind, first.state, first.transaction_type, str(first.amount)) == (
        "denied",
        "open",
        "835",
        "442.00",
    )
    assert [f["code"] for f in first.findings][:2] == ["CO-197", "CO-96"]
    assert "N130" in [f["code"] for f in first.findings]  # the RARC (LQ*HE)
    # the plan pays the 22.00 lab line of PCN283000597925 after all (balanced: the claim,
    # the line, the BPR total and the segment count follow)
    repaid = REMIT.read_bytes()
    for old, new in (
        (b"CLP*PCN283000597925*4*442*0*", b"CLP*PCN283000597925*1*442*22*"),
        (b"SVC*HC:85025*22*0**1", b"SVC*HC:85025*22*22**1"),
        (b"BPR*I*575.72*", b"BPR*I*597.72*"),
        (b"SE*78*0955", b"SE*77*0955"),
    ):
        assert repaid.count(old) == 1, old
        repaid = repaid.replace(old, new)
    cas = repaid.index(b"CAS*CO*96*22")
    repaid = repaid[:cas] + repaid[repaid.index(b"~", cas) + 1 :].lstrip(b"\r\n")
    later = tmp_path / "later.x12"
    later.write_bytes(repaid.replace(b"228968731", b"228968732"))
    await ingest_paths(db.sessionmaker, db.settings, [later], "gphp")
    after = {(i.claim_id, i.submission_id): i for i in await _items(db)}
    assert after[("PCN283000597925", first.submission_id)].state == "closed_by_resubmission"
    assert after[("PCN283000597926", first.submission_id)].state == "open"


ROSTER = SAMPLES / "834" / "834_valid_basic.x12"


async def test_a_rejected_member_change_closes_when_the_next_one_is_accepted(
    db: Db, tmp_path: Path
) -> None:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "dhcs", "plan", ["MCALENROLL"], None)
    bad = tmp_path / "bad834.x12"
    # the subscriber's PCP NPI fails its check digit (R30): that member change alone is
    # rejected
    bad.write_bytes(ROSTER.read_bytes().replace(b"XX*2166156424", b"XX*2166156425", 1))
    await ingest_paths(db.sessionmaker, db.settings, [bad], "dhcs")
    [item] = await _items(db)
    assert (item.subject, item.member_id, item.rule_id, item.state) == (
        "member",
        "97445419Q",
        "R30-NPI-PCP",
        "open",
    )
    fixed = tmp_path / "fixed834.x12"
    fixed.write_bytes(ROSTER.read_bytes().replace(b"565723568", b"565723569"))
    [o] = await ingest_paths(db.sessionmaker, db.settings, [fixed], "dhcs")
    [after] = await _items(db)
    assert after.state == "closed_by_resubmission"
    assert after.closed_by_submission_id == o.submission.id


async def test_corrected_claims_in_every_set_of_a_file_close_their_items(
    db: Db, tmp_path: Path
) -> None:
    """The items a file corrects are looked up a transaction set at a time (issue 19): a
    claim rejected in the first and one in the last of four sets, sent again correct in a
    file of four sets, both closed, each by its own claim."""
    import re

    from parsers.generate import generate

    good = b"".join(generate("837p", 12, seed=5, claims_per_st=3))
    claims = re.findall(rb"CLM\*([^*]+)\*([^*]+)\*", good)
    assert good.count(b"~\nST*837*") == 4 and len(claims) == 12
    bad = good
    for claim_id, charge in (claims[0], claims[-1]):
        bad = bad.replace(b"CLM*%s*%s*" % (claim_id, charge), b"CLM*%s*%s1*" % (claim_id, charge))
    isa13 = good.split(b"*")[13]
    good = good.replace(b"*%s*" % isa13, b"*%09d*" % (int(isa13) + 1)).replace(
        b"IEA*1*%s~" % isa13, b"IEA*1*%09d~" % (int(isa13) + 1)
    )
    sender = good.split(b"*")[6].decode().strip()
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", [sender], None)
    (tmp_path / "bad.x12").write_bytes(bad)
    (tmp_path / "good.x12").write_bytes(good)
    [first] = await ingest_paths(db.sessionmaker, db.settings, [tmp_path / "bad.x12"], "clinic")
    assert first.submission.units_rejected == 2
    items = await _items(db)
    wanted = {claims[0][0].decode(), claims[-1][0].decode()}
    assert {(i.claim_id, i.state) for i in items} == {(c, "open") for c in wanted}
    [second] = await ingest_paths(db.sessionmaker, db.settings, [tmp_path / "good.x12"], "clinic")
    # the two corrected claims stored, the other ten found duplicates of the first file's
    assert (second.submission.units_stored, second.submission.units_rejected) == (2, 10)
    async with db.sessionmaker() as s:
        stored = dict(
            (
                await s.execute(
                    select(Encounter.claim_id, Encounter.id).where(
                        Encounter.submission_id == second.submission.id
                    )
                )
            ).all()
        )
    closed = {
        (i.claim_id, i.state, i.closed_by_submission_id, i.closed_by_encounter_id)
        for i in await _items(db)
        if i.submission_id == first.submission.id
    }
    assert closed == {
        (c, "closed_by_resubmission", second.submission.id, stored[c]) for c in wanted
    }
