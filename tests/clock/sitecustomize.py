"""Python processes the tests start (``edi-gateway`` commands, workers) keep the tests'
clock: conftest.py puts this folder on their PYTHONPATH and the offset from the real clock
in EDI_TEST_CLOCK_OFFSET (seconds), so every process of a run sees the same pinned day."""

import os
import time

_offset = os.environ.get("EDI_TEST_CLOCK_OFFSET")
if _offset:
    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
