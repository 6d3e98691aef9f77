"""Raw files kept byte-exact under the data directory, addressed by their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import StorageError

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredBytes:
    sha256: str
    size: int
    relative_path: str


class FileStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "files"

    def path(self, relative: str) -> Path:
        return self.root / relative

    @staticmethod
    def relative_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.x12"

    def incoming(self, max_bytes: int | None = None) -> Incoming:
        return Incoming(self, max_bytes)

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredBytes:
        """Copy a stream in (never holding it whole), fsync, and move it into place.

        Raises ``FileTooLarge`` (and keeps nothing) past ``max_bytes``.
        """
        incoming = self.incoming(max_bytes)
        try:
            while chunk := stream.read(CHUNK):
                incoming.write(chunk)
            return incoming.commit()
        finally:
            incoming.discard()

    def put_path(self, path: Path) -> StoredBytes:
        with open(path, "rb") as stream:
            return self.put_stream(stream)


class Incoming:
    """A file being received: written to a temporary file inside the store and hashed as
    it arrives; ``commit`` moves it to its content address, ``discard`` drops it."""

    def __init__(self, store: FileStore, max_bytes: int | None) -> None:
        store.root.mkdir(parents=True, exist_ok=True)
        fd, self.tmp_name = tempfile.mkstemp(dir=store.root, prefix=".incoming-")
        self.out = os.fdopen(fd, "wb")
        self.store = store
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise FileTooLarge(self.max_bytes)
        self.digest.update(chunk)
        self.out.write(chunk)

    def written(self) -> Path:
        """The bytes received so far as a closed file, to be read and then discarded."""
        self.out.close()
        return Path(self.tmp_name)

    def commit(self) -> StoredBytes:
        self.out.flush()
        os.fsync(self.out.fileno())
        self.out.close()
        sha = self.digest.hexdigest()
        relative = self.store.relative_for(sha)
        target = self.store.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(self.tmp_name)
        else:
            os.replace(self.tmp_name, target)
        return StoredBytes(sha, self.size, relative)

    def discard(self) -> None:
        if not self.out.closed:
            self.out.close()
        if os.path.exists(self.tmp_name):
            os.unlink(self.tmp_name)


class FileTooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit:,}-byte limit")
        self.limit = limit
