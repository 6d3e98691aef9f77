"""The console as a person uses it: Debian's chromium (driven by Playwright, never a
downloaded browser) against the real server (`edi-gateway serve` in a subprocess) on
SQLite and PostgreSQL. Sign in with the keyboard, upload a file with a rejected claim,
find it in the queue by a filter in the URL, assign it, upload the corrected claim, see the
item close by itself and the dashboard chart show the new figures; a POST without the CSRF
token is refused; sign out. Every page: a skip link first in the tab order, text at 4.5:1
or more, nothing wider than 1280 px, no CSP violation and nothing asked of another host.
Screenshots (and the pages' server times) are saved under tests/artifacts/."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, SAMPLES, Db

from edi_gateway.partners.service import create_partner

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
BIN = ROOT / ".venv" / "bin" / "edi-gateway"
BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
CLAIM = "PCN267000032363"
VIEWPORT = {"width": 1280, "height": 800}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    log: Path


@pytest.fixture
async def server(db: Db, tmp_path: Path) -> AsyncIterator[Server]:
    keys = {}
    async with db.sessionmaker() as s, s.begin():
        _, keys["clinic-a"] = await create_partner(
            s, "clinic-a", "provider", ["SUBMITTER9856"], None
        )
        _, keys["ops"] = await create_partner(s, "ops", "ops", [], None)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDI_GATEWAY_")}
    env |= {
        "EDI_GATEWAY_DATA_DIR": str(tmp_path / "data"),
        "EDI_GATEWAY_DATABASE_URL": db.url,
        "EDI_GATEWAY_QUEUE": "inprocess",
        "EDI_GATEWAY_AUTO_MIGRATE": "false",
    }
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
        async with httpx.AsyncClient() as client:
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if (await client.get(f"{url}/healthz", timeout=2)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.1)
        yield Server(url, keys, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    data = BASIC.read_bytes()
    bad = tmp_path / "claims_week_49.x12"
    bad.write_bytes(data.replace(f"CLM*{CLAIM}*312*".encode(), f"CLM*{CLAIM}*313*".encode()))
    fixed = tmp_path / "claims_week_49_corrected.x12"
    fixed.write_bytes(data.replace(b"514296314", b"514296315"))
    return bad, fixed


def _luminance(css: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


#: the colour of every element with its own text, and the background it is drawn on
_COLOURS = """() => {
  const out = [];
  const bgOf = (e) => {
    for (let b = e; b; b = b.parentElement) {
      const c = getComputedStyle(b).backgroundColor;
      if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') || e.closest('[hidden]') || !e.getClientRects().length) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    out.push([e.tagName + (e.className ? '.' + e.className : ''), getComputedStyle(e).color,
              bgOf(e)]);
  }
  return out;
}"""


async def test_console_in_a_browser(server: Server, db: Db, tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs it (the test needs it)")
    from playwright.async_api import ConsoleMessage, Page, Request, async_playwright, expect

    bad, fixed = _files(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    elsewhere: list[str] = []
    problems: list[str] = []
    timings: dict[str, float] = {}

    async def check_page(page: Page, name: str) -> None:
        """What every page must do, then its screenshot and server time."""
        assert await page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
        for where, fg, bg in await page.evaluate(_COLOURS):
            assert _contrast(fg, bg) >= 4.5, (name, where, fg, bg)
        await page.keyboard.press("Tab")  # a freshly loaded page: the skip link comes first
        focused = await page.evaluate("document.activeElement.textContent")
        assert focused == "Skip to main content", (name, focused)
        skip = page.get_by_role("link", name="Skip to main content")
        assert await skip.is_visible()  # shown when focused, with a focus style
        assert await skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "main", name
        timing = await page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n.responseEnd - n.requestStart; })()"
        )
        timings[name] = round(float(timing), 1)
        await page.screenshot(path=str(ARTIFACTS / f"console_{name}_{db.kind}.png"))

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport=VIEWPORT)
            page = await context.new_page()

            def note(message: ConsoleMessage) -> None:
                if message.type in ("error", "warning"):
                    problems.append(message.text)

            def outgoing(request: Request) -> None:
                if not request.url.startswith(server.url + "/"):
                    elsewhere.append(request.url)

            page.on("console", note)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", outgoing)

            # sign in, with the keyboard
            await page.goto(f"{server.url}/console")
            assert page.url == f"{server.url}/console/sign-in?next=%2Fconsole"
            await check_page(page, "sign_in")
            await page.get_by_label("API key").focus()
            await page.keyboard.type(server.keys["clinic-a"])
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"{server.url}/console")
            await expect(page.get_by_text("Signed in as clinic-a")).to_be_visible()
            await check_page(page, "dashboard_empty")

            # upload a file with a rejected claim, with progress
            await page.get_by_role("link", name="Submissions", exact=True).click()
            await page.get_by_label(re.compile("X12 file")).set_input_files(str(bad))
            await page.get_by_role("button", name="Upload").click()
            await page.wait_for_url(re.compile(r"/console/submissions/[0-9a-f]{32}$"))
            first_url = page.url
            status = page.locator("#submission-status")
            await expect(status).to_have_text("partially accepted", timeout=60_000)
            await expect(page.locator("#submission-counts")).to_have_text(
                "5 received, 4 accepted, 1 rejected"
            )
            await check_page(page, "submission")

            # find it in the queue by a filter that lands in the URL
            await page.get_by_role("link", name="Work queue", exact=True).click()
            await page.get_by_label("Claim id (CLM01)").fill(CLAIM)
            await page.get_by_role("button", name="Filter").click()
            await page.wait_for_url(f"{server.url}/console/queue?claim_id={CLAIM}")
            rows = page.locator("#queue tbody tr")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text("open")
            await check_page(page, "queue")
            shared = page.url

            # the item: the bad element marked; assign it
            await rows.first.get_by_role("link").click()
            await page.wait_for_url(re.compile(r"/console/items/\d+$"))
            item_url = page.url
            await expect(page.locator("pre.segment mark").first).to_have_text("313")
            await page.get_by_label(re.compile("^Assignee")).focus()  # by keyboard only
            await page.keyboard.type("maria")
            await page.keyboard.press("Enter")
            await expect(page.get_by_role("status")).to_have_text("Saved: assignee.")
            await expect(page.locator("#item-assignee")).to_have_text("maria")
            await check_page(page, "item_open")

            # a POST without the CSRF token is refused, even from the signed-in browser
            refused = await page.evaluate(
                """async (url) => (await fetch(url, {method: 'POST',
                    headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                    body: 'assignee=mallory'})).status""",
                item_url,
            )
            assert refused == 403
            await page.reload()
            await expect(page.locator("#item-assignee")).to_have_text("maria")

            # upload the corrected claim: the item closes by itself
            await page.goto(f"{server.url}/console/submissions")
            await page.get_by_label(re.compile("X12 file")).set_input_files(str(fixed))
            await page.get_by_role("button", name="Upload").click()
            await page.wait_for_url(re.compile(r"/console/submissions/[0-9a-f]{32}$"))
            assert page.url != first_url
            second_id = page.url.rsplit("/", 1)[1]
            await expect(status).to_have_text("partially accepted", timeout=60_000)
            await page.goto(item_url)
            await expect(page.locator("#item-state")).to_have_text("closed by resubmission")
            await expect(page.locator("#closed-by")).to_contain_text(second_id)
            await check_page(page, "item_closed")
            await page.goto(shared)  # the shared view shows it closed too
            await expect(page.locator("#queue tbody tr").first).to_contain_text(
                "closed by resubmission"
            )

            # the dashboard's chart shows the new figures: 5 of 10 claims accepted
            await page.get_by_role("link", name="Dashboard", exact=True).click()
            chart = page.locator("#rates-chart")
            await expect(chart.locator(".bar.accepted text")).to_have_text("50.0%")
            assert "5 of 10 claims accepted (50.0%)" in (
                await chart.locator(".bar.accepted title").text_content() or ""
            )
            await check_page(page, "dashboard")

            # sign out; the pages are closed again
            await page.get_by_role("button", name="Sign out").click()
            await page.wait_for_url(f"{server.url}/console/sign-in")
            await page.goto(item_url)
            assert page.url.startswith(f"{server.url}/console/sign-in?next=")
        finally:
            await browser.close()
    assert elsewhere == []
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    (ARTIFACTS / f"console_timings_{db.kind}.json").write_text(json.dumps(timings, indent=1))
