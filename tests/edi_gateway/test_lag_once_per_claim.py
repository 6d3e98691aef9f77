"""R22 (encounter lag) is said once per claim, at its oldest late line, in the plan guide's
own words, and its code is never cut: the stored finding, the report (JSON, CSV, HTML), the
work queue and the 277CA carry ``R22-lag-line`` whole. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from x12_edit import dump, load, set_element

from edi_gateway.models import FindingRow
from edi_gateway.submissions.repository import AcknowledgmentRepository

CLAIMS = 5  # in the sample 837P


def _late_file(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    """The sample 837P with every line's service date 100 to 130 days before today; the
    service dates of each claim's lines."""
    segs = load("837P")
    today = dt.date.today()
    n = sum(1 for s in segs if s.startswith("DTP*472*"))
    for i in range(1, n + 1):
        day = today - dt.timedelta(days=100 + (i * 7) % 31)
        segs = set_element(segs, "DTP*472", i, 3, day.strftime("%Y%m%d"))
    lines: dict[str, list[str]] = {}
    claim = ""
    for s in segs:
        if s.startswith("CLM*"):
            claim = s.split("*")[1]
        elif s.startswith("DTP*472*"):
            lines.setdefault(claim, []).append(s.split("*")[3])
    path = tmp_path / "late.x12"
    path.write_bytes(dump(segs))
    return path, lines


async def test_r22_once_per_claim_in_the_plans_words(api: Any, tmp_path: Path) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    path, lines = _late_file(tmp_path)
    assert len(lines) == CLAIMS and sum(len(d) for d in lines.values()) > CLAIMS
    submission = await api.ingest(path, "clinic")
    async with api.db.sessionmaker() as s:
        found = (
            (
                await s.execute(
                    select(FindingRow).where(
                        FindingRow.submission_id == submission, FindingRow.rule_id == "R22-lag-line"
                    )
                )
            )
            .scalars()
            .all()
        )
        acks = AcknowledgmentRepository(s)
        ack = [await acks.get_content(submission, kind) for kind in await acks.kinds_of(submission)]
    assert sorted(f.claim_id or "" for f in found) == sorted(lines)
    for f in found:
        assert f.code == "R22-lag-line"
        assert f.message.startswith("This encounter was received ")
        dates = lines[f.claim_id or ""]
        assert f"; {len(dates)} service line(s) late)" in f.message
        assert f.value == min(dates)  # the oldest line is the one named
        assert f.message.endswith(
            "Medi-Cal managed care encounters are due within 90 days of the date of service, "
            "and at least monthly"
        )
        assert "of receipt" not in f.message

    texts = [b"".join(ack).decode()]
    for fmt in ("json", "csv", "html"):
        r = await api.client.get(
            f"/v1/submissions/{submission}/report?format={fmt}", headers=api.auth("clinic")
        )
        assert r.status_code == 200, r.text
        texts.append(r.text)
        assert "R22-lag-line" in r.text, fmt
    r = await api.client.get(
        f"/v1/rejections?submission_id={submission}", headers=api.auth("clinic")
    )
    assert r.status_code == 200
    texts.append(r.text)
    for text in texts:
        # every R22-lag-li is followed by "ne": the code is never cut
        assert text.count("R22-lag-li") == text.count("R22-lag-line")
    report = (
        await api.client.get(f"/v1/submissions/{submission}/report", headers=api.auth("clinic"))
    ).json()
    said = [f for f in report["other_findings"] if f["rule_id"] == "R22-lag-line"]
    assert sorted(f["claim_id"] for f in said) == sorted(lines)
    [problem] = [p for p in report["summary"]["top_problems"] if "R22-lag-line" in str(p)]
    assert problem["count"] == CLAIMS
