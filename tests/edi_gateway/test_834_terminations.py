"""834 terminations (issue 18), through the HTTP API and the command line, on SQLite and
PostgreSQL: a held full file is released or discarded by ops (once, audited, ``resolved``
shown); every termination, explicit or implied, is listed in the file's report; the implied
end date comes from the file's effective date and the plan's guide; a full file ends only
the members of its own roster (sponsor, master policy, payer) of its own plan; and the
guide's R47 says "held for review" only of a file that was held."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import command_line
from conftest import Db
from sqlalchemy import func, select
from x12_edit import dump, set_element

from edi_gateway.app import create_app
from edi_gateway.models import AuditEvent, CoverageSpan, Member
from edi_gateway.partners.guides import set_guide
from edi_gateway.partners.service import create_partner
from parsers.generate import generate_bytes

PLAN = "MCALENROLL"


# --- rosters built from a generated 834 --------------------------------------------------------


class Roster:
    """A generated 834 cut into its header, one block of segments per member and its trailer,
    to be sent again as change or full files with other members, dates and roster ids."""

    def __init__(self, members: int, seed: int) -> None:
        text = generate_bytes("834", members, seed=seed).decode("latin-1")
        segs = [s.strip("\r\n") for s in text.split("~") if s.strip()]
        first = next(i for i, s in enumerate(segs) if s.startswith("INS*"))
        end = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
        self.header, self.trailer = segs[:first], segs[end:]
        day = next(s for s in self.header if s.startswith("DTP*007*"))[-8:]
        #: the generated file's effective date (DTP*007), when its coverages begin
        self.effective = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        #: a day in force, two weeks on, as ISO text
        self.later = (self.effective + timedelta(days=14)).isoformat()
        self.last_day = (self.effective - timedelta(days=1)).isoformat()
        self.members: list[list[str]] = []
        for seg in segs[first:end]:
            if seg.startswith("INS*"):
                self.members.append([])
            self.members[-1].append(seg)
        subscribers = [next(s[7:] for s in m if s.startswith("REF*0F*")) for m in self.members]
        own = [next((s[7:] for s in m if s.startswith("REF*23*")), None) for m in self.members]
        #: each member's own id (REF*23 of a dependent, else REF*0F) and roster key
        self.ids = [o or sub for o, sub in zip(own, subscribers, strict=True)]
        self.keys = [f"{sub}/{o}" if o else sub for o, sub in zip(own, subscribers, strict=True)]

    def file(
        self,
        members: list[int],
        isa13: int,
        *,
        action: str = "2",
        effective: str | None = None,
        policy: str | None = None,
        sender: str = PLAN,
        terminate: dict[int, str] | None = None,
    ) -> bytes:
        """Members ``members`` (indexes), ISA13 ``isa13``, BGN08 ``action``, header DTP*007
        ``effective`` and REF*38 ``policy``; ``terminate`` sends a member as INS03 024 with
        that DTP*357 end date."""
        header = list(self.header)
        isa = header[0].split("*")
        isa[6], isa[13] = sender.ljust(15), f"{isa13:09d}"
        header[0] = "*".join(isa)
        header = set_element(header, "GS", 1, 2, sender)
        header = set_element(header, "BGN", 1, 8, action)
        if effective is not None:
            header = set_element(header, "DTP*007", 1, 3, effective)
        if policy is not None:
            header = set_element(header, "REF*38", 1, 2, policy)
        body: list[str] = []
        for i in members:
            block = list(self.members[i])
            if terminate and i in terminate:
                block = set_element(block, "INS", 1, 3, "024")
                block = set_element(block, "INS", 1, 4, "07")
                at = next(j for j, s in enumerate(block) if s.startswith("DTP*356"))
                block.insert(at + 1, f"DTP*357*D8*{terminate[i]}")
            elif action != "2":
                block = set_element(block, "INS", 1, 3, "030")
                block = set_element(block, "INS", 1, 4, "XN")
            body.extend(block)
        trailer = list(self.trailer)
        trailer[-1] = f"IEA*1*{isa13:09d}"
        return dump(header + body + trailer)


class Gateway:
    def __init__(self, db: Db, app: Any, client: httpx.AsyncClient) -> None:
        self.db, self.app, self.client = db, app, client
        self.keys: dict[str, str] = {}

    async def partner(self, name: str, role: str, *senders: str, guide: str | None = None) -> None:
        async with self.db.sessionmaker() as s, s.begin():
            partner, self.keys[name] = await create_partner(s, name, role, list(senders))
            if guide is not None:
                await set_guide(s, partner, "834", guide)

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    async def send(self, name: str, content: bytes) -> dict[str, Any]:
        sent = await self.client.post(
            "/v1/submissions",
            content=content,
            headers={**self.auth(name), "Content-Type": "application/edi-x12"},
        )
        assert sent.status_code == 202, sent.text
        await self.app.state.worker.drain()
        return await self.status(sent.json()["id"])

    async def status(self, sid: str) -> dict[str, Any]:
        got = await self.client.get(f"/v1/submissions/{sid}", headers=self.auth("ops"))
        assert got.status_code == 200, got.text
        return dict(got.json())

    async def report(self, sid: str) -> dict[str, Any]:
        got = await self.client.get(
            f"/v1/submissions/{sid}/report",
            headers={**self.auth("ops"), "Accept": "application/json"},
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    async def active(self, member: str, day: str) -> bool:
        got = await self.client.get(
            f"/v1/members/{member}/eligibility", params={"date": day}, headers=self.auth("ops")
        )
        assert got.status_code == 200, got.text
        return bool(got.json()["active"])


@pytest.fixture
async def gateway(db: Db) -> AsyncIterator[Gateway]:
    app = create_app(db.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            gw = Gateway(db, app, client)
            await gw.partner("poppy", "plan", PLAN)
            await gw.partner("ops", "ops")
            yield gw


def _ended(report: dict[str, Any]) -> dict[str, tuple[str, str | None, bool]]:
    return {t["member_id"]: (t["how"], t["end_date"], t["applied"]) for t in report["terminations"]}


# --- under the threshold: every termination listed ------------------------------------------


async def test_report_lists_every_termination_explicit_and_implied(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(20, seed=4)
    first = await gw.send("poppy", roster.file(list(range(20)), 700000001))
    assert first["status"] == "completed"
    # a full file without members 18 and 19, ending member 0 explicitly
    full = roster.file(
        list(range(18)), 700000002, action="4", terminate={0: "20260620"}, effective="20260701"
    )
    sub = await gw.send("poppy", full)
    assert sub["status"] == "completed", sub
    report = await gw.report(sub["id"])
    assert _ended(report) == {
        roster.ids[0]: ("explicit", "2026-06-20", True),
        roster.ids[18]: ("implied", "2026-06-30", True),
        roster.ids[19]: ("implied", "2026-06-30", True),
    }
    [line] = [t["line"] for t in report["terminations"] if t["how"] == "explicit"]
    assert line and all(t["name"] for t in report["terminations"])
    assert not await gw.active(roster.ids[19], "2026-07-01")
    assert await gw.active(roster.ids[19], "2026-06-30")
    assert await gw.active(roster.ids[1], "2026-07-01")
    page = await gw.client.get(
        f"/v1/submissions/{sub['id']}/report",
        headers={**gw.auth("ops"), "Accept": "text/html"},
    )
    assert "Members ended (3)" in page.text and roster.ids[18] in page.text


async def _csv_rows(gw: Gateway, sid: str) -> list[dict[str, str]]:
    got = await gw.client.get(
        f"/v1/submissions/{sid}/report", headers={**gw.auth("ops"), "Accept": "text/csv"}
    )
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(got.text)))


async def test_the_csv_report_lists_every_termination(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(12, seed=14)
    assert (await gw.send("poppy", roster.file(list(range(12)), 700000081)))["status"] == (
        "completed"
    )
    full = roster.file(
        list(range(10)), 700000082, action="4", terminate={3: "20260620"}, effective="20260701"
    )
    sub = await gw.send("poppy", full)
    report = await gw.report(sub["id"])
    rows = [r for r in await _csv_rows(gw, sub["id"]) if r["level"] == "termination"]
    assert {r["member_id"]: (r["code"], r["coverage_end"], r["applied"]) for r in rows} == {
        roster.ids[3]: ("explicit", "2026-06-20", "yes"),
        roster.ids[10]: ("implied", "2026-06-30", "yes"),
        roster.ids[11]: ("implied", "2026-06-30", "yes"),
    }
    by_id = {t["member_id"]: t for t in report["terminations"]}
    for r in rows:
        t = by_id[r["member_id"]]
        assert r["patient"] == t["name"] and r["submission_id"] == sub["id"]
        # where the member is in the file: the INS of an explicit termination
        if r["code"] == "explicit":
            assert (r["loop"], r["segment_id"], r["line"]) == ("2000", "INS", str(t["line"]))
        else:
            assert (r["loop"], r["segment_id"], r["line"]) == ("", "", "")
        assert r["message"].startswith(f"Coverage ends {t['end_date']}: ")
        # nothing about the member beyond what a claim row carries (id and name)
        assert r["service_from"] == r["service_to"] == r["amount"] == r["value"] == ""


async def test_the_csv_of_a_held_file_lists_who_would_end(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(20, seed=15)
    held = await _held(gw, roster, 700000091)
    rows = [r for r in await _csv_rows(gw, held["id"]) if r["level"] == "termination"]
    assert len(rows) == 17 and {r["applied"] for r in rows} == {"no"}
    assert all("not ended yet: the file is held for review" in r["message"] for r in rows)


# --- the implied end date: the file's effective date, by the plan's rule ---------------------


async def test_implied_end_is_the_day_before_the_effective_date(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(10, seed=5)
    # the default rule: the day before the header DTP*007 (BGN03 is 2026-06-06)
    assert (await gw.send("poppy", roster.file(list(range(10)), 710000001)))["status"] == (
        "completed"
    )
    sub = await gw.send(
        "poppy", roster.file(list(range(9)), 710000002, action="4", effective="20260715")
    )
    # covered up to the day before the effective date, not the day before BGN03
    assert await gw.active(roster.ids[9], "2026-07-14")
    assert not await gw.active(roster.ids[9], "2026-07-15")
    assert _ended(await gw.report(sub["id"])) == {roster.ids[9]: ("implied", "2026-07-14", True)}


async def test_implied_end_follows_the_plan_guide_rule(
    gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = gateway
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "monthly-plan-834.yaml").write_text(
        "guide: monthly-plan-834\ntitle: A plan whose coverage ends at the end of a month\n"
        "version: '1'\ntransactions: ['834']\nimplied_end: end_of_prior_month\nrules:\n"
        "  - id: MP-1\n    title: Maintenance type\n    snip: 7\n    severity: warning\n"
        "    scope: claim\n    kind: allowed_values\n"
        "    params: {field: 2000/INS03, values: ['001', '021', '024', '025', '030']}\n"
        "    message: 'INS03 {value}'\n    fix: Send a known maintenance type\n"
    )
    monkeypatch.setenv("EDI_GATEWAY_GUIDE_PATH", str(guides))
    await gw.partner("monthly", "plan", "MONTHLYPLAN", guide="monthly-plan-834")

    # the plan's guide says coverage ends with the month before the effective date
    other = Roster(10, seed=6)
    sent = await gw.send("monthly", other.file(list(range(10)), 720000001, sender="MONTHLYPLAN"))
    assert sent["status"] == "completed", sent
    sub = await gw.send(
        "monthly",
        other.file(
            list(range(9)), 720000002, action="4", effective="20260715", sender="MONTHLYPLAN"
        ),
    )
    assert _ended(await gw.report(sub["id"])) == {other.ids[9]: ("implied", "2026-06-30", True)}
    assert not await gw.active(other.ids[9], "2026-07-01")


def test_a_guide_with_an_unknown_implied_end_rule_is_refused(tmp_path: Path) -> None:
    from mappings.guides import GuideError, check_guide_file

    path = tmp_path / "bad-834.yaml"
    path.write_text(
        "guide: bad-834\ntitle: t\nversion: '1'\ntransactions: ['834']\n"
        "implied_end: whenever\nrules:\n"
        "  - id: B-1\n    title: t\n    snip: 7\n    severity: warning\n    scope: claim\n"
        "    kind: allowed_values\n    params: {field: 2000/INS03, values: ['030']}\n"
        "    message: m\n    fix: f\n"
    )
    with pytest.raises(GuideError, match="implied_end is one of day_before_effective"):
        check_guide_file(path)


# --- reconciliation by roster: sponsor, master policy, payer, plan -----------------------------


async def test_a_full_file_ends_only_members_of_its_own_roster(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(21, seed=7)
    await gw.partner("otherplan", "plan", "OTHERPLAN")
    # line of business A: members 0-9 and 20; line of business B: members 10-20
    a = await gw.send("poppy", roster.file([*range(10), 20], 730000001, action="4", policy="LOBA"))
    b = await gw.send(
        "poppy", roster.file(list(range(10, 21)), 730000002, action="4", policy="LOBB")
    )
    assert (a["status"], b["status"]) == ("completed", "completed"), (a, b)
    # another plan's full file lists none of them: it ends none of poppy's members
    c = await gw.send(
        "otherplan", roster.file([0], 730000003, action="4", policy="LOBA", sender="OTHERPLAN")
    )
    assert c["status"] == "completed" and _ended(await gw.report(c["id"])) == {}
    # A again without member 9 and member 20: only they lose their A coverage
    again = await gw.send(
        "poppy", roster.file(list(range(9)), 730000004, action="4", policy="LOBA")
    )
    assert again["status"] == "completed", again
    assert set(_ended(await gw.report(again["id"]))) == {roster.ids[9], roster.ids[20]}
    for i in range(10, 20):
        assert await gw.active(roster.ids[i], "2026-07-01")
    assert not await gw.active(roster.ids[9], "2026-07-01")
    # member 20 is still covered by line of business B
    assert await gw.active(roster.ids[20], "2026-07-01")
    async with gw.db.sessionmaker() as s:
        status = (
            await s.execute(select(Member.status).where(Member.member_key == roster.keys[20]))
        ).scalar_one()
    assert status == "active"


# --- held files: released or discarded by ops -------------------------------------------------


async def _held(gw: Gateway, roster: Roster, base: int) -> dict[str, Any]:
    assert (await gw.send("poppy", roster.file(list(range(20)), base)))["status"] == "completed"
    held = await gw.send("poppy", roster.file(list(range(3)), base + 1, action="4"))
    assert held["status"] == "held", held
    return held


async def test_release_a_held_file_over_http(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(20, seed=8)
    held = await _held(gw, roster, 740000001)
    sid = held["id"]
    report = await gw.report(sid)
    assert _ended(report) == {
        roster.ids[i]: ("implied", roster.last_day, False) for i in range(3, 20)
    }
    assert "held for review" in json.dumps(report)
    assert held["resolved"] is None
    assert await gw.active(roster.ids[10], roster.later)

    refused = await gw.client.post(f"/v1/submissions/{sid}/release", headers=gw.auth("poppy"))
    assert refused.status_code == 403
    released = await gw.client.post(f"/v1/submissions/{sid}/release", headers=gw.auth("ops"))
    assert released.status_code == 202, released.text
    assert released.json()["resolved"]["how"] == "released"
    await gw.app.state.worker.drain()
    done = await gw.status(sid)
    assert done["status"] == "completed", done
    assert done["resolved"]["how"] == "released" and done["resolved"]["by"] == "ops"
    assert done["resolved"]["at"]
    assert _ended(await gw.report(sid)) == {
        roster.ids[i]: ("implied", roster.last_day, True) for i in range(3, 20)
    }
    assert not await gw.active(roster.ids[10], roster.later)
    assert await gw.active(roster.ids[1], roster.later)

    # exactly once: a second release, or a discard now, is a conflict; nothing ended twice
    for action in ("release", "discard"):
        again = await gw.client.post(f"/v1/submissions/{sid}/{action}", headers=gw.auth("ops"))
        assert again.status_code == 409, again.text
        assert "only a held 834" in again.json()["detail"]
        assert "released by ops" in again.json()["detail"]
    await gw.app.state.worker.drain()
    async with gw.db.sessionmaker() as s:
        versions = (
            await s.execute(
                select(func.count())
                .select_from(CoverageSpan)
                .where(CoverageSpan.reason == "absent from full-file roster")
            )
        ).scalar_one()
        actions = list(
            (
                await s.execute(select(AuditEvent.action).where(AuditEvent.resource_id == sid))
            ).scalars()
        )
    assert versions == 17
    assert actions.count("release") == 1 and "discard" not in actions
    audit = await gw.client.get("/v1/audit", params={"action": "release"}, headers=gw.auth("ops"))
    assert audit.status_code == 200 and sid in audit.text

    missing = await gw.client.post("/v1/submissions/nosuch/release", headers=gw.auth("ops"))
    assert missing.status_code == 404


async def test_discard_and_release_from_the_command_line(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gw, roster = gateway, Roster(20, seed=9)
    held = await _held(gw, roster, 750000001)
    sid = held["id"]
    with command_line(gw.db, monkeypatch, capsys) as cli:
        assert await cli("submissions", "discard", sid) == (
            0,
            f"submission {sid}: discarded; nothing in it was applied\n",
            "",
        )
        code, _, err = await cli("submissions", "discard", sid)
        assert code == 2 and "is discarded: only a held 834" in err
        code, _, err = await cli("submissions", "release", sid)
        assert code == 2 and "discarded by gateway" in err
        code, _, err = await cli("submissions", "release", "nosuchid")
        assert code == 2 and "no submission nosuchid" in err

        discarded = await gw.status(sid)
        assert discarded["status"] == "discarded"
        assert (discarded["resolved"]["how"], discarded["resolved"]["by"]) == (
            "discarded",
            "gateway",
        )
        report = await gw.report(sid)
        assert {a for _, _, a in _ended(report).values()} == {False}
        assert len(report["terminations"]) == 17
        assert any("discarded by gateway" in n for n in report["notes"])
        assert await gw.active(roster.ids[10], roster.later)

        # another held file, released from the command line: applied at once
        again = await gw.send("poppy", roster.file(list(range(4)), 750000003, action="4"))
        assert again["status"] == "held"
        code, out, err = await cli("submissions", "release", again["id"])
        assert code == 0, err
        assert f"submission {again['id']} released: completed" in out
    assert not await gw.active(roster.ids[10], roster.later)
    assert await gw.active(roster.ids[3], roster.later)
    async with gw.db.sessionmaker() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditEvent.action).where(AuditEvent.resource_id.in_([sid, again["id"]]))
                )
            ).scalars()
        )
    assert actions.count("discard") == 1 and actions.count("release") == 1


async def test_a_discarded_file_lets_its_control_number_go(gateway: Gateway) -> None:
    """The plan's corrected full file, sent with the discarded file's ISA13, is read (not
    a TA1 025 duplicate); before the discard the same number is a duplicate."""
    gw, roster = gateway, Roster(20, seed=12)
    held = await _held(gw, roster, 760000001)
    early = await gw.send("poppy", roster.file(list(range(5)), 760000002, action="4"))
    assert early["status"] == "rejected"

    discarded = await gw.client.post(
        f"/v1/submissions/{held['id']}/discard", headers=gw.auth("ops")
    )
    assert discarded.status_code == 200, discarded.text
    corrected = await gw.send("poppy", roster.file(list(range(6)), 760000002, action="4"))
    assert corrected["status"] == "held", corrected
    assert len((await gw.report(corrected["id"]))["terminations"]) == 14


# --- R47: "held for review" only when held ----------------------------------------------------


async def test_r47_says_held_for_review_only_when_the_file_was_held(gateway: Gateway) -> None:
    gw, roster = gateway, Roster(10, seed=10)
    await gw.send("poppy", roster.file(list(range(10)), 760000001))
    full = await gw.send("poppy", roster.file(list(range(9)), 760000002, action="4"))
    assert full["status"] == "completed"
    report = await gw.report(full["id"])
    r47 = [f for f in report["other_findings"] if f["rule_id"] == "R47-full-file"]
    assert r47, report["other_findings"]
    assert "held" not in json.dumps(report).lower()
    held = await gw.send("poppy", roster.file([0], 760000003, action="4"))
    assert held["status"] == "held"
    assert "held for review" in json.dumps(await gw.report(held["id"]))
