"""The audit trail, readable: GET /v1/audit (ops only, filters, pages, CSV) and
`edi-gateway audit export`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from api_support import Api
from conftest import SAMPLES

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


async def test_ops_reads_who_did_what(api: Api, tmp_path: Path) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("ops", "ops")
    await api.ingest(BASIC, "clinic-a")
    encounters = (await api.client.get("/v1/encounters", headers=api.auth("clinic-a"))).json()
    first = encounters["items"][0]["id"]
    await api.client.get(f"/v1/encounters/{first}", headers=api.auth("clinic-a"))
    refused = await api.client.get("/v1/audit", headers=api.auth("clinic-a"))
    assert refused.status_code == 403
    reads = await api.client.get(
        "/v1/audit",
        params={"actor": "clinic-a", "object_type": "encounter", "action": "read"},
        headers=api.auth("ops"),
    )
    assert reads.status_code == 200, reads.text
    [entry] = reads.json()["items"]
    assert (entry["actor"], entry["object_id"]) == ("clinic-a", str(first))
    everything = await api.client.get("/v1/audit", params={"limit": 1}, headers=api.auth("ops"))
    assert everything.json()["next_cursor"] is not None
    exported = await api.client.get(
        "/v1/audit",
        params={"actor": "clinic-a"},
        headers={**api.auth("ops"), "Accept": "text/csv"},
    )
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == [
        "id", "at", "actor", "key_prefix", "action", "object_type", "object_id", "detail",
    ]  # fmt: skip
    assert {r[4] for r in rows[1:]} >= {"search", "read"}
    assert all(r[2] == "clinic-a" for r in rows[1:])


def test_audit_export_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    env = {
        **os.environ,
        "EDI_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
    }
    cli = [sys.executable, "-m", "edi_gateway.cli"]
    made = subprocess.run(
        [*cli, "partners", "create", "plan1", "--role", "plan", "--sender-id", "PLAN1"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "audit.csv"
    done = subprocess.run(
        [*cli, "audit", "export", "--action", "create", "-o", str(out)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [(r[2], r[4], r[5]) for r in rows[1:]] == [("gateway", "create", "partner")]
    bad = subprocess.run(
        [*cli, "audit", "export", "--since", "yesterday"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr
