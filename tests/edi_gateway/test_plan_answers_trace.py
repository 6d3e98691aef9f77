"""Our REF*D9 on every forwarded claim, and a plan's 277CA matched by it, on SQLite and
PostgreSQL: each claim we send carries a trace of its own (ISA13, ST02, position) that the
plan's 277CA echoes in 2200D REF*D9, so the answer finds its claim even when the plan
changed the CLM01 it answers with; a trace of another plan's file matches nothing."""

from __future__ import annotations

from api_support import Api
from test_plan_answers import _encounter, _forwarded, _plans_277, _submit

from mappings.claim_trace import claim_trace, parse_trace


def _with_traces(x277: bytes, traces: list[str]) -> bytes:
    """The 277CA with a REF*D9 in each claim's 2200D (after its TRN and STCs, where the
    277CA puts it), in the 277CA's claim order, SE counts fixed."""
    segments = [seg for seg in x277.decode().replace("\n", "").split("~") if seg]
    out: list[str] = []
    queue = list(traces)
    count = 0
    pending = False
    previous = ""
    for seg in segments:
        if pending and not seg.startswith("STC*"):
            out.append(f"REF*D9*{queue.pop(0)}")
            count += 1
            pending = False
        if seg.startswith("ST*"):
            count = 0
        count += 1
        if seg.startswith("SE*"):
            seg = f"SE*{count}*{seg.split('*')[2]}"
        pending = pending or (seg.startswith("TRN*2*") and previous.startswith("NM1*QC*"))
        previous = seg
        out.append(seg)
    assert not queue
    return ("~\n".join(out) + "~\n").encode()


async def test_every_forwarded_claim_carries_our_trace(api: Api) -> None:
    batch = await _forwarded(api)
    text = batch["data"].decode()
    for c in batch["forwarded_claims"]:
        trace = claim_trace(batch["interchange_control"], c["st_control"], c["position"])
        assert text.count(f"REF*D9*{trace}~") == 1
        assert parse_trace(trace) == (batch["interchange_control"], c["st_control"], c["position"])
    assert parse_trace("ABC") is None and parse_trace("12345") is None


async def test_the_plans_277ca_finds_claims_by_our_trace(api: Api) -> None:
    batch = await _forwarded(api)
    claims = batch["forwarded_claims"]
    # in the 277CA's order: set by set (its claims in order)
    by_set: dict[str, list[dict[str, object]]] = {}
    for c in claims:
        by_set.setdefault(str(c["st_control"]), []).append(c)
    traces = [
        claim_trace(batch["interchange_control"], st, int(str(c["position"])))
        for st, cs in by_set.items()
        for c in cs
    ]
    # the plan answers under CLM01s of its own (upper-cased and cut: not ours) and rejects
    # the first claim; only REF*D9 can tell which claim each answer is about
    x277 = _plans_277(batch, claims[0]["claim_id"], 701, claim_id="PLANREF")
    done = await _submit(api, "goldplan", _with_traces(x277, traces))
    assert done["status"] == "completed", done
    states = [
        (await _encounter(api, c["encounter_id"], "ops"))["plan_tracking"]["state"] for c in claims
    ]
    assert states[0] == "rejected_by_plan"
    assert set(states[1:]) == {"accepted_by_plan"}
    answers = await api.client.get("/v1/forwarding/answers", headers=api.auth("ops"))
    [answer] = answers.json()["items"]
    assert (answer["status"], answer["matched"], answer["unmatched"]) == ("matched", len(claims), 0)


async def test_a_trace_of_a_file_we_never_sent_matches_nothing(api: Api) -> None:
    batch = await _forwarded(api)
    claims = batch["forwarded_claims"]
    other = batch["interchange_control"] + 500
    traces = [claim_trace(other, c["st_control"], c["position"]) for c in claims]
    x277 = _plans_277(batch, "", 702, claim_id="PLANREF")
    await _submit(api, "goldplan", _with_traces(x277, traces))
    answers = await api.client.get("/v1/forwarding/answers", headers=api.auth("ops"))
    [answer] = answers.json()["items"]
    assert (answer["status"], answer["matched"]) == ("held", 0)
    states = {
        (await _encounter(api, c["encounter_id"], "ops"))["plan_tracking"]["state"] for c in claims
    }
    assert states == {"forwarded"}
