"""Error-correction reports per submission: what a provider's billing office reads to fix
and resubmit (JSON, CSV and one self-contained HTML page)."""

from .model import Report
from .render import CSV_COLUMNS, render_csv, render_html, render_json
from .service import ReportNotFound, build_report, report_for_file

__all__ = [
    "CSV_COLUMNS",
    "Report",
    "ReportNotFound",
    "build_report",
    "render_csv",
    "render_html",
    "render_json",
    "report_for_file",
]
