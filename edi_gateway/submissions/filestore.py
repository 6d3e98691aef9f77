"""Raw files kept byte-exact under the data directory, addressed by their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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

    def put_stream(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredBytes:
        """Copy a stream in (never holding it whole), fsync, and move it into place.

        Raises ``FileTooLarge`` (and keeps nothing) past ``max_bytes``.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            relative = self.relative_for(sha)
            target = self.path(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(tmp_name)
            else:
                os.replace(tmp_name, target)
            return StoredBytes(sha, size, relative)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_path(self, path: Path) -> StoredBytes:
        with open(path, "rb") as stream:
            return self.put_stream(stream)


class FileTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit:,}-byte limit")
        self.limit = limit
