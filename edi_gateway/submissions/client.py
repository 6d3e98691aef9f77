"""`edi-gateway submit`: upload a file to a gateway over HTTPS and fetch the results."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CHUNK = 1 << 20


def _progress(path: Path, total: int, stream: bool) -> Iterator[bytes]:
    sent = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sent += len(chunk)
            if stream:
                pct = 100 * sent // max(total, 1)
                bar = "#" * (pct // 4)
                print(f"\ruploading {path.name} [{bar:<25}] {pct:3d}%", end="", file=sys.stderr)
            yield chunk
    if stream:
        print(file=sys.stderr)


def submit(
    path: Path, url: str, key: str, wait: bool, timeout: float = 3600.0, verify: bool | str = True
) -> int:
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/edi-x12",
        "X-Filename": path.name,
    }
    total = path.stat().st_size
    show = sys.stderr.isatty()
    with httpx.Client(
        base_url=url.rstrip("/"), timeout=httpx.Timeout(60.0, read=timeout), verify=verify
    ) as client:
        try:
            response = client.post(
                "/v1/submissions", headers=headers, content=_progress(path, total, show)
            )
        except httpx.HTTPError as exc:
            print(f"could not reach {url}: {exc}", file=sys.stderr)
            return 2
        if response.status_code not in (200, 202):
            _problem(response)
            return 2
        accepted = response.json()
        note = " (already received; not stored again)" if accepted.get("repeated") else ""
        print(f"submitted {path.name}: submission {accepted['id']}{note}")
        if not wait:
            print(f"status: {accepted['status_url']}")
            return 0
        auth = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + timeout
        status = {}
        while time.monotonic() < deadline:
            status = client.get(f"/v1/submissions/{accepted['id']}", headers=auth).json()
            if status.get("status") in (
                "completed",
                "partially_accepted",
                "rejected",
                "held",
                "discarded",
                "failed",
            ):
                break
            if show:
                done = status.get("progress", {}).get("transaction_sets_done", 0)
                print(
                    f"\r{status.get('status')}: {done} transaction sets done",
                    end="",
                    file=sys.stderr,
                )
            time.sleep(0.5)
        if show:
            print(file=sys.stderr)
        counts = status.get("counts", {})
        print(
            f"{status.get('status', 'unknown').upper()}: "
            f"{counts.get('claims_accepted', 0)} accepted, "
            f"{counts.get('claims_rejected', 0)} rejected of {counts.get('claims_total', 0)}"
        )
        for kind in ("ta1", "999", "277ca"):
            url = f"/v1/submissions/{accepted['id']}/acks/{kind}"
            with client.stream("GET", url, headers=auth) as ack:
                if ack.status_code == 200:
                    out = path.with_name(f"{path.name}.{kind}")
                    with out.open("wb") as f:
                        for chunk in ack.iter_bytes():
                            f.write(chunk)
                    print(f"wrote {out}")
        if status.get("status") == "completed" and not counts.get("claims_rejected"):
            return 0
        return 1


def _problem(response: httpx.Response) -> None:
    try:
        body = response.json()
        print(f"{response.status_code} {body.get('title')}: {body.get('detail')}", file=sys.stderr)
    except ValueError:
        print(f"{response.status_code}: {response.text[:200]}", file=sys.stderr)
