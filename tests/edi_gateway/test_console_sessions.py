"""Console sign-in, sessions and CSRF over HTTP, on SQLite and PostgreSQL: an API key is
exchanged for an HttpOnly, SameSite=Strict cookie; the database keeps only the token's
hash; a form without the session's CSRF token is refused; sign-out and the idle timeout
end the session; revoking the key ends it too."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from api_support import Api
from console_support import csrf_of, page_csrf, sign_in
from sqlalchemy import select, update

from edi_gateway.models import AuditEvent, ConsoleSession
from edi_gateway.partners.service import revoke_keys


async def test_sign_in_sets_a_strict_httponly_cookie(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    anonymous = await api.client.get("/console")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/console/sign-in?next=%2Fconsole"
    done = await sign_in(api.client, key)
    assert done.status_code == 303 and done.headers["location"] == "/console"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("edi_console="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "samesite", "path"} <= attributes and "secure" not in attributes
    assert "samesite=strict" in cookie.lower() and "path=/console" in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    async with api.db.sessionmaker() as s:
        [row] = (await s.execute(select(ConsoleSession))).scalars().all()
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert "sign_in" in actions
    page = await api.client.get("/console")
    assert page.status_code == 200 and "Signed in as <strong>clinic-a</strong>" in page.text
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    css = await api.client.get("/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_secure_cookie_under_tls(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    api.client.base_url = "https://test"
    done = await sign_in(api.client, key)
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("edi_console="))
    assert "secure" in cookie.lower()


async def test_wrong_key_and_missing_token_are_refused(api: Api) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    wrong = await sign_in(api.client, "edi_not-a-key")
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert "edi_console=" not in " ".join(wrong.headers.get_list("set-cookie"))
    api.client.cookies.clear()
    forged = await api.client.post(
        "/console/sign-in", data={"api_key": api.keys["clinic-a"], "csrf_token": "x"}
    )
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("text/html")


async def test_a_form_without_the_csrf_token_is_refused(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await sign_in(api.client, key)
    token = await page_csrf(api.client)
    refused = await api.client.post("/console/sign-out")
    assert refused.status_code == 403 and "security token" in refused.text
    # the token with its last character changed (to one it is not: 1 in 64 ends in "0")
    altered = token[:-1] + ("1" if token.endswith("0") else "0")
    wrong = await api.client.post("/console/sign-out", data={"csrf_token": altered})
    assert wrong.status_code == 403
    assert (await api.client.get("/console")).status_code == 200  # still signed in
    out = await api.client.post("/console/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in"
    assert (await api.client.get("/console")).status_code == 303
    async with api.db.sessionmaker() as s:
        assert (await s.execute(select(ConsoleSession))).scalars().all() == []


async def test_a_stolen_token_is_useless_after_sign_out(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await sign_in(api.client, key)
    stolen = dict(api.client.cookies)
    await api.client.post("/console/sign-out", data={"csrf_token": await page_csrf(api.client)})
    api.client.cookies.clear()
    api.client.cookies.update(stolen)
    assert (await api.client.get("/console")).status_code == 303


async def test_idle_timeout_ends_the_session(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await sign_in(api.client, key)
    assert (await api.client.get("/console")).status_code == 200
    idle = api.db.settings.console_idle_minutes
    async with api.db.sessionmaker() as s, s.begin():
        await s.execute(
            update(ConsoleSession).values(
                last_seen_at=datetime.now(UTC) - timedelta(minutes=idle - 1)
            )
        )
    assert (await api.client.get("/console")).status_code == 200  # within the timeout
    async with api.db.sessionmaker() as s, s.begin():
        await s.execute(
            update(ConsoleSession).values(
                last_seen_at=datetime.now(UTC) - timedelta(minutes=idle + 1)
            )
        )
    gone = await api.client.get("/console?period=month")
    assert gone.status_code == 303
    assert gone.headers["location"] == "/console/sign-in?next=%2Fconsole%3Fperiod%3Dmonth"
    async with api.db.sessionmaker() as s:
        assert (await s.execute(select(ConsoleSession))).scalars().all() == []
    again = await sign_in(api.client, key, "/console?period=month")
    assert again.headers["location"] == "/console?period=month"


async def test_revoking_the_key_signs_the_browser_out(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await sign_in(api.client, key)
    assert (await api.client.get("/console")).status_code == 200
    async with api.db.sessionmaker() as s, s.begin():
        await revoke_keys(s, 1)
    assert (await api.client.get("/console")).status_code == 303


async def test_sign_in_redirects_only_within_the_console(api: Api) -> None:
    key = await api.partner("clinic-a", "provider", "SUBMITTER9856")
    form = await api.client.get("/console/sign-in", params={"next": "https://evil.test/"})
    assert 'name="next" value="/console"' in form.text
    done = await api.client.post(
        "/console/sign-in",
        data={"csrf_token": csrf_of(form.text), "api_key": key, "next": "//evil.test"},
    )
    assert done.headers["location"] == "/console"
