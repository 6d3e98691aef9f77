"""A pure X12 5010 library: bytes in, typed transactions and findings out.

Supported implementation guides: 834 (005010X220A1), 835 (005010X221A1), 837P
(005010X222A1), 837I (005010X223A2) and 837D (005010X224A2). Validation covers WEDI SNIP
levels 1 (X12 syntax) and 2 (implementation guide); acknowledgments are TA1 and 999.
"""

from .engine import FileEvent, SetEvent, UnitEvent, Validator, validate
from .envelope.state import SeenInterchanges
from .findings import Finding, Level, Severity
from .igmap import GUIDES, GuideInfo, guide_for, load_map
from .results import FileResult, GroupResult, InterchangeResult, TransactionSetResult
from .tokenizer import Delimiters
from .tree import Loop, Segment, TransactionHeader, Unit

__all__ = [
    "GUIDES",
    "Delimiters",
    "FileEvent",
    "FileResult",
    "Finding",
    "GroupResult",
    "GuideInfo",
    "InterchangeResult",
    "Level",
    "Loop",
    "SeenInterchanges",
    "Segment",
    "SetEvent",
    "Severity",
    "TransactionHeader",
    "TransactionSetResult",
    "Unit",
    "UnitEvent",
    "Validator",
    "guide_for",
    "load_map",
    "validate",
]
