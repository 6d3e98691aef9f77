"""Value references in companion-guide rules: ``LOOP/SEG[QUALIFIER]NN[-C]``.

Examples: ``2300/CLM02`` (claim total), ``2300/CLM05-3`` (frequency code),
``2300/REF[F8]02`` (original claim number), ``2400/SV102`` (every line charge),
``2010BA/NM109`` (member id), ``2300/DTP[472]03``, ``ISA/06`` and ``GS/02`` (envelope),
``2300/HI*`` (every composite of every HI segment, e.g. for diagnosis codes),
``2100/CAS03|06|09|12|15|18`` (several elements: every CAS amount).

A reference resolves to every matching value as a :class:`Hit` (value, segment, loop, element
reference), so rules can point a finding at the exact segment and element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from parsers.tree import Loop, Segment

__all__ = ["Hit", "ValuePath", "parse_path"]

_PATH = re.compile(
    r"^(?P<loop>[0-9A-Z_]+|\*)/(?P<seg>[A-Z][A-Z0-9]{1,2})"
    r"(?:\[(?P<qual>[^\]]*)\])?(?P<ele>\*|\d{2}(?:-\d{1,2})?(?:\|\d{2}(?:-\d{1,2})?)*)?$"
)
_ENVELOPE = re.compile(r"^(?P<seg>ISA|GS)/(?P<ele>\d{2})$")


@dataclass(frozen=True, slots=True)
class Hit:
    value: str
    segment: Segment | None
    loop: str | None
    element: str  # e.g. CLM05-3


@dataclass(frozen=True, slots=True)
class ValuePath:
    text: str
    loop: str  # IG loop id, "*" for any, or ISA/GS for the envelope
    segment: str
    qualifier: str | None
    element: str | None  # "02", "05-3", "*" (every composite), None (segment presence)

    @property
    def envelope(self) -> bool:
        return self.loop in ("ISA", "GS")

    def hits_in(self, loops: list[Loop]) -> list[Hit]:
        out: list[Hit] = []
        for loop in loops:
            for seg in loop.segments:
                if seg.elements[0] != self.segment:
                    continue
                if self.qualifier is not None and seg[1] != self.qualifier:
                    continue
                if self.element is None:
                    out.append(Hit(seg.elements[0], seg, loop.id, self.segment))
                elif self.element == "*":
                    start = 1 if self.qualifier is None else 2
                    for pos in range(start, len(seg.elements)):
                        if seg.elements[pos]:
                            out.append(
                                Hit(seg.elements[pos], seg, loop.id, f"{self.segment}{pos:02d}")
                            )
                else:
                    for element in self.element.split("|"):
                        ref = f"{self.segment}{element}"
                        value = seg[ref]
                        if value:
                            out.append(Hit(value, seg, loop.id, _display_ref(ref)))
        return out


def _display_ref(ref: str) -> str:
    head, _, comp = ref.partition("-")
    return f"{head}-{int(comp)}" if comp else head


@cache
def parse_path(text: str) -> ValuePath:
    """Parse a value reference; ValueError with a clear message when it is malformed."""
    env = _ENVELOPE.match(text)
    if env:
        return ValuePath(text, env["seg"], env["seg"], None, env["ele"])
    m = _PATH.match(text)
    if m is None:
        raise ValueError(
            f"{text!r} is not a value reference; write LOOP/SEG[QUALIFIER]NN[-C], e.g. "
            "2300/CLM02, 2300/REF[F8]02, 2400/SV101-2, 2010BA/NM109, ISA/06"
        )
    return ValuePath(text, m["loop"], m["seg"], m["qual"], m["ele"])
