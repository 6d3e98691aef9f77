"""Value references in companion-guide rules: ``LOOP/SEG[QUALIFIER]NN[-C]``.

Examples: ``2300/CLM02`` (claim total), ``2300/CLM05-3`` (frequency code),
``2300/REF[F8]02`` (original claim number), ``2400/SV102`` (every line charge),
``2010BA/NM109`` (member id), ``2300/DTP[472]03``, ``ISA/06`` and ``GS/02`` (envelope),
``2300/HI*`` (every composite of every HI segment, e.g. for diagnosis codes),
``2100/CAS03|06|09|12|15|18`` (several elements: every CAS amount).

A reference resolves to every matching value as a :class:`Hit` (value, segment, loop, element
reference), so rules can point a finding at the exact segment and element. The resolution
itself is done once per segment for all references of a guide (``program.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from parsers.tree import Segment

__all__ = ["Hit", "ValuePath", "parse_path"]

_PATH: Final = re.compile(
    r"^(?P<loop>[0-9A-Z_]+|\*)/(?P<seg>[A-Z][A-Z0-9]{1,2})"
    r"(?:\[(?P<qual>[^\]]*)\])?(?P<ele>\*|\d{2}(?:-\d{1,2})?(?:\|\d{2}(?:-\d{1,2})?)*)?$"
)
_ENVELOPE: Final = re.compile(r"^(?P<seg>ISA|GS)/(?P<ele>\d{2})$")
#: the envelope elements a rule may read, and the transaction header field holding each
ENVELOPE_FIELDS: Final[dict[tuple[str, str], str]] = {
    ("ISA", "06"): "sender_id",
    ("ISA", "08"): "receiver_id",
    ("ISA", "13"): "isa_control_number",
    ("GS", "02"): "gs_sender_id",
    ("GS", "03"): "gs_receiver_id",
    ("GS", "06"): "gs_control_number",
    ("GS", "08"): "version",
}


class Hit:
    """One value a reference found: the value, its segment and loop, the element reference
    (e.g. ``CLM05-3``). Segment and loop are None for envelope values and running totals."""

    __slots__ = ("day", "element", "loop", "segment", "value")

    def __init__(self, value: str, segment: Segment | None, loop: str | None, element: str):
        self.value = value
        self.segment = segment
        self.loop = loop
        self.element = element
        #: the value as a date (a day number), worked out once by the first rule asking
        self.day = -1

    def __repr__(self) -> str:
        return f"Hit({self.value!r}, {self.loop}/{self.element})"


@dataclass(frozen=True)
class ValuePath:
    text: str
    loop: str  # IG loop id, "*" for any, or ISA/GS for the envelope
    segment: str
    qualifier: str | None
    element: str | None  # "02", "05-3", "03|06", "*" (every composite), None (presence)
    #: the element references as (position, component or 0, display ref), precomputed
    refs: tuple[tuple[int, int, str], ...] = ()

    @property
    def envelope(self) -> bool:
        return self.loop in ("ISA", "GS")


def _display_ref(ref: str) -> str:
    head, _, comp = ref.partition("-")
    return f"{head}-{int(comp)}" if comp else head


@cache
def parse_path(text: str) -> ValuePath:
    """Parse a value reference; ValueError with a clear message when it is malformed."""
    env = _ENVELOPE.match(text)
    if env:
        if (env["seg"], env["ele"]) not in ENVELOPE_FIELDS:
            known = ", ".join(f"{seg}/{ele}" for seg, ele in ENVELOPE_FIELDS)
            raise ValueError(f"{text!r} is not an envelope value guides can read; use {known}")
        return ValuePath(
            text,
            env["seg"],
            env["seg"],
            None,
            env["ele"],
            ((int(env["ele"]), 0, f"{env['seg']}{env['ele']}"),),
        )
    m = _PATH.match(text)
    if m is None or m["seg"] is None:
        raise ValueError(
            f"{text!r} is not a value reference; write LOOP/SEG[QUALIFIER]NN[-C], e.g. "
            "2300/CLM02, 2300/REF[F8]02, 2400/SV101-2, 2010BA/NM109, ISA/06"
        )
    element = m["ele"]
    refs: list[tuple[int, int, str]] = []
    if element and element != "*":
        for part in element.split("|"):
            pos_text, _, comp_text = part.partition("-")
            ref = f"{m['seg']}{part}"
            refs.append((int(pos_text), int(comp_text) if comp_text else 0, _display_ref(ref)))
    return ValuePath(text, m["loop"], m["seg"], m["qual"], element, tuple(refs))
