"""`/docs` as a browser sees it (Debian's chromium driven by Playwright, the app answering
in process): Swagger UI renders the operations under the page's Content-Security-Policy,
with no violation reported and nothing asked of any other host."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from conftest import Db

from edi_gateway.app import create_app

ORIGIN = "http://gateway.test"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


async def test_swagger_ui_renders_under_its_csp(db: Db) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (the test needs it)")
    from playwright.async_api import ConsoleMessage, Route, async_playwright

    app = create_app(db.settings)
    elsewhere: list[str] = []
    console: list[str] = []
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client,
        async_playwright() as pw,
    ):

        async def serve(route: Route) -> None:
            request = route.request
            if not request.url.startswith(ORIGIN + "/"):
                elsewhere.append(request.url)
                await route.abort()
                return
            response = await client.request(
                request.method, request.url, headers=await request.all_headers()
            )
            await route.fulfill(
                status=response.status_code,
                headers=dict(response.headers),
                body=response.content,
            )

        def note(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                console.append(message.text)

        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            page.on("console", note)
            page.on("pageerror", lambda error: console.append(str(error)))
            await page.route("**/*", serve)
            await page.goto(f"{ORIGIN}/docs")
            await page.wait_for_selector(".opblock", timeout=30_000)
            text = await page.locator("#swagger-ui").inner_text()
            await page.locator(".authorize").first.wait_for(timeout=10_000)
            await page.locator(".opblock-summary").first.click()  # one operation opened
            await page.locator(".opblock-body").first.wait_for(timeout=10_000)
        finally:
            await browser.close()
    assert "/v1/members/{member_id}/eligibility" in text and "/v1/submissions" in text
    assert elsewhere == []
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []
