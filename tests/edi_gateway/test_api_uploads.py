"""Uploads are bounded while they are read: raw or multipart, chunked or not, on
/v1/validate and /v1/submissions; over the limit is a 413 and nothing stays on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_support import Api
from conftest import SAMPLES

P837 = SAMPLES / "837p" / "837p_valid_basic.x12"  # ISA06 SUBMITTER9856
LIMIT = 100_000
CHUNK = 10_000
BOUNDARY = "edi-gateway-test-boundary"


class Counted:
    """A request body sent chunked (no Content-Length) that counts what was pulled."""

    def __init__(self, head: bytes, filler: int, tail: bytes) -> None:
        self.head, self.filler, self.tail = head, filler, tail
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in (self.head, *([b"A" * CHUNK] * (self.filler // CHUNK)), self.tail):
            self.sent += len(chunk)
            yield chunk


def _raw(size: int) -> tuple[Counted, str]:
    return Counted(b"", size, b""), "application/octet-stream"


def _multipart(size: int) -> tuple[Counted, str]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="big.x12"\r\nContent-Type: application/edi-x12\r\n\r\n'
    ).encode()
    return Counted(head, size, f"\r\n--{BOUNDARY}--\r\n".encode()), (
        f"multipart/form-data; boundary={BOUNDARY}"
    )


def _files_left(api: Api) -> list[Path]:
    root = Path(api.db.settings.data_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def _clinic(api: Api) -> dict[str, str]:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    api.client._transport.app.state.settings.max_upload_bytes = LIMIT  # type: ignore[attr-defined]
    return api.auth("clinic")


@pytest.mark.parametrize("route", ["/v1/validate", "/v1/submissions"])
@pytest.mark.parametrize("shape", [_raw, _multipart], ids=["raw", "multipart"])
async def test_chunked_upload_over_the_limit_stops_reading_at_the_limit(
    api: Api, route: str, shape
) -> None:
    auth = await _clinic(api)
    body, content_type = shape(10_000_000)
    response = await api.client.post(
        route, content=body, headers={**auth, "content-type": content_type}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["limit"] == LIMIT
    assert body.sent <= LIMIT + 65536 + 2 * CHUNK  # read up to the limit, not the 10 MB
    assert _files_left(api) == []


@pytest.mark.parametrize("route", ["/v1/validate", "/v1/submissions"])
async def test_declared_length_over_the_limit_is_refused_before_reading(
    api: Api, route: str
) -> None:
    auth = await _clinic(api)
    body, _ = _raw(LIMIT + CHUNK)
    response = await api.client.post(
        route,
        content=body,
        headers={**auth, "content-type": "text/plain", "content-length": str(LIMIT + CHUNK)},
    )
    assert response.status_code == 413
    assert body.sent == 0
    assert _files_left(api) == []


async def test_multipart_validate_reads_the_file_part_and_keeps_nothing(api: Api) -> None:
    auth = await _clinic(api)
    files = {"file": ("claims.x12", P837.read_bytes(), "application/edi-x12")}
    response = await api.client.post("/v1/validate", files=files, data={"note": "x"}, headers=auth)
    assert response.status_code == 200
    report = response.json()
    assert report["accepted"] is True and report["file"] == "claims.x12"
    assert _files_left(api) == []


async def test_multipart_upload_just_under_the_limit_is_stored_whole(api: Api) -> None:
    auth = await _clinic(api)
    body = P837.read_bytes()
    api.client._transport.app.state.settings.max_upload_bytes = len(body)  # type: ignore[attr-defined]
    files = {"file": ("claims.x12", body, "application/edi-x12")}
    response = await api.client.post("/v1/submissions", files=files, headers=auth)
    assert response.status_code == 202 and response.json()["size"] == len(body)
    stored = [p for p in _files_left(api) if p.suffix == ".x12"]
    assert [p.read_bytes() for p in stored] == [body]


@pytest.mark.parametrize("route", ["/v1/validate", "/v1/submissions"])
@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\nISA\r\n'
            f"--{BOUNDARY}--\r\n",
            415,
        ),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nISA',
            400,
        ),
        ("not multipart at all", 400),
    ],
    ids=["no-file-part", "unterminated", "garbage"],
)
async def test_broken_multipart_is_a_problem_not_a_500(
    api: Api, route: str, body: str, status: int
) -> None:
    auth = await _clinic(api)
    response = await api.client.post(
        route,
        content=body.encode(),
        headers={**auth, "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert _files_left(api) == []
