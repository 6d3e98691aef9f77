"""Every citation a reader meets can be opened (issue 18): each rule of each shipped guide,
and each guide, cites only http(s) URLs or pages the service serves (the implementation
guides as the validator reads them, the guides' rules), and those pages answer 200 with
the anchor cited; a guide citing something no one can open is refused when loaded; a
report's findings cite only such sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mappings.guides import KINDS, GuideError, list_guides, load_guide
from mappings.guides.model import citation_target, load_guide_file


def _all_citations() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in list_guides():
        guide = load_guide(name)
        assert guide.citations, f"{name} cites nothing"
        out += [(name, c) for c in guide.citations]
        for rule in guide.rules:
            assert rule.citations, f"{name} {rule.id} cites nothing"
            out += [(f"{name} {rule.id}", c) for c in rule.citations]
    return out


async def _check_target(api: Any, where: str, target: str | None, pages: dict[str, str]) -> None:
    assert target is not None, f"{where}: cites nothing a reader can open"
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        assert parts.scheme in ("http", "https") and "." in parts.netloc, (where, target)
        assert "shared/" not in target and not target.endswith(".md"), (where, target)
        return
    path, _, anchor = target.partition("#")
    if path not in pages:
        r = await api.client.get(path)  # no key: the reference pages are public
        assert r.status_code == 200, (where, target, r.status_code)
        assert r.headers["content-type"].startswith("text/html")
        pages[path] = r.text
    if anchor:
        assert f'id="{anchor}"' in pages[path], (where, target)


async def test_every_rule_cites_what_a_reader_can_open(api: Any) -> None:
    pages: dict[str, str] = {}
    cited = _all_citations()
    assert len(cited) > 100
    for where, citation in cited:
        await _check_target(api, where, citation_target(citation), pages)
    # the service's own pages were among them: every implementation guide used, every guide
    assert {p for p in pages if p.startswith("/reference/guides/")} == {
        f"/reference/guides/{n}" for n in list_guides()
    }
    assert "/reference/x12/005010X222A1" in pages


async def test_unknown_reference_pages_are_404(api: Any) -> None:
    for path in ("/reference/x12/004010X098A1", "/reference/guides/no-such-guide"):
        r = await api.client.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "source",
    [
        "shared/reference/companion-guide-rules.md",
        "companion-guide-rules R22 [S5]",
        "837d-x224a2.md section 6",
        "../shared/reference/acknowledgments.md",
    ],
)
def test_a_guide_citing_what_no_one_can_open_is_refused(tmp_path: Path, source: str) -> None:
    text = Path(__file__).resolve().parents[2] / "mappings/guides/data/medi-cal-encounters-837.yaml"
    path = tmp_path / "medi-cal-encounters-837.yaml"
    lines = text.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("    source:"))
    lines[at : at + 1] = [f"    source: {source!r}"]
    # drop the list items that followed the replaced key
    while lines[at + 1].startswith("      - "):
        del lines[at + 1]
    path.write_text("\n".join(lines))
    with pytest.raises(GuideError, match="names nothing a reader can open"):
        load_guide_file(path, dict(KINDS))


async def test_a_reports_findings_cite_only_what_opens(api: Any, samples: Path) -> None:
    await api.partner("clinic", "provider", "SUBMITTER9856")
    pages: dict[str, str] = {}
    for name in ("837p/837p_invalid_bad_code.x12", "837p/837p_invalid_bad_frequency_code.x12"):
        submission = await api.ingest(samples / name, "clinic")
        r = await api.client.get(f"/v1/submissions/{submission}/report", headers=api.auth("clinic"))
        report = r.json()
        findings = [
            *report["other_findings"],
            *(f for c in report["rejected_claims"] for f in c["findings"]),
            *(f for s in report["rejected_sets"] for f in s["findings"]),
        ]
        assert findings
        for f in findings:
            for text in (f["source"], f["guide_source"]):
                for citation in (text or "").split("; "):
                    if citation:
                        await _check_target(api, f["code"], citation_target(citation), pages)
        html = await api.client.get(
            f"/v1/submissions/{submission}/report?format=html", headers=api.auth("clinic")
        )
        assert 'href="/reference/' in html.text
