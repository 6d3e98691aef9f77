"""Guides kept beside the package (``EDI_GATEWAY_GUIDE_PATH``) change while the service
runs: a plan's analyst adds, edits or removes one, and the next file is checked with what
the directory then holds, without a restart (the listing is kept between files and made
again only when the directory changes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mappings.guides import GuideError, guide_for_receiver, list_guides, load_guide


def _write(directory: Path, name: str, title: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(
        f"guide: {name}\ntitle: {title}\nversion: '1'\ntransactions: [837P]\n"
        "applies_to: {receiver_ids: [LATERPLAN01]}\nrules:\n"
        "  - id: L-1\n    title: No original claims\n    snip: 7\n"
        "    severity: reject_claim\n    scope: claim\n    kind: allowed_values\n"
        "    params: {field: 2300/CLM05-3, values: ['7', '8']}\n"
        "    message: 'CLM05-3 {value} is not allowed'\n    fix: Send only replacements\n"
    )
    return path


def test_a_guide_added_edited_or_removed_is_seen_by_the_next_look_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDI_GATEWAY_GUIDE_PATH", str(tmp_path))
    shipped = list_guides()
    assert "added-later" not in shipped and guide_for_receiver("LATERPLAN01", "837P") is None

    path = _write(tmp_path, "added-later", "first title")
    assert list_guides() == sorted([*shipped, "added-later"])
    assert load_guide("added-later").title == "first title"
    found = guide_for_receiver("LATERPLAN01", "837P")
    assert found is not None and found.name == "added-later"

    _write(tmp_path, "added-later", "edited in place")
    assert load_guide("added-later").title == "edited in place"

    path.unlink()
    assert list_guides() == shipped
    assert guide_for_receiver("LATERPLAN01", "837P") is None
    with pytest.raises(GuideError, match="no guide named 'added-later'"):
        load_guide("added-later")
