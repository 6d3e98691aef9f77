"""A plan's outbound settings from the command line, on both databases: set, shown,
changed, and refused with a clear message (exit 2) when they cannot be right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import Db
from sqlalchemy import select

from edi_gateway.models import OutboundPayerId, OutboundSettings, PartnerGuide

CLI = [sys.executable, "-m", "edi_gateway.cli"]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False)


async def test_outbound_set_show_and_refusals(db: Db, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    for name, role in (("goldplan", "plan"), ("otherplan", "plan"), ("clinic", "provider")):
        made = _cli(env, "partners", "create", name, "--role", role)
        assert made.returncode == 0, made.stderr
    drop = tmp_path / "drop"
    done = _cli(
        env, "partners", "outbound", "set", "goldplan", "--receiver-id", "GPHP1EDI",
        "--sender-id", "OURMSO", "--payer-id", "GPHP1", "--payer-id", "GPHP2",
        "--guide", "medi-cal-encounters-837", "--dir", str(drop), "--usage", "P",
        "--claims-per-set", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "payer ids GPHP1, GPHP2" in done.stdout
    assert f"destination directory: {drop}" in done.stdout
    shown = _cli(env, "partners", "outbound", "show", "goldplan")
    assert "ISA07/08 ZZ/GPHP1EDI" in shown.stdout and "usage P" in shown.stdout
    assert "next ISA13 000000001\n" in shown.stdout
    first = _cli(
        env, "partners", "outbound", "set", "goldplan", "--receiver-id", "GPHP1EDI",
        "--sender-id", "OURMSO", "--first-control", "620000001",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "next ISA13 620000001 (files start at 620000001)" in first.stdout

    # changed: a URL instead of the directory; the payer ids kept when not given
    again = _cli(
        env, "partners", "outbound", "set", "goldplan", "--receiver-id", "GPHP1EDI",
        "--sender-id", "OURMSO", "--url", "https://plan.example.org/edi",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    async with db.sessionmaker() as s:
        row = (await s.execute(select(OutboundSettings))).scalar_one()
        payers = list((await s.execute(select(OutboundPayerId.payer_id))).scalars())
        guides = dict(
            (await s.execute(select(PartnerGuide.transaction_type, PartnerGuide.guide))).all()
        )
    assert (row.destination, row.url, row.directory) == (
        "https",
        "https://plan.example.org/edi",
        None,
    )
    assert (row.usage, row.claims_per_set) == ("P", 2)
    # the plan's 837 guide is one of its guides per transaction type
    assert set(guides.values()) == {"medi-cal-encounters-837"} and set(guides) <= {
        "837P",
        "837I",
        "837D",
    }
    assert sorted(payers) == ["GPHP1", "GPHP2"]

    refusals = [
        (("clinic", "--receiver-id", "X", "--sender-id", "Y"), "only a plan"),
        (("nobody", "--receiver-id", "X", "--sender-id", "Y"), "no partner named"),
        (("goldplan", "--receiver-id", "A*B", "--sender-id", "Y"), "X12 separator"),
        (("goldplan", "--receiver-id", "A", "--sender-id", "B", "--guide", "nope"), "guide"),
        (
            ("goldplan", "--receiver-id", "A", "--sender-id", "B", "--url", "http://x.org/a"),
            "https",
        ),
        (("goldplan", "--receiver-id", "A", "--sender-id", "B", "--dir", "rel/dir"), "absolute"),
        (
            ("otherplan", "--receiver-id", "A", "--sender-id", "B", "--payer-id", "GPHP1"),
            "another plan",
        ),
        (
            ("goldplan", "--receiver-id", "A", "--sender-id", "B", "--claims-per-set", "6000"),
            "at most 5000",
        ),
        (
            ("goldplan", "--receiver-id", "A", "--sender-id", "B", "--first-control", "0"),
            "first interchange control number must be at least 1",
        ),
    ]
    for args, message in refusals:
        refused = _cli(env, "partners", "outbound", "set", *args)
        assert refused.returncode == 2, (args, refused.stderr)
        assert message in refused.stderr and "Traceback" not in refused.stderr
    async with db.sessionmaker() as s:  # nothing half-set by a refusal
        rows = list((await s.execute(select(OutboundSettings))).scalars())
    assert len(rows) == 1 and rows[0].receiver_id == "GPHP1EDI"


async def test_forward_from_the_command_line(db: Db, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    assert _cli(env, "partners", "create", "clinic", "--role", "provider",
                "--sender-id", "SUBMITTER9856").returncode == 0  # fmt: skip
    assert _cli(env, "partners", "create", "goldplan", "--role", "plan",
                "--sender-id", "GPHP1EDI").returncode == 0  # fmt: skip
    drop, copies = tmp_path / "drop", tmp_path / "copies"
    set_ = _cli(env, "partners", "outbound", "set", "goldplan", "--receiver-id", "GPHP1EDI",
                "--sender-id", "OURMSO", "--dir", str(drop))  # fmt: skip
    assert set_.returncode == 0, set_.stderr
    sample = Path(__file__).resolve().parents[2] / "sample_edi" / "837p" / "837p_valid_basic.x12"
    assert _cli(env, "ingest", str(sample), "--partner", "clinic").returncode == 0

    dry = _cli(env, "forward", "--plan", "goldplan", "--dry-run", "-o", str(copies))
    assert dry.returncode == 0, dry.stderr
    assert "would forward 5 claim(s) in 1 file(s)" in dry.stdout
    assert [p.name for p in copies.iterdir()] == ["goldplan_837P_000000001.x12"]
    assert not drop.exists()

    done = _cli(env, "forward", "--plan", "goldplan")
    assert done.returncode == 0, done.stderr
    assert "forwarded 5 claim(s)" in done.stdout and "delivered" in done.stdout
    [sent] = list(drop.iterdir())
    assert sent.read_bytes()[:3] == b"ISA"
    assert "forwarded 0 claim(s)" in _cli(env, "forward", "--plan", "goldplan").stdout

    unknown = _cli(env, "forward", "--plan", "nobody")
    assert unknown.returncode == 2 and "no partner named" in unknown.stderr
    assert "Traceback" not in unknown.stderr
