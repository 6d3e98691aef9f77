"""Console pages over HTTP on SQLite and PostgreSQL: what each page shows, and that a
provider sees only its own figures, items and files while ops sees all."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from api_support import Api
from conftest import SAMPLES
from console_support import csrf_of, sign_in
from sqlalchemy import select

from edi_gateway.models import AuditEvent, Submission

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
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', mine) == ["/console"]


def item_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/console/items/(\d+)">#', html)]


async def test_queue_is_scoped_and_its_filters_live_in_the_url(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, ops = await as_(api, "clinic-a"), await as_(api, "ops")
    mine = await a.get("/console/queue")
    everything = await ops.get("/console/queue")
    assert len(item_ids(mine.text)) == 1 and len(item_ids(everything.text)) == 2
    assert "clinic-b" not in mine.text
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', mine.text) == ["/console/queue"]
    only_b = await ops.get("/console/queue?partner=clinic-b&state=&open=1")
    assert len(item_ids(only_b.text)) == 1 and "clinic-b" in only_b.text
    assert 'name="partner" value="clinic-b"' in only_b.text
    none = await ops.get("/console/queue?state=resolved")
    assert item_ids(none.text) == [] and "No items match" in none.text
    first = await ops.get("/console/queue?limit=1")
    [newest] = item_ids(first.text)
    nxt = re.search(r'href="/console/queue\?([^"]+)" rel="next"', first.text)
    assert nxt and "cursor=" in nxt.group(1)
    second = await ops.get("/console/queue?" + nxt.group(1).replace("&amp;", "&"))
    [older] = item_ids(second.text)
    assert older < newest and 'rel="next"' not in second.text
    bad = await ops.get("/console/queue?state=closed")
    assert bad.status_code == 400 and "state must be one of" in bad.text
    assert bad.headers["content-type"].startswith("text/html")


async def test_item_page_and_its_forms(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, b = await as_(api, "clinic-a"), await as_(api, "clinic-b")
    [mine] = item_ids((await a.get("/console/queue")).text)
    [theirs] = item_ids((await b.get("/console/queue")).text)
    page = await a.get(f"/console/items/{mine}")
    assert page.status_code == 200
    assert "<mark>313</mark>" in page.text  # CLM02 marked in the segment as sent
    assert "How to fix:" in page.text and "PCN267000032363" in page.text
    assert 'href="/console/submissions/' in page.text and 'id="report-link"' in page.text
    hidden = await a.get(f"/console/items/{theirs}")
    assert hidden.status_code == 404 and "PCN267000032363" not in hidden.text
    assert (await a.get("/console/items/99999999999999999999")).status_code in (404, 422)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    csrf = token.group(1)
    refused = await a.post(f"/console/items/{mine}", data={"assignee": "maria"})
    assert refused.status_code == 403
    done = await a.post(f"/console/items/{mine}", data={"assignee": "maria", "csrf_token": csrf})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/items/{mine}?done=assignee"
    moved = await a.post(
        f"/console/items/{mine}", data={"state": "in_progress", "csrf_token": csrf}
    )
    noted = await a.post(
        f"/console/items/{mine}", data={"note": "called the office", "csrf_token": csrf}
    )
    assert moved.status_code == noted.status_code == 303
    after = (await a.get(f"/console/items/{mine}?done=note")).text
    assert 'id="item-assignee">maria<' in after and "in progress" in after
    assert "called the office" in after and "Saved: note." in after
    # another tenant's item cannot be changed, with a valid token of one's own
    other = await a.post(f"/console/items/{theirs}", data={"assignee": "maria", "csrf_token": csrf})
    assert other.status_code == 404
    not_settable = await a.post(
        f"/console/items/{mine}", data={"state": "closed_by_resubmission", "csrf_token": csrf}
    )
    assert not_settable.status_code == 400
    their_page = (await b.get(f"/console/items/{theirs}")).text
    assert 'id="item-assignee">nobody<' in their_page
    api_view = await api.client.get(f"/v1/rejections/{mine}", headers=api.auth("ops"))
    assert [h["action"] for h in api_view.json()["history"]] == [
        "created",
        "assignee",
        "state",
        "note",
    ]
    async with api.db.sessionmaker() as s:
        reads = (
            (
                await s.execute(
                    select(AuditEvent.action).where(
                        AuditEvent.resource_type == "work_item", AuditEvent.resource_id == str(mine)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert "read" in reads and reads.count("update") == 3


async def _finished(client: httpx.AsyncClient, url: str) -> str:
    for _ in range(200):
        page = await client.get(url)
        assert page.status_code == 200, page.text
        if "this page refreshes" not in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not finish")


async def test_upload_from_the_browser_and_downloads(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, b = await as_(api, "clinic-a"), await as_(api, "clinic-b")
    listing = await a.get("/console/submissions")
    csrf = csrf_of(listing.text)
    [item] = item_ids((await a.get("/console/queue")).text)
    data = BASIC.read_bytes().replace(b"514296314", b"514296315")  # the claim corrected
    refused = await a.post(
        "/console/submissions", files={"file": ("again.x12", data, "application/edi-x12")}
    )
    assert refused.status_code == 403
    async with api.db.sessionmaker() as s:
        assert len((await s.execute(select(Submission))).scalars().all()) == 2
    plain = await a.post(
        "/console/submissions",
        data={"csrf_token": csrf},
        files={"file": ("again.x12", data, "application/edi-x12")},
    )
    assert plain.status_code == 303
    url = plain.headers["location"]
    assert url.startswith("/console/submissions/")
    scripted = await a.post(
        "/console/submissions",
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
        files={"file": ("again.x12", data, "application/edi-x12")},
    )
    assert scripted.json() == {"id": url.rsplit("/", 1)[1], "url": url, "repeated": True}
    page = await _finished(a, url)
    assert "partially accepted" in page and "5 received, 1 accepted, 4 rejected" in page
    assert f'href="{url}/acks/999"' in page and f'href="{url}/acks/277ca"' in page
    ack = await a.get(f"{url}/acks/999")
    assert ack.status_code == 200 and ack.content.startswith(b"ISA*")
    assert "attachment" in ack.headers["content-disposition"]
    report = await a.get(f"{url}/report")
    assert report.status_code == 200 and '<link rel="stylesheet" href="/static/report.css">' in (
        report.text
    )
    assert "style-src 'self'" in report.headers["content-security-policy"]
    csv_report = await a.get(f"{url}/report?format=csv")
    assert csv_report.headers["content-type"].startswith("text/csv")
    original = await a.get(f"{url}/file")
    assert original.content == data
    listed = (await a.get("/console/submissions")).text
    assert "again.x12" in listed
    closed = (await a.get(f"/console/items/{item}")).text
    assert "closed by resubmission" in closed
    assert f'the resubmission <a href="{url}">' in closed
    for path in ("", "/acks/999", "/report", "/file"):
        assert (await b.get(url + path)).status_code == 404
    assert "again.x12" not in (await b.get("/console/submissions")).text
    async with api.db.sessionmaker() as s:
        actions = (
            await s.execute(
                select(AuditEvent.action, AuditEvent.resource_type).where(
                    AuditEvent.resource_id == url.rsplit("/", 1)[1]
                )
            )
        ).all()
    assert {("submit", "submission"), ("download", "ack:999"), ("download", "report:html"),
            ("download", "file")} <= set(actions)  # fmt: skip


FELIPE = "97445419Q"  # in 834_valid_basic.x12 (MCALENROLL -> GPHP1EDI), covered from 2026-02-01


async def test_eligibility_look_up_is_scoped_and_audited(api: Api, tmp_path: Path) -> None:
    await api.partner("dhcs", "plan", "MCALENROLL")
    await api.partner("gphp", "plan", "GPHP1EDI")
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.ingest(SAMPLES / "834" / "834_valid_basic.x12", "dhcs")
    plan, clinic = await as_(api, "gphp"), await as_(api, "clinic-a")
    page = await plan.get("/console/members", params={"member_id": FELIPE, "date": "2026-03-15"})
    assert page.status_code == 200
    assert "YARROWAY" in page.text and "MCLCCS01" in page.text
    assert 'id="eligible"><strong>Yes</strong>' in page.text
    before = await plan.get("/console/members", params={"member_id": FELIPE, "date": "2026-01-31"})
    assert 'id="eligible"><strong>No</strong>' in before.text
    hidden = await clinic.get("/console/members", params={"member_id": FELIPE})
    assert hidden.status_code == 404 and "YARROWAY" not in hidden.text
    bad = await plan.get("/console/members", params={"member_id": FELIPE, "date": "15/03/2026"})
    assert bad.status_code == 400
    empty = await plan.get("/console/members")
    assert empty.status_code == 200 and 'id="member_id"' in empty.text
    async with api.db.sessionmaker() as s:
        reads = (
            (
                await s.execute(
                    select(AuditEvent.detail).where(
                        AuditEvent.resource_type == "eligibility", AuditEvent.action == "read"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(reads) == ["date=2026-01-31", "date=2026-03-15"]


async def test_audit_log_is_for_ops_only(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, ops = await as_(api, "clinic-a"), await as_(api, "ops")
    [item] = item_ids((await a.get("/console/queue")).text)
    await a.get(f"/console/items/{item}")
    assert (await a.get("/console/audit")).status_code == 403
    log = await ops.get("/console/audit", params={"actor": "clinic-a", "action": "read"})
    assert log.status_code == 200
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>[^<]+</td><td>([^<]+)</td>"
                      r"<td>([^<]+)</td><td>([^<]+)</td>", log.text)  # fmt: skip
    assert rows == [("clinic-a", "read", "work_item", str(item))]
    everything = await ops.get("/console/audit")
    assert "sign_in" in everything.text and "search" in everything.text


async def test_upload_on_behalf_of_is_for_ops_only(api: Api, tmp_path: Path) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("clinic-b", "provider", "SUBMITTER9857")
    await api.partner("ops", "ops")
    a, b, ops = await as_(api, "clinic-a"), await as_(api, "clinic-b"), await as_(api, "ops")
    data = bad_file(tmp_path).read_bytes()
    as_b = await b.post(
        "/console/submissions",
        data={"csrf_token": csrf_of((await b.get("/console/submissions")).text),
              "on_behalf_of": "clinic-a"},
        files={"file": ("theirs.x12", data, "application/edi-x12")},
    )  # fmt: skip
    assert as_b.status_code == 403
    page = (await ops.get("/console/submissions")).text
    assert 'id="on_behalf_of"' in page
    sent = await ops.post(
        "/console/submissions",
        data={"csrf_token": csrf_of(page), "on_behalf_of": "clinic-a"},
        files={"file": ("for-a.x12", data, "application/edi-x12")},
    )
    assert sent.status_code == 303
    url = sent.headers["location"]
    assert "1 rejected" in await _finished(a, url)  # clinic-a's file, checked as clinic-a's
    assert (await b.get(url)).status_code == 404
    async with api.db.sessionmaker() as s:
        [sub] = (await s.execute(select(Submission))).scalars().all()
    assert (sub.partner_id, sub.sent_by_partner_id) == (1, 3)


async def test_queue_view_as_csv(api: Api, tmp_path: Path) -> None:
    await setup(api, tmp_path)
    a, ops = await as_(api, "clinic-a"), await as_(api, "ops")
    page = (await ops.get("/console/queue?partner=clinic-b&q=PCN")).text
    assert 'href="/console/queue.csv?partner=clinic-b&amp;q=PCN"' in page
    exported = await ops.get("/console/queue.csv?partner=clinic-b&q=PCN")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    partner = rows[0].index("partner")
    assert [r[partner] for r in rows[1:]] == ["clinic-b"]
    mine = list(csv.reader(io.StringIO((await a.get("/console/queue.csv")).text)))
    assert [r[partner] for r in mine[1:]] == ["clinic-a"]


async def test_dashboard_chart_has_the_denial_rate_against_the_target(
    api: Api, tmp_path: Path
) -> None:
    """The data set of test_api_stats: clinic-a's 10 claims, 5 accepted, this month; the
    plan's 835 of March 2026 denies 2 of 6 claims (33.3%, over the 4% target)."""
    await setup(api, tmp_path)
    await api.partner("gphp", "plan", "GPHP1EDI")
    fixed = tmp_path / "fixed.x12"
    fixed.write_bytes(BASIC.read_bytes().replace(b"514296314", b"514296315"))
    await api.ingest(fixed, "clinic-a")
    await api.ingest(SAMPLES / "835" / "835_valid_basic.x12", "gphp")
    page = (await (await as_(api, "gphp")).get("/console")).text
    march = re.search(r'<tr><th scope="row">2026-03</th>(.*?)</tr>', page)
    assert march, page
    cells = re.findall(r'<td class="num">([^<]*)', march.group(1))
    assert cells == ["0", "0", "—", "6", "2", "33.3% "]
    assert '<span class="badge warn">over target</span>' in march.group(1)
    assert "2026-03: 2 of 6 claims denied (33.3%)" in page
    assert "denial target 4.0%" in page
    # the target line is drawn at 4% of the plot's height above its bottom
    target = re.search(r'<line class="target" [^>]*y1="([0-9.]+)"', page)
    assert target and float(target.group(1)) == round(220 - 0.04 * 204, 1)


async def test_unknown_console_page_is_a_page(api: Api) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    anonymous = await api.client.get("/console/nothing-here")
    assert anonymous.status_code == 303
    client = await as_(api, "clinic-a")
    missing = await client.get("/console/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Signed in as" in missing.text


def test_an_items_segments_are_read_without_reading_the_whole_file(tmp_path: Path) -> None:
    """The item page reads the original file only as far as its last finding's line."""
    from edi_gateway.reports.explain import scan_file

    big = tmp_path / "big.x12"
    big.write_bytes(BASIC.read_bytes() * 2000)  # 2,000 interchanges, one after another
    whole = scan_file(big, {21})
    head = scan_file(big, {21}, segments_only=True)
    assert head.segments == whole.segments and head.segments[21].startswith("CLM*")
    assert len(whole.sets) == 2000 and len(head.sets) < 1000  # stopped after a batch or so
