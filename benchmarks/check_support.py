"""What the ingest benchmarks share: the check stream alone, as the ingest runs it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path


def check_seconds(path: Path) -> float:
    """Seconds for the check stream alone as the ingest runs it (parse, SNIP 1-7, mapping,
    guides chosen by receiver, the ingest's garbage-collection setting), in this process,
    storing nothing."""
    from edi_gateway.submissions.gctune import fewer_collections
    from mappings.check import GuideSelection, check

    guides = GuideSelection(None, datetime.now(UTC).date(), by_receiver=True)
    start = time.perf_counter()
    with fewer_collections():
        for _ in check(str(path), guides):
            pass
    return time.perf_counter() - start
