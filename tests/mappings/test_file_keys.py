"""The keys "unique in the file" rules and the replacement check remember for a whole
file (issue 19: a worker's memory at a million claims): a set of strings to the rules, a
few bytes a key underneath, however many merges of its recent keys it has been through."""

from __future__ import annotations

import tracemalloc

from mappings.guides.filekeys import FileKeys


def test_answers_as_a_set_of_strings_across_merges() -> None:
    keys = FileKeys(merge_at=4)
    added = [f"1234567893|CLM{n:05d}" for n in range(0, 60, 2)]
    for key in added:
        assert key not in keys
        keys.add(key)
        assert key in keys
    keys.add(added[3])  # a key again: still one
    assert len(keys) == len(added) and len(keys.merged) >= 28
    assert all(k in keys for k in added)
    assert not any(f"1234567893|CLM{n:05d}" in keys for n in range(1, 60, 2))
    assert "1234567893|CLM" not in keys and "" not in keys
    keys.clear()
    assert len(keys) == 0 and added[0] not in keys


def test_a_hundred_thousand_keys_take_about_ten_bytes_each() -> None:
    texts = [f"1234567893|CLAIM{n:09d}" for n in range(100_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        keys = FileKeys()
        for text in texts:
            keys.add(text)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(keys) == 100_000 and texts[-1] in keys and texts[0] in keys
    # a set of these strings holds about 11 MB; the recent set (up to MERGE_AT) is most of it
    assert held < 4_000_000, held
