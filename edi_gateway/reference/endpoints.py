"""``/reference``: public pages a report's citations point to (no key needed: they hold
no partner's data, only what ships with the service).

- ``/reference/x12/{version}`` (e.g. ``005010X222A1``): the implementation guide as the
  validator reads it (the pyx12 map it checks files with): every loop, segment and element
  with its usage, repeat, length and codes. Each segment has the anchor ``LOOP-SEG``
  (``#2300-CLM``), each loop ``LOOP``. The guide's full text (TR3) is sold by X12; this
  page is its structure.
- ``/reference/guides/{name}``: a companion guide shipped with the service, each rule
  under the anchor of its id (``#R22-lag-line``): what it checks, its severity, message,
  fix, 277CA status and citations.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from mappings.guides import GuideError, list_guides, load_guide
from mappings.guides.model import citation_target
from parsers.igmap import load_map
from parsers.igspec import GUIDES, CompositeSpec, ElementSpec, LoopSpec, SegmentSpec

from ..api.problems import problem_response
from ..templating import environment

__all__ = ["router"]

router = APIRouter(prefix="/reference", include_in_schema=False)

#: the implementation guides a citation may point to, by version (GS08)
_VERSIONS = {g.version: g for g in GUIDES}
_CODES_SHOWN = 40
_CSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'"


def _element_rows(segment: SegmentSpec) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for el in segment.elements:
        parts: tuple[ElementSpec, ...] = el.elements if isinstance(el, CompositeSpec) else (el,)
        if isinstance(el, CompositeSpec):
            rows.append({"ref": el.ref, "name": el.name, "usage": el.usage, "detail": ""})
        for part in parts:
            codes = sorted(part.codes) if part.codes else []
            shown = ", ".join(codes[:_CODES_SHOWN]) + (" ..." if len(codes) > _CODES_SHOWN else "")
            detail = f"data element {part.data_ele}, {part.min_len}-{part.max_len} characters"
            rows.append(
                {
                    "ref": part.ref,
                    "name": part.name,
                    "usage": part.usage,
                    "detail": f"{detail}; codes: {shown}" if shown else detail,
                }
            )
    return rows


def _loop_items(loop: LoopSpec, depth: int, seen: set[str]) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for child in loop.children:
        if isinstance(child, SegmentSpec):
            anchor = f"{loop.xid}-{child.xid}"
            items.append(
                {
                    "kind": "segment",
                    "anchor": anchor if anchor not in seen else "",
                    "id": child.xid,
                    "name": child.name,
                    "usage": child.usage,
                    "repeat": str(child.max_use),
                    "elements": _element_rows(child),
                    "depth": depth,
                }
            )
            seen.add(anchor)
        else:
            items.append(
                {
                    "kind": "loop",
                    "anchor": child.xid if child.xid not in seen else "",
                    "id": child.xid,
                    "name": child.name,
                    "usage": child.usage,
                    "repeat": str(child.repeat),
                    "depth": depth,
                }
            )
            seen.add(child.xid)
            items.extend(_loop_items(child, depth + 1, seen))
    return items


@cache
def _x12_page(version: str) -> str:
    guide = _VERSIONS[version]
    tmap = load_map(guide)
    return (
        environment()
        .get_template("reference/x12.html")
        .render(guide=guide, items=_loop_items(tmap.root, 0, set()), static_url="/static/")
    )


def _links(citations: tuple[str, ...]) -> list[dict[str, str]]:
    out = []
    for c in citations:
        target = citation_target(c) or ""
        out.append({"label": c[: len(c) - len(target)].strip() or target, "href": target})
    return out


@cache
def _guide_page(name: str) -> str:
    guide = load_guide(name)
    rules = [
        {
            "rule": rule,
            "links": _links(rule.citations),
            "stc": ":".join(v for v in (rule.stc or {}).values() if v),
        }
        for rule in guide.rules
    ]
    return (
        environment()
        .get_template("reference/guide.html")
        .render(guide=guide, rules=rules, links=_links(guide.citations), static_url="/static/")
    )


@router.get("/x12/{version}")
async def implementation_guide(version: str) -> Response:
    if version not in _VERSIONS:
        known = ", ".join(sorted(_VERSIONS))
        return problem_response(
            404, "Not found", f"No implementation guide {version!r}; known: {known}", "/reference"
        )
    return HTMLResponse(_x12_page(version), headers={"Content-Security-Policy": _CSP})


@router.get("/guides/{name}")
async def companion_guide(name: str) -> Response:
    if name not in list_guides():
        return problem_response(404, "Not found", f"No guide named {name!r}", "/reference")
    try:
        page = _guide_page(name)
    except GuideError as exc:  # a broken shipped guide: say which, never a 500
        return problem_response(503, "Guide unavailable", str(exc), "/reference")
    return HTMLResponse(page, headers={"Content-Security-Policy": _CSP})
