"""A partner holds one companion guide per transaction type: set from the command line and
the API, moved over from the single guide a partner had before (migration 0006g), and the
check stream applies to each transaction set only the guides of its own type."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from api_support import Api
from conftest import SAMPLES, Db, migrate
from sqlalchemy import select, text

from edi_gateway.models import FindingRow
from edi_gateway.partners.guides import guides_of, set_guide
from edi_gateway.partners.service import create_partner, partner_by_name
from edi_gateway.submissions.ingest import ingest_paths

CLI = [sys.executable, "-m", "edi_gateway.cli"]
P837 = SAMPLES / "837p" / "837p_valid_basic.x12"


def _guide(directory: Path, name: str, transaction: str, rule_id: str) -> None:
    """A plan guide that rejects every claim of its transaction type (frequency code 1)."""
    (directory / f"{name}.yaml").write_text(
        f"guide: {name}\ntitle: test guide for {transaction}\nversion: '1'\n"
        f"transactions: [{transaction}]\nrules:\n"
        f"  - id: {rule_id}\n    title: No original claims\n    snip: 7\n"
        "    severity: reject_claim\n    scope: claim\n    kind: allowed_values\n"
        "    params: {field: 2300/CLM05-3, values: ['7', '8']}\n"
        "    message: 'CLM05-3 {value} is not allowed'\n    fix: Send only replacements\n"
    )


@pytest.fixture
def guide_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "guides"
    directory.mkdir()
    _guide(directory, "only-837p", "837P", "P-1")
    _guide(directory, "only-837i", "837I", "I-1")
    monkeypatch.setenv("EDI_GATEWAY_GUIDE_PATH", str(directory))
    return directory


async def test_each_set_is_checked_with_the_guide_of_its_own_type(db: Db, guide_dir: Path) -> None:
    async with db.sessionmaker() as s, s.begin():
        clinic, _ = await create_partner(s, "clinic", "provider", ["SUBMITTER9856"])
        await set_guide(s, clinic, "837I", "only-837i")
    [o] = await ingest_paths(db.sessionmaker, db.settings, [P837], "clinic")
    async with db.sessionmaker() as s:
        guides = set((await s.execute(select(FindingRow.guide))).scalars())
    # the 837I guide is not applied to an 837P file; it is stored
    assert "only-837i" not in guides and o.submission.status == "completed"

    async with db.sessionmaker() as s, s.begin():
        clinic2 = await partner_by_name(s, "clinic")
        assert clinic2 is not None
        await set_guide(s, clinic2, "837P", "only-837p")
        assert await guides_of(s, clinic2.id) == {"837I": "only-837i", "837P": "only-837p"}
    edited = guide_dir.parent / "again.x12"
    edited.write_bytes(P837.read_bytes().replace(b"*514296314*", b"*514296315*"))
    [again] = await ingest_paths(db.sessionmaker, db.settings, [edited], "clinic")
    async with db.sessionmaker() as s:
        rows = (
            await s.execute(
                select(FindingRow.guide, FindingRow.rule_id).where(
                    FindingRow.submission_id == again.submission.id,
                    FindingRow.rule_id.is_not(None),
                )
            )
        ).all()
    assert {r for r in rows if r[0] != "x12-837-base"} == {("only-837p", "P-1")}
    assert again.submission.status == "rejected"


def test_a_guide_for_837_serves_every_claim_type_without_its_own(guide_dir: Path) -> None:
    from edi_gateway.partners.guides import plan_guides

    assert {t: g.name for t, g in plan_guides({"837": "only-837p"}).items()} == {
        "837P": "only-837p"
    }
    both = plan_guides({"837": "medi-cal-encounters-837", "837P": "only-837p"})
    assert {t: g.name for t, g in both.items()} == {
        "837P": "only-837p",
        "837I": "medi-cal-encounters-837",
    }


async def test_guides_through_the_api(api: Api, guide_dir: Path) -> None:
    await api.partner("ops", "ops")
    await api.partner("clinic", "provider", "SUBMITTER9856")
    await api.partner("plan", "plan", "GPHP1EDI")
    c = api.client
    put = await c.put(
        "/v1/partners/clinic/guides/837P", json={"guide": "only-837p"}, headers=api.auth("ops")
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"partner": "clinic", "guides": {"837P": "only-837p"}}
    mine = await c.get("/v1/partners/clinic/guides", headers=api.auth("clinic"))
    assert mine.json()["guides"] == {"837P": "only-837p"}
    listed = await c.get("/v1/partners", headers=api.auth("clinic"))
    assert [p["name"] for p in listed.json()] == ["clinic"]
    assert listed.json()[0]["guides"] == {"837P": "only-837p"}
    # another partner's guides are not visible; only ops changes them
    other = await c.get("/v1/partners/clinic/guides", headers=api.auth("plan"))
    assert other.status_code == 404
    denied = await c.put(
        "/v1/partners/clinic/guides/837I", json={"guide": "only-837i"}, headers=api.auth("clinic")
    )
    assert denied.status_code == 403
    # a guide of another type, an unknown guide, a type the role does not send
    for path, guide, status in (
        ("clinic/guides/837I", "only-837p", 400),
        ("clinic/guides/837I", "no-such-guide", 400),
        ("clinic/guides/834", "example-health-plan-834", 400),
        ("clinic/guides/999", "only-837p", 422),
    ):
        r = await c.put(f"/v1/partners/{path}", json={"guide": guide}, headers=api.auth("ops"))
        assert r.status_code == status, (path, guide, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    gone = await c.delete("/v1/partners/clinic/guides/837P", headers=api.auth("ops"))
    assert gone.status_code == 200 and gone.json()["guides"] == {}
    again = await c.delete("/v1/partners/clinic/guides/837P", headers=api.auth("ops"))
    assert again.status_code == 404
    async with api.db.sessionmaker() as s:
        audited = (
            await s.execute(
                text("SELECT detail FROM audit_events WHERE resource_type = 'partner_guides'")
            )
        ).scalars()
        assert list(audited) == ["837P only-837p", "837P removed"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)


def test_guides_from_the_command_line(tmp_path: Path, guide_dir: Path) -> None:
    db = tmp_path / "guides.db"
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    made = _cli(
        env, "partners", "create", "ch", "--role", "clearinghouse", "--guide",
        "medi-cal-encounters-837",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = _cli(env, "partners", "guides", "list", "ch")
    assert listed.stdout.split("\n")[:2] == [
        "837I\tmedi-cal-encounters-837",
        "837P\tmedi-cal-encounters-837",
    ]
    done = _cli(env, "partners", "guides", "set", "ch", "837P", "only-837p")
    assert done.returncode == 0, done.stderr
    assert "837I medi-cal-encounters-837, 837P only-837p" in done.stdout
    assert (
        "guides: 837I medi-cal-encounters-837, 837P only-837p"
        in _cli(env, "partners", "list").stdout
    )
    for args, message in (
        (("ch", "837D", "only-837p"), "is for 837P, not 837D"),
        (("ch", "835", "example-health-plan-835"), "does not send 835"),
        (("ch", "837P", "nope"), "no guide named 'nope'"),
        (("ch", "837X", "only-837p"), "is not one of"),
        (("ch", "837P"), "needs NAME TYPE GUIDE"),
    ):
        bad = _cli(env, "partners", "guides", "set", *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
        assert "Traceback" not in bad.stderr
    removed = _cli(env, "partners", "guides", "remove", "ch", "837I")
    assert removed.returncode == 0 and "guides 837P only-837p" in removed.stdout
    assert _cli(env, "partners", "guides", "remove", "ch", "837I").returncode == 1
    rows = sqlite3.connect(db).execute(
        "SELECT action, resource_type FROM audit_events WHERE resource_type = 'partner_guides'"
    )
    assert len(rows.fetchall()) == 2


async def test_migration_moves_each_partners_guide_to_its_types(db: Db) -> None:
    """0006g: a partner's one guide becomes a guide for each type the guide lists (or,
    for a guide no longer installed, for the types the partner's role sends); nothing
    else of the partners is lost."""
    await migrate(db, "downgrade", "0006c")
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO partners (name, role, guide, created_at) VALUES "
                    "('a', 'provider', 'medi-cal-encounters-837', CURRENT_TIMESTAMP), "
                    "('b', 'plan', 'gone-guide', CURRENT_TIMESTAMP), "
                    "('c', 'provider', NULL, CURRENT_TIMESTAMP)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO partner_identifiers (partner_id, kind, value) "
                    "SELECT id, 'interchange', 'SENDER-A' FROM partners WHERE name = 'a'"
                )
            )
        await db.engine.dispose()
    finally:
        await migrate(db, "upgrade", "head")
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT p.name, g.transaction_type, g.guide FROM partner_guides g "
                    "JOIN partners p ON p.id = g.partner_id ORDER BY 1, 2"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("a", "837I", "medi-cal-encounters-837"),
        ("a", "837P", "medi-cal-encounters-837"),
        ("b", "834", "gone-guide"),
        ("b", "835", "gone-guide"),
    ]
