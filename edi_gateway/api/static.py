"""``/static``: the stylesheets and scripts of the service's pages (``edi_gateway/static``),
served by the app itself; no page loads anything from another host."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..templating import STATIC_DIR


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
