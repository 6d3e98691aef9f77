"""Uploads streamed to a sink with the byte limit checked as the body arrives, chunked or
not: a raw body, or the first file part of a multipart body. Nothing past the limit is read,
held in memory or spooled to disk."""

from __future__ import annotations

from typing import Protocol

import anyio
from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import BadRequest, TooLarge, Unsupported

RAW_TYPES = ("application/edi-x12", "text/plain", "application/octet-stream", "application/x12")
MULTIPART = "multipart/form-data"
#: room for the multipart boundaries, part headers and small form fields around the file
MULTIPART_OVERHEAD = 65536
#: a chunk of the body up to this size is written on the event loop, a larger one in a
#: worker thread (the file's fsync, at the end, always is)
INLINE_CHUNK = 65536

#: the request body of the upload routes in the OpenAPI document
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/edi-x12": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            MULTIPART: {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


class Sink(Protocol):
    def write(self, chunk: bytes) -> None: ...


def _too_large(limit: int, size: int | None = None) -> TooLarge:
    if size is None:
        return TooLarge(f"The upload is larger than the {limit:,}-byte limit", limit=limit)
    return TooLarge(f"The upload is {size:,} bytes; the limit is {limit:,} bytes", limit=limit)


def clean_filename(name: str) -> str:
    """A file name as stored: its last path component, without control characters (a NUL
    cannot be stored in PostgreSQL text), at most 255 characters."""
    name = "".join(c for c in name if c >= " " and c != "\x7f")
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255]


async def receive_upload(
    request: Request, sink: Sink, limit: int, fields: dict[str, str] | None = None
) -> str | None:
    """Write the upload to ``sink`` (in a worker thread, chunk by chunk); returns the file
    name given (a multipart file part's, else the X-Filename header), if any. Raises
    ``TooLarge`` as soon as more than ``limit`` bytes of file (plus ``MULTIPART_OVERHEAD``
    of multipart framing) have arrived. ``fields``, when given, receives the multipart
    body's small text fields (a form's CSRF token, say)."""
    content_type = request.headers.get("content-type", "application/octet-stream")
    media, options = parse_options_header(content_type)
    multipart = media.decode("latin-1").lower() == MULTIPART
    if not multipart and media.decode("latin-1").lower() not in RAW_TYPES:
        raise Unsupported(
            f"Content-Type {content_type!r} is not accepted; send the file as "
            "application/edi-x12, text/plain, application/octet-stream or multipart/form-data"
        )
    allowed = limit + (MULTIPART_OVERHEAD if multipart else 0)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > allowed:
        raise _too_large(limit, int(length))
    part: FilePart | None = None
    if multipart:
        boundary = options.get(b"boundary")
        if not boundary:
            raise BadRequest("The multipart Content-Type has no boundary")
        part = FilePart(boundary, sink, limit, fields)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > allowed:
            raise _too_large(limit)
        if len(chunk) <= INLINE_CHUNK:
            # into the page cache in microseconds: cheaper here than a thread's round trip
            if part is None:
                sink.write(chunk)
            elif chunk:
                part.feed(chunk)
        elif part is None:
            await anyio.to_thread.run_sync(sink.write, chunk)
        else:
            await anyio.to_thread.run_sync(part.feed, chunk)
    given = part.finish() if part is not None else request.headers.get("x-filename", "")
    return clean_filename(given) or None


#: text fields kept from a multipart body: at most this many, each cut at FIELD_BYTES
MAX_FIELDS = 20
FIELD_BYTES = 4096


class FilePart:
    """A multipart/form-data parser that hands the data of the first part carrying a file
    name to the sink as it is parsed, keeps small text fields in ``fields`` when asked to,
    and drops every other part."""

    def __init__(
        self, boundary: bytes, sink: Sink, limit: int, fields: dict[str, str] | None = None
    ) -> None:
        self.sink = sink
        self.fields = fields
        self._text_name: str | None = None
        self._text = bytearray()
        self.limit = limit
        self.size = 0
        self.filename: str | None = None
        self.in_file = False
        self.ended = False
        self._field = b""
        self._value = b""
        self._headers: dict[bytes, bytes] = {}
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.write(chunk)
        except MultipartParseError as exc:
            raise BadRequest("The multipart body is malformed") from exc

    def finish(self) -> str:
        if not self.ended:
            raise BadRequest("The multipart body ends before its closing boundary")
        if self.filename is None:
            raise Unsupported("The multipart upload has no file part")
        return self.filename

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"filename")
        if name is not None and self.filename is None:
            self.filename = name.decode("utf-8", "replace")
            self.in_file = True
        elif name is None and self.fields is not None and len(self.fields) < MAX_FIELDS:
            field = params.get(b"name")
            self._text_name = field.decode("utf-8", "replace") if field else None
            self._text = bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._text_name is not None:
            self._text += data[start:end][: FIELD_BYTES - len(self._text)]
            return
        if not self.in_file:
            return
        self.size += end - start
        if self.size > self.limit:
            raise _too_large(self.limit)
        self.sink.write(data[start:end])

    def _part_end(self) -> None:
        self.in_file = False
        if self._text_name is not None and self.fields is not None:
            self.fields.setdefault(self._text_name, self._text.decode("utf-8", "replace"))
        self._text_name = None

    def _end(self) -> None:
        self.ended = True
