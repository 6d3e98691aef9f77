"""The HTML correction report as a person sees it: rendered by a real browser (Debian's
chromium driven by Playwright; no browser is downloaded), read through its visible text and
accessibility roles, and saved as a screenshot (and a PDF, the printed page) under
tests/artifacts/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, Db

from edi_gateway.reports import build_report, render_html
from edi_gateway.submissions.ingest import ingest_paths

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


def _mixed_file(tmp_path: Path) -> Path:
    data = (SAMPLES / "837p" / "837p_valid_basic.x12").read_bytes()
    path = tmp_path / "mixed_837p.x12"
    path.write_bytes(data.replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*"))
    return path


def _luminance(css: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


async def test_report_in_a_browser(db: Db, tmp_path: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (the test needs it)")
    from playwright.async_api import Route, async_playwright

    # received on the tests' pinned day (conftest.PINNED_CLOCK): the sample's service dates
    # (2026-09) stay within the plan's 90-day lag, so the claim's one problem is its total
    # (the page shows one mark)
    [outcome] = await ingest_paths(db.sessionmaker, db.settings, [_mixed_file(tmp_path)])
    async with db.sessionmaker() as session:
        report = await build_report(session, db.settings, outcome.submission.id)
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            requested: list[str] = []

            async def record(route: Route) -> None:
                url = route.request.url
                if url.startswith("file://"):
                    await route.continue_()
                else:
                    requested.append(url)
                    await route.abort()

            await page.route("**/*", record)
            await page.goto(page_file.as_uri())

            # the five-second view
            h1 = page.get_by_role("heading", level=1)
            assert (await h1.inner_text()) == "Correction report: mixed_837p.x12"
            summary = page.locator("#summary")
            assert await summary.is_visible()
            headline = await summary.locator(".headline").inner_text()
            assert "1 of 5 claims rejected ($313.00); 4 accepted" in headline
            assert "Partially accepted" in headline  # the status in words, not only colour
            counts = page.get_by_role("table", name="Claims in this file")
            assert await counts.is_visible()
            rows = {
                (await r.get_by_role("rowheader").inner_text()).strip("Σ✓✗ "): [
                    (await c.inner_text()).strip() for c in await r.get_by_role("cell").all()
                ]
                for r in await counts.locator("tbody tr").all()
            }
            assert rows["Received"][0] == "5" and rows["Accepted"][0] == "4"
            assert rows["Rejected"] == ["1", "$313.00"]
            problems = page.get_by_role("table", name="Most common problems")
            assert "B3-CLM02-SV1" in await problems.inner_text()

            # one rejected claim, as the billing office reads it
            heading = page.get_by_role("heading", name=re.compile("Claim PCN267000032363"))
            assert await heading.is_visible()
            claim = page.locator("section.claim", has=heading)
            claim_text = await claim.inner_text()
            for words in (
                "FARNSWICK, NADIA",
                "96994177R",
                "2026-09-07",
                "$313.00",
                "CLM02 claim total 313 does not equal the sum of the line charges",
                "Total Claim Charge Amount",
                "line 21",
                "312.00",
                "Rule B3-CLM02-SV1",
                "Make the claim total equal the sum of the service line charges, to the cent.",
                "CLM*PCN267000032363*313***11:B:1*Y*A*Y*Y",
            ):
                assert words in claim_text, words
            table = page.get_by_role("table", name="Problems with claim PCN267000032363")
            assert await table.is_visible()
            mark = claim.locator("pre.segment mark")
            assert await mark.is_visible() and (await mark.inner_text()) == "313"

            # contrast (WCAG AA, 4.5:1) of the text that carries the meaning
            for selector in ("body", "section.claim .badge", "pre.segment mark", "thead th"):
                fg, bg = await page.locator(selector).first.evaluate(
                    """e => { const s = getComputedStyle(e);
                        let b = e, bg = s.backgroundColor;
                        while (bg === 'rgba(0, 0, 0, 0)' && b.parentElement) {
                            b = b.parentElement; bg = getComputedStyle(b).backgroundColor; }
                        return [s.color, bg === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : bg];
                    }"""
                )
                assert _contrast(fg, bg) >= 4.5, (selector, fg, bg)

            assert requested == []  # self-contained: nothing fetched from anywhere
            shot = ARTIFACTS / f"correction_report_{db.kind}.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            await page.emulate_media(media="print")
            pdf = ARTIFACTS / f"correction_report_{db.kind}.pdf"
            await page.pdf(path=str(pdf), format="Letter", print_background=True)
            assert pdf.read_bytes().startswith(b"%PDF")
        finally:
            await browser.close()
