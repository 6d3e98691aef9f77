"""Raw files kept byte-exact under the data directory, addressed by their SHA-256."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import InsufficientStorage, StorageError

log = logging.getLogger("edi_gateway.filestore")

CHUNK = 1 << 20
INCOMING_PREFIX = ".incoming-"
#: an upload file untouched for this long belongs to a process that stopped mid-upload
STALE_INCOMING_SECONDS = 3600.0


@contextmanager
def _disk_full_is_clear() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("the data directory is full (%s): an upload was refused", exc.strerror)
            raise StorageFull() from exc
        raise


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directories(directory: Path) -> None:
    """``mkdir -p`` whose new entries survive a power cut: each directory created is
    recorded by fsyncing its parent."""
    missing: list[Path] = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for new in reversed(missing):
        with suppress(FileExistsError):  # another process made it meanwhile
            new.mkdir()
        _fsync_directory(new.parent)


def durable_replace(source: str | Path, target: Path) -> None:
    """Move a file (already fsynced) to ``target`` so that, once this returns, the new
    name survives a crash: the directory holding it is fsynced after the rename."""
    make_directories(target.parent)
    os.replace(source, target)
    _fsync_directory(target.parent)


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

    def remove_stale_incoming(self, older_than: float = STALE_INCOMING_SECONDS) -> int:
        """Delete upload files left by a process that stopped mid-upload (untouched for
        ``older_than`` seconds, so uploads in progress in another process stay)."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for path in self.root.glob(f"{INCOMING_PREFIX}*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # finished or removed by its own process meanwhile
        return removed


class Incoming:
    """A file being received: written to a temporary file inside the store and hashed as
    it arrives; ``commit`` moves it to its content address, ``discard`` drops it."""

    def __init__(self, store: FileStore, max_bytes: int | None) -> None:
        with _disk_full_is_clear():
            store.root.mkdir(parents=True, exist_ok=True)
            fd, self.tmp_name = tempfile.mkstemp(dir=store.root, prefix=INCOMING_PREFIX)
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
        with _disk_full_is_clear():
            self.out.write(chunk)

    def written(self) -> Path:
        """The bytes received so far as a closed file, to be read and then discarded."""
        self.out.close()
        return Path(self.tmp_name)

    def commit(self) -> StoredBytes:
        with _disk_full_is_clear():
            self.out.flush()
            os.fsync(self.out.fileno())
            self.out.close()
        sha = self.digest.hexdigest()
        relative = self.store.relative_for(sha)
        target = self.store.path(relative)
        if target.exists():
            os.unlink(self.tmp_name)
        else:
            with _disk_full_is_clear():
                durable_replace(self.tmp_name, target)
        return StoredBytes(sha, self.size, relative)

    def discard(self) -> None:
        if not self.out.closed:
            # a full disk may refuse the buffered tail; the file is dropped anyway
            with suppress(OSError):
                self.out.close()
        if os.path.exists(self.tmp_name):
            os.unlink(self.tmp_name)


class FileTooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the {limit:,}-byte limit")
        self.limit = limit


class StorageFull(InsufficientStorage, StorageError):
    """The data directory's disk is full (answered 507): nothing of the file is kept."""

    def __init__(self) -> None:
        super().__init__(
            "The gateway's data directory is full, so nothing of this file was kept. "
            "Send it again later; the gateway's operators see this error in its log."
        )
