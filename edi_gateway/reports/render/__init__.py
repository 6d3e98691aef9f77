"""The correction report as JSON (:mod:`.json`), CSV (:mod:`.csv`) or one HTML page
(:mod:`.html`): one module per format."""

from .csv import CSV_COLUMNS, render_csv
from .html import render_html
from .json import JSON_VERSION, render_json

__all__ = ["CSV_COLUMNS", "JSON_VERSION", "render_csv", "render_html", "render_json"]
