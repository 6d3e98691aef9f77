"""GET /v1/stats against a data set worked out by hand, on SQLite and PostgreSQL.

clinic-a sends the 5-claim 837P with one claim out of balance (4 accepted, 1 rejected),
then the corrected file (the corrected claim accepted, the 4 others duplicates): 2 files,
10 claims received, 5 accepted, 5 rejected, 50%. The plan's 835 pays 6 claims in March
2026, 2 of them denied (CLP02 = 4): a denial rate of 33.33%, over the 4% target. Open
items: the 4 duplicates and the 2 denials; the one closed item took no time to close."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from api_support import Api
from conftest import SAMPLES

BASIC = SAMPLES / "837p" / "837p_valid_basic.x12"
REMIT = SAMPLES / "835" / "835_valid_basic.x12"


async def _data(api: Api, tmp_path: Path) -> None:
    await api.partner("clinic-a", "provider", "SUBMITTER9856")
    await api.partner("clinic-b", "provider", "SUBMITTER9857")
    await api.partner("gphp", "plan", "GPHP1EDI")
    await api.partner("ops", "ops")
    bad = tmp_path / "bad.x12"
    bad.write_bytes(
        BASIC.read_bytes().replace(b"CLM*PCN267000032363*312*", b"CLM*PCN267000032363*313*")
    )
    fixed = tmp_path / "fixed.x12"
    fixed.write_bytes(BASIC.read_bytes().replace(b"514296314", b"514296315"))
    await api.ingest(bad, "clinic-a")
    await api.ingest(fixed, "clinic-a")
    await api.ingest(REMIT, "gphp")


async def test_figures_worked_out_by_hand(api: Api, tmp_path: Path) -> None:
    await _data(api, tmp_path)
    month = datetime.now(UTC).strftime("%Y-%m")
    stats = (await api.client.get("/v1/stats", headers=api.auth("ops"))).json()
    [a] = [c for c in stats["claims"] if c["partner"] == "clinic-a"]
    assert a == {
        "partner": "clinic-a",
        "period": month,
        "files": 2,
        "claims_received": 10,
        "claims_accepted": 5,
        "claims_rejected": 5,
        "acceptance_rate": 0.5,
    }
    [plan] = stats["plans"]
    assert (plan["plan"], plan["claims_received"], plan["acceptance_rate"]) == ("gphp", 10, 0.5)
    assert stats["top_rules"][0] == {"rule_id": "DUP", "items": 4}
    [d] = stats["denials"]
    assert (d["period"], d["claims_adjudicated"], d["claims_denied"]) == ("2026-03", 6, 2)
    assert (d["denial_rate"], d["target"], d["over_target"]) == (0.3333, 0.04, True)
    # each denied claim's CARCs, counted once per claim (CO-197 and CO-96 on one, CO-16 on
    # the other), ties by code
    assert d["top_carcs"] == [
        {"carc": "CO-16", "claims": 1},
        {"carc": "CO-197", "claims": 1},
        {"carc": "CO-96", "claims": 1},
    ]
    # open: the 4 duplicates and the 2 denials
    assert stats["open_items_by_age"] == {"0-7": 6, "8-30": 0, "31-60": 0, "61-90": 0, "91+": 0}
    assert stats["mean_days_to_resolve"] is not None and stats["mean_days_to_resolve"] < 0.01


async def test_a_provider_sees_only_its_own_figures(api: Api, tmp_path: Path) -> None:
    await _data(api, tmp_path)
    b = (await api.client.get("/v1/stats", headers=api.auth("clinic-b"))).json()
    assert b["claims"] == [] and b["plans"] == [] and b["top_rules"] == []
    assert b["open_items_by_age"]["0-7"] == 0
    week = (
        await api.client.get("/v1/stats", params={"period": "week"}, headers=api.auth("clinic-a"))
    ).json()
    [a] = week["claims"]
    assert a["period"].startswith(datetime.now(UTC).strftime("%Y-W")) and a["claims_received"] == 10
    target = (
        await api.client.get("/v1/stats", params={"denial_target": 0.5}, headers=api.auth("ops"))
    ).json()
    assert target["denials"][0]["over_target"] is False
