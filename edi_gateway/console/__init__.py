"""The web console under ``/console``: server-rendered pages (Jinja2 templates under
``templates/console``, their stylesheet and one small script under ``static/``) over the
same services as the API, for people signed in with an API key."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["install"]


def install(app: FastAPI) -> None:
    from . import audit, auth, dashboard, forwarding, members, queue, submissions

    # the dashboard last: it ends with the catch-all page of unknown addresses
    for module in (auth, queue, submissions, members, forwarding, audit, dashboard):
        app.include_router(module.router)
