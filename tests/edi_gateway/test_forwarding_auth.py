"""HTTPS delivery to a plan that asks for credentials, on both databases: a bearer token or
basic credentials read from an environment variable on the delivering machine (never
stored, never logged), and mutual TLS with our client certificate against a plan server
whose certificate comes from a private CA (certificates made by trustme)."""

from __future__ import annotations

import base64
import logging
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from conftest import SAMPLES, Db
from sqlalchemy import select
from test_forwarding_delivery import Receiver, receiver  # noqa: F401 (a fixture)

from edi_gateway.forwarding import delivery
from edi_gateway.forwarding.scheduled import run_due
from edi_gateway.forwarding.settings import OutboundChange, OutboundError, set_outbound
from edi_gateway.models import ForwardingBatch, OutboundSettings
from edi_gateway.partners.service import create_partner
from edi_gateway.submissions.ingest import ingest_paths

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
MULTI = SAMPLES / "837p" / "837p_valid_multi_st.x12"


async def _plan(db: Db, **change: Any) -> None:
    async with db.sessionmaker() as s, s.begin():
        await create_partner(s, "clinic", "provider", ["SUBMITTER9856", "SUBMITTER1289"], None)
        await create_partner(s, "goldplan", "plan", ["GPHP1EDI"], None)
        await set_outbound(
            s,
            "goldplan",
            OutboundChange(
                receiver_id="GPHP1EDI", sender_id="OURMSO", payer_ids=["GPHP1"], **change
            ),
        )


async def _change(db: Db, **change: Any) -> None:
    async with db.sessionmaker() as s, s.begin():
        await set_outbound(
            s, "goldplan", OutboundChange(receiver_id="GPHP1EDI", sender_id="OURMSO", **change)
        )


async def _last_batch(db: Db) -> ForwardingBatch:
    async with db.sessionmaker() as s:
        rows = await s.execute(select(ForwardingBatch).order_by(ForwardingBatch.id))
        return list(rows.scalars())[-1]


async def _forward(db: Db, minute: int, sample: Path | None = None) -> ForwardingBatch:
    if sample is not None:
        await ingest_paths(db.sessionmaker, db.settings, [sample], "clinic")
    await run_due(db.sessionmaker, db.settings, datetime.fromtimestamp(minute * 60, UTC))
    return await _last_batch(db)


async def test_a_bearer_token_from_the_environment(
    db: Db,
    receiver: tuple[Receiver, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state, url = receiver
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)
    monkeypatch.delenv("GOLDPLAN_TOKEN", raising=False)
    await _plan(db, url=url, every_minutes=5, auth="bearer", auth_env="GOLDPLAN_TOKEN")
    caplog.set_level(logging.DEBUG)
    # the variable is not set on this machine: nothing is sent, the batch says why
    batch = await _forward(db, 60, BASIC)
    assert (batch.status, batch.attempts) == ("failed", 0)
    assert batch.last_error == (
        "environment variable GOLDPLAN_TOKEN (the bearer secret) is not set on this machine"
    )
    assert state.bodies == []
    monkeypatch.setenv("GOLDPLAN_TOKEN", "tok-3f9a1c77e2")
    batch = await _forward(db, 65)
    assert (batch.status, batch.attempts, batch.last_error) == ("delivered", 1, None)
    assert state.headers[-1]["Authorization"] == "Bearer tok-3f9a1c77e2"
    # the secret is in no stored row and no log line
    async with db.sessionmaker() as s:
        row = (await s.execute(select(OutboundSettings))).scalar_one()
    assert "tok-3f9a1c77e2" not in repr(vars(row))
    assert (row.auth, row.auth_env) == ("bearer", "GOLDPLAN_TOKEN")
    assert "tok-3f9a1c77e2" not in caplog.text


async def test_basic_credentials_from_the_environment(
    db: Db,
    receiver: tuple[Receiver, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, url = receiver
    monkeypatch.setenv("GOLDPLAN_LOGIN", "mso-user:pa55:word")
    await _plan(db, url=url, every_minutes=5, auth="basic", auth_env="GOLDPLAN_LOGIN")
    batch = await _forward(db, 60, BASIC)
    assert batch.status == "delivered"
    expected = base64.b64encode(b"mso-user:pa55:word").decode()
    assert state.headers[-1]["Authorization"] == f"Basic {expected}"
    monkeypatch.setenv("GOLDPLAN_LOGIN", "no-colon")
    batch = await _forward(db, 65, MULTI)
    assert (batch.status, batch.last_error) == (
        "failed",
        "environment variable GOLDPLAN_LOGIN must hold user:password",
    )


async def test_settings_that_cannot_work_are_refused(db: Db, tmp_path: Path) -> None:
    await _plan(db, url="https://plan.example/inbound")
    for change, says in (
        ({"auth": "bearer"}, "needs --auth-env"),
        ({"auth": "bearer", "auth_env": "tok-3f9a1c77e2"}, "not the secret itself"),
        ({"auth": "digest", "auth_env": "X"}, "auth must be one of"),
        ({"client_cert": "certs/mso.pem", "client_key": "/k.pem"}, "must be an absolute path"),
        ({"client_cert": "/etc/mso.pem"}, "needs its key"),
        ({"auth": "bearer", "auth_env": "T", "directory": str(tmp_path)}, "HTTPS delivery only"),
    ):
        with pytest.raises(OutboundError, match=says):
            await _change(db, **change)
    # turning authentication off again
    await _change(db, auth="bearer", auth_env="GOLDPLAN_TOKEN")
    await _change(db, auth="none", auth_env="")
    async with db.sessionmaker() as s:
        row = (await s.execute(select(OutboundSettings))).scalar_one()
    assert (row.auth, row.auth_env) == ("none", None)


@pytest.fixture
def tls_plan(tmp_path: Path) -> Iterator[tuple[str, trustme.CA, list[str]]]:
    """A plan's HTTPS server on loopback with a certificate of a private CA, that asks for
    a client certificate of the same CA; it records the client's certificate subject."""
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            seen.append(str(dict(x[0] for x in peer["subject"]).get("organizationalUnitName")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}/inbound", ca, seen
    finally:
        server.shutdown()
        server.server_close()


async def test_mutual_tls_with_our_client_certificate(
    db: Db,
    tls_plan: tuple[str, trustme.CA, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, ca, seen = tls_plan
    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)
    client = ca.issue_cert("mso.example", organization_unit_name="edi-gateway-mso")
    cert, key, bundle = tmp_path / "mso.pem", tmp_path / "mso.key", tmp_path / "plan-ca.pem"
    client.cert_chain_pems[0].write_to_path(str(cert))
    client.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(bundle))
    # the plan's CA alone: its server is trusted, but it refuses us without a certificate
    await _plan(db, url=url, every_minutes=5, ca_file=str(bundle))
    batch = await _forward(db, 60, BASIC)
    assert batch.status == "failed" and seen == []
    # (the refusal reaches us as the TLS alert or as the connection closed: either is said)
    assert batch.last_error is not None
    await _change(db, client_cert=str(cert), client_key=str(key))
    batch = await _forward(db, 65)
    assert (batch.status, batch.last_error) == ("delivered", None)
    assert seen == ["edi-gateway-mso"]
    # a key file that is gone: a clear reason, nothing sent
    key.unlink()
    batch = await _forward(db, 70, MULTI)
    assert batch.status == "failed" and batch.attempts == 0
    assert (batch.last_error or "").startswith("TLS files of the plan cannot be used: ")
    assert seen == ["edi-gateway-mso"]
