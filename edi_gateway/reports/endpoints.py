"""``GET /v1/submissions/{id}/report``: the correction report as HTML, CSV or JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ..api.deps import Caller, Session
from ..audit import audit
from ..errors import Problem
from ..submissions.service import get_submission
from .render import render_csv, render_html, render_json
from .service import build_report

router = APIRouter(prefix="/v1", tags=["reports"])

Format = Literal["html", "csv", "json"]
_MEDIA: dict[str, Format] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/csv": "csv",
    "application/json": "json",
}
#: the report holds patient names and member ids: never cached, never sniffed; the page may
#: load nothing from anywhere (it is self-contained) and runs no script
_HEADERS = {
    "Cache-Control": "no-store",
    "Vary": "Accept",
    "X-Content-Type-Options": "nosniff",
}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class NotAcceptable(Problem):
    status = 406
    title = "Not acceptable"


def negotiate(accept: str | None) -> Format:
    """The format for an Accept header: the acceptable type with the highest q (ties: the
    order given); JSON for */*, no header or no preference."""
    if not accept or not accept.strip():
        return "json"
    choices: list[tuple[float, int, Format]] = []
    wildcard = False
    for i, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        media = media.lower()
        q = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in _MEDIA:
            choices.append((q, i, _MEDIA[media]))
        elif media in ("*/*", "text/*", "application/*"):
            wildcard = True
            fallback: Format = "html" if media == "text/*" else "json"
            choices.append((q - 0.001, i, fallback))
    if not choices:
        if wildcard:
            return "json"
        raise NotAcceptable(
            f"Cannot answer with {accept!r}: the report is available as text/html, text/csv "
            "or application/json (or use ?format=html|csv|json)"
        )
    choices.sort(key=lambda c: (-c[0], c[1]))
    return choices[0][2]


@router.get(
    "/submissions/{submission_id}/report",
    summary="The error-correction report: what to fix in each rejected claim",
    description=(
        "The correction report of a submission, for the provider's billing office: the "
        "counts and amounts accepted and rejected, the most common problems, the problems "
        "that reject whole transaction sets, then each rejected claim with each problem "
        "explained (where, the value found and expected, the rule and its source, and how "
        "to fix it). Choose the format with `Accept: text/html | text/csv | application/json` "
        "or `?format=html|csv|json` (which wins). JSON is the default."
    ),
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/html": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        },
        404: {"description": "No such submission, or not one this key can see"},
        406: {"description": "None of the accepted media types can be produced"},
    },
)
async def get_report(
    submission_id: str,
    request: Request,
    session: Session,
    caller: Caller,
    requested: Annotated[
        Format | None, Query(alias="format", description="html, csv or json (overrides Accept)")
    ] = None,
) -> Response:
    visible_id = (await get_submission(session, caller, submission_id)).id
    fmt = requested or negotiate(request.headers.get("accept"))
    report = await build_report(session, request.app.state.settings, visible_id)
    await audit(session, caller, "download", f"report:{fmt}", visible_id)
    if fmt == "html":
        return HTMLResponse(
            render_html(report),
            headers={**_HEADERS, "Content-Security-Policy": _CSP},
        )
    if fmt == "csv":
        return Response(
            render_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                **_HEADERS,
                "Content-Disposition": f'attachment; filename="{visible_id}-report.csv"',
            },
        )
    return JSONResponse(render_json(report), headers=_HEADERS)
