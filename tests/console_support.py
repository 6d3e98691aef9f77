"""Signing in to the console over HTTP, as a browser would: the sign-in form's token,
the session cookie, and the CSRF token of each page's forms."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, key: str, next_url: str = "/console"
) -> httpx.Response:
    form = await client.get("/console/sign-in", params={"next": next_url})
    assert form.status_code == 200, form.text
    return await client.post(
        "/console/sign-in",
        data={"csrf_token": csrf_of(form.text), "api_key": key, "next": next_url},
    )


async def page_csrf(client: httpx.AsyncClient, path: str = "/console") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
