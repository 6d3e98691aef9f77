"""The service's HTML pages: Jinja2 templates under ``edi_gateway/templates`` (``base.html``,
the layout every page extends, then one folder per feature, e.g. ``reports/``) and the files
they use under ``edi_gateway/static``, which the app serves at ``/static``
(:mod:`.api.static`).

Autoescaping is on and an undefined name is an error. A page links a stylesheet with
``{{ stylesheet("report.css") }}``: a ``<link>`` under ``static_url`` when the page is
served, so that its Content-Security-Policy can refuse inline styles; the stylesheet itself
in a ``<style>`` element when ``static_url`` is ``None``, for a page saved to a file and
opened without the server.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from mappings.guides.model import citation_target

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "citations",
    "environment",
    "static_text",
    "stylesheet",
]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["stylesheet"] = stylesheet
    env.globals["citations"] = citations
    return env


def citations(text: str | None) -> list[tuple[str, str | None]]:
    """A source's citations (``; `` between them) as (label, link): the link is the
    citation's URL or page of the service, the label what comes before it."""
    out: list[tuple[str, str | None]] = []
    for item in (text or "").split("; "):
        target = citation_target(item)
        label = item[: item.rfind(target)].strip() if target else item.strip()
        if label or target:
            out.append((label, target))
    return out


@cache
def static_text(name: str) -> str:
    """A static file's text (read once)."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{name} cannot be copied into a page: it contains '</'")
    return text


@pass_context
def stylesheet(context: Context, name: str) -> Markup:
    """The stylesheet ``name`` (under ``static/``), linked or copied into the page."""
    static_url = context.get("static_url")
    if static_url is not None:
        return Markup('<link rel="stylesheet" href="{}">').format(f"{static_url}{name}")
    return Markup("<style>\n{}</style>").format(Markup(static_text(name)))
