"""A stored file survives a power cut once the gateway says it has it: the file is fsynced,
then renamed to its content address, then the directory that holds the new name (and any
directory created for it) is fsynced, in that order. Same for files dropped for a plan."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from edi_gateway.forwarding.delivery import drop_file
from edi_gateway.submissions.filestore import FileStore


def _record_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_a_stored_file_and_every_directory_naming_it_are_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path / "data")
    synced = _record_fsyncs(monkeypatch)
    stored = store.put_stream(io.BytesIO(b"ISA*00*~" * 100))
    target = store.path(stored.relative_path)
    assert target.read_bytes() == b"ISA*00*~" * 100
    # the bytes first (under the temporary name), then the two new directories' entries
    # in their parents, then the directory that now names the file
    assert Path(synced[0]).name.startswith(".incoming-")
    assert synced[1:] == [
        str(store.root),
        str(target.parent.parent),
        str(target.parent),
    ]

    # the same bytes again: already named, nothing is renamed
    synced.clear()
    assert store.put_stream(io.BytesIO(b"ISA*00*~" * 100)) == stored
    assert len(synced) == 1 and not list(store.root.glob(".incoming-*"))


def test_a_file_dropped_for_a_plan_is_fsynced_with_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _record_fsyncs(monkeypatch)
    outbox = tmp_path / "outbox" / "plan-a"
    drop_file(str(outbox), "837P_0001.x12", b"ISA*00*~")
    assert (outbox / "837P_0001.x12").read_bytes() == b"ISA*00*~"
    assert not list(outbox.glob(".*.partial"))
    assert synced == [
        str(tmp_path),  # "outbox" created
        str(tmp_path / "outbox"),  # "plan-a" created
        str(outbox / ".837P_0001.x12.partial"),
        str(outbox),
    ]
