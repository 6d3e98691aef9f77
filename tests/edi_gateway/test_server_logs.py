"""No PHI in the logs: the real server (`edi-gateway serve`, SQLite, LOG_LEVEL=DEBUG) is
sent the sample 834, 837P and 835 and asked every GET route with real member ids, names
and dates of birth in paths and query strings, plus a 404 and bad requests; its whole
stdout and stderr then holds none of the members' ids, names or dates of birth, which are
read from the files by the project's own mappings. The engines hide their parameters."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ROOT, SAMPLES, Db
from parse_support import read_units
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from edi_gateway.db import make_engine
from edi_gateway.logsafe import NoTracebacks, log_config
from mappings.x834 import map_member
from mappings.x835 import map_claim_payment
from mappings.x837 import map_claim

BIN = Path(sys.executable).parent / "edi-gateway"
F834 = SAMPLES / "834" / "834_valid_basic.x12"  # MCALENROLL -> GPHP1EDI
F837 = SAMPLES / "837p" / "837p_valid_basic.x12"  # SUBMITTER9856 -> GPHP1EDI
F835 = SAMPLES / "835" / "835_valid_basic.x12"  # GPHP1EDI -> SUBMITTER5862
KEY = re.compile(r"edi_[A-Za-z0-9_-]{20,}")


@dataclass
class Phi:
    """What must never be logged: ids, names and dates of birth from the files."""

    member_ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    birth_dates: set[date] = field(default_factory=set)

    def add_name(self, *names: str | None) -> None:
        self.names.update(n for n in names if n and len(n) >= 3)

    def needles(self) -> set[str]:
        dates = {d.isoformat() for d in self.birth_dates} | {
            d.strftime("%Y%m%d") for d in self.birth_dates
        }
        return self.member_ids | self.names | dates


def _phi() -> Phi:
    phi = Phi()
    for unit in read_units(F834)[0]:
        member = map_member(unit)
        phi.member_ids.update(v for v in member.member_ids.values() if v)
        phi.member_ids.update(v for v in (member.subscriber_id,) if v)
        phi.add_name(member.last_name, member.first_name)
        phi.birth_dates.update(d for d in (member.birth_date,) if d)
    for unit in read_units(F837)[0]:
        claim = map_claim(unit)
        phi.member_ids.update(v for v in (claim.member_id,) if v)
        for party in (claim.subscriber, claim.patient):
            phi.add_name(party.last_name, party.first_name)
        phi.birth_dates.update(d for d in (claim.patient_birth_date,) if d)
    for unit in read_units(F835)[0]:
        payment = map_claim_payment(unit)
        for person in (payment.patient, payment.insured):
            if person is not None:
                phi.add_name(person.last_name, person.first_name)
                phi.member_ids.update(v for v in (person.identifier,) if v)
    return phi


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDI_GATEWAY_")}
    return {
        **env,
        "EDI_GATEWAY_DATA_DIR": str(data_dir),
        "EDI_GATEWAY_PORT": str(port),
        "EDI_GATEWAY_LOG_LEVEL": "DEBUG",
    }


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    log: Path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    env = _env(tmp_path / "data", port)
    _cli(env, "db", "upgrade")
    keys = {}
    for name, role, sender in [
        ("dhcs", "plan", "MCALENROLL"),
        ("gphp", "plan", "GPHP1EDI"),
        ("clinic", "provider", "SUBMITTER9856"),
        ("ops", "ops", None),
    ]:
        extra = ["--sender-id", sender] if sender else []
        [keys[name]] = KEY.findall(_cli(env, "partners", "create", name, "--role", role, *extra))
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield Server(url, keys, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _submit(client: httpx.Client, server: Server, who: str, path: Path) -> str:
    auth = {"Authorization": f"Bearer {server.keys[who]}"}
    sub = client.post(
        "/v1/submissions",
        content=path.read_bytes(),
        headers={**auth, "content-type": "application/edi-x12", "x-filename": path.name},
    )
    assert sub.status_code == 202, sub.text
    deadline = time.monotonic() + 60
    while True:
        status = client.get(f"/v1/submissions/{sub.json()['id']}", headers=auth).json()
        if status["status"] in ("completed", "rejected", "held", "failed"):
            assert status["status"] == "completed", status
            return str(sub.json()["id"])
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_the_server_logs_no_member_ids_names_or_birth_dates(server: Server) -> None:
    phi = _phi()
    assert len(phi.member_ids) >= 6 and len(phi.names) >= 6 and len(phi.birth_dates) >= 6
    member, dob = "97445419Q", None
    ops = {"Authorization": f"Bearer {server.keys['ops']}"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        subs = [
            _submit(client, server, "dhcs", F834),
            _submit(client, server, "clinic", F837),
            _submit(client, server, "gphp", F835),
        ]
        members = client.get("/v1/members", headers=ops).json()["items"]
        assert members and member in {m["member_id"] for m in members}
        record = next(m for m in members if m["member_id"] == member)
        dob = record["birth_date"]
        encounters = client.get("/v1/encounters", headers=ops).json()["items"]
        remittances = client.get("/v1/remittances", headers=ops).json()["items"]
        calls: list[tuple[str, dict[str, Any], int]] = []
        for m in members:
            calls.append((f"/v1/members/{m['member_id']}/eligibility", {"date": "2026-03-01"}, 200))
            calls.append(("/v1/members", {"member_id": m["member_id"]}, 200))
            calls.append(("/v1/members", {"last_name": m["last_name"], "birth_date": dob}, 200))
        for name in sorted(phi.names):
            calls.append(("/v1/members", {"last_name": name}, 200))
        for cin in sorted(phi.member_ids):
            calls.append(("/v1/encounters", {"member_id": cin}, 200))
        calls += [(f"/v1/encounters/{e['id']}", {}, 200) for e in encounters]
        for cin in sorted(phi.member_ids):
            calls.append(("/v1/rejections", {"member_id": cin}, 200))
            calls.append(("/v1/rejections", {"q": cin}, 200))
        items = client.get("/v1/rejections", headers=ops).json()["items"]
        calls += [(f"/v1/rejections/{i['id']}", {}, 200) for i in items]
        calls.append(("/v1/rejections/987654321", {}, 404))
        calls.append(("/v1/stats", {"period": "week"}, 200))
        calls.append(("/v1/audit", {"object_type": "member"}, 200))
        calls += [(f"/v1/remittances/{r['id']}", {}, 200) for r in remittances]
        for sub in subs:
            calls += [
                (f"/v1/submissions/{sub}", {}, 200),
                (f"/v1/submissions/{sub}/acks/999", {}, 200),
                (f"/v1/submissions/{sub}/file", {}, 200),
                (f"/v1/submissions/{sub}/report", {"format": "html"}, 200),
                (f"/v1/submissions/{sub}/report", {"format": "csv"}, 200),
                (f"/v1/submissions/{sub}/report", {}, 200),
            ]
        calls += [
            ("/v1/submissions", {"received_from": "2026-01-01"}, 200),
            ("/v1/remittances", {"payment_date_from": "2026-01-01"}, 200),
            (f"/v1/submissions/{subs[1]}/acks/277ca", {}, 200),
            (f"/v1/submissions/{subs[0]}/acks/ta1", {}, 404),
            ("/openapi.json", {}, 200),
            (f"/v1/members/{member}X/eligibility", {}, 404),  # a 404 naming a member
            (f"/v1/members/{member}/eligibility", {"date": dob + "T00"}, 422),  # bad request
            ("/v1/members", {"last_name": "a\x00" + record["last_name"]}, 400),
            ("/v1/forwarding/batches", {}, 200),
            ("/v1/forwarding/batches/987654321", {}, 404),
            ("/v1/forwarding/batches/987654321/file", {}, 404),
            ("/v1/forwarding/answers", {}, 200),
            ("/v1/partners/gphp/outbound", {}, 404),
            ("/v1/partners", {}, 200),
            ("/v1/partners/clinic/guides", {}, 200),
            ("/v1/webhooks", {}, 200),
            ("/v1/webhooks/987654321", {}, 404),
            ("/v1/webhooks/987654321/deliveries", {}, 404),
            ("/v1/forwarding/batches", {}, 200),
            ("/v1/forwarding/batches/987654321", {}, 404),
            ("/v1/forwarding/batches/987654321/file", {}, 404),
            ("/v1/forwarding/answers", {}, 200),
            ("/v1/partners/gphp/outbound", {}, 404),  # a plan without outbound settings
            ("/v1/webhooks", {}, 200),
            ("/v1/webhooks/987654321", {}, 404),
            ("/v1/webhooks/987654321/deliveries", {}, 404),
            ("/v1/partners", {}, 200),
            ("/v1/partners/clinic/guides", {}, 200),
            ("/healthz", {}, 200),
            ("/readyz", {}, 200),
            ("/metrics", {}, 200),
            ("/docs", {}, 200),
        ]
        for path, params, status in calls:
            response = client.get(path, params=params, headers=ops)
            assert response.status_code == status, (path, response.text[:200])
        bad_key = client.get(
            f"/v1/members/{member}/eligibility", headers={"Authorization": "Bearer nope"}
        )
        assert bad_key.status_code == 401
    time.sleep(0.5)  # the last access-log lines
    log = server.log.read_text(errors="replace")
    assert "GET /v1/members/{member_id}/eligibility 200" in log  # the access log is there
    assert "?" not in log  # no query string anywhere
    spec = httpx.get(f"{server.url}/openapi.json").json()
    asked = set(re.findall(r"edi_gateway\.access: GET (\S+) ", log))
    assert {p for p, item in spec["paths"].items() if "get" in item} <= asked
    leaks = sorted(n for n in phi.needles() if re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}", log))
    assert leaks == [], f"PHI in the server's output: {leaks}"


async def test_engines_hide_statement_parameters(db: Db) -> None:
    engine = make_engine(db.url)
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(
                    text("SELECT CAST(:v AS INTEGER) FROM no_such_table"), {"v": "97445419Q"}
                )
    finally:
        await engine.dispose()
    assert "97445419Q" not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_no_traceback_or_exception_message_reaches_a_log_line() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(NoTracebacks())
    logger = logging.getLogger("edi_gateway.tests.no_tracebacks")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("member 97445419Q GARCIA born 1985-04-12")
        except ValueError:
            logger.exception("ingest of %s failed", "submission 42")
    finally:
        logger.removeHandler(handler)
    line = out.getvalue()
    assert line.startswith("ingest of submission 42 failed (ValueError at test_server_logs.py:")
    assert "97445419Q" not in line and "Traceback" not in line and line.count("\n") == 1


def test_log_config_keeps_libraries_quiet_and_uvicorn_below_trace() -> None:
    config = log_config("trace")
    assert config["loggers"]["edi_gateway"]["level"] == "DEBUG"
    assert config["loggers"]["uvicorn.error"]["level"] == "DEBUG"
    assert config["root"]["level"] == "WARNING"  # SQLAlchemy, aiosqlite: no statements, rows
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
