"""The error-correction report of a submission: what a provider's billing office reads to
fix and resubmit.

Two entry points build the same :class:`~.model.Report`:

- :func:`build_report` from the database (any status): the submission, its interchanges and
  transaction sets, every finding (SNIP 1-7) and the claim outcomes, plus the original bytes
  from the file store for the offending segments;
- :func:`report_for_file` from a file alone (no database), validating it with the base guides
  and an optional plan guide as ``edi-gateway validate --guide`` does.

The report puts first what blocks everything (envelope problems and transaction sets
rejected as a whole), then one entry per rejected claim, each finding explained: what is
wrong, where, the value found and the value expected, the rule and its source, and the fix.
"""

from __future__ import annotations

from .from_file import report_for_file
from .stored import ReportNotFound, build_report

__all__ = ["ReportNotFound", "build_report", "report_for_file"]
