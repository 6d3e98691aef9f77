"""Console pages over HTTP on SQLite and PostgreSQL: what each page shows, and that a
provider sees only its own figures, items and files while ops sees all."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from api_support import Api
from conftest import SAMPLES
from console_support import sign_in

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"


def bad_file(tmp_path: Path, sender: str = "SUBMITTER9856") -> Path:
    """The basic 837P with one claim's CLM02 off by a dollar (so it is rejected)."""
    data = BASIC.read_bytes().replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*")
    path = tmp_path / f"bad-{sender}.x12"
    path.write_bytes(data.replace(b"SUBMITTER9856", sender.encode()))
    return path


async def setup(api: Api, tmp_path: Path) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("clinic-b", "provider", "SUBMITTER9857")
    await api.partner("ops", "ops")
    await api.ingest(bad_file(tmp_path), "clinic-a")
    await api.ingest(bad_file(tmp_path, "SUBMITTER9857"), "clinic-b")


async def as_(api: Api, name: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=api.client._transport, base_url="http://test")
    done = await sign_in(client, api.keys[name])
    assert done.status_code == 303, done.text
    return client


def rates_row(html: str) -> list[str]:
    month = datetime.now(UTC).strftime("%Y-%m")
    row = re.search(rf'<tr><th scope="row">{month}</th>(.*?)</tr>', html)
    assert row, html
    return re.findall(r'<td class="num">([^<]*)', row.group(1))


async def test_dashboard_figures_are_the_callers(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, ops = await as_(api, "clinic-a"), await as_(api, "ops")
    mine = (await a.get("/console")).text
    everyone = (await ops.get("/console")).text
    assert rates_row(mine)[:3] == ["5", "4", "80.0%"]
    assert rates_row(everyone)[:3] == ["10", "8", "80.0%"]
    assert 'id="rates-chart"' in mine and "4 of 5 claims accepted (80.0%)" in mine
    assert "8 of 10 claims accepted" in everyone
    ages = re.search(r'<th scope="row">0-7</th><td class="num"><a [^>]*>(\d+)<', mine)
    assert ages and ages.group(1) == "1"
    assert "Audit log" not in mine and "Audit log" in everyone
